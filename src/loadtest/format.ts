import { Chalk } from 'chalk';
import type { CostSummary } from './cost.js';
import type { Distribution, TimelinePoint } from './record.js';
import type { LoadSummary, Regression, SloCheck } from './report.js';

/** One step of a sweep (a rate or a concurrency), judged. */
export interface SweepStep {
  /** The rate (requests/s) or concurrency of the step. */
  value: number;
  offeredRps: number;
  achievedRps: number;
  tokensPerSecond: number;
  latency: Distribution;
  ttft: Distribution;
  tpot: Distribution;
  itl: Distribution;
  errorRate: number;
  errorsByKind: Record<string, number>;
  goodput: number;
  passed: boolean;
  /** The SLO terms the step broke. */
  failed: string[];
  /** Past the knee: the server fell behind the offered rate, or more concurrency stopped helping. */
  knee: boolean;
  saturated: boolean;
  cost?: CostSummary;
}

export interface LoadOutcome {
  /** The endpoint, redacted. */
  target: string;
  summary: LoadSummary;
  checks: SloCheck[];
  regressions: Regression[];
  passed: boolean;
  sweep?: SweepStep[] | undefined;
  sweepKind?: 'rate' | 'concurrency' | undefined;
  /** The highest step that met the SLO before the knee. */
  best?: SweepStep | undefined;
  /** Why the run is partial (not evidence); empty when complete. */
  partial: string[];
  interrupted: boolean;
  strictFailure: boolean;
  warnings: string[];
  /** Whether an SLO was given (else only the default error-rate gate applied). */
  explicitSlo: boolean;
  profile?: 'throughput' | undefined;
  costAtKnee?: CostSummary | undefined;
  /** Scraped metrics, peak and mean over the run. */
  metrics?: Record<string, { peak: number; mean: number }> | undefined;
  timeline: TimelinePoint[];
  workers?: string | undefined;
}

/**
 * The final terminal report: latency table, token timing, errors, generator health, a latency-over-
 * time chart, the sweep with its latency-vs-load chart, cost, scraped metrics, the verdict.
 */
