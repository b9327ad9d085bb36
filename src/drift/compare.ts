import { DRIFT_DEFAULTS } from '../manifest/types.js';
import { foldCounts, type CurrentSummary, type DriftProfile } from './profile.js';
import { jsDistance, ksFromHistograms, ksPValue, psi, sum } from './stats.js';

export type DriftMethod = 'psi' | 'ks' | 'js';
export type DriftStatus = 'ok' | 'warn' | 'critical';

export interface Thresholds {
  method: DriftMethod;
  warn: number;
  critical: number;
  /** Share of drifted (warn or critical) features above which the dataset counts as drifted. */
  datasetShare: number;
}

export { DRIFT_DEFAULTS as DEFAULT_THRESHOLDS } from '../manifest/types.js';

export interface FeatureDrift {
  feature: string;
  type: 'numeric' | 'categorical';
  /** The feature is the model's prediction (prediction drift). */
  prediction: boolean;
  psi: number;
  ks?: { statistic: number; pValue: number };
  js?: number;
  /** The value judged against the thresholds (the configured method, or PSI where it does not apply). */
  score: number;
  method: DriftMethod;
  status: DriftStatus;
  missingRate: { reference: number; current: number; change: number };
  /** Non-numeric values in a numeric column of the current data. */
  invalid: number;
  /** Categories the reference never saw, with their current counts. */
  unseen?: Record<string, number>;
  /** Share of rows per PSI bin (numeric) or category, reference and current, for plots. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
}

export interface DriftReport {
  kind: 'DriftReport';
  model: DriftProfile['model'];
  reference: { file: string; rows: number; sha256: string };
  current: { file: string; rows: number };
  thresholds: Thresholds;
  features: FeatureDrift[];
  dataset: { driftedFeatures: number; total: number; share: number; drifted: boolean; critical: string[] };
  status: DriftStatus;
}

/** Compares current data with the reference profile, feature by feature, and judges it. */
export function compare(profile: DriftProfile, current: CurrentSummary, thresholds: Thresholds): DriftReport {
  const features: FeatureDrift[] = [];
  for (const [name, ref] of Object.entries(profile.features)) {
    const cur = current.features[name]!;
    const refPresent = ref.type === 'numeric' ? sum(ref.counts) : ref.rows - ref.missing;
    const missingRate = {
      reference: ref.rows === 0 ? 0 : ref.missing / ref.rows,
      current: cur.rows === 0 ? 0 : cur.missing / cur.rows,
      change: 0,
    };
    missingRate.change = missingRate.current - missingRate.reference;
    let drift: FeatureDrift;
    if (ref.type === 'numeric') {
      const refPsi = foldCounts(ref.edges, ref.counts, ref.psiEdges);
      const curPsi = foldCounts(ref.edges, cur.counts!, ref.psiEdges);
      const statistic = ksFromHistograms(ref.counts, cur.counts!);
      const psiValue = psi(refPsi, curPsi);
      const ks = { statistic, pValue: ksPValue(statistic, refPresent, sum(cur.counts!)) };
      const score =
        thresholds.method === 'ks'
          ? statistic
          : thresholds.method === 'js'
            ? jsDistance(refPsi, curPsi)
            : psiValue;
      drift = {
        feature: name,
        type: 'numeric',
        prediction: name === profile.prediction,
        psi: psiValue,
        ks,
        score,
        method: thresholds.method,
        status: 'ok',
        missingRate,
        invalid: cur.invalid,
        histogram: { labels: binLabels(ref.psiEdges), reference: shares(refPsi), current: shares(curPsi) },
      };
      if (thresholds.method === 'js') drift.js = score;
    } else {
      const names = Object.keys(ref.categories);
      const unseen = Object.fromEntries(
        Object.entries(cur.categories!).filter(([k]) => !(k in ref.categories)),
      );
      const labels = [...names, ...(ref.other > 0 ? ['(other)'] : []), '(unseen)'];
      const refCounts = [...names.map((k) => ref.categories[k]!), ...(ref.other > 0 ? [ref.other] : []), 0];
      const curCounts = [
        ...names.map((k) => cur.categories![k] ?? 0),
        ...(ref.other > 0 ? [0] : []),
        sum(Object.values(unseen)),
      ];
      const psiValue = psi(refCounts, curCounts);
      const js = jsDistance(refCounts, curCounts);
      // KS has no meaning without an order: categorical features are judged by PSI, or JS when asked.
      const method: DriftMethod = thresholds.method === 'js' ? 'js' : 'psi';
      drift = {
        feature: name,
        type: 'categorical',
        prediction: name === profile.prediction,
        psi: psiValue,
        js,
        score: method === 'js' ? js : psiValue,
        method,
        status: 'ok',
        missingRate,
        invalid: 0,
        unseen,
        histogram: { labels, reference: shares(refCounts), current: shares(curCounts) },
      };
    }
    const limits =
      drift.method === thresholds.method ? thresholds : { ...thresholds, ...DRIFT_DEFAULTS[drift.method] };
    drift.status = drift.score >= limits.critical ? 'critical' : drift.score >= limits.warn ? 'warn' : 'ok';
    features.push(drift);
  }
  const judged = features.filter((f) => !f.prediction);
  const drifted = judged.filter((f) => f.status !== 'ok').length;
  const share = judged.length === 0 ? 0 : drifted / judged.length;
  const critical = features.filter((f) => f.status === 'critical').map((f) => f.feature);
  const datasetDrifted = share >= thresholds.datasetShare && drifted > 0;
  return {
    kind: 'DriftReport',
    model: profile.model,
    reference: profile.source,
    current: { file: current.file, rows: current.rows },
    thresholds,
    features,
    dataset: { driftedFeatures: drifted, total: judged.length, share, drifted: datasetDrifted, critical },
    status:
      critical.length > 0 || datasetDrifted
        ? 'critical'
        : features.some((f) => f.status === 'warn')
          ? 'warn'
          : 'ok',
  };
}

function shares(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

function binLabels(edges: readonly number[]): string[] {
  const fmt = (v: number) =>
    Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toPrecision(3) : String(Number(v.toFixed(3)));
  const labels: string[] = [];
  for (let i = 0; i <= edges.length; i++) {
    labels.push(
      i === 0
        ? `≤${fmt(edges[0] ?? Infinity)}`
        : i === edges.length
          ? `>${fmt(edges[i - 1]!)}`
          : `${fmt(edges[i - 1]!)}–${fmt(edges[i]!)}`,
    );
  }
  return labels;
}
