import { formatNumber, formatP, type DriftReport, type FeatureDrift } from './compare.js';
import { pct, verdictLines } from './format.js';

/**
 * A self-contained HTML report (no network: a Content-Security-Policy forbids it), light and dark:
 * the verdict and a sortable summary table first (feature, type, test, score, threshold, status,
 * missing), worst first; then per feature the reference and current distributions overlaid on a real
 * value axis (equal-width bins over the common range, log scale where the data spans decades) or as
 * bars per value, the missing-rate change and a quantile comparison. Modelled on Evidently's data-drift
 * report. Axis labels are spaced by their measured width so they never overlap (a browser test checks).
 */
export function formatDriftHtml(report: DriftReport): string {
  const model = report.model ? `: ${esc(report.model.service)} ${esc(report.model.version)}` : '';
  const title = `Drift report${model}`;
  const { reference, current, dataset } = report;
  const verdicts = verdictLines(report)
    .map(
      (v) =>
        `<p class="verdict ${v.level}">${{ critical: '✖', warn: '⚠', info: 'ℹ', ok: '✔' }[v.level]} ${esc(v.text)}</p>`,
    )
    .join('\n');
  const drifted =
    dataset.drifted.length > 0
      ? `Drifted: ${dataset.drifted.map((f) => `<a href="#${anchor(f)}"><strong>${esc(f)}</strong></a>`).join(', ')} — ${dataset.drifted.length} of ${dataset.total} features (${pct(dataset.share, 0)}; dataset drift from ${pct(dataset.threshold, 0)}).`
      : `No feature drifted (of ${dataset.total}; dataset drift from ${pct(dataset.threshold, 0)}).`;
  const rows = report.features.map(summaryRow).join('\n');
  const sections = report.features.map(featureSection).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="color-scheme" content="light dark">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>${title}</h1>
<p class="sources">Reference <code>${esc(reference.file)}</code> (${reference.rows} rows) → current <code>${esc(current.file)}</code> (${current.rows} rows).</p></header>
<section id="summary" aria-label="summary">
${verdicts}
<p class="drifted">${drifted}</p>
<table id="features" class="sortable">
<thead><tr><th data-type="text">Feature</th><th data-type="text">Type</th><th data-type="text">Test</th><th data-type="number">Score</th><th data-type="text">Threshold</th><th data-type="number" aria-sort="descending">Status</th><th data-type="number">Missing</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="legend"><span class="swatch ref"></span> reference <span class="swatch cur"></span> current · ${esc(methodNote(report))} Click a column to sort.</p>
</section>
${sections}
<script>${SORT_SCRIPT}</script>
</body></html>
`;
}

const STATUS_ORDER = { critical: 3, warn: 2, insufficient: 1, ok: 0 } as const;

function summaryRow(f: FeatureDrift): string {
  const d = f.distribution;
  const insufficient = d.status === 'insufficient';
  const test = insufficient ? '–' : testName(f);
  const score = insufficient ? '–' : d.kind === 'p-value' ? `p ${formatP(d.value)}` : d.value.toFixed(3);
  const threshold = insufficient
    ? `needs ${d.rowsNeeded} rows`
    : d.kind === 'p-value'
      ? `p < ${formatP(d.critical)}`
      : `${d.warn} / ${d.critical}`;
  const scoreKey = insufficient
    ? -1
    : d.kind === 'p-value'
      ? -Math.log10(Math.max(d.value, 1e-300))
      : d.value;
  const type = f.type === 'numeric' ? (f.discrete ? 'numeric, discrete' : 'numeric') : 'categorical';
  const missing = `${pct(f.completeness.reference)} → ${pct(f.completeness.current)}`;
  const name = `${esc(f.feature)}${f.prediction ? ' <em>(prediction)</em>' : ''}`;
  return (
    `<tr class="${f.status}"><td data-value="${esc(f.feature)}"><a href="#${anchor(f.feature)}">${name}</a></td>` +
    `<td>${type}</td><td>${test}</td><td data-value="${scoreKey}">${score}</td><td>${threshold}</td>` +
    `<td data-value="${STATUS_ORDER[f.status]}"><span class="badge ${f.status}">${f.status}</span></td>` +
    `<td data-value="${f.completeness.change}">${missing}</td></tr>`
  );
}

function testName(f: FeatureDrift): string {
  const d = f.distribution;
  if (d.method === 'chi2') return 'χ² test';
  if (d.kind === 'p-value') return 'KS test';
  return d.method === 'psi' ? 'PSI' : d.method === 'ks' ? 'KS distance' : 'Jensen–Shannon';
}

function methodNote(report: DriftReport): string {
  const p = report.policy;
  return `${p.method.toUpperCase()} judges features with enough rows (warn ≥ ${p.warn}, critical ≥ ${p.critical}); smaller samples a KS or χ² test at α = ${p.significance}; under ${p.minRows} rows: insufficient data.`;
}

function featureSection(f: FeatureDrift): string {
  const facts: string[] = [esc(f.distribution.message)];
  facts.push(
    `missing ${pct(f.completeness.reference)} → ${pct(f.completeness.current)} (${f.completeness.status})`,
  );
  if (f.ks && f.distribution.method !== 'ks')
    facts.push(`KS ${f.ks.statistic.toFixed(3)} (p ${formatP(f.ks.pValue)})`);
  if (f.distribution.method !== 'psi') facts.push(`PSI ${f.psi.toFixed(3)}`);
  if (f.typeChange)
    facts.push(`type changed: ${pct(f.typeChange.textShare, 0)} of values are text — a data-quality error`);
  for (const note of f.notes) facts.push(esc(note));
  const chart = f.plot.kind === 'axis' ? axisChart(f) : barChart(f);
  return `<section class="feature" id="${anchor(f.feature)}">
<h2>${esc(f.feature)}${f.prediction ? ' <em>(prediction)</em>' : ''} <span class="badge ${f.status}">${f.status}</span></h2>
<p class="facts">${facts.join(' · ')}</p>
${chart}
${quantileTable(f)}
</section>`;
}

const WIDTH = 680;
const HEIGHT = 230;
const MARGIN = { left: 56, right: 16, top: 12, bottom: 40 };
/** Width of a character of the 12 px tick labels, generously (digits are ~7 px in system fonts). */
const CHAR_WIDTH = 7.5;

function axisChart(f: FeatureDrift): string {
  if (f.plot.kind !== 'axis' || f.plot.edges.length < 2) return '';
  const { edges, log, reference, current } = f.plot;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const toAxis = log ? Math.log10 : (v: number) => v;
  const lo = toAxis(edges[0]!);
  const hi = toAxis(edges[edges.length - 1]!);
  const x = (v: number) => MARGIN.left + ((toAxis(v) - lo) / (hi - lo)) * plotW;
  const top = Math.max(...reference, ...current, 1e-12);
  const yTicks = niceTicks(0, top, 4);
  const yMax = Math.max(top, yTicks[yTicks.length - 1]!);
  const y = (share: number) => MARGIN.top + plotH - (share / yMax) * plotH;
  const step = (shares: readonly number[]) => {
    let d = `M${x(edges[0]!).toFixed(1)},${y(0).toFixed(1)}`;
    shares.forEach((s, i) => {
      d += ` L${x(edges[i]!).toFixed(1)},${y(s).toFixed(1)} L${x(edges[i + 1]!).toFixed(1)},${y(s).toFixed(1)}`;
    });
    return `${d} L${x(edges[edges.length - 1]!).toFixed(1)},${y(0).toFixed(1)} Z`;
  };
  const xTicks = log
    ? logTicks(edges[0]!, edges[edges.length - 1]!)
    : niceTicks(edges[0]!, edges[edges.length - 1]!, 6);
  const spaced = spaceTicks(
    xTicks.filter((t) => t >= edges[0]! && t <= edges[edges.length - 1]!),
    x,
  );
  const xAxis = spaced
    .map(
      (t) =>
        `<line class="tick" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 4}"/>` +
        `<text class="xlabel" x="${x(t).toFixed(1)}" y="${MARGIN.top + plotH + 17}" text-anchor="middle">${esc(tickLabel(t))}</text>`,
    )
    .join('');
  const yAxis = yTicks
    .filter((t) => t <= yMax)
    .map(
      (t) =>
        `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>` +
        `<text class="ylabel" x="${MARGIN.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${pct(t, t < 0.1 ? 1 : 0)}</text>`,
    )
    .join('');
  const axisName = `${esc(f.feature)}${log ? ' (log scale)' : ''} — share of rows per bin, 0.5th–99.5th percentile range; tails in the end bins`;
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="distribution of ${esc(f.feature)}">
${yAxis}
<path class="ref" d="${step(reference)}"><title>reference</title></path>
<path class="cur" d="${step(current)}"><title>current</title></path>
<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>
${xAxis}
<text class="axisname" x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">${axisName}</text>
</svg>`;
}

/** Keeps ticks whose labels fit between their neighbours (label width estimated from its length). */
function spaceTicks(ticks: readonly number[], x: (v: number) => number): number[] {
  for (let stride = 1; stride <= ticks.length; stride++) {
    const chosen = ticks.filter((_, i) => i % stride === 0);
    const fits = chosen.every((t, i) => {
      if (i === 0) return true;
      const prev = chosen[i - 1]!;
      const room = x(t) - x(prev);
      return room >= ((tickLabel(t).length + tickLabel(prev).length) / 2) * CHAR_WIDTH + 12;
    });
    if (fits) return chosen;
  }
  return ticks.slice(0, 1);
}

/** Round tick values (1, 2 or 5 × 10ⁿ steps) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) ticks.push(Number(t.toPrecision(12)));
    }
  return ticks;
}

function tickLabel(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3))
    return v.toExponential(abs >= 1e7 ? 3 : 1).replace(/\.?0+e/, 'e');
  return v.toLocaleString('en-US', { maximumSignificantDigits: 7 });
}

const MAX_BARS = 20;
const BAR_ROW = 24;

function barChart(f: FeatureDrift): string {
  if (f.plot.kind !== 'bars') return '';
  const { labels, reference, current } = f.plot;
  // The categories that matter most first; the rest summed in one line.
  const order = labels
    .map((label, i) => ({ label, r: reference[i]!, c: current[i]! }))
    .filter((b) => b.r > 0 || b.c > 0);
  if (f.type === 'categorical') order.sort((a, b) => Math.max(b.r, b.c) - Math.max(a.r, a.c));
  const shown = order.slice(0, MAX_BARS);
  const rest = order.slice(MAX_BARS);
  if (rest.length > 0)
    shown.push({
      label: `${rest.length} more`,
      r: rest.reduce((s, b) => s + b.r, 0),
      c: rest.reduce((s, b) => s + b.c, 0),
    });
  const labelW = 150;
  const valueW = 110;
  const barW = WIDTH - labelW - valueW - 16;
  const max = Math.max(...shown.map((b) => Math.max(b.r, b.c)), 1e-12);
  const height = shown.length * BAR_ROW + 8;
  const rows = shown
    .map((b, i) => {
      const y0 = 4 + i * BAR_ROW;
      const label = b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label;
      return (
        `<text class="barlabel" x="${labelW - 8}" y="${y0 + 15}" text-anchor="end">${esc(label)}<title>${esc(b.label)}</title></text>` +
        `<rect class="ref" x="${labelW}" y="${y0 + 3}" width="${((b.r / max) * barW).toFixed(1)}" height="8"><title>reference ${pct(b.r)}</title></rect>` +
        `<rect class="cur" x="${labelW}" y="${y0 + 12}" width="${((b.c / max) * barW).toFixed(1)}" height="8"><title>current ${pct(b.c)}</title></rect>` +
        `<text class="barvalue" x="${WIDTH - valueW}" y="${y0 + 15}">${pct(b.r)} → ${pct(b.c)}</text>`
      );
    })
    .join('\n');
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="distribution of ${esc(f.feature)}">
${rows}
</svg>`;
}

