import { Chalk } from 'chalk';
import type { Distribution } from './record.js';
import type { LoadSummary, Regression, SloCheck } from './report.js';

export interface LoadOutcome {
  target: string;
  summary: LoadSummary;
  checks: SloCheck[];
  regressions: Regression[];
  passed: boolean;
  sweep?: { rate: number; rps: number; p95: number; errorRate: number; passed: boolean }[] | undefined;
  bestRate?: number | undefined;
}

/**
 * The final terminal report: latency table, token timing, errors, a latency-over-time chart, the SLO
 * verdict.
 */
export function formatLoadText(outcome: LoadOutcome, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const s = outcome.summary;
  const measuredSeconds = s.measuredSeconds.toFixed(1);
  const requestRate = s.rps.toFixed(1);
  const errorPct = (s.errorRate * 100).toFixed(2);
  const interrupted = s.interrupted ? c.yellow(' — interrupted, partial results') : '';
  const columns = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'].map((h) => h.padStart(9)).join('');
  const lines = [
    `${outcome.target}: ${s.requests.total} requests in ${measuredSeconds} s (${requestRate}/s), ${s.requests.errors} errors (${errorPct}%)${interrupted}`,
    '',
    `${''.padEnd(14)}${columns}`,
    row('latency ms', s.latency),
  ];
  if (s.ttft.count > 0) lines.push(row('ttft ms', s.ttft), row('tpot ms', s.tpot), row('itl ms', s.itl));
  lines.push(row('sched. lag ms', s.scheduleLag));
  if (s.tokens.output > 0) {
    const tokenRate = s.tokens.perSecond.toFixed(1);
    const goodput = s.goodput.toFixed(2);
    lines.push('', `output tokens: ${s.tokens.output} (${tokenRate}/s) · goodput ${goodput} req/s`);
  }
  if (Object.keys(s.errorsByKind).length > 0)
    lines.push(
      `errors: ${Object.entries(s.errorsByKind)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  if (s.timeline.length > 1)
    lines.push('', 'p95 latency over time (ms):', ...chart(s.timeline.map((p) => p.p95)));
  if (outcome.sweep) {
    lines.push(
      '',
      'sweep:',
      ...outcome.sweep.map((p) => {
        const rate = String(p.rate).padStart(6);
        const achieved = p.rps.toFixed(1).padStart(7);
        const p95 = p.p95.toFixed(1).padStart(8);
        const stepErrorPct = (p.errorRate * 100).toFixed(2);
        const verdict = p.passed ? c.green('meets SLO') : c.red('breaks SLO');
        return `  rate ${rate}/s → ${achieved}/s  p95 ${p95} ms  errors ${stepErrorPct}%  ${verdict}`;
      }),
    );
    lines.push(
      outcome.bestRate === undefined
        ? c.red('no tested rate meets the SLO')
        : `highest rate meeting the SLO: ${outcome.bestRate}/s`,
    );
  }
  for (const w of s.warnings) lines.push(c.yellow(`warning: ${w}`));
  if (outcome.checks.length > 0) {
    lines.push('', 'SLO:');
    for (const check of outcome.checks) {
      const mark = check.passed ? c.green('✔') : c.red('✖');
      lines.push(`  ${mark} ${check.expression} (actual ${check.actual ?? 'no data'})`);
    }
  }
  for (const r of outcome.regressions)
    lines.push(c.red(`  ✖ regression: ${r.metric} ${r.baseline} → ${r.current}`));
  lines.push(outcome.passed ? c.green('✔ SLO met') : c.red('✖ SLO broken'));
  return `${lines.join('\n')}\n`;
}

function row(label: string, d: Distribution): string {
  const values = [d.p50, d.p90, d.p95, d.p99, d['p99.9'], d.max, d.mean];
  const cells = values.map((v) => (d.count === 0 ? '–' : v.toFixed(1)).padStart(9));
  return `${label.padEnd(14)}${cells.join('')}`;
}

/** A small chart: one column per second, 6 rows high. */
export function chart(values: readonly number[], height = 6): string[] {
  const max = Math.max(...values, 1e-9);
  const columns = values.length > 60 ? downsample(values, 60) : values;
  const rows: string[] = [];
  for (let level = height; level >= 1; level--) {
    const threshold = (level - 0.5) / height;
    const label = level === height ? max.toFixed(0).padStart(7) : ''.padStart(7);
    rows.push(`${label} │${columns.map((v) => (v / max >= threshold ? '█' : ' ')).join('')}`);
  }
  rows.push(`${'0'.padStart(7)} └${'─'.repeat(columns.length)} ${values.length}s`);
  return rows;
}

function downsample(values: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const slice = values.slice(
      Math.floor((i * values.length) / n),
      Math.floor(((i + 1) * values.length) / n),
    );
    out.push(Math.max(...slice));
  }
  return out;
}
