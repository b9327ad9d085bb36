/**
 * Scrapes Prometheus text endpoints (DCGM exporter, the model server's /metrics) during a run,
 * onto the run's timeline. Only the sample lines are read; HELP/TYPE comments are skipped.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export interface Scraped {
  /** "metric{labels}" → samples by second. */
  series: Map<string, { second: number; value: number }[]>;
  errors: number;
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

export function startScraping(
  urls: readonly string[],
  options: { intervalMs: number; origin: number; now: () => number },
): { stop(): Promise<Scraped> } {
  const scraped: Scraped = { series: new Map(), errors: 0 };
  let running = true;
  const loop = async () => {
    while (running) {
      const second = Math.floor((options.now() - options.origin) / 1000);
      await Promise.all(
        urls.map(async (url) => {
          try {
            const response = await fetch(url, { signal: AbortSignal.timeout(options.intervalMs) });
            if (!response.ok) throw new Error(String(response.status));
            for (const [name, value] of parsePrometheusText(await response.text())) {
              if (!SCRAPE_KEEP.test(name) || name.includes('_bucket')) continue;
              const list = scraped.series.get(name) ?? [];
              if (list.length === 0) scraped.series.set(name, list);
              list.push({ second, value });
            }
          } catch {
            scraped.errors++;
          }
        }),
      );
      await new Promise((done) => setTimeout(done, options.intervalMs));
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      await done;
      return scraped;
    },
  };
}