export function formatLoadText(outcome: LoadOutcome, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const s = outcome.summary;
  const measuredSeconds = s.measuredSeconds.toFixed(1);
  const errorPct = (s.errorRate * 100).toFixed(2);
  const partial = outcome.partial.length > 0 ? c.yellow(` — partial: ${outcome.partial.join('; ')}`) : '';
  const columns = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'].map((h) => h.padStart(9)).join('');
  const lines = [
    `${outcome.target}: ${s.requests.total} requests in ${measuredSeconds} s, ${s.requests.errors} errors (${errorPct}%)${partial}`,
    `rate: achieved ${s.rps.toFixed(2)}/s of ${s.offeredRps.toFixed(2)}/s offered${outcome.profile === 'throughput' ? ' (max-throughput profile)' : ''}${outcome.workers ? ` · ${outcome.workers}` : ''}`,
    '',
    `${''.padEnd(15)}${columns}`,
    row('latency ms', s.latency),
  ];
  if (s.ttft.count > 0) lines.push(row('ttft ms', s.ttft), row('tpot ms', s.tpot), row('itl ms', s.itl));
  lines.push(row('sched. lag ms', s.scheduleLag), row('client queue ms', s.clientQueue));
  if (s.tokens.output > 0) {
    const good = Object.entries(s.goodputBy)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    lines.push(
      '',
      `output tokens: ${s.tokens.output} (${s.tokens.perSecond.toFixed(1)}/s), per request p50 ${s.outputTokens.p50} max ${s.outputTokens.max}`,
    );
    if (s.inputTokens.count > 0)
      lines.push(
        `input tokens: ${s.tokens.input} (${s.tokens.inputPerSecond.toFixed(1)}/s), per request p50 ${s.inputTokens.p50} p95 ${s.inputTokens.p95} max ${s.inputTokens.max}`,
      );
    else lines.push('input tokens: unknown (no usage from the server; --tokenizer counts them)');
    lines.push(`goodput: ${s.goodput.toFixed(2)} req/s${good ? ` (per SLO: ${good})` : ''}`);
  }
  if (Object.keys(s.errorsByKind).length > 0)
    lines.push(
      `errors: ${Object.entries(s.errorsByKind)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  const g = s.generator;
  const cpu = g.cpuShare === undefined ? '' : `, CPU ${(g.cpuShare * 100).toFixed(0)}% of a core`;
  const connections = g.peakConnections === undefined ? '' : `, ${g.peakConnections} connections`;
  lines.push(
    `generator: peak ${g.peakInFlight} in flight${connections}, event-loop delay p99 ${g.eventLoopDelay.p99.toFixed(1)} ms${cpu}${g.saturated ? c.red(' — SATURATED') : g.limited ? c.yellow(' — limited the run') : ''}`,
  );
  if (s.timeline.length > 1)
    lines.push('', 'p95 latency over time (ms):', ...chart(s.timeline.map((p) => p.p95)));
  if (outcome.sweep) lines.push('', ...formatSweep(outcome, c));
  if (s.cost) lines.push('', formatCost('cost', s.cost, c));
  if (outcome.costAtKnee) lines.push(formatCost('cost at the knee', outcome.costAtKnee, c));
  if (outcome.metrics && Object.keys(outcome.metrics).length > 0) {
    lines.push('', 'scraped metrics (peak / mean):');
    for (const [name, m] of Object.entries(outcome.metrics).sort(([a], [b]) => a.localeCompare(b)))
      lines.push(`  ${name}  ${formatNumber(m.peak)} / ${formatNumber(m.mean)}`);
  }
  for (const w of outcome.warnings) lines.push(c.yellow(`warning: ${w}`));
  if (outcome.checks.length > 0) {
    lines.push('', 'SLO:');
    for (const check of outcome.checks) {
      const mark = check.passed ? c.green('✔') : c.red('✖');
      const note = check.default ? ' (default gate: the SLO names no error rate)' : '';
      lines.push(`  ${mark} ${check.expression} (actual ${check.actual ?? 'no data'})${note}`);
    }
  }
  for (const r of outcome.regressions)
    lines.push(c.red(`  ✖ regression: ${r.metric} ${r.baseline} → ${r.current}`));
  lines.push(verdict(outcome, c));
  return `${lines.join('\n')}\n`;
}

function verdict(outcome: LoadOutcome, c: InstanceType<typeof Chalk>): string {
  if (outcome.partial.length > 0)
    return c.red(`✖ partial run (${outcome.partial.join('; ')}): not evidence, SLO not judged as met`);
  if (outcome.strictFailure) return c.red('✖ the load generator was saturated (--strict): not evidence');
  if (outcome.sweep)
    return outcome.best
      ? c.green(
          `✔ the SLO holds up to ${outcome.best.value}${outcome.sweepKind === 'concurrency' ? ' in flight' : '/s'}`,
        )
      : c.red('✖ SLO broken at every step');
  if (!outcome.passed) return c.red('✖ SLO broken');
  return outcome.explicitSlo
    ? c.green('✔ SLO met')
    : c.green('✔ passed the default error-rate gate') +
        ' (no SLO given: latency, TTFT and throughput were not judged)';
}

function formatSweep(outcome: LoadOutcome, c: InstanceType<typeof Chalk>): string[] {
  const kind = outcome.sweepKind ?? 'rate';
  const label = kind === 'rate' ? 'rate/s' : 'concurrency';
  const lines = [
    `sweep (${kind}):`,
    `  ${label.padStart(11)} ${'offered/s'.padStart(10)} ${'achieved/s'.padStart(10)} ${'p95 ms'.padStart(9)} ${'ttft p95'.padStart(9)} ${'errors'.padStart(7)}`,
  ];
  for (const p of outcome.sweep ?? []) {
    const ttft = p.ttft.count > 0 ? p.ttft.p95.toFixed(1) : '–';
    const verdictText = p.knee
      ? c.red(kind === 'rate' ? 'knee: server fell behind' : 'knee: no more throughput')
      : p.passed
        ? c.green('meets SLO')
        : c.red(`breaks SLO (${p.failed.join(', ')})`);
    lines.push(
      `  ${String(p.value).padStart(11)} ${p.offeredRps.toFixed(1).padStart(10)} ${p.achievedRps.toFixed(1).padStart(10)} ${p.latency.p95.toFixed(1).padStart(9)} ${ttft.padStart(9)} ${`${(p.errorRate * 100).toFixed(1)}%`.padStart(7)}  ${verdictText}`,
    );
  }
  lines.push(
    outcome.best === undefined
      ? c.red('no tested step meets the SLO')
      : `highest ${kind === 'rate' ? 'rate' : 'concurrency'} meeting the SLO before the knee: ${outcome.best.value}${kind === 'rate' ? '/s' : ''} (achieved ${outcome.best.achievedRps.toFixed(1)} req/s)`,
  );
  lines.push('', 'latency vs load (p95 ms against achieved req/s; ● latency, ▲ TTFT):');
  lines.push(...latencyVsLoadChart(outcome.sweep ?? []));
  return lines;
}

function formatCost(label: string, cost: CostSummary, c: InstanceType<typeof Chalk>): string {
  const per1k = cost.per1kRequests === null ? 'n/a' : `$${cost.per1kRequests}`;
  const perM =
    cost.perMillionOutputTokens === null ? '' : `, $${cost.perMillionOutputTokens} per million output tokens`;
  const band =
    cost.band === 'healthy'
      ? c.green('healthy (≤ $0.50)')
      : cost.band === 'warning'
        ? c.yellow('warning ($0.50–1.00)')
        : cost.band === 'critical'
          ? c.red('critical (> $1.00)')
          : '';
  return `${label}: ${per1k} per 1 000 requests${perM} at $${cost.perHour}/h — ${band}`;
}

function row(label: string, d: Distribution): string {
  const values = [d.p50, d.p90, d.p95, d.p99, d['p99.9'], d.max, d.mean];
  const cells = values.map((v) => (d.count === 0 ? '–' : v < 10 ? v.toFixed(3) : v.toFixed(1)).padStart(9));
  return `${label.padEnd(15)}${cells.join('')}`;
}

function formatNumber(n: number): string {
  return Math.abs(n) >= 1e6 ? n.toExponential(3) : String(Math.round(n * 1000) / 1000);
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

/**
 * Latency against load for a sweep: x is the achieved rate, y the p95 latency (●) and TTFT (▲);
 * the hockey stick shows where the server stops keeping up.
 */
export function latencyVsLoadChart(steps: readonly SweepStep[], width = 48, height = 10): string[] {
  if (steps.length === 0) return [];
  const xMax = Math.max(...steps.map((s) => s.achievedRps), 1e-9);
  const yMax = Math.max(...steps.flatMap((s) => [s.latency.p95, s.ttft.count > 0 ? s.ttft.p95 : 0]), 1e-9);
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const put = (x: number, y: number, mark: string) => {
    const col = Math.min(width - 1, Math.round((x / xMax) * (width - 1)));
    const line = Math.min(height - 1, Math.round((y / yMax) * (height - 1)));
    grid[height - 1 - line]![col] = mark;
  };
  for (const s of steps) {
    if (s.ttft.count > 0) put(s.achievedRps, s.ttft.p95, '▲');
    put(s.achievedRps, s.latency.p95, '●');
  }
  const rows = grid.map((cells, i) => {
    const label = i === 0 ? yMax.toFixed(0).padStart(7) : ''.padStart(7);
    return `${label} │${cells.join('')}`;
  });
  rows.push(`${'0'.padStart(7)} └${'─'.repeat(width)}`);
  rows.push(`${''.padStart(9)}0${`${xMax.toFixed(1)} req/s`.padStart(width - 1)}`);
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
