import { jsDistance, psi } from '../drift/stats.js';
import { DEFAULT_METRICS, driftDefaultsFor, type ModelManifest } from '../manifest/types.js';

/**
 * Prediction-aware release analysis: compares the distribution of what the new version predicts
 * with what stable predicts, from the `model_prediction_value` histogram both export.
 *
 * The query, per side, over the analysis window W (the time since the analysis began):
 *
 *   sum by (le) (increase(model_prediction_value_bucket{namespace="…",pod=~"…"}[W]))
 *
 * gives the cumulative count of predictions at or below each bucket boundary `le` (rate × W, so
 * the bucket rates by `le`). Adjacent differences are the counts per bucket and the `+Inf` bucket
 * is the number of predictions. PSI or the Jensen–Shannon distance is computed from the two sets of
 * per-bucket counts with the same functions as `mlready drift` (src/drift/stats.ts). Assumptions,
 * each checked: both sides use the same bucket boundaries (else "inconclusive"), and both have at
 * least `minSamples` predictions in the window (else "inconclusive": too little traffic is never a
 * pass). `increase` extrapolates to the window's edges, so counts are not integers; a bucket whose
 * extrapolated count dips below the one before it counts as 0.
 *
 * Per feature, `avg by (feature) (avg_over_time(model_feature_missing_rate{…}[W]))` on both sides:
 * a missing rate that grew by more than the drift `missing` thresholds is a finding too.
 */

export type PredictionMethod = 'psi' | 'js';

export interface PredictionPolicy {
  metric: string;
  featureMissingMetric: string;
  method: PredictionMethod;
  warn: number;
  critical: number;
  minSamples: number;
  missingWarn: number;
  missingCritical: number;
}

/** One series of an instant vector: its labels and value. */
export interface VectorSample {
  labels: Record<string, string>;
  value: number;
}

export interface PredictionComparison {
  /**
   * `absent`: stable exports no prediction histogram (nothing to compare: said, never passed);
   * `inconclusive`: too few predictions on a side, or different buckets.
   */
  verdict: 'good' | 'warn' | 'bad' | 'inconclusive' | 'absent';
  method: PredictionMethod;
  /** PSI or JS distance; undefined unless both sides had enough predictions over the same buckets. */
  value?: number | undefined;
  candidateSamples: number;
  stableSamples: number;
  reasons: string[];
  /** Features whose missing rate grew, with both rates. */
  missing: { feature: string; stable: number; candidate: number; verdict: 'warn' | 'bad' }[];
}

const DEFAULT_MIN_SAMPLES = 200;

/** The policy from `spec.rollout.analysis.prediction`, defaulting to the drift thresholds. */
export function predictionPolicy(manifest: ModelManifest): PredictionPolicy {
  const configured = manifest.spec.rollout?.analysis?.prediction ?? {};
  const drift = manifest.spec.monitoring?.drift;
  const method: PredictionMethod = configured.method ?? (drift?.method === 'js' ? 'js' : 'psi');
  const defaults = driftDefaultsFor(method)!;
  const driftThresholds = drift?.method === method ? drift : undefined;
  return {
    metric: manifest.spec.monitoring?.metrics?.prediction ?? DEFAULT_METRICS.prediction,
    featureMissingMetric: DEFAULT_METRICS.featureMissing,
    method,
    warn: configured.warn ?? driftThresholds?.warn ?? defaults.warn,
    critical: configured.critical ?? driftThresholds?.critical ?? defaults.critical,
    minSamples: configured.minSamples ?? DEFAULT_MIN_SAMPLES,
    missingWarn: drift?.missing?.warn ?? 0.05,
    missingCritical: drift?.missing?.critical ?? 0.2,
  };
}

export function bucketQuery(metric: string, selector: string, window: string): string {
  return `sum by (le) (increase(${metric}_bucket${selector}[${window}]))`;
}

export function missingRateQuery(metric: string, selector: string, window: string): string {
  return `avg by (feature) (avg_over_time(${metric}${selector}[${window}]))`;
}

