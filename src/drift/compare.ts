import { estimateHistogram, foldIntoBins, ksBetween, valueBins, type Ecdf } from './ecdf.js';
import { thresholdsFor, type DistanceMethod, type DriftMethod, type DriftPolicy } from './policy.js';
import {
  percentileOfProfile,
  REPORT_QUANTILES,
  type CategoricalProfile,
  type CurrentCategorical,
  type CurrentNumeric,
  type CurrentSummary,
  type DriftProfile,
  type NumericProfile,
} from './profile.js';
import {
  chiSquaredQuantile,
  chiSquaredTest,
  jsDistance,
  kolmogorovQuantile,
  ksPValue,
  psi,
  sum,
  type ChiSquared,
} from './stats.js';

export type DriftStatus = 'ok' | 'warn' | 'critical' | 'insufficient';

/** How the distribution of one feature was judged, and why that way. */
export interface DistributionVerdict {
  status: DriftStatus;
  method: DriftMethod;
  /** A distance against thresholds (score ≥ threshold), or a test's p-value (p < threshold). */
  kind: 'distance' | 'p-value';
  value: number;
  warn: number;
  critical: number;
  /**
   * Why this test: enough rows for the distance, too few (a test instead), the manifest, or too few for
   * anything.
   */
  regime: 'large sample' | 'small sample' | 'manifest' | 'insufficient data';
  /** Rows with a value the verdict needs: minRows, or the distance's own need in the small-sample regime. */
  rowsNeeded: number;
  message: string;
}

export interface CompletenessVerdict {
  status: DriftStatus;
  /** Share of rows without a usable value: missing, non-finite, or text in a numeric feature. */
  reference: number;
  current: number;
  change: number;
  warn: number;
  critical: number;
}

export interface FeatureDrift {
  feature: string;
  type: 'numeric' | 'categorical';
  discrete: boolean;
  /** The feature is the model's prediction (prediction drift). */
  prediction: boolean;
  /** The worst of the distribution, completeness and type verdicts. */
  status: DriftStatus;
  distribution: DistributionVerdict;
  completeness: CompletenessVerdict;
  /** A numeric feature whose current values are mostly text: a data-quality error, judged critical. */
  typeChange?: { from: 'numeric'; to: 'text'; textShare: number } | undefined;
  /** Values compared (present, finite). */
  values: { reference: number; current: number };
  counts: {
    reference: { rows: number; missing: number; nonFinite: number; invalid: number };
    current: { rows: number; missing: number; nonFinite: number; invalid: number };
  };
  psi: number;
  js: number;
  ks?: { statistic: number; pValue: number; maxError: number } | undefined;
  chi2: ChiSquared;
  /** Categorical: values the reference never saw (rows, distinct, most frequent). */
  unseen?: CurrentCategorical['unseen'] | undefined;
  /** Shares per PSI bin (continuous), value or category, for sparklines. */
  histogram: { labels: string[]; reference: number[]; current: number[] };
  /** Distributions for the report: on a value axis (continuous) or as bars per value or category. */
  plot:
    | { kind: 'axis'; edges: number[]; log: boolean; reference: number[]; current: number[] }
    | { kind: 'bars'; labels: string[]; reference: number[]; current: number[] };
  quantiles?: { levels: number[]; reference: number[]; current: number[]; currentSample: number } | undefined;
  notes: string[];
}

export interface DriftReport {
  kind: 'DriftReport';
  model: DriftProfile['model'];
  reference: DriftProfile['source'] & { rankError: number };
  current: { file: string; rows: number };
  policy: DriftPolicy;
  /** Features sorted worst first: critical, warn, insufficient, ok; then by score. */
  features: FeatureDrift[];
  dataset: {
    drifted: string[];
    total: number;
    share: number;
    threshold: number;
    datasetDrift: boolean;
    critical: string[];
    insufficient: string[];
  };
  status: DriftStatus;
}

