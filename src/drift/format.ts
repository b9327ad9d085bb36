import { Chalk } from 'chalk';
import { redactText } from '../redact.js';
import { formatP, type DriftReport, type DriftStatus, type FeatureDrift } from './compare.js';

const BARS = '▁▂▃▄▅▆▇█';

export interface VerdictLine {
  level: 'critical' | 'warn' | 'info' | 'ok';
  text: string;
}

/**
 * The verdict in words, most serious first. Dataset drift is named as such (never "critical drift"
 * without a critical feature), per-feature problems say what kind they are, and "no drift" is only
 * said about the features that were judged.
 */
export function verdictLines(report: DriftReport): VerdictLine[] {
  const lines: VerdictLine[] = [];
  const { dataset } = report;
  const drift = report.features.filter((f) => f.distribution.status === 'critical').map((f) => f.feature);
  const quality = report.features.filter((f) => f.typeChange).map((f) => f.feature);
  const missing = report.features.filter((f) => f.completeness.status === 'critical');
  if (drift.length > 0) lines.push({ level: 'critical', text: `critical drift: ${drift.join(', ')}` });
  if (quality.length > 0)
    lines.push({
      level: 'critical',
      text: `data-quality error: ${quality.join(', ')} changed type (numbers → text)`,
    });
  if (missing.length > 0)
    lines.push({
      level: 'critical',
      text: `missing values: ${missing.map((f) => `${f.feature} ${pct(f.completeness.reference)} → ${pct(f.completeness.current)}`).join(', ')}`,
    });
  if (dataset.datasetDrift)
    lines.push({
      level: 'critical',
      text: `dataset drift: ${dataset.drifted.length} of ${dataset.total} features drifted (${pct(dataset.share, 0)} ≥ ${pct(dataset.threshold, 0)})`,
    });
  const warned = report.features.filter((f) => f.status === 'warn').map((f) => f.feature);
  if (warned.length > 0) lines.push({ level: 'warn', text: `drift warning: ${warned.join(', ')}` });
  const insufficient = report.features.filter((f) => f.distribution.status === 'insufficient');
  if (insufficient.length > 0) {
    const needed = Math.max(...insufficient.map((f) => f.distribution.rowsNeeded));
    const have = Math.min(...insufficient.map((f) => f.values.current));
    lines.push({
      level: 'warn',
      text: `insufficient data: ${insufficient.map((f) => f.feature).join(', ')} not judged — a verdict needs at least ${needed} rows with a value (the fewest here: ${have})`,
    });
  }
  const judged = report.features.filter((f) => f.distribution.status !== 'insufficient');
  if (report.status === 'ok' || (report.status === 'insufficient' && judged.length > 0)) {
    const n = judged.length;
    lines.push({
      level: 'ok',
      text:
        insufficient.length === 0
          ? `no drift in ${n} feature${n === 1 ? '' : 's'}`
          : `no drift in the ${n} feature${n === 1 ? '' : 's'} judged`,
    });
  }
  return lines;
}

/**
 * A terminal table: one line per feature (worst first) with its status, the test that judged it, the
 * score against its threshold, the missing-rate change and a reference → current sparkline.
 */
export function formatDriftText(report: DriftReport, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint: Record<DriftStatus, (s: string) => string> = {
    ok: c.green,
    warn: c.yellow,
    critical: c.red,
    insufficient: c.yellow,
  };
  const width = Math.max(7, ...report.features.map((f) => f.feature.length + (f.prediction ? 13 : 0)));
  const { reference, current, policy } = report;
  const header = [
    'feature'.padEnd(width),
    'status'.padEnd(12),
    'test'.padEnd(5),
    'score'.padStart(8),
    'threshold'.padEnd(10),
    'missing'.padStart(15),
    'reference → current',
  ];
  const lines = [
    `reference ${reference.file} (${reference.rows} rows) → current ${current.file} (${current.rows} rows)`,
    `${policy.method.toUpperCase()} warn ≥ ${policy.warn}, critical ≥ ${policy.critical} on samples large enough for it; smaller samples: KS or χ² test at α = ${policy.significance}; fewer than ${policy.minRows} values: insufficient data`,
    '',
    header.join('  '),
  ];
  for (const f of report.features) {
    const name = `${f.feature}${f.prediction ? ' (prediction)' : ''}`;
    const d = f.distribution;
    const insufficient = d.status === 'insufficient';
    const test = insufficient
      ? '–'
      : d.method === 'chi2'
        ? 'χ²'
        : d.kind === 'p-value'
          ? 'KS p'
          : d.method.toUpperCase();
    const score = insufficient ? '–' : d.kind === 'p-value' ? formatP(d.value) : d.value.toFixed(3);
    const threshold = insufficient
      ? `n < ${d.rowsNeeded}`
      : d.kind === 'p-value'
        ? `< ${formatP(d.critical)}`
        : `≥ ${d.critical}`;
    const missing = `${pct(f.completeness.reference)}→${pct(f.completeness.current)}`;
    const sparklines = `${spark(f.histogram.reference)} → ${spark(f.histogram.current)}`;
    const cells = [
      name.padEnd(width),
      paint[f.status](f.status.padEnd(12)),
      test.padEnd(5),
      score.padStart(8),
      threshold.padEnd(10),
      missing.padStart(15),
      sparklines,
    ];
    lines.push(`${cells.join('  ')}${notes(f)}`);
  }
  const d = report.dataset;
  lines.push('');
  const notJudged =
    d.insufficient.length > 0 ? `; ${d.insufficient.length} not judged (insufficient data)` : '';
  lines.push(
    `${d.drifted.length} of ${d.total} features drifted (${pct(d.share, 0)}; dataset drift from ${pct(d.threshold, 0)})${notJudged}`,
  );
  const symbol = { critical: c.red('✖'), warn: c.yellow('⚠'), info: 'ℹ', ok: c.green('✔') };
  const colour = { critical: c.red, warn: c.yellow, info: (s: string) => s, ok: c.green };
  for (const v of verdictLines(report)) lines.push(`${symbol[v.level]} ${colour[v.level](v.text)}`);
  return `${lines.join('\n')}\n`;
}

