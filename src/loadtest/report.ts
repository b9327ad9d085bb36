import type { LoadTestReport } from '../check/evidence.js';
import { costOf, type CostSummary } from './cost.js';
import type { SweepStep } from './format.js';
import {
  countDistribution,
  distribution,
  type Distribution,
  type GoodLimits,
  type TimelinePoint,
} from './record.js';
import type { RunResult } from './run.js';
import { assessSaturation, SATURATION_LIMITS } from './saturation.js';
import type { Scalar, Threshold } from './slo.js';

export interface SloCheck {
  expression: string;
  actual: number | null;
  passed: boolean;
  /** The default error-rate gate (the SLO named no error rate). */
  default?: true;
}

export interface LoadSummary {
  requests: {
    total: number;
    ok: number;
    errors: number;
    /** Requests written to the server (warmup included). */
    sent: number;
    /** Requests an interrupt caught before they were sent. */
    cancelled: number;
    /** Measured requests that waited on the client (a connection, a --max-concurrency slot). */
    queued: number;
  };
  errorsByKind: Record<string, number>;
  errorRate: number;
  /** Achieved rate: successful completions per second over the time they took to complete. */
  rps: number;
  /** Offered rate: measured requests per second of the measured window (the schedule's rate). */
  offeredRps: number;
  latency: Distribution;
  ttft: Distribution;
  tpot: Distribution;
  itl: Distribution;
  /** Intended send time → handed to the HTTP client. */
  scheduleLag: Distribution;
  /** Handed to the HTTP client → written to a socket (`client_queue`): never part of latency. */
  clientQueue: Distribution;
  tokens: {
    output: number;
    perSecond: number;
    /** Requests whose output tokens were estimated (no usage from the server, no tokenizer). */
    estimatedRequests: number;
    /** Requests whose output tokens the tokenizer counted. */
    tokenizerRequests: number;
    /** Prompt tokens of the measured requests, where known. */
    input: number;
    inputPerSecond: number;
    /** Successful requests whose prompt tokens are unknown. */
    inputUnknownRequests: number;
  };
  /** Prompt tokens per request (counts). */
  inputTokens: Distribution;
  /** Output tokens per request (counts). */
  outputTokens: Distribution;
  /** Requests per second that met every per-request SLO. */
  goodput: number;
  /** Requests per second that met each per-request SLO on its own (only the limits given). */
  goodputBy: { latency?: number; ttft?: number; tpot?: number };
  timeline: TimelinePoint[];
  measuredSeconds: number;
  interrupted: boolean;
  generator: GeneratorHealth;
  cost?: CostSummary | undefined;
  warnings: string[];
}

/** Whether the numbers describe the server or the load generator. */
export interface GeneratorHealth {
  /** The generator itself was the bottleneck (event-loop delay, schedule lag, CPU combined). */
  saturated: boolean;
  /** The generator limited the run: requests waited on the client, or the schedule ran late. */
  limited: boolean;
  reasons: string[];
  eventLoopDelay: Distribution;
  cpuShare?: number | undefined;
  peakInFlight: number;
  peakConnections?: number | undefined;
}

export interface SummariseOptions {
  cpuShare?: number | undefined;
  /** The user's --max-concurrency: waiting for it is by request, not a generator limit. */
  maxConcurrency?: number | undefined;
  costPerHour?: number | undefined;
  goodLimits?: GoodLimits | undefined;
}

/**
 * The achieved rate: successful completions per second over the time the server took to answer
 * them. Open loop: the schedule's span (first to last measured request, plus one mean gap) plus
 * how much longer than its fastest answer the server still took at the end (the median of the
 * latest requests' intended-to-end times, less the fastest response), never shorter than the
 * measured window. A healthy server reads its offered rate; one driven past its capacity reads its
 * capacity, because its backlog drains after the schedule ends. A median, not the last request,
 * so one slow response does not read as a lost capacity. Closed loop: completions over the time
 * from the first measured request to the last completion.
 */