const RANK: Record<DriftStatus, number> = { ok: 0, insufficient: 1, warn: 2, critical: 3 };

/** Compares current data with the reference profile, feature by feature, and judges it. */
export function compare(profile: DriftProfile, current: CurrentSummary, policy: DriftPolicy): DriftReport {
  const measured = Object.entries(profile.features).map(([name, ref]) => {
    const cur = current.features[name]!;
    return ref.type === 'numeric'
      ? measureNumeric(name, ref, cur as CurrentNumeric, profile)
      : measureCategorical(name, ref, cur as CurrentCategorical, profile);
  });
  // Which test judges each feature; the small-sample tests share α (Bonferroni over them).
  const plans = measured.map((m) => plan(m, policy));
  const tested = plans.filter((p) => p.kind === 'p-value').length;
  const features = measured.map((m, i) => finish(m, plans[i]!, policy, Math.max(tested, 1)));
  features.sort(
    (a, b) =>
      RANK[b.status] - RANK[a.status] ||
      Number(a.prediction) - Number(b.prediction) ||
      severity(b) - severity(a) ||
      (a.feature < b.feature ? -1 : 1),
  );
  const inputs = features.filter((f) => !f.prediction);
  const drifted = inputs.filter(
    (f) => f.distribution.status === 'warn' || f.distribution.status === 'critical',
  );
  const share = inputs.length === 0 ? 0 : drifted.length / inputs.length;
  const datasetDrift = drifted.length > 0 && share >= policy.datasetShare;
  const critical = features.filter((f) => f.status === 'critical').map((f) => f.feature);
  const worst = features.reduce<DriftStatus>((w, f) => (RANK[f.status] > RANK[w] ? f.status : w), 'ok');
  return {
    kind: 'DriftReport',
    model: profile.model,
    reference: { ...profile.source, rankError: rankErrorOf(profile) },
    current: { file: current.file, rows: current.rows },
    policy,
    features,
    dataset: {
      drifted: drifted.map((f) => f.feature),
      total: inputs.length,
      share,
      threshold: policy.datasetShare,
      datasetDrift,
      critical,
      insufficient: features.filter((f) => f.distribution.status === 'insufficient').map((f) => f.feature),
    },
    status: datasetDrift ? 'critical' : worst,
  };
}

/** How far over its thresholds a feature is, to order features of the same status. */
function severity(f: FeatureDrift): number {
  const d = f.distribution;
  if (d.kind === 'p-value') return d.value > 0 ? -Math.log10(d.value) : 400;
  return d.critical > 0 ? d.value / d.critical : d.value;
}

interface Measured {
  feature: string;
  type: 'numeric' | 'categorical';
  discrete: boolean;
  prediction: boolean;
  values: { reference: number; current: number };
  /** PSI/χ² bins: how many there are matters for the rows a distance needs. */
  bins: { reference: number[]; current: number[]; labels: string[] };
  psi: number;
  js: number;
  ks?: { statistic: number; pValue: number; maxError: number };
  chi2: ChiSquared;
  counts: FeatureDrift['counts'];
  typeChange?: FeatureDrift['typeChange'];
  unseen?: CurrentCategorical['unseen'];
  plot: FeatureDrift['plot'];
  quantiles?: FeatureDrift['quantiles'];
  notes: string[];
}