/** Per-bucket counts from cumulative `le` series: boundaries ascending, `+Inf` last. */
export function bucketsFromCumulative(series: readonly VectorSample[]): { les: string[]; counts: number[] } {
  const rows = series
    .filter((s) => s.labels.le !== undefined && Number.isFinite(s.value))
    .map((s) => ({
      le: s.labels.le!,
      bound: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le),
      v: s.value,
    }))
    .filter((r) => !Number.isNaN(r.bound))
    .sort((a, b) => a.bound - b.bound);
  const counts: number[] = [];
  let previous = 0;
  for (const row of rows) {
    counts.push(Math.max(0, row.v - previous));
    previous = Math.max(previous, row.v);
  }
  return { les: rows.map((r) => r.le), counts };
}

const total = (counts: readonly number[]) => counts.reduce((a, b) => a + b, 0);

/** Compares the candidate's predictions (and feature missing rates) with stable's. Pure. */
export function comparePredictions(
  stableSeries: readonly VectorSample[],
  candidateSeries: readonly VectorSample[],
  policy: PredictionPolicy,
  missing: { stable: readonly VectorSample[]; candidate: readonly VectorSample[] } = {
    stable: [],
    candidate: [],
  },
): PredictionComparison {
  const stable = bucketsFromCumulative(stableSeries);
  const candidate = bucketsFromCumulative(candidateSeries);
  const stableSamples = Math.round(total(stable.counts));
  const candidateSamples = Math.round(total(candidate.counts));
  const base = {
    method: policy.method,
    stableSamples,
    candidateSamples,
    missing: compareMissing(missing, policy),
  };
  const missingReasons = base.missing.map(
    (m) => `feature ${m.feature} missing in ${pct(m.candidate)} of requests vs stable ${pct(m.stable)}`,
  );
  if (stable.les.length === 0)
    return {
      ...base,
      verdict: 'absent',
      reasons: [`stable exports no ${policy.metric} histogram: predictions not compared`],
    };
  if (candidate.les.length === 0)
    return {
      ...base,
      verdict: 'inconclusive',
      reasons: [`the new version exports no ${policy.metric} histogram`],
    };
  if (stable.les.join(',') !== candidate.les.join(','))
    return {
      ...base,
      verdict: 'inconclusive',
      reasons: [
        `${policy.metric} buckets differ (stable le=${stable.les.join(',')}; new le=${candidate.les.join(',')}): distributions not comparable`,
      ],
    };
  const few = [
    candidateSamples < policy.minSamples ? `new ${candidateSamples}` : undefined,
    stableSamples < policy.minSamples ? `stable ${stableSamples}` : undefined,
  ].filter((s) => s !== undefined);
  if (few.length > 0)
    return {
      ...base,
      verdict: 'inconclusive',
      reasons: [`too few predictions to compare (${few.join(', ')}; at least ${policy.minSamples} each)`],
    };
  const value =
    policy.method === 'psi'
      ? psi(stable.counts, candidate.counts)
      : jsDistance(stable.counts, candidate.counts);
  const name = policy.method === 'psi' ? 'PSI' : 'JS distance';
  const shown = `prediction ${name} ${value.toFixed(3)}`;
  const missingBad = base.missing.some((m) => m.verdict === 'bad');
  if (value > policy.critical || missingBad)
    return {
      ...base,
      verdict: 'bad',
      value,
      reasons: [
        ...(value > policy.critical ? [`${shown} above critical ${policy.critical}`] : []),
        ...missingReasons,
      ],
    };
  if (value > policy.warn || base.missing.length > 0)
    return {
      ...base,
      verdict: 'warn',
      value,
      reasons: [...(value > policy.warn ? [`${shown} above warning ${policy.warn}`] : []), ...missingReasons],
    };
  return { ...base, verdict: 'good', value, reasons: [`${shown} (critical ${policy.critical})`] };
}

function compareMissing(
  missing: { stable: readonly VectorSample[]; candidate: readonly VectorSample[] },
  policy: PredictionPolicy,
): PredictionComparison['missing'] {
  const stableBy = new Map(missing.stable.map((s) => [s.labels.feature, s.value]));
  const out: PredictionComparison['missing'] = [];
  for (const s of missing.candidate) {
    const feature = s.labels.feature;
    if (feature === undefined) continue;
    const before = stableBy.get(feature) ?? 0;
    const increase = s.value - before;
    if (increase > policy.missingCritical)
      out.push({ feature, stable: before, candidate: s.value, verdict: 'bad' });
    else if (increase > policy.missingWarn)
      out.push({ feature, stable: before, candidate: s.value, verdict: 'warn' });
  }
  return out.sort((a, b) => a.feature.localeCompare(b.feature));
}

const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
