import type { SweepStep } from './format.js';
import type { Distribution } from './record.js';
import type { FullReport } from './report.js';

/**
 * A self-contained HTML report (inline CSS and SVG, no script, nothing fetched): the verdict,
 * percentiles per series, the sweep with its latency-vs-load chart, a timeline of latency and
 * throughput with the scraped server and GPU metrics on the same seconds, errors by category,
 * warnings. Every text from the run goes through escapeHtml.
 */
export function formatLoadHtml(report: FullReport): string {
  const s = report.summary;
  const verdict = report.partial
    ? { cls: 'bad', text: `Partial run (${report.partial.reasons.join('; ')}): not evidence` }
    : report.sweep
      ? report.knee
        ? {
            cls: 'good',
            text: `SLO holds up to step ${report.knee.value} (achieved ${report.knee.achievedRps} req/s)`,
          }
        : { cls: 'bad', text: 'SLO broken at every step' }
      : report.slo.passed
        ? { cls: 'good', text: 'SLO met' }
        : { cls: 'bad', text: 'SLO broken' };
  const cards: [string, string][] = [
    ['requests', `${s.requests.total} (${s.requests.errors} errors, ${(s.errorRate * 100).toFixed(2)}%)`],
    ['achieved / offered', `${s.rps.toFixed(2)} / ${s.offeredRps.toFixed(2)} req/s`],
    ['goodput', `${s.goodput.toFixed(2)} req/s`],
    ['output tokens', `${s.tokens.output} (${s.tokens.perSecond.toFixed(1)}/s)`],
    ['measured', `${s.measuredSeconds.toFixed(1)} s`],
  ];
  if (report.cost?.per1kRequests != null)
    cards.push(['cost per 1 000 requests', `$${report.cost.per1kRequests} (${report.cost.band ?? ''})`]);
  if (s.generator.saturated) cards.push(['load generator', 'SATURATED']);
  const series: [string, Distribution][] = [
    ['latency', s.latency],
    ['TTFT', s.ttft],
    ['TPOT', s.tpot],
    ['ITL', s.itl],
    ['schedule lag', s.scheduleLag],
    ['client queue', s.clientQueue],
  ];
  const body: string[] = [
    `<h1>Load test: ${escapeHtml(report.service ?? report.model.name)} ${escapeHtml(report.model.version)}</h1>`,
    `<p class="meta">${escapeHtml(report.target.url)} · ${escapeHtml(report.target.protocol)} · ${escapeHtml(report.startedAt)} · mlready ${escapeHtml(report.tool.version)}</p>`,
    `<p class="verdict ${verdict.cls}">${escapeHtml(verdict.text)}</p>`,
    `<div class="cards">${cards.map(([k, v]) => `<div><span>${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`).join('')}</div>`,
    '<h2>Percentiles (ms)</h2>',
    table(
      ['series', 'count', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
      series
        .filter(([, d]) => d.count > 0)
        .map(([name, d]) => [
          name,
          String(d.count),
          ...[d.p50, d.p90, d.p95, d.p99, d['p99.9'], d.max, d.mean].map(ms),
        ]),
    ),
  ];
  if (report.sweep && report.sweep.length > 0) body.push(...sweepSection(report.sweep, report.knee));
  if (s.timeline.length > 0) body.push(...timelineSection(report));
  if (Object.keys(s.errorsByKind).length > 0)
    body.push(
      '<h2>Errors by category</h2>',
      table(
        ['category', 'requests'],
        Object.entries(s.errorsByKind).map(([k, v]) => [k, String(v)]),
      ),
    );
  body.push(
    '<h2>SLO</h2>',
    table(
      ['check', 'actual', 'result'],
      (report.slo.checks ?? []).map((c) => [
        c.expression + ((c as { default?: boolean }).default ? ' (default gate)' : ''),
        c.actual === null || c.actual === undefined ? 'no data' : String(c.actual),
        c.passed ? 'pass' : 'FAIL',
      ]),
    ),
  );
  if (report.metrics && Object.keys(report.metrics).length > 0)
    body.push(
      '<h2>Scraped metrics</h2>',
      table(
        ['metric', 'peak', 'mean', 'samples'],
        Object.entries(report.metrics)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, m]) => [k, num(m.peak), num(m.mean), String(m.samples.length)]),
      ),
    );
  if (report.warnings.length > 0)
    body.push(
      '<h2>Warnings</h2>',
      `<ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`,
    );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`mlready load test — ${report.service ?? report.model.name}`)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1080px;color:#1f2328;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#59636e;margin:0 0 12px}.verdict{font-weight:600;padding:8px 12px;border-radius:6px;display:inline-block}
