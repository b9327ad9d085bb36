import { Chalk } from 'chalk';
import type { DriftReport, DriftStatus, FeatureDrift } from './compare.js';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A terminal table: one line per feature with its scores, status and a reference-vs-current
 * sparkline.
 */
export function formatDriftText(report: DriftReport, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint: Record<DriftStatus, (s: string) => string> = { ok: c.green, warn: c.yellow, critical: c.red };
  const width = Math.max(7, ...report.features.map((f) => f.feature.length + (f.prediction ? 13 : 0)));
  const { reference, current, thresholds } = report;
  const header = [
    'feature'.padEnd(width),
    'status'.padEnd(8),
    'psi'.padStart(7),
    'ks'.padStart(6),
    'p'.padStart(7),
    'js'.padStart(6),
    'missing Δ'.padStart(9),
    'reference → current',
  ];
  const lines = [
    `reference ${reference.file} (${reference.rows} rows) → current ${current.file} (${current.rows} rows)`,
    `method ${thresholds.method}: warn ≥ ${thresholds.warn}, critical ≥ ${thresholds.critical}`,
    '',
    header.join('  '),
  ];
  for (const f of report.features) {
    const name = `${f.feature}${f.prediction ? ' (prediction)' : ''}`;
    const status = paint[f.status](f.status.padEnd(8));
    const ks = f.ks ? num(f.ks.statistic, 6) : '     –';
    const p = f.ks ? pValue(f.ks.pValue).padStart(7) : '      –';
    const js = f.js !== undefined ? num(f.js, 6) : '     –';
    const missing = signed(f.missingRate.change).padStart(9);
    const sparklines = `${spark(f.histogram.reference)} → ${spark(f.histogram.current)}`;
    const cells = [name.padEnd(width), status, num(f.psi, 7), ks, p, js, missing, sparklines];
    lines.push(`${cells.join('  ')}${notes(f)}`);
  }
  const d = report.dataset;
  const driftedPct = Math.round(d.share * 100);
  const thresholdPct = Math.round(thresholds.datasetShare * 100);
  lines.push('');
  lines.push(
    `${d.driftedFeatures} of ${d.total} features drifted (${driftedPct}%, dataset threshold ${thresholdPct}%)`,
  );
  const verdict =
    report.status === 'critical'
      ? c.red(`✖ critical drift${d.critical.length ? `: ${d.critical.join(', ')}` : ' across the dataset'}`)
      : report.status === 'warn'
        ? c.yellow('⚠ drift warning')
        : c.green('✔ no drift');
  lines.push(verdict);
  return `${lines.join('\n')}\n`;
}

function notes(f: FeatureDrift): string {
  const parts: string[] = [];
  if (f.invalid > 0) parts.push(`${f.invalid} non-numeric`);
  const unseen = Object.keys(f.unseen ?? {});
  if (unseen.length > 0)
    parts.push(`unseen: ${unseen.slice(0, 3).join(', ')}${unseen.length > 3 ? ', …' : ''}`);
  return parts.length > 0 ? `  (${parts.join('; ')})` : '';
}

function spark(values: readonly number[]): string {
  const max = Math.max(...values, 1e-12);
  return values
    .map((v) => BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))])
    .join('');
}

function num(v: number, width: number): string {
  return v.toFixed(3).padStart(width);
}

function signed(v: number): string {
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
}

