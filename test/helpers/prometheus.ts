import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Histogram, Registry } from 'prom-client';

/** Buckets of the exporters' `model_prediction_value` histogram (a score in [0, 1]). */
export const PREDICTION_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * A loopback server exporting a model's prom-client metrics, with latency and errors the test sets,
 * and optionally a `model_prediction_value` histogram: scores spread ±0.25 around `center`, one
 * every `every` requests.
 */
export interface ModelExporter {
  url: string;
  set: (latencySeconds: number, errorRate: number) => void;
  predict: (prediction: { center: number; every?: number } | undefined) => void;
  /** Stops (or resumes) the synthetic traffic. */
  pause: (paused: boolean) => void;
  /** The exporter's own per-bucket prediction counts (not cumulative), `+Inf` last. */
  predictionCounts: () => Promise<number[]>;
  close: () => Promise<void>;
}

export async function startModelExporter(latencySeconds: number, errorRate = 0): Promise<ModelExporter> {
  const registry = new Registry();
  const latency = new Histogram({
    name: 'model_inference_duration_seconds',
    help: 'inference latency',
    buckets: [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'model_inference_errors_total',
    help: 'failed inferences',
    registers: [registry],
  });
  // Registered on the first predict(): an exporter without predictions exports no histogram at all.
  let prediction: Histogram | undefined;
  let current = { latencySeconds, errorRate };
  let predicting: { center: number; every?: number } | undefined;
  let paused = false;
  let n = 0;
  // 50 requests/s of synthetic traffic, spread ±10 % around the set latency.
  const traffic = setInterval(() => {
    if (paused) return;
    n++;
    if (prediction && predicting && n % (predicting.every ?? 1) === 0) {
      const score = predicting.center + 0.5 * (((n * 37) % 100) / 100 - 0.5);
      prediction.observe(Math.min(1, Math.max(0, score)));
    }
    latency.observe(current.latencySeconds * (0.9 + (0.2 * ((n * 37) % 100)) / 100));
    if (n % 100 < current.errorRate * 100) errors.inc();
  }, 20);
  const server: Server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `127.0.0.1:${port}`,
    set: (l, e) => {
      current = { latencySeconds: l, errorRate: e };
    },
    predict: (p) => {
      prediction ??= new Histogram({
        name: 'model_prediction_value',
        help: 'predicted score',
        buckets: PREDICTION_BUCKETS,
        registers: [registry],
      });
      predicting = p;
    },
    pause: (p) => {
      paused = p;
    },
    predictionCounts: async () => {
      const values = (await prediction!.get()).values.filter((v) => v.metricName?.endsWith('_bucket'));
      const cumulative = values.map((v) => v.value);
      return cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!));
    },
    close: async () => {
      clearInterval(traffic);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrometheusServer {
  url: string;
  close: () => Promise<void>;
}

/** The real Prometheus (Debian's package) on 127.0.0.1, scraping the given targets every second. */
export async function startPrometheus(
  targets: { address: string; labels: Record<string, string> }[],
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-prom-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      { job_name: 'model', static_configs: targets.map((t) => ({ targets: [t.address], labels: t.labels })) },
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('prometheus did not start');
    await sleep(100);
  }
  return {
    url,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until Prometheus has `minSamples` scrapes of every target in its rate window. */
export async function waitForSamples(url: string, query: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
      data: { result: unknown[] };
    };
    if (body.data.result.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no data for ${query}`);
    await sleep(250);
  }
}