function notes(f: FeatureDrift): string {
  const parts: string[] = [];
  if (f.typeChange)
    parts.push(`type changed: ${pct(f.typeChange.textShare, 0)} of values are text (data-quality error)`);
  if (f.completeness.status === 'warn' || f.completeness.status === 'critical')
    parts.push(`missing ${signedPoints(f.completeness.change)} (${f.completeness.status})`);
  const unseen = Object.keys(f.unseen?.top ?? {});
  if (unseen.length > 0)
    parts.push(
      `unseen: ${unseen
        .slice(0, 3)
        .map((u) => redactText(u))
        .join(', ')}${unseen.length > 3 ? ', …' : ''}`,
    );
  if (f.distribution.status === 'insufficient') parts.push(f.distribution.message);
  else if (f.distribution.regime === 'small sample') parts.push(`small sample: ${f.distribution.message}`);
  parts.push(...f.notes);
  return parts.length > 0 ? `  (${parts.join('; ')})` : '';
}

function spark(values: readonly number[]): string {
  const shown = values.length > 24 ? values.slice(0, 24) : values;
  const max = Math.max(...shown, 1e-12);
  return shown
    .map((v) => BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))])
    .join('');
}

export function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}

function signedPoints(v: number): string {
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pts`;
}

export function formatDriftJson(report: DriftReport, version: string): string {
  // NaN (no score for insufficient data) has no JSON form: null says "not measured".
  return `${JSON.stringify({ tool: 'mlready', version, ...report }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/**
 * Prometheus text exposition format, for a Pushgateway or the node-exporter textfile collector.
 * model_data_drift_score{model,feature,method} is exported only where that distance judged the feature
 * (enough rows), so an alert on it never fires on small-sample noise; small samples export the test's
 * p-value, too few rows `model_data_drift_insufficient_data`. model_feature_missing_rate is the share
 * of rows without a usable value. https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export function formatDriftPrometheus(report: DriftReport, service: string): string {
  const model = escapeLabel(service);
  const lines = [
    '# HELP model_data_drift_score Drift of a feature between the reference profile and current data.',
    '# TYPE model_data_drift_score gauge',
  ];
  const label = (f: FeatureDrift) => `model="${model}",feature="${escapeLabel(f.feature)}"`;
  for (const f of report.features) {
    if (f.distribution.kind !== 'distance' || f.distribution.status === 'insufficient') continue;
    lines.push(`model_data_drift_score{${label(f)},method="psi"} ${f.psi}`);
    if (f.ks) lines.push(`model_data_drift_score{${label(f)},method="ks"} ${f.ks.statistic}`);
    lines.push(`model_data_drift_score{${label(f)},method="js"} ${f.js}`);
  }
  lines.push('# HELP model_data_drift_p_value p-value of the small-sample test that judged a feature.');
  lines.push('# TYPE model_data_drift_p_value gauge');
  for (const f of report.features) {
    if (f.distribution.kind === 'p-value' && f.distribution.status !== 'insufficient')
      lines.push(
        `model_data_drift_p_value{${label(f)},test="${f.distribution.method}"} ${f.distribution.value}`,
      );
  }
  lines.push('# HELP model_data_drift_insufficient_data 1 when a feature had too few rows to be judged.');
  lines.push('# TYPE model_data_drift_insufficient_data gauge');
  for (const f of report.features)
    lines.push(
      `model_data_drift_insufficient_data{${label(f)}} ${f.distribution.status === 'insufficient' ? 1 : 0}`,
    );
  lines.push(
    '# HELP model_data_drift_dataset_share Share of features whose drift is at or above the warning threshold.',
  );
  lines.push('# TYPE model_data_drift_dataset_share gauge');
  lines.push(`model_data_drift_dataset_share{model="${model}"} ${report.dataset.share}`);
  lines.push(
    '# HELP model_feature_missing_rate Share of current rows without a usable value of the feature.',
  );
  lines.push('# TYPE model_feature_missing_rate gauge');
  for (const f of report.features) {
    if (f.completeness.status !== 'insufficient')
      lines.push(`model_feature_missing_rate{${label(f)}} ${f.completeness.current}`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