function measureNumeric(
  feature: string,
  ref: NumericProfile,
  cur: CurrentNumeric,
  profile: DriftProfile,
): Measured {
  const refEcdf: Ecdf = { knots: ref.knots, atoms: ref.atoms, gaps: ref.gaps };
  const reference = ref.discrete ? valueBins(refEcdf) : foldIntoBins(refEcdf, ref.psiEdges);
  const current = ref.discrete ? valueBins(cur.counts) : foldIntoBins(cur.counts, ref.psiEdges);
  const labels = ref.discrete ? [...ref.knots.map(formatNumber), '(other values)'] : binLabels(ref.psiEdges);
  const ks = ksBetween(refEcdf, cur.counts, ref.rankError);
  const notes: string[] = [];
  const present = cur.count + cur.nonFinite + cur.invalid;
  const textShare = present === 0 ? 0 : cur.invalid / present;
  const typeChange =
    present > 0 && textShare > 0.05
      ? { from: 'numeric' as const, to: 'text' as const, textShare }
      : undefined;
  if (cur.nonFinite > 0)
    notes.push(
      `${cur.nonFinite} non-finite value${cur.nonFinite === 1 ? '' : 's'} (±Infinity, NaN) counted as missing`,
    );
  if (cur.invalid > 0 && !typeChange)
    notes.push(`${cur.invalid} non-numeric value${cur.invalid === 1 ? '' : 's'} counted as missing`);
  if (ref.rankError > 0)
    notes.push(`reference merged from shards: ECDF within ±${formatShare(ref.rankError)}`);
  let plot: FeatureDrift['plot'];
  if (ref.discrete) {
    plot = { kind: 'bars', labels, reference: shares(reference), current: shares(current) };
  } else {
    const refPlot = estimateHistogram(refEcdf, { min: ref.min, max: ref.max }, cur.plot.edges);
    plot = {
      kind: 'axis',
      edges: cur.plot.edges,
      log: cur.plot.log,
      reference: shares(refPlot),
      current: shares(cur.plot.counts),
    };
  }
  return {
    feature,
    type: 'numeric',
    discrete: ref.discrete,
    prediction: feature === profile.prediction,
    values: { reference: ref.count, current: cur.count },
    bins: { reference, current, labels },
    psi: psi(reference, current),
    js: jsDistance(reference, current),
    ks: {
      statistic: ks.statistic,
      pValue: ksPValue(ks.statistic, ref.count, cur.count),
      maxError: ks.maxError,
    },
    chi2: chiSquaredTest(reference, current),
    counts: {
      reference: { rows: ref.rows, missing: ref.missing, nonFinite: ref.nonFinite, invalid: ref.invalid },
      current: { rows: cur.rows, missing: cur.missing, nonFinite: cur.nonFinite, invalid: cur.invalid },
    },
    typeChange,
    plot,
    quantiles:
      cur.quantiles.length === REPORT_QUANTILES.length && ref.count > 0
        ? {
            levels: [...REPORT_QUANTILES],
            reference: REPORT_QUANTILES.map((q) => percentileOfProfile(ref, q)),
            current: cur.quantiles,
            currentSample: cur.quantileSample,
          }
        : undefined,
    notes,
  };
}

function rankErrorOf(profile: DriftProfile): number {
  let error = 0;
  for (const f of Object.values(profile.features))
    if (f.type === 'numeric') error = Math.max(error, f.rankError);
  return error;
}

function measureCategorical(
  feature: string,
  ref: CategoricalProfile,
  cur: CurrentCategorical,
  profile: DriftProfile,
): Measured {
  const names = Object.keys(ref.categories);
  const labels = [...names, ...(ref.other > 0 ? ['(other)'] : []), '(unseen)'];
  const reference = [...names.map((k) => ref.categories[k]!), ...(ref.other > 0 ? [ref.other] : []), 0];
  const current = [
    ...names.map((k) => cur.categories[k] ?? 0),
    ...(ref.other > 0 ? [0] : []),
    cur.unseen.rows,
  ];
  const notes: string[] = [];
  if (ref.other > 0)
    notes.push(
      `the reference has ${ref.otherDistinct} more categories than the ${names.length} kept; their current rows count as unseen`,
    );
  const kept = Object.keys(cur.unseen.top).length;
  if (cur.unseen.distinct > kept)
    notes.push(
      `${cur.unseen.distinct} distinct values the reference never saw, more than the ${kept} kept (--max-categories): an identifier? Leave it out with --features`,
    );
  return {
    feature,
    type: 'categorical',
    discrete: true,
    prediction: feature === profile.prediction,
    values: { reference: ref.count, current: cur.count },
    bins: { reference, current, labels },
    psi: psi(reference, current),
    js: jsDistance(reference, current),
    chi2: chiSquaredTest(reference, current),
    counts: {
      reference: { rows: ref.rows, missing: ref.missing, nonFinite: 0, invalid: 0 },
      current: { rows: cur.rows, missing: cur.missing, nonFinite: 0, invalid: 0 },
    },
    unseen: cur.unseen,
    plot: { kind: 'bars', labels, reference: shares(reference), current: shares(current) },
    notes,
  };
}