export function achievedRate(result: Pick<RunResult, 'recorder' | 'measuredMs' | 'mode'>): number {
  const r = result.recorder;
  if (r.ok === 0 || r.firstIntended === undefined || r.lastIntended === undefined || r.lastEnd === undefined)
    return 0;
  const windowMs = result.measuredMs;
  const fastest = r.latency.totalCount > 0 ? r.latency.minNonZeroValue / 1000 : 0;
  const spanMs =
    result.mode === 'rate'
      ? Math.max(
          windowMs,
          r.lastIntended - r.firstIntended + windowMs / r.total + Math.max(0, r.tailDrainMs() - fastest),
        )
      : Math.max(1e-3, r.lastEnd - r.firstIntended);
  return (r.ok / spanMs) * 1000;
}

export function summarise(result: RunResult, options: SummariseOptions = {}): LoadSummary {
  const r = result.recorder;
  const seconds = result.measuredMs / 1000;
  const errors = r.total - r.ok;
  const lag = distribution(r.lag);
  const clientQueue = distribution(r.clientQueue);
  const rps = achievedRate(result);
  const warnings: string[] = [];
  const saturation = assessSaturation({
    eventLoopDelay: result.eventLoopDelay,
    scheduleLag: lag,
    cpuShare: options.cpuShare,
  });
  const reasons = [...saturation.reasons];
  if (saturation.saturated)
    warnings.push(
      `the load generator is saturated (${saturation.reasons.join(', ')}): these numbers describe the client, not the server; use --workers or a bigger machine`,
    );
  let limited = saturation.saturated;
  if (r.queued > 0) {
    const waited = `${r.queued} requests waited on the client (client_queue p95 ${clientQueue.p95.toFixed(1)} ms, max ${clientQueue.max.toFixed(1)} ms)`;
    if (options.maxConcurrency !== undefined)
      warnings.push(
        `${waited} for a --max-concurrency ${options.maxConcurrency} slot: the concurrency cap, not the server, limited the rate; that wait is not in the latency`,
      );
    else {
      limited = true;
      reasons.push(waited);
      warnings.push(
        `${waited} for a free connection: the generator, not the server, limited the run (raise --max-connections); that wait is not in the latency`,
      );
    }
  }
  if (!saturation.saturated && lag.p99 >= SATURATION_LIMITS.scheduleLagP99Ms.soft) {
    limited = true;
    reasons.push(`schedule lag p99 ${lag.p99.toFixed(1)} ms`);
    warnings.push(
      `requests left up to ${lag.max.toFixed(1)} ms late (schedule lag p99 ${lag.p99.toFixed(1)} ms): the generator, not the server, limited the run`,
    );
  }
  if (r.tokensEstimated > 0)
    warnings.push(
      `output tokens of ${r.tokensEstimated} requests were estimated (no usage from the server and no --tokenizer): the larger of one token per streamed chunk and 4 characters per token`,
    );
  const goodLimits = options.goodLimits ?? {};
  const goodputBy: LoadSummary['goodputBy'] = {};
  for (const key of ['latency', 'ttft', 'tpot'] as const)
    if (goodLimits[key] !== undefined) goodputBy[key] = r.ok > 0 ? (r.goodBy[key] / r.ok) * rps : 0;
  const outputPerSecond = rps > 0 && r.ok > 0 ? (r.outputTokens / r.ok) * rps : 0;
  const summary: LoadSummary = {
    requests: {
      total: r.total,
      ok: r.ok,
      errors,
      sent: result.sent,
      cancelled: result.cancelled,
      queued: r.queued,
    },
    errorsByKind: Object.fromEntries([...r.errors].sort(([a], [b]) => a.localeCompare(b))),
    errorRate: r.total === 0 ? 0 : errors / r.total,
    rps,
    offeredRps: r.total / seconds,
    latency: distribution(r.latency),
    ttft: distribution(r.ttft),
    tpot: distribution(r.tpot),
    itl: distribution(r.itl),
    scheduleLag: lag,
    clientQueue,
    tokens: {
      output: r.outputTokens,
      perSecond: outputPerSecond,
      estimatedRequests: r.tokensEstimated,
      tokenizerRequests: r.tokensFromTokenizer,
      input: r.inputTokensTotal,
      inputPerSecond: rps > 0 && r.ok > 0 ? (r.inputTokensTotal / r.ok) * rps : 0,
      inputUnknownRequests: r.inputTokensMissing,
    },
    inputTokens: countDistribution(r.inputTokens),
    outputTokens: countDistribution(r.outputTokensPerRequest),
    goodput: r.ok > 0 ? (r.good / r.ok) * rps : 0,
    goodputBy,
    timeline: r.timeline(),
    measuredSeconds: seconds,
    interrupted: result.interrupted,
    generator: {
      saturated: saturation.saturated,
      limited,
      reasons,
      eventLoopDelay: result.eventLoopDelay,
      cpuShare: options.cpuShare,
      peakInFlight: result.peakInFlight,
      peakConnections: result.peakConnections,
    },
    warnings,
  };
  if (options.costPerHour !== undefined)
    summary.cost = costOf(options.costPerHour, summary.rps, summary.tokens.perSecond);
  return summary;
}

