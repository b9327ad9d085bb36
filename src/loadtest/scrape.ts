import { redactText, redactUrl } from '../redact.js';

/**
 * Scrapes Prometheus text endpoints (DCGM exporter, the model server's /metrics) during a run,
 * onto the run's timeline. Only the sample lines are read; HELP/TYPE comments are skipped.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export interface Scraped {
  /** "metric{labels}" → samples by second. */
  series: Map<string, { second: number; value: number }[]>;
  errors: number;
  /** Per URL (redacted): scrapes tried, failed, and the last failure. */
  targets: { url: string; attempts: number; failures: number; lastError?: string }[];
}

const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+([-+]?(?:[0-9.]+(?:e[-+]?\d+)?|NaN|\+Inf|-Inf))(?:\s+\d+)?$/;

export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) out.set(m[1]!, value);
  }
  return out;
}

/** Metrics worth keeping from a scrape: GPU, memory, queue and batch gauges, not every histogram bucket. */
export const SCRAPE_KEEP =
  /DCGM_FI_DEV_(GPU_UTIL|FB_USED|FB_FREE|MEM_COPY_UTIL)|gpu|memory|queue|waiting|running|pending|inflight|batch|cache_usage|process_resident_memory_bytes/i;

/**
 * Scrapes each URL every `intervalMs` until stopped. `ready` resolves after the first round, so the
 * caller can report an unreachable endpoint before the load starts instead of after it. Userinfo in
 * a URL (user:password@) becomes a Basic Authorization header, since fetch refuses such URLs.
 */
export function startScraping(
  urls: readonly string[],
  options: { intervalMs: number; origin: number; now: () => number },
): { ready: Promise<Scraped['targets']>; stop(): Promise<Scraped> } {
  const targets: {
    fetchUrl: string;
    headers: Record<string, string>;
    url: string;
    attempts: number;
    failures: number;
    lastError?: string;
  }[] = urls.map((url) => ({ ...requestOf(url), url: redactUrl(url), attempts: 0, failures: 0 }));
  const scraped: Scraped = { series: new Map(), errors: 0, targets: [] };
  let running = true;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((done) => (markReady = done));
  const loop = async () => {
    while (running) {
      const second = Math.floor((options.now() - options.origin) / 1000);
      await Promise.all(
        targets.map(async (target) => {
          target.attempts++;
          try {
            const response = await fetch(target.fetchUrl, {
              headers: target.headers,
              signal: AbortSignal.timeout(Math.max(options.intervalMs, 1000)),
            });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            for (const [name, value] of parsePrometheusText(await response.text())) {
              if (!SCRAPE_KEEP.test(name) || name.includes('_bucket')) continue;
              const list = scraped.series.get(name) ?? [];
              if (list.length === 0) scraped.series.set(name, list);
              list.push({ second, value });
            }
          } catch (error) {
            scraped.errors++;
            target.failures++;
            target.lastError = reasonOf(error);
          }
        }),
      );
      markReady();
      if (running) await new Promise((done) => setTimeout(done, options.intervalMs));
    }
  };
  const done = loop();
  const report = (): Scraped['targets'] =>
    targets.map(({ url, attempts, failures, lastError }) => ({
      url,
      attempts,
      failures,
      ...(lastError !== undefined ? { lastError } : {}),
    }));
  return {
    ready: ready.then(report),
    async stop() {
      running = false;
      await done;
      scraped.targets = report();
      return scraped;
    },
  };
}

function requestOf(url: string): { fetchUrl: string; headers: Record<string, string> } {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return { fetchUrl: url, headers: {} };
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    parsed.username = '';
    parsed.password = '';
    return {
      fetchUrl: parsed.toString(),
      headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
    };
  } catch {
    return { fetchUrl: url, headers: {} };
  }
}

function reasonOf(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return redactText(e.cause?.code ?? e.cause?.message ?? e.message ?? String(error));
}