interface Plan {
  method: DriftMethod;
  kind: 'distance' | 'p-value';
  regime: DistributionVerdict['regime'];
  rowsNeeded: number;
  reason?: string;
}

/** Picks the test: too few rows → none; the manifest's; the distance when it has the rows; else a test. */
function plan(m: Measured, policy: DriftPolicy): Plan {
  const minRows = policy.minRows;
  if (m.values.reference < minRows)
    return {
      method: policy.method,
      kind: 'distance',
      regime: 'insufficient data',
      rowsNeeded: minRows,
      reason: `the reference has ${m.values.reference} values of it; a verdict needs at least ${minRows}`,
    };
  if (m.values.current < minRows)
    return {
      method: policy.method,
      kind: 'distance',
      regime: 'insufficient data',
      rowsNeeded: minRows,
      reason: `${m.values.current} current rows have a value; a verdict needs at least ${minRows} (${minRows - m.values.current} more)`,
    };
  const rule = policy.perFeature[m.feature]?.method;
  if (rule) {
    const method: DriftMethod = rule === 'ks' && m.type === 'categorical' ? 'psi' : rule;
    return {
      method,
      kind: method === 'chi2' ? 'p-value' : 'distance',
      regime: 'manifest',
      rowsNeeded: minRows,
    };
  }
  const distance: DistanceMethod =
    m.type === 'categorical' ? (policy.method === 'js' ? 'js' : 'psi') : policy.method;
  const { warn } = thresholdsFor(policy, m.feature, distance);
  const needed = rowsForDistance(distance, warn, m.bins.reference.length, m.values.reference);
  if (m.values.current >= needed)
    return { method: distance, kind: 'distance', regime: 'large sample', rowsNeeded: needed };
  const test: DriftMethod = m.type === 'numeric' && !m.discrete ? 'ks' : 'chi2';
  return { method: test, kind: 'p-value', regime: 'small sample', rowsNeeded: needed };
}

/**
 * Rows with a value at which a distance measured on data without drift stays below `warn` 99 % of the
 * time: PSI ≈ χ²(B−1)·(1/n + 1/m), JS² ≈ χ²(B−1)·(1/n + 1/m)/(8 ln 2), KS ≈ λ·√(1/n + 1/m) (the
 * second-order expansions of the distances under sampling noise; docs/drift.md derives them).
 * Infinity when even an endless current sample would not do because the reference is too small.
 */
export function rowsForDistance(
  method: DistanceMethod,
  warn: number,
  bins: number,
  referenceRows: number,
): number {
  const df = Math.max(bins - 1, 1);
  const budget =
    method === 'ks'
      ? (warn / kolmogorovQuantile(0.01)) ** 2
      : method === 'js'
        ? (8 * Math.LN2 * warn * warn) / chiSquaredQuantile(0.01, df)
        : warn / chiSquaredQuantile(0.01, df);
  const room = budget - 1 / Math.max(referenceRows, 1);
  return room > 0 ? Math.ceil(1 / room) : Infinity;
}

