import { Chalk, type ChalkInstance } from 'chalk';
import { seconds, type DeployResult } from './deploy.js';
import type { RollbackResult } from './rollback.js';
import type { HistoryEntry, StatusResult } from './status.js';

function paint(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

/** The end-of-deploy summary. Pure. */
export function formatDeployText(result: DeployResult, options: { color: boolean }): string {
  const c = paint(options.color);
  const lines: string[] = [];
  const mark = result.outcome === 'deployed' || result.outcome === 'dry-run' ? c.green('✔') : c.red('✖');
  lines.push(`${mark} ${result.message}`);
  const modelVersion = result.modelVersion ? `, model version ${result.modelVersion}` : '';
  lines.push(`  context ${result.context}, namespace ${result.namespace}${modelVersion}`);
  if (result.outcome === 'dry-run') {
    for (const a of result.applied) {
      lines.push(`  ${a.action.padEnd(10)} ${a.ref}`);
      for (const change of a.changes ?? []) lines.push(`             ${c.dim(change)}`);
    }
  }
  for (const w of result.warnings) lines.push(`  ${c.yellow('warning')} ${w}`);
  if (result.failure) {
    lines.push(`  cause: ${result.failure.message}`);
    if (result.failure.logs.length > 0) {
      lines.push(`  last log lines of ${result.failure.pod ?? 'the pod'}:`);
      for (const l of result.failure.logs.slice(-10)) lines.push(`    ${c.dim(l)}`);
    }
  }
  if (result.detectionMs !== undefined) lines.push(`  detection: ${seconds(result.detectionMs)}`);
  if (result.rollback && result.rollback.outcome !== 'noop') {
    const over = result.rollback.elapsedMs > result.rollbackBudgetMs;
    const elapsed = seconds(result.rollback.elapsedMs);
    const budget = seconds(result.rollbackBudgetMs);
    const overBudget = over ? c.red(' over budget') : '';
    lines.push(`  rollback: ${elapsed} (budget ${budget})${overBudget}`);
    if (result.rollback.restored.length > 0) lines.push(`  restored: ${result.rollback.restored.join(', ')}`);
    if (result.rollback.deleted.length > 0) lines.push(`  deleted: ${result.rollback.deleted.join(', ')}`);
  }
  if (result.canary) {
    const judged = result.canary.samples.filter((s) => s.verdict !== 'no-data');
    const bad = judged.filter((s) => s.verdict === 'bad').length;
    lines.push(`  canary (${result.canary.mode}): ${judged.length} sample(s), ${bad} bad`);
  }
  for (const n of result.next) lines.push(`  next: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function formatRollbackText(
  result: RollbackResult & { budgetMs: number; name: string },
  options: { color: boolean },
): string {
  const c = paint(options.color);
  if (result.outcome === 'noop') return `${c.green('✔')} ${result.message}\n`;
  if (result.outcome === 'refused') return `${c.red('✖')} ${result.message}\n`;
  const over = result.elapsedMs > result.budgetMs;
  const ok = result.outcome === 'rolled-back' && !over;
  const mark = ok ? c.green('✔') : c.red('✖');
  const modelNote = result.modelVersion ? ` (model ${result.modelVersion})` : '';
  const lines = [`${mark} Deployment/${result.name}: ${result.message}${modelNote}`];
  const elapsed = seconds(result.elapsedMs);
  const budget = seconds(result.budgetMs);
  const overBudget = over ? c.red(' over budget') : '';
  lines.push(`  elapsed: ${elapsed} (budget ${budget})${overBudget}`);
  if (result.restored.length > 0) lines.push(`  restored: ${result.restored.join(', ')}`);
  if (result.deleted.length > 0) lines.push(`  deleted: ${result.deleted.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function formatStatusText(result: StatusResult, options: { color: boolean }): string {
  const c = paint(options.color);
  const readiness = result.ready ? c.green('ready') : c.yellow('not ready');
  const rolloutNote = result.rolloutInProgress ? ', rollout in progress' : '';
  const lines = [`${result.name} in namespace ${result.namespace}: ${readiness}${rolloutNote}`];
  if (result.versions.length === 0) lines.push('  nothing is serving');
  const rows = result.versions.map((v) => [
    v.workload,
    v.track,
    v.revision === undefined ? '-' : String(v.revision),
    v.modelVersion ?? '-',
    `${v.ready}/${v.replicas}`,
    `${v.trafficPct} %`,
    v.source,
    v.image ?? '-',
  ]);
  const header = ['WORKLOAD', 'TRACK', 'REVISION', 'MODEL', 'READY', 'TRAFFIC', 'BY', 'IMAGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`;
  if (rows.length > 0) lines.push(fmt(header), ...rows.map(fmt));
  return `${lines.join('\n')}\n`;
}

export function formatHistoryText(name: string, entries: HistoryEntry[]): string {
  const header = ['REVISION', 'MODEL', 'PODS', 'CREATED', 'CHANGE-CAUSE'];
  const rows = entries.map((e) => [
    `${e.revision}${e.current ? ' *' : ''}`,
    e.modelVersion ?? '-',
    String(e.replicas),
    e.createdAt ?? '-',
    e.changeCause ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return `deployment/${name} (* = current)\n${[fmt(header), ...rows.map(fmt)].join('\n')}\n`;
}
