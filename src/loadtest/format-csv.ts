import { stringify } from 'csv-stringify/sync';
import type { SweepStep } from './format.js';
import type { Distribution } from './record.js';
import type { FullReport } from './report.js';

const STATS = ['p50', 'p90', 'p95', 'p99', 'max', 'mean'] as const;
const SERIES = ['latency', 'ttft', 'tpot', 'itl'] as const;

/**
 * The report as CSV (csv-stringify quotes every field that needs it): one row per sweep step, or
 * one row for a single run; latencies in milliseconds, rates per second.
 */
export function formatLoadCsv(report: FullReport): string {
  const s = report.summary;
  const header = [
    'step',
    'offered_rps',
    'achieved_rps',
    'requests',
    'errors',
    'error_rate',
    ...SERIES.flatMap((name) => STATS.map((stat) => `${name}_${stat}_ms`)),
    'output_tokens_per_s',
    'goodput_rps',
    'cost_per_1k',
    'passed',
    'knee',
  ];
  const cells = (d: Distribution) => STATS.map((stat) => (d.count === 0 ? '' : d[stat]));
  const rows: unknown[][] = report.sweep
    ? report.sweep.map((step: SweepStep) => [
        step.value,
        step.offeredRps,
        step.achievedRps,
        '',
        '',
        step.errorRate,
        ...SERIES.flatMap((name) => cells(step[name])),
        step.tokensPerSecond,
        step.goodput,
        step.cost?.per1kRequests ?? '',
        step.passed,
        step.knee,
      ])
    : [
        [
          'run',
          round(s.offeredRps),
          round(s.rps),
          s.requests.total,
          s.requests.errors,
          round(s.errorRate),
          ...SERIES.flatMap((name) => cells(s[name])),
          round(s.tokens.perSecond),
          round(s.goodput),
          s.cost?.per1kRequests ?? '',
          report.slo.passed,
          '',
        ],
      ];
  return stringify([header, ...rows]);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
