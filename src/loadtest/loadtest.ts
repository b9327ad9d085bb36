import { UsageError } from '../errors.js';
import type { ModelManifest } from '../manifest/types.js';
import { redactUrl } from '../redact.js';
import { costOf, type CostSummary } from './cost.js';
import type { LoadOutcome, SweepStep } from './format.js';
import type { PayloadSource } from './payloads.js';
import { prepare, type RequestTarget } from './protocols.js';
import type { GoodLimits } from './record.js';
import {
  compareBaseline,
  judge,
  summarise,
  type FullReport,
  type LoadSummary,
  type SloCheck,
} from './report.js';
import { runLoad, type Clock, type LoadModel, type RunResult } from './run.js';
import { startScraping } from './scrape.js';
import type { Sender } from './sender.js';
import { parseSlo, type Threshold } from './slo.js';
import { mergeWorkerResults, type WorkerResult } from './workers.js';

/** The error-rate gate that applies when the SLO names none: a dead server never passes. */
export const DEFAULT_ERROR_RATE = 0.01;
/** Fewer measured requests than this make a partial run (`--min-requests`). */
export const DEFAULT_MIN_REQUESTS = 10;
/** A sweep step whose achieved rate is this far below the offered rate is past the knee. */
export const KNEE_SHORTFALL = 0.1;

export type Sweep = { kind: 'rate'; values: number[] } | { kind: 'concurrency'; values: number[] };

export interface LoadtestOptions {
  /** The endpoint as given; shown and saved only through redactUrl. */
  url: string;
  target: RequestTarget;
  payload: PayloadSource;
  load: LoadModel;
  durationMs?: number | undefined;
  maxRequests?: number | undefined;
  warmupMs: number;
  /** The SLO given (--slo or the manifest); the default error-rate gate is added when it has none. */
  slo: Threshold[];
  metricsUrls: readonly string[];
  /** Rates or concurrencies to step through until the knee or an SLO breach. */
  sweep?: Sweep | undefined;
  /** A max-throughput run (closed loop at the given concurrency), labelled as such. */
  profile?: 'throughput' | undefined;
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
  /** Price of the serving hardware per hour (--cost-per-hour, else the manifest's resources.costPerHour). */
  costPerHour?: number | undefined;
  minRequests?: number | undefined;
  /** A saturated generator fails the run (exit 1) instead of only warning. */
  strict?: boolean | undefined;
  /** Exact token counts (a Hugging Face tokenizer) for prompts and, without usage, outputs. */
  countTokens?: ((text: string) => number) | undefined;
}

/** Runs the load on N workers instead of in this process (`--workers`, `--kubernetes`). */
export interface WorkerPool {
  count: number;
  /** Runs every worker for one load (a sweep step); workers that returned nothing are `failures`. */
  run: (load: LoadModel) => Promise<{ results: WorkerResult[]; failures: string[] }>;
  /** Said in the report, e.g. "4 local processes" or "Indexed Job loadtest-x (4 pods)". */
  describe: string;
}

