import type { LoadTestReport } from '../check/evidence.js';
import { distribution, type Distribution, type TimelinePoint } from './record.js';
import type { RunResult } from './run.js';
import type { Threshold } from './slo.js';

export interface SloCheck {
  expression: string;
  actual: number | null;
  passed: boolean;
}

export interface LoadSummary {
  requests: { total: number; ok: number; errors: number; dropped: number };
  errorsByKind: Record<string, number>;
  errorRate: number;
  /** Achieved request rate over the measured window (requests per second). */
  rps: number;
  latency: Distribution;
  ttft: Distribution;
  tpot: Distribution;
  itl: Distribution;
  scheduleLag: Distribution;
  tokens: { output: number; perSecond: number; estimatedRequests: number };
  /** Requests per second that met every per-request SLO. */
  goodput: number;
  timeline: TimelinePoint[];
  measuredSeconds: number;
  interrupted: boolean;
  warnings: string[];
}

export function summarise(
  result: RunResult,
  saturation: { cpuShare?: number | undefined } = {},
): LoadSummary {
  const r = result.recorder;
  const seconds = result.measuredMs / 1000;
  const errors = r.total - r.ok;
  const lag = distribution(r.lag);
  const warnings: string[] = [];
  if (result.eventLoopP99Ms > 50 || lag.p99 > 50) {
    const eventLoopP99 = result.eventLoopP99Ms.toFixed(0);
    const lagP99 = lag.p99.toFixed(0);
    warnings.push(
      `the load generator is saturated (event-loop delay p99 ${eventLoopP99} ms, schedule lag p99 ${lagP99} ms): these numbers describe the client, not the server`,
    );
  }
  if (saturation.cpuShare !== undefined && saturation.cpuShare > 0.9) {
    const cpuPct = Math.round(saturation.cpuShare * 100);
    warnings.push(`the load generator used ${cpuPct}% of a CPU core: it may be the bottleneck`);
  }
  if (result.dropped > 0)
    warnings.push(
      `${result.dropped} requests were not sent because too many were in flight (client_saturated)`,
    );
  if (r.tokensEstimated > 0)
    warnings.push(
      `output tokens of ${r.tokensEstimated} requests were estimated (no usage from the server): one token per streamed chunk, or 4 characters per token`,
    );
  return {
    requests: { total: r.total, ok: r.ok, errors, dropped: result.dropped },
    errorsByKind: Object.fromEntries([...r.errors].sort(([a], [b]) => a.localeCompare(b))),
    errorRate: r.total === 0 ? 0 : errors / r.total,
    rps: r.total / seconds,
    latency: distribution(r.latency),
    ttft: distribution(r.ttft),
    tpot: distribution(r.tpot),
    itl: distribution(r.itl),
    scheduleLag: lag,
    tokens: {
      output: r.outputTokens,
      perSecond: r.outputTokens / seconds,
      estimatedRequests: r.tokensEstimated,
    },
    goodput: r.good / seconds,
    timeline: r.timeline(),
    measuredSeconds: seconds,
    interrupted: result.interrupted,
    warnings,
  };
}

/** Judges the thresholds against the summary. A series with no data fails (nothing proves it). */
export function judge(summary: LoadSummary, thresholds: readonly Threshold[]): SloCheck[] {
  return thresholds.map((t) => {
    let actual: number | null;
    if ('series' in t.metric) {
      const d = summary[t.metric.series];
      actual = d.count === 0 ? null : d[t.metric.stat];
    } else {
      actual =
        t.metric.scalar === 'error_rate'
          ? summary.errorRate
          : t.metric.scalar === 'rps'
            ? summary.rps
            : t.metric.scalar === 'goodput'
              ? summary.goodput
              : summary.tokens.perSecond;
    }
    const passed = actual !== null && compare(actual, t.op, t.value);
    return { expression: t.source, actual: actual === null ? null : round(actual), passed };
  });
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
  metrics?: Record<string, { peak: number; samples: { second: number; value: number }[] }>;
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
