import { UsageError } from '../errors.js';
import type { ModelManifest } from '../manifest/types.js';
import {
  compareBaseline,
  judge,
  summarise,
  type FullReport,
  type LoadSummary,
  type SloCheck,
} from './report.js';
import { prepare, type RequestTarget } from './protocols.js';
import type { PayloadSource } from './payloads.js';
import { runLoad, type Clock, type LoadModel } from './run.js';
import { startScraping } from './scrape.js';
import type { Sender } from './sender.js';
import { parseSlo, type Threshold } from './slo.js';
import type { LoadOutcome } from './format.js';

export interface LoadtestOptions {
  url: string;
  target: RequestTarget;
  payload: PayloadSource;
  load: LoadModel;
  durationMs?: number | undefined;
  maxRequests?: number | undefined;
  warmupMs: number;
  slo: Threshold[];
  metricsUrls: readonly string[];
  /** Open-loop rates to step through until the SLO breaks. */
  sweep?: number[] | undefined;
  baseline?: LoadSummary | undefined;
  tolerance: number;
  manifest?: ModelManifest | undefined;
  image?: string | undefined;
  version: string;
  signal?: AbortSignal | undefined;
  onProgress?: (line: string) => void;
  /** Process CPU time in microseconds (user + system), injected by the CLI. */
  cpuMicros?: () => number;
  random?: () => number;
}

export interface LoadtestDeps {
  sender: Sender;
  clock: Clock;
  now: () => Date;
}

/** Absurd loads are refused unless forced: a typo of one zero should not become a DoS. */
export function assertSaneLoad(load: LoadModel, force: boolean): void {
  if (force) return;
  if (load.mode === 'rate' && Math.max(load.rate, ...(load.stages ?? []).map((s) => s.rate)) > 5000)
    throw new UsageError(`--rate above 5000 requests/s is refused without --force`);
  if (load.mode === 'concurrency' && load.concurrency > 1000)
    throw new UsageError(`--concurrency above 1000 is refused without --force`);
}

/** The manifest's SLO as thresholds: p50/p95/p99 latency, error rate, TTFT and TPOT at p95. */
export function sloFromManifest(manifest: ModelManifest | undefined): Threshold[] {
  const slo = manifest?.spec.slo;
  if (!slo) return [];
  const parts: string[] = [];
  for (const key of ['p50', 'p95', 'p99'] as const)
    if (slo.latencyMs?.[key] !== undefined) parts.push(`${key}<${slo.latencyMs[key]}ms`);
  if (slo.errorRate !== undefined) parts.push(`error_rate<${slo.errorRate}`);
  if (slo.ttftMs !== undefined) parts.push(`ttft_p95<${slo.ttftMs}ms`);
  if (slo.tpotMs !== undefined) parts.push(`tpot_p95<${slo.tpotMs}ms`);
  return parts.length > 0 ? parseSlo(parts.join(',')) : [];
}