.good{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}.cards div{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:150px}
.cards span{display:block;color:#59636e;font-size:12px}.cards b{font-size:15px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f8fa}
svg{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:6px 0}svg text{font:11px system-ui,sans-serif;fill:#59636e}
.legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#57606a', '#e16f24', '#0550ae'];

function sweepSection(steps: readonly SweepStep[], knee: SweepStep | undefined): string[] {
  const points = (pick: (s: SweepStep) => number | undefined) =>
    steps.flatMap((s) => {
      const y = pick(s);
      return y === undefined ? [] : [[s.achievedRps, y] as [number, number]];
    });
  const lines = [
    { name: 'latency p95', points: points((s) => s.latency.p95) },
    { name: 'latency p50', points: points((s) => s.latency.p50) },
    { name: 'TTFT p95', points: points((s) => (s.ttft.count > 0 ? s.ttft.p95 : undefined)) },
  ].filter((l) => l.points.length > 0);
  return [
    '<h2>Latency vs load</h2>',
    lineChart(lines, { xLabel: 'achieved requests/s', yLabel: 'ms', dots: true }),
    table(
      ['step', 'offered/s', 'achieved/s', 'p50', 'p95', 'p99', 'TTFT p95', 'ITL p95', 'errors', 'verdict'],
      steps.map((s) => [
        String(s.value),
        s.offeredRps.toFixed(2),
        s.achievedRps.toFixed(2),
        ms(s.latency.p50),
        ms(s.latency.p95),
        ms(s.latency.p99),
        s.ttft.count > 0 ? ms(s.ttft.p95) : '–',
        s.itl.count > 0 ? ms(s.itl.p95) : '–',
        `${(s.errorRate * 100).toFixed(2)}%`,
        s.knee ? 'knee' : s.passed ? (s === knee ? 'best' : 'meets SLO') : `breaks ${s.failed.join(', ')}`,
      ]),
    ),
  ];
}

function timelineSection(report: FullReport): string[] {
  const t = report.summary.timeline;
  const out = [
    report.sweep ? '<h2>Timeline of the last step</h2>' : '<h2>Timeline</h2>',
    lineChart(
      [
        { name: 'latency p50 (ms)', points: t.map((p) => [p.second, p.p50] as [number, number]) },
        { name: 'latency p95 (ms)', points: t.map((p) => [p.second, p.p95] as [number, number]) },
        { name: 'latency p99 (ms)', points: t.map((p) => [p.second, p.p99] as [number, number]) },
      ],
      { xLabel: 'second of the measured window', yLabel: 'ms' },
    ),
    lineChart(
      [
        {
          name: 'requests sent per second',
          points: t.map((p) => [p.second, p.requests] as [number, number]),
        },
        { name: 'errors per second', points: t.map((p) => [p.second, p.errors] as [number, number]) },
      ],
      { xLabel: 'second of the measured window', yLabel: 'req/s' },
    ),
  ];
  const metrics = Object.entries(report.metrics ?? {}).filter(([, m]) => m.samples.length > 1);
  if (metrics.length > 0)
    out.push(
      report.sweep
        ? '<p>Scraped server and GPU metrics over the whole sweep, from the first step (each scaled to its own peak):</p>'
        : '<p>Scraped server and GPU metrics on the same seconds (each scaled to its own peak):</p>',
      lineChart(
        metrics.slice(0, COLORS.length).map(([name, m]) => ({
          name: `${name} (peak ${num(m.peak)})`,
          points: m.samples.map(
            (p) => [p.second, m.peak === 0 ? 0 : (p.value / m.peak) * 100] as [number, number],
          ),
        })),
        { xLabel: 'second of the measured window', yLabel: '% of peak' },
      ),
    );
  return out;
}

interface Line {
  name: string;
  points: [number, number][];
}

/** An SVG line chart with axes, ticks and a legend. */
export function lineChart(
  lines: readonly Line[],
  options: { xLabel: string; yLabel: string; dots?: boolean; width?: number; height?: number },
): string {
  const width = options.width ?? 860;
  const height = options.height ?? 260;
  const pad = { left: 56, right: 16, top: 12, bottom: 36 };
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) return '';
  const xMin = Math.min(0, ...all.map((p) => p[0]));
  const xMax = Math.max(...all.map((p) => p[0]), xMin + 1e-9);
  const yMax = niceMax(Math.max(...all.map((p) => p[1]), 1e-9));
  const x = (v: number) => pad.left + ((v - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eaeef2"/>`,
      `<text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(num(v))}</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const v = xMin + ((xMax - xMin) * i) / 5;
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="middle">${escapeHtml(num(v))}</text>`,
    );
  }
  parts.push(
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    `<text x="12" y="${pad.top + 8}">${escapeHtml(options.yLabel)}</text>`,
    `<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#8c959f"/>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#8c959f"/>`,
  );
  lines.forEach((line, i) => {
    const color = COLORS[i % COLORS.length]!;
    const d = line.points
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (options.dots || line.points.length === 1)
      for (const p of line.points)
        parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3.5" fill="${color}"/>`);
  });
  const legend = lines
    .map(
      (l, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${escapeHtml(l.name)}</span>`,
    )
    .join('');
  return `<div class="legend">${legend}</div><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}</svg>`;
}

function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function niceMax(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (v <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function ms(v: number): string {
  return v < 10 ? v.toFixed(3) : v.toFixed(1);
}

function num(v: number): string {
  if (Math.abs(v) >= 1e6) return v.toExponential(2);
  return String(Math.round(v * 100) / 100);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