function pValue(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

export function formatDriftJson(report: DriftReport, version: string): string {
  return `${JSON.stringify({ tool: 'mlready', version, ...report }, null, 2)}\n`;
}

/**
 * Prometheus text exposition format, for a Pushgateway or the node-exporter textfile collector.
 * The names match the alerts scaffold writes: model_data_drift_score{model,feature,method}.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export function formatDriftPrometheus(report: DriftReport, service: string): string {
  const model = escapeLabel(service);
  const lines = [
    '# HELP model_data_drift_score Drift of a feature between the reference profile and current data.',
    '# TYPE model_data_drift_score gauge',
  ];
  for (const f of report.features) {
    const feature = escapeLabel(f.feature);
    lines.push(`model_data_drift_score{model="${model}",feature="${feature}",method="psi"} ${f.psi}`);
    if (f.ks)
      lines.push(
        `model_data_drift_score{model="${model}",feature="${feature}",method="ks"} ${f.ks.statistic}`,
      );
    if (f.js !== undefined)
      lines.push(`model_data_drift_score{model="${model}",feature="${feature}",method="js"} ${f.js}`);
  }
  lines.push(
    '# HELP model_data_drift_dataset_share Share of features whose drift is at or above the warning threshold.',
  );
  lines.push('# TYPE model_data_drift_dataset_share gauge');
  lines.push(`model_data_drift_dataset_share{model="${model}"} ${report.dataset.share}`);
  lines.push('# HELP model_feature_missing_rate Share of current rows missing the feature.');
  lines.push('# TYPE model_feature_missing_rate gauge');
  for (const f of report.features) {
    const feature = escapeLabel(f.feature);
    lines.push(`model_feature_missing_rate{model="${model}",feature="${feature}"} ${f.missingRate.current}`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A self-contained HTML report: no scripts, no external assets, one SVG bar chart per feature. */
export function formatDriftHtml(report: DriftReport): string {
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const color: Record<DriftStatus, string> = { ok: '#2e7d32', warn: '#ed6c02', critical: '#c62828' };
  const chart = (f: FeatureDrift) => {
    const n = f.histogram.labels.length;
    const w = 36;
    const h = 120;
    const max = Math.max(...f.histogram.reference, ...f.histogram.current, 1e-12);
    const bars = f.histogram.labels.map((label, i) => {
      const r = (f.histogram.reference[i]! / max) * h;
      const c = (f.histogram.current[i]! / max) * h;
      const x = i * w;
      const referencePct = (f.histogram.reference[i]! * 100).toFixed(1);
      const currentPct = (f.histogram.current[i]! * 100).toFixed(1);
      const referenceTitle = `<title>reference ${esc(label)}: ${referencePct}%</title>`;
      const currentTitle = `<title>current ${esc(label)}: ${currentPct}%</title>`;
      const shortLabel = label.length > 9 ? `${label.slice(0, 8)}…` : label;
      const fill = color[f.status];
      return (
        `<rect x="${x + 4}" y="${h - r}" width="13" height="${r}" fill="#90a4ae">${referenceTitle}</rect>` +
        `<rect x="${x + 18}" y="${h - c}" width="13" height="${c}" fill="${fill}">${currentTitle}</rect>` +
        `<text x="${x + w / 2}" y="${h + 12}" font-size="8" text-anchor="middle">${esc(shortLabel)}</text>`
      );
    });
    const ariaLabel = `distribution of ${esc(f.feature)}`;
    const width = n * w;
    const height = h + 16;
    return `<svg width="${width}" height="${height}" role="img" aria-label="${ariaLabel}">${bars.join('')}</svg>`;
  };
  const rows = report.features.map((f) => {
    const predictionNote = f.prediction ? ' (prediction)' : '';
    const ks = f.ks ? ` · KS ${f.ks.statistic.toFixed(4)} (p ${f.ks.pValue.toExponential(2)})` : '';
    const js = f.js !== undefined ? ` · JS ${f.js.toFixed(4)}` : '';
    const missingBefore = (f.missingRate.reference * 100).toFixed(1);
    const missingNow = (f.missingRate.current * 100).toFixed(1);
    const status = `<span style="color:${color[f.status]}">${f.status}</span>`;
    const heading = `<h2>${esc(f.feature)}${predictionNote} ${status}</h2>`;
    const scores = `<p>PSI ${f.psi.toFixed(4)}${ks}${js} · missing ${missingBefore}% → ${missingNow}%</p>`;
    return `<section>${heading}\n${scores}\n${chart(f)}</section>`;
  });
  const modelName = report.model ? `: ${esc(report.model.service)} ${esc(report.model.version)}` : '';
  const title = `Drift report${modelName}`;
  const style =
    'body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}' +
    'section{border-top:1px solid #ddd;padding:.5rem 0}' +
    'h2{font-size:1rem}';
  const { reference, current, thresholds, dataset } = report;
  const referenceFile = esc(reference.file);
  const currentFile = esc(current.file);
  const sources = `Reference ${referenceFile} (${reference.rows} rows) → current ${currentFile} (${current.rows} rows).`;
  const method = `Method ${thresholds.method}: warn ≥ ${thresholds.warn}, critical ≥ ${thresholds.critical}.`;
  const verdict = `<strong style="color:${color[report.status]}">${report.status}</strong>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>${style}</style></head>
<body><h1>${title}</h1>
<p>${sources} ${method}</p>
<p>${verdict}: ${dataset.driftedFeatures} of ${dataset.total} features drifted. Grey: reference; coloured: current.</p>
${rows.join('\n')}
</body></html>
`;
}