export interface LoadtestDeps {
  sender: Sender;
  clock: Clock;
  now: () => Date;
  workers?: WorkerPool | undefined;
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

/** The SLO with the default error-rate gate added when it names no error rate. */
export function withDefaultGate(slo: readonly Threshold[]): Threshold[] {
  if (slo.some((t) => 'scalar' in t.metric && t.metric.scalar === 'error_rate')) return [...slo];
  return [
    ...slo,
    {
      source: `error_rate<${DEFAULT_ERROR_RATE * 100}%`,
      metric: { scalar: 'error_rate' },
      op: '<',
      value: DEFAULT_ERROR_RATE,
      isDefault: true,
    },
  ];
}

export async function runLoadtest(
  options: LoadtestOptions,
  deps: LoadtestDeps,
): Promise<{ outcome: LoadOutcome; report: FullReport }> {
  const startedAt = deps.now();
  const origin = deps.clock.now();
  const thresholds = withDefaultGate(options.slo);
  if (
    options.costPerHour === undefined &&
    thresholds.some((t) => 'scalar' in t.metric && t.metric.scalar.startsWith('cost_'))
  )
    throw new UsageError(
      'an SLO on cost needs the hardware price: --cost-per-hour or resources.costPerHour in the manifest',
    );
  const scraper =
    options.metricsUrls.length > 0
      ? startScraping(options.metricsUrls, {
          intervalMs: 1000,
          origin: origin + options.warmupMs,
          now: deps.clock.now,
        })
      : undefined;
  const warnings: string[] = [];
  // Report an unreachable metrics endpoint before the load starts, and again in the report.
  if (scraper)
    for (const t of await scraper.ready)
      if (t.failures > 0) options.onProgress?.(`cannot scrape ${t.url}: ${t.lastError ?? 'failed'}`);
  const goodLimits = goodLimitsOf(thresholds);
  // The same payload object gives the same request: prepare it once.
  let lastPayload: unknown;
  let lastRequest: ReturnType<typeof prepare> | undefined;
  const next = (i: number) => {
    const payload = options.payload(i);
    if (lastRequest === undefined || payload !== lastPayload) {
      lastPayload = payload;
      lastRequest = prepare(options.target, payload, options.countTokens);
    }
    return lastRequest;
  };
  const maxConcurrency = options.load.mode === 'rate' ? options.load.maxConcurrency : undefined;
  const measure = async (
    load: LoadModel,
  ): Promise<{ result: RunResult; summary: LoadSummary; extra: RunExtra }> => {
    if (deps.workers) {
      const { results, failures } = await deps.workers.run(load);
      const merged = mergeWorkerResults(results, goodLimits);
      const summary = summarise(merged, {
        cpuShare: merged.cpuShare,
        maxConcurrency,
        costPerHour: options.costPerHour,
        goodLimits,
      });
      return {
        result: merged,
        summary,
        extra: { workers: merged.workers, startSpreadMs: merged.startSpreadMs, failures },
      };
    }
    const cpuStart = options.cpuMicros?.();
    const wallStart = deps.clock.now();
    const result = await runLoad({
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
        const p95 = p.recentP95 === undefined ? '' : `, p95 ${p.recentP95.toFixed(1)} ms`;
        options.onProgress?.(
          `${elapsedSeconds}s: ${p.completed} done, ${p.errors} errors, ${p.inFlight} in flight${p95}`,
        );
      },
    });
    const cpuShare =
      cpuStart !== undefined && options.cpuMicros
        ? (options.cpuMicros() - cpuStart) / 1000 / Math.max(1, deps.clock.now() - wallStart)
        : undefined;
    const summary = summarise(result, {
      cpuShare,
      maxConcurrency,
      costPerHour: options.costPerHour,
      goodLimits,
    });
    return { result, summary, extra: {} };
  };

  let summary: LoadSummary;
  let checks: SloCheck[];
  let last: RunResult;
  let extra: RunExtra;
  let sweep: SweepStep[] | undefined;
  let best: SweepStep | undefined;
  if (options.sweep && options.sweep.values.length > 0) {
    sweep = [];
    let previous: SweepStep | undefined;
    let lastStep:
      { summary: LoadSummary; checks: SloCheck[]; result: RunResult; extra: RunExtra } | undefined;
    for (const value of options.sweep.values) {
      const load: LoadModel =
        options.sweep.kind === 'rate'
          ? {
              ...(options.load.mode === 'rate' ? options.load : {}),
              mode: 'rate',
              rate: value,
              stages: undefined,
            }
          : { mode: 'concurrency', concurrency: value };
      const measured = await measure(load);
      const c = judge(measured.summary, thresholds);
      const step = sweepStep(options.sweep.kind, value, measured.summary, c, previous);
      sweep.push(step);
      lastStep = { summary: measured.summary, checks: c, result: measured.result, extra: measured.extra };
      if (step.passed && !step.knee) best = step;
      previous = step;
      if (!step.passed || step.knee || measured.result.interrupted) break;
    }
    summary = lastStep!.summary;
    checks = lastStep!.checks;
    last = lastStep!.result;
    extra = lastStep!.extra;
  } else {
    const measured = await measure(options.load);
    summary = measured.summary;
    checks = judge(summary, thresholds);
    last = measured.result;
    extra = measured.extra;
  }
  const scraped = scraper ? await scraper.stop() : undefined;
  for (const t of scraped?.targets ?? [])
    if (t.failures > 0)
      warnings.push(
        `metrics: ${t.failures} of ${t.attempts} scrapes of ${t.url} failed (${t.lastError ?? 'error'}): its metrics are missing from this report`,
      );
  if (extra.startSpreadMs !== undefined && extra.startSpreadMs > 1000)
    warnings.push(
      `the workers started up to ${(extra.startSpreadMs / 1000).toFixed(1)} s apart: their load overlapped only partly`,
    );