function quantileTable(f: FeatureDrift): string {
  if (!f.quantiles) return '';
  const q = f.quantiles;
  const head = q.levels.map((l) => `<th>p${Math.round(l * 100)}</th>`).join('');
  const cells = (values: readonly number[]) => values.map((v) => `<td>${esc(formatNumber(v))}</td>`).join('');
  const sample =
    q.currentSample > 0 && f.values.current > q.currentSample
      ? ` (from ${q.currentSample} sampled rows)`
      : '';
  return `<table class="quantiles"><thead><tr><th></th>${head}</tr></thead><tbody>
<tr><th>reference</th>${cells(q.reference)}</tr>
<tr><th>current${sample}</th>${cells(q.current)}</tr>
</tbody></table>`;
}

function anchor(feature: string): string {
  return `feature-${encodeURIComponent(feature).replace(/%/g, '_')}`;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--ref:#8c959f;--cur:#0969da;
--ok:#1a7f37;--warn:#9a6700;--critical:#cf222e;--insufficient:#9a6700;--row:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--ref:#9198a1;
--cur:#4493f8;--ok:#3fb950;--warn:#d29922;--critical:#f85149;--insufficient:#d29922;--row:#151b23}}
body{background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:.25rem 0}
a{color:var(--cur)}code{font-size:.9em}
.sources,.legend,.facts{color:var(--muted)}
.verdict{font-size:1.05rem;font-weight:600;margin:.25rem 0}
.verdict.critical{color:var(--critical)}.verdict.warn{color:var(--warn)}.verdict.ok{color:var(--ok)}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid var(--line)}
#features{width:100%}#features th{cursor:pointer;user-select:none;white-space:nowrap}
#features th[aria-sort=ascending]::after{content:" ▲"}#features th[aria-sort=descending]::after{content:" ▼"}
#features tbody tr:nth-child(even){background:var(--row)}
.badge{border-radius:1rem;padding:0 .5rem;font-size:.85em;font-weight:600;color:var(--bg)}
.badge.ok{background:var(--ok)}.badge.warn{background:var(--warn)}.badge.critical{background:var(--critical)}
.badge.insufficient{background:transparent;color:var(--insufficient);border:1px solid var(--insufficient)}
.swatch{display:inline-block;width:.8rem;height:.8rem;vertical-align:-1px}.swatch.ref{background:var(--ref)}.swatch.cur{background:var(--cur)}
section.feature{border-top:1px solid var(--line);margin-top:1rem;padding-top:.5rem}
svg.chart{display:block;max-width:100%;height:auto;font:12px system-ui,-apple-system,"Segoe UI",sans-serif}
svg .ref{fill:var(--ref);fill-opacity:.45;stroke:var(--ref)}
svg .cur{fill:var(--cur);fill-opacity:.25;stroke:var(--cur);stroke-width:1.5}
svg text{fill:var(--fg)}svg .axisname{fill:var(--muted)}
svg .axis,svg .tick{stroke:var(--muted)}svg .grid{stroke:var(--line)}
table.quantiles td,table.quantiles th{font-variant-numeric:tabular-nums;text-align:right}
`;

/** Sorts the summary table by the clicked column (numbers by data-value, text alphabetically). */
const SORT_SCRIPT = `
document.querySelectorAll('table.sortable th').forEach(function (th, column) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var numeric = th.dataset.type === 'number';
    var key = function (row) {
      var cell = row.cells[column];
      var v = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
      return numeric ? parseFloat(v) : v.toLowerCase();
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
`;