/** Judges the thresholds against the summary. A series with no data fails (nothing proves it). */
export function judge(summary: LoadSummary, thresholds: readonly Threshold[]): SloCheck[] {
  return thresholds.map((t) => {
    let actual: number | null;
    if ('series' in t.metric) {
      const d = summary[t.metric.series];
      actual = d.count === 0 ? null : d[t.metric.stat];
    } else {
      actual = scalarOf(summary, t.metric.scalar);
    }
    const passed = actual !== null && compare(actual, t.op, t.value);
    return {
      expression: t.source,
      actual: actual === null ? null : round(actual),
      passed,
      ...(t.isDefault ? { default: true as const } : {}),
    };
  });
}

function scalarOf(summary: LoadSummary, scalar: Scalar): number | null {
  switch (scalar) {
    case 'error_rate':
      return summary.errorRate;
    case 'rps':
      return summary.rps;
    case 'goodput':
      return summary.goodput;
    case 'tokens_per_s':
      return summary.tokens.perSecond;
    case 'cost_per_1k':
      return summary.cost?.per1kRequests ?? null;
    default:
      return summary.cost?.perMillionOutputTokens ?? null;
  }
}

function compare(a: number, op: Threshold['op'], b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

export interface FullReport extends LoadTestReport {
  tool: { name: string; version: string };
  target: { url: string; protocol: string };
  finishedAt: string;
  load: Record<string, unknown>;
  latencyMs: Record<string, number>;
  requests: Record<string, unknown>;
  summary: LoadSummary;
  /** Present when the run is partial: never evidence (check's load-test-evidence rule refuses it). */
  partial?: { reasons: string[] };
  generator: GeneratorHealth;
  warnings: string[];
  sweep?: SweepStep[];
  /** The highest sweep step that met the SLO before the knee. */
  knee?: SweepStep;
  cost?: CostSummary & { atKnee?: CostSummary };
  metrics?: Record<string, { peak: number; mean: number; samples: { second: number; value: number }[] }>;
}

export interface Regression {
  metric: string;
  baseline: number;
  current: number;
}

/**
 * Compares with a saved report: latency up or throughput down by more than `tolerance`, or error rate
 * up by over a point.
 */
export function compareBaseline(
  current: LoadSummary,
  baseline: LoadSummary,
  tolerance: number,
): Regression[] {
  const out: Regression[] = [];
  for (const key of ['p50', 'p95', 'p99'] as const) {
    if (baseline.latency.count > 0 && current.latency[key] > baseline.latency[key] * (1 + tolerance))
      out.push({
        metric: `latency ${key} (ms)`,
        baseline: baseline.latency[key],
        current: current.latency[key],
      });
  }
  if (baseline.ttft.count > 0 && current.ttft.p95 > baseline.ttft.p95 * (1 + tolerance))
    out.push({ metric: 'ttft p95 (ms)', baseline: baseline.ttft.p95, current: current.ttft.p95 });
  if (current.rps < baseline.rps * (1 - tolerance))
    out.push({ metric: 'requests/s', baseline: round(baseline.rps), current: round(current.rps) });
  if (current.errorRate > baseline.errorRate + 0.01)
    out.push({
      metric: 'error rate',
      baseline: round(baseline.errorRate),
      current: round(current.errorRate),
    });
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