  const partial = [...partialReasons(options, last, summary), ...(extra.failures ?? [])];
  const regressions = options.baseline ? compareBaseline(summary, options.baseline, options.tolerance) : [];
  const strictFailure = options.strict === true && summary.generator.saturated;
  // A sweep ends on the step that broke the SLO or passed the knee: it passes when a step before
  // that met the SLO (the answer is that step); a single run passes when its checks do.
  const passed =
    partial.length === 0 &&
    !strictFailure &&
    regressions.length === 0 &&
    (sweep === undefined ? checks.every((c) => c.passed) : best !== undefined);
  const metrics = scraped
    ? Object.fromEntries(
        [...scraped.series].map(([name, samples]) => [
          name,
          {
            peak: Math.max(...samples.map((s) => s.value)),
            mean: samples.reduce((n, s) => n + s.value, 0) / samples.length,
            samples,
          },
        ]),
      )
    : undefined;
  const peakOf = (pattern: RegExp, scale = 1) => {
    const peaks = Object.entries(metrics ?? {})
      .filter(([name]) => pattern.test(name))
      .map(([, m]) => m.peak * scale);
    return peaks.length > 0 ? Math.max(...peaks) : undefined;
  };
  const costAtKnee: CostSummary | undefined =
    best && options.costPerHour !== undefined
      ? costOf(options.costPerHour, best.achievedRps, best.tokensPerSecond)
      : undefined;
  const manifest = options.manifest;
  const shownUrl = redactUrl(options.url);
  const memoryPeak = peakOf(/^(container_memory_working_set_bytes|process_resident_memory_bytes)/);
  const gpuMemoryPeak = peakOf(/^DCGM_FI_DEV_FB_USED/, 1024 * 1024);
  const allWarnings = [...summary.warnings, ...warnings];
  if (strictFailure) allWarnings.push('--strict: a saturated load generator fails the run');
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
    target: { url: shownUrl, protocol: options.target.protocol },
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    load: {
      ...(sweep ? { sweep: options.sweep } : {}),
      ...options.load,
      ...(options.profile ? { profile: options.profile } : {}),
      durationMs: options.durationMs,
      maxRequests: options.maxRequests,
      warmupMs: options.warmupMs,
      ...(deps.workers ? { workers: deps.workers.count, runner: deps.workers.describe } : {}),
    },
    ...(partial.length > 0 ? { partial: { reasons: partial } } : {}),
    // A partial run never passes, even for a reader that knows nothing of `partial`.
    slo: { passed: passed, checks },
    peak: {
      ...(memoryPeak !== undefined ? { memoryBytes: memoryPeak } : {}),
      ...(gpuMemoryPeak !== undefined ? { gpuMemoryBytes: gpuMemoryPeak } : {}),
      rps: summary.rps,
      ...(options.load.mode === 'concurrency' ? { concurrency: options.load.concurrency } : {}),
    },
    latencyMs: { p50: summary.latency.p50, p95: summary.latency.p95, p99: summary.latency.p99 },
    requests: { total: summary.requests.total, errors: summary.requests.errors },
    summary,
    generator: summary.generator,
    warnings: allWarnings,
    ...(sweep ? { sweep, ...(best ? { knee: best } : {}) } : {}),
    ...(summary.cost ? { cost: { ...summary.cost, ...(costAtKnee ? { atKnee: costAtKnee } : {}) } } : {}),
    ...(metrics ? { metrics } : {}),
  };
  return {
    outcome: {
      target: shownUrl,
      summary,
      checks,
      regressions,
      passed,
      sweep,
      sweepKind: options.sweep?.kind,
      best,
      partial,
      interrupted: last.interrupted,
      strictFailure,
      warnings: allWarnings,
      explicitSlo: options.slo.length > 0,
      profile: options.profile,
      costAtKnee,
      metrics: metrics
        ? Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, { peak: m.peak, mean: m.mean }]))
        : undefined,
      timeline: summary.timeline,
      workers: deps.workers?.describe,
    },
    report,
  };
}