export async function runLoadtest(
  options: LoadtestOptions,
  deps: LoadtestDeps,
): Promise<{ outcome: LoadOutcome; report: FullReport }> {
  const startedAt = deps.now();
  const origin = deps.clock.now();
  const scraper =
    options.metricsUrls.length > 0
      ? startScraping(options.metricsUrls, {
          intervalMs: 1000,
          origin: origin + options.warmupMs,
          now: deps.clock.now,
        })
      : undefined;
  const goodLimits = goodLimitsOf(options.slo);
  // The same payload object gives the same request: prepare it once.
  let lastPayload: unknown;
  let lastRequest: ReturnType<typeof prepare> | undefined;
  const next = (i: number) => {
    const payload = options.payload(i);
    if (lastRequest === undefined || payload !== lastPayload) {
      lastPayload = payload;
      lastRequest = prepare(options.target, payload);
    }
    return lastRequest;
  };
  const cpuStart = options.cpuMicros?.();
  const run = (load: LoadModel) =>
    runLoad({
      sender: deps.sender,
      next,
      load,
      durationMs: options.durationMs,
      maxRequests: options.maxRequests,
      warmupMs: options.warmupMs,
      clock: deps.clock,
      signal: options.signal,
      goodLimits,
      random: options.random,
      onProgress: (p) => {
        const elapsedSeconds = (p.elapsedMs / 1000).toFixed(0);
        options.onProgress?.(
          `${elapsedSeconds}s: ${p.completed} done, ${p.errors} errors, ${p.inFlight} in flight`,
        );
      },
    });

  let summary: LoadSummary;
  let checks: SloCheck[];
  let sweep: LoadOutcome['sweep'];
  let bestRate: number | undefined;
  if (options.sweep && options.sweep.length > 0) {
    sweep = [];
    let last: { summary: LoadSummary; checks: SloCheck[] } | undefined;
    for (const rate of options.sweep) {
      const result = await run({ mode: 'rate', rate });
      const s = summarise(result);
      const c = judge(s, options.slo);
      const passed = c.every((x) => x.passed);
      sweep.push({ rate, rps: s.rps, p95: s.latency.p95, errorRate: s.errorRate, passed });
      last = { summary: s, checks: c };
      if (passed) bestRate = rate;
      if (!passed || result.interrupted) break;
    }
    summary = last!.summary;
    checks = last!.checks;
  } else {
    const wallStart = deps.clock.now();
    const result = await run(options.load);
    const cpuShare =
      cpuStart !== undefined && options.cpuMicros
        ? (options.cpuMicros() - cpuStart) / 1000 / Math.max(1, deps.clock.now() - wallStart)
        : undefined;
    summary = summarise(result, { cpuShare });
    checks = judge(summary, options.slo);
  }
  const scraped = scraper ? await scraper.stop() : undefined;
  const regressions = options.baseline ? compareBaseline(summary, options.baseline, options.tolerance) : [];
  const passed =
    checks.every((c) => c.passed) &&
    regressions.length === 0 &&
    (sweep === undefined || bestRate !== undefined);
  const metrics = scraped
    ? Object.fromEntries(
        [...scraped.series].map(([name, samples]) => [
          name,
          { peak: Math.max(...samples.map((s) => s.value)), samples },
        ]),
      )
    : undefined;
  const peakOf = (pattern: RegExp, scale = 1) => {
    const peaks = Object.entries(metrics ?? {})
      .filter(([name]) => pattern.test(name))
      .map(([, m]) => m.peak * scale);
    return peaks.length > 0 ? Math.max(...peaks) : undefined;
  };
  const manifest = options.manifest;
  const report: FullReport = {
    kind: 'LoadTestReport',
    formatVersion: 1,
    tool: { name: 'mlready', version: options.version },
    ...(manifest
      ? {
          service: manifest.metadata.name,
          model: { name: manifest.spec.model.name, version: manifest.spec.model.version },
        }
      : { model: { name: options.target.model, version: 'unknown' } }),
    ...((options.image ?? manifest?.spec.serving.image)
      ? { image: options.image ?? manifest?.spec.serving.image }
      : {}),
    target: { url: options.url, protocol: options.target.protocol },
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    load: {
      ...options.load,
      durationMs: options.durationMs,
      maxRequests: options.maxRequests,
      warmupMs: options.warmupMs,
    },
    slo: { passed, checks },
    peak: {
      ...(peakOf(/^(container_memory_working_set_bytes|process_resident_memory_bytes)/) !== undefined
        ? { memoryBytes: peakOf(/^(container_memory_working_set_bytes|process_resident_memory_bytes)/)! }
        : {}),
      ...(peakOf(/^DCGM_FI_DEV_FB_USED/, 1024 * 1024) !== undefined
        ? { gpuMemoryBytes: peakOf(/^DCGM_FI_DEV_FB_USED/, 1024 * 1024)! }
        : {}),
      rps: summary.rps,
      ...(options.load.mode === 'concurrency' ? { concurrency: options.load.concurrency } : {}),
    },
    latencyMs: { p50: summary.latency.p50, p95: summary.latency.p95, p99: summary.latency.p99 },
    requests: { total: summary.requests.total, errors: summary.requests.errors },
    summary,
    ...(metrics ? { metrics } : {}),
  };
  return { outcome: { target: options.url, summary, checks, regressions, passed, sweep, bestRate }, report };
}

/** Per-request limits for goodput: the latency, TTFT and TPOT values of the SLO (whatever the stat). */
function goodLimitsOf(slo: readonly Threshold[]): { latency?: number; ttft?: number; tpot?: number } {
  const limits: { latency?: number; ttft?: number; tpot?: number } = {};
  for (const t of slo) {
    if (!('series' in t.metric) || (t.op !== '<' && t.op !== '<=')) continue;
    const key = t.metric.series === 'itl' ? undefined : t.metric.series;
    if (key) limits[key] = Math.min(limits[key] ?? Infinity, t.value);
  }
  return limits;
}
