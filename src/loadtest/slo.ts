import { UsageError } from '../errors.js';

/**
 * SLO expressions: a comma-separated list of `<metric><op><value>[unit]`.
 *
 *   metric := latency stat (p50 p90 p95 p99 p99.9 min max mean) for end-to-end latency,
 *             or ttft_<stat>, tpot_<stat>, itl_<stat> for LLM token timing,
 *             or error_rate, rps (achieved), goodput, tokens_per_s,
 *             cost_per_1k (per 1 000 requests), cost_per_1m_tokens (per million output tokens)
 *   op     := < | <= | > | >=
 *   value  := a number; latency units ms (default), s, us; rates may use %
 *
 * Example: p95<100ms,error_rate<1%,ttft_p95<500ms
 */
export type Stat = 'p50' | 'p90' | 'p95' | 'p99' | 'p99.9' | 'min' | 'max' | 'mean';
export type Series = 'latency' | 'ttft' | 'tpot' | 'itl';
export type Scalar = (typeof SCALARS)[number];

export interface Threshold {
  /** The text as written, for reports. */
  source: string;
  metric: { series: Series; stat: Stat } | { scalar: Scalar };
  op: '<' | '<=' | '>' | '>=';
  /** Milliseconds for latency series; a fraction for error_rate; per second for rates. */
  value: number;
  /** Added by mlready (the default error-rate gate), not written by the user. */
  isDefault?: boolean;
}

const STATS = ['p99.9', 'p50', 'p90', 'p95', 'p99', 'min', 'max', 'mean'] as const;
const SCALARS = [
  'error_rate',
  'rps',
  'goodput',
  'tokens_per_s',
  'cost_per_1k',
  'cost_per_1m_tokens',
] as const;
const TERM = /^\s*([a-z][a-z0-9_.]*)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*(ms|s|us|µs|%)?\s*$/;

export function parseSlo(text: string): Threshold[] {
  const thresholds: Threshold[] = [];
  let offset = 0;
  for (const part of text.split(',')) {
    const at = offset;
    offset += part.length + 1;
    if (part.trim() === '') throw sloError(text, at, 'empty term');
    const m = TERM.exec(part);
    if (!m) {
      const op = /(<=|>=|<|>)\s*/.exec(part);
      if (!op) throw sloError(text, at + part.search(/\S/), 'missing an operator (<, <=, >, >=)');
      // Point at what follows the operator: the value that did not parse.
      throw sloError(text, at + op.index + op[0].length, 'expected <metric><op><number>[unit]');
    }
    const [, name, op, number, unit] = m as unknown as [
      string,
      string,
      Threshold['op'],
      string,
      string | undefined,
    ];
    const nameAt = at + part.indexOf(name);
    const metric = parseMetric(name);
    if (!metric) {
      const latencyStats = STATS.join(' ');
      const scalars = SCALARS.join(' ');
      throw sloError(
        text,
        nameAt,
        `unknown metric "${name}" (latency: ${latencyStats}; token timing: ttft_/tpot_/itl_ + stat; ${scalars})`,
      );
    }
    const value = Number(number);
    thresholds.push({
      source: part.trim(),
      metric,
      op,
      value: convert(value, unit, metric, text, at + part.lastIndexOf(unit ?? number)),
    });
  }
  return thresholds;
}

function parseMetric(name: string): Threshold['metric'] | undefined {
  if ((SCALARS as readonly string[]).includes(name)) return { scalar: name as Scalar };
  if ((STATS as readonly string[]).includes(name)) return { series: 'latency', stat: name as Stat };
  const m = /^(ttft|tpot|itl)_(.+)$/.exec(name);
  if (m && (STATS as readonly string[]).includes(m[2]!))
    return { series: m[1] as Series, stat: m[2] as Stat };
  return undefined;
}

function convert(
  value: number,
  unit: string | undefined,
  metric: Threshold['metric'],
  text: string,
  at: number,
): number {
  if ('series' in metric) {
    if (unit === '%') throw sloError(text, at, 'a latency needs ms, s or us, not %');
    return unit === 's' ? value * 1000 : unit === 'us' || unit === 'µs' ? value / 1000 : value;
  }
  if (metric.scalar === 'error_rate') {
    if (unit && unit !== '%')
      throw sloError(text, at, 'error_rate is a fraction (0.01) or a percentage (1%)');
    return unit === '%' ? value / 100 : value;
  }
  if (unit) throw sloError(text, at, `${metric.scalar} takes no unit`);
  return value;
}

/** An error that shows the expression with a caret under the offending character. */
function sloError(text: string, at: number, message: string): UsageError {
  return new UsageError(
    `invalid SLO at character ${at + 1}: ${message}\n  ${text}\n  ${' '.repeat(Math.max(0, at))}^`,
  );
}
