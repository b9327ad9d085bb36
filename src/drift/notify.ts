import { NetworkError, UsageError } from '../errors.js';
import { redactText, redactUrl } from '../redact.js';
import type { DriftReport } from './compare.js';

/**
 * An outgoing URL made usable: fetch refuses URLs with `user:password@`, so the userinfo moves into
 * an `Authorization: Basic` header. `shown` is what messages may print: the origin only, through the
 * redaction gate — a webhook's path is often its secret (Slack, Teams and Discord hooks).
 */
export interface Endpoint {
  url: string;
  shown: string;
  authorization?: string | undefined;
}

export function endpointOf(raw: string, option: string): Endpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${option} is not a URL: ${redactText(raw)}`, {
      hint: 'give an http:// or https:// URL',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${option} must be an http:// or https:// URL, got ${url.protocol}//…`);
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, shown: redactUrl(url.origin), authorization };
}

/**
 * Pushes the metrics to a Prometheus Pushgateway (PUT replaces this job's group).
 * https://github.com/prometheus/pushgateway#api
 */
export async function pushMetrics(
  gateway: Endpoint,
  service: string,
  body: string,
  timeoutMs = 10_000,
): Promise<number> {
  const base = gateway.url.replace(/\/+$/, '');
  const url = `${base}/metrics/job/mlready_drift/model/${encodeURIComponent(service)}`;
  const headers: Record<string, string> = { 'content-type': 'text/plain; version=0.0.4' };
  if (gateway.authorization) headers.authorization = gateway.authorization;
  const response = await send(
    url,
    { method: 'PUT', body, headers },
    timeoutMs,
    `the Pushgateway at ${gateway.shown}`,
  );
  return response.status;
}

/** Calls the retraining webhook with the drifted features. The URL's path and the token are never printed. */
export async function callRetrainingWebhook(
  hook: Endpoint,
  token: string | undefined,
  report: DriftReport,
  timeoutMs = 10_000,
): Promise<number> {
  const body = {
    event: 'critical_data_drift',
    model: report.model,
    reference: { sha256: report.reference.sha256, rows: report.reference.rows },
    current: { file: report.current.file, rows: report.current.rows },
    method: report.policy.method,
    datasetShare: report.dataset.share,
    datasetDrift: report.dataset.datasetDrift,
    drifted: report.features
      .filter((f) => f.status === 'warn' || f.status === 'critical')
      .map((f) => ({
        feature: f.feature,
        status: f.status,
        method: f.distribution.method,
        score: f.distribution.value,
        missingRateChange: f.completeness.change,
        typeChange: f.typeChange !== undefined,
      })),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  else if (hook.authorization) headers.authorization = hook.authorization;
  const response = await send(
    hook.url,
    { method: 'POST', body: JSON.stringify(body), headers },
    timeoutMs,
    `the retraining webhook at ${hook.shown}`,
  );
  return response.status;
}

/** Sends one request; a failure says what failed (the network cause or the HTTP status and body). */
async function send(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new NetworkError(`could not reach ${what}: ${causeOf(error, timeoutMs)}`, { cause: error });
  }
  if (!response.ok) {
    const text = await readSome(response);
    const statusText = response.statusText ? ` ${response.statusText}` : '';
    const detail = text ? `: ${redactText(text)}` : '';
    throw new NetworkError(`${what} answered HTTP ${response.status}${statusText}${detail}`);
  }
  await response.arrayBuffer();
  return response;
}

/** The reason a request failed, from undici's error chain: code and message, never the URL. */
function causeOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const inner = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = inner?.message ?? (error instanceof Error ? error.message : String(error));
  const code = inner?.code;
  // Node's messages name the address (connect ECONNREFUSED 127.0.0.1:9091), never the path.
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  return redactText(text);
}

/** The first 300 characters of an error response, on one line. */
async function readSome(response: Response): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return '';
  }
}