function finish(m: Measured, p: Plan, policy: DriftPolicy, tested: number): FeatureDrift {
  let distribution: DistributionVerdict;
  if (p.regime === 'insufficient data') {
    distribution = {
      status: 'insufficient',
      method: p.method,
      kind: p.kind,
      value: NaN,
      warn: NaN,
      critical: NaN,
      regime: p.regime,
      rowsNeeded: p.rowsNeeded,
      message: `insufficient data: ${p.reason}`,
    };
  } else if (p.kind === 'p-value') {
    const value = p.method === 'ks' ? m.ks!.pValue : m.chi2.pValue;
    const warn = policy.significance;
    const critical = policy.significance / tested;
    const status: DriftStatus = value < critical ? 'critical' : value < warn ? 'warn' : 'ok';
    const name = p.method === 'ks' ? 'KS test' : 'χ² test';
    const why =
      p.regime === 'small sample'
        ? `; ${m.values.current} rows are too few for ${policy.method.toUpperCase()} (it needs ${formatRows(p.rowsNeeded)})`
        : '';
    distribution = {
      status,
      method: p.method,
      kind: 'p-value',
      value,
      warn,
      critical,
      regime: p.regime,
      rowsNeeded: p.rowsNeeded,
      message: `${name} p = ${formatP(value)} (warn < ${warn}, critical < ${formatP(critical)})${why}`,
    };
  } else {
    const value = p.method === 'ks' ? m.ks!.statistic : p.method === 'js' ? m.js : m.psi;
    const limits = thresholdsFor(policy, m.feature, p.method);
    const status: DriftStatus = value >= limits.critical ? 'critical' : value >= limits.warn ? 'warn' : 'ok';
    distribution = {
      status,
      method: p.method,
      kind: 'distance',
      value,
      warn: limits.warn,
      critical: limits.critical,
      regime: p.regime,
      rowsNeeded: p.rowsNeeded,
      message: `${p.method.toUpperCase()} ${value.toFixed(3)} (warn ≥ ${limits.warn}, critical ≥ ${limits.critical})`,
    };
  }
  const completeness = judgeCompleteness(m, policy);
  const typeStatus: DriftStatus = m.typeChange ? 'critical' : 'ok';
  const status = [distribution.status, completeness.status, typeStatus].reduce((w, s) =>
    RANK[s] > RANK[w] ? s : w,
  );
  const { bins, ...rest } = m;
  return {
    ...rest,
    status,
    distribution,
    completeness,
    histogram: { labels: bins.labels, reference: shares(bins.reference), current: shares(bins.current) },
  };
}

function judgeCompleteness(m: Measured, policy: DriftPolicy): CompletenessVerdict {
  const rate = (c: { rows: number; missing: number; nonFinite: number; invalid: number }) =>
    c.rows === 0 ? 0 : (c.missing + c.nonFinite + c.invalid) / c.rows;
  const reference = rate(m.counts.reference);
  const current = rate(m.counts.current);
  const change = current - reference;
  const { warn, critical } = policy.missing;
  const status: DriftStatus =
    m.counts.current.rows < policy.minRows
      ? 'insufficient'
      : change >= critical - 1e-12
        ? 'critical'
        : change >= warn - 1e-12
          ? 'warn'
          : 'ok';
  return { status, reference, current, change, warn, critical };
}

function shares(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-3) return v.toPrecision(4).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

function binLabels(edges: readonly number[]): string[] {
  const labels: string[] = [];
  for (let i = 0; i <= edges.length; i++) {
    labels.push(
      i === 0
        ? `≤${formatNumber(edges[0] ?? Infinity)}`
        : i === edges.length
          ? `>${formatNumber(edges[i - 1]!)}`
          : `${formatNumber(edges[i - 1]!)}–${formatNumber(edges[i]!)}`,
    );
  }
  return labels;
}

export function formatP(p: number): string {
  if (p === 0) return '<1e-300';
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

function formatShare(v: number): string {
  return `${(v * 100).toPrecision(2)}%`;
}

function formatRows(n: number): string {
  return Number.isFinite(n) ? `${n} rows` : 'a larger reference';
}