interface RunExtra {
  workers?: number;
  startSpreadMs?: number;
  /** Workers that returned no result. */
  failures?: string[];
}

/** One sweep step, judged: its SLO, and whether the server fell behind (achieved vs offered). */
function sweepStep(
  kind: Sweep['kind'],
  value: number,
  s: LoadSummary,
  checks: SloCheck[],
  previous: SweepStep | undefined,
): SweepStep {
  // Rate: the server answers less than it is offered. Concurrency: more in flight no longer
  // raises throughput (less than half the gain the added concurrency would give).
  const knee =
    s.requests.ok === 0 ||
    (kind === 'rate'
      ? s.rps < s.offeredRps * (1 - KNEE_SHORTFALL)
      : previous !== undefined && s.rps < previous.achievedRps * (1 + (value / previous.value - 1) * 0.5));
  return {
    value,
    offeredRps: round(s.offeredRps),
    achievedRps: round(s.rps),
    tokensPerSecond: round(s.tokens.perSecond),
    latency: s.latency,
    ttft: s.ttft,
    tpot: s.tpot,
    itl: s.itl,
    errorRate: s.errorRate,
    errorsByKind: s.errorsByKind,
    goodput: round(s.goodput),
    passed: checks.every((c) => c.passed),
    failed: checks.filter((c) => !c.passed).map((c) => c.expression),
    knee,
    saturated: s.generator.saturated,
    ...(s.cost ? { cost: s.cost } : {}),
  };
}

/** Why a run is not evidence: interrupted, too few requests measured, or shorter than asked. */
function partialReasons(options: LoadtestOptions, result: RunResult, summary: LoadSummary): string[] {
  const reasons: string[] = [];
  if (result.interrupted) reasons.push('interrupted');
  const minimum = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  if (summary.requests.total < minimum)
    reasons.push(
      `measured ${summary.requests.total} requests, fewer than the minimum of ${minimum} (--min-requests)`,
    );
  if (options.durationMs !== undefined && options.maxRequests === undefined && options.sweep === undefined) {
    const asked = (options.durationMs - options.warmupMs) / 1000;
    if (result.stoppedEarly && summary.measuredSeconds < asked * 0.999)
      reasons.push(`ran ${summary.measuredSeconds.toFixed(1)} s of the ${asked.toFixed(1)} s asked`);
  }
  return reasons;
}

/** Per-request limits for goodput: the latency, TTFT and TPOT values of the SLO (whatever the stat). */
function goodLimitsOf(slo: readonly Threshold[]): GoodLimits {
  const limits: GoodLimits = {};
  for (const t of slo) {
    if (!('series' in t.metric) || (t.op !== '<' && t.op !== '<=')) continue;
    const key = t.metric.series === 'itl' ? undefined : t.metric.series;
    if (key) limits[key] = Math.min(limits[key] ?? Infinity, t.value);
  }
  return limits;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
