import { NetworkError } from '../errors.js';
import type { DriftReport } from './compare.js';

/**
 * Pushes the metrics to a Prometheus Pushgateway (PUT replaces this job's group).
 * https://github.com/prometheus/pushgateway#api
 */
export async function pushMetrics(
  gateway: string,
  service: string,
  body: string,
  timeoutMs = 10_000,
): Promise<number> {
  const url = `${gateway.replace(/\/+$/, '')}/metrics/job/mlready_drift/model/${encodeURIComponent(service)}`;
  const response = await send(
    url,
    { method: 'PUT', body, headers: { 'content-type': 'text/plain; version=0.0.4' } },
    timeoutMs,
    'the Pushgateway',
  );
  return response.status;
}

/** Calls the retraining webhook with the drifted features. The URL and token are never printed. */
export async function callRetrainingWebhook(
  url: string,
  token: string | undefined,
  report: DriftReport,
  timeoutMs = 10_000,
): Promise<number> {
  const body = {
    event: 'critical_data_drift',
    model: report.model,
    reference: { sha256: report.reference.sha256, rows: report.reference.rows },
    current: { file: report.current.file, rows: report.current.rows },
    method: report.thresholds.method,
    datasetShare: report.dataset.share,
    drifted: report.features
      .filter((f) => f.status !== 'ok')
      .map((f) => ({ feature: f.feature, status: f.status, score: f.score, method: f.method })),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await send(
    url,
    { method: 'POST', body: JSON.stringify(body), headers },
    timeoutMs,
    'the retraining webhook',
  );
  return response.status;
}

async function send(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const inner = (error as { cause?: { code?: string; message?: string } }).cause;
    const cause =
      inner?.code ??
      (error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : inner?.message) ??
      'error';
    // Only the kind of failure: the URL may carry credentials.
    throw new NetworkError(`could not reach ${what} (${cause})`, { cause: error });
  }
  if (!response.ok) throw new NetworkError(`${what} answered HTTP ${response.status}`);
  await response.arrayBuffer();
  return response;
}
