import { Chalk, type ChalkInstance } from 'chalk';
import { seconds, type DeployResult } from './deploy.js';
import type { RollbackResult } from './rollback.js';
import type { PodTiming } from './record.js';
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
  for (const r of result.refusals ?? []) lines.push(`  refused: ${r.message}`);
  if (result.transaction) {
    const t = result.transaction;
    lines.push(`  changed before the refusal: ${t.changed.join(', ') || 'nothing'}`);
    if (t.restored.length > 0) lines.push(`  restored: ${t.restored.join(', ')}`);
    if (t.deleted.length > 0) lines.push(`  deleted again: ${t.deleted.join(', ')}`);
    for (const f of t.notRestored) lines.push(`  ${c.red('not restored')}: ${f.ref} (${f.message})`);
  }
  if (result.failure) {
    lines.push(`  cause: ${result.failure.message}`);
    if (result.failure.logs.length > 0) {
      lines.push(`  last log lines of ${result.failure.pod ?? 'the pod'}:`);
      for (const l of result.failure.logs.slice(-10)) lines.push(`    ${c.dim(l)}`);
    }
  }
  if (result.detectionMs !== undefined) lines.push(`  detection: ${seconds(result.detectionMs)}`);
  const pods = result.record?.rollout?.pods ?? [];
  if (pods.length > 0) lines.push(`  new pods: ${describePods(pods)}`);
  if (result.rollback && result.rollback.outcome !== 'noop') {
    const over = result.rollback.elapsedMs > result.rollbackBudgetMs;
    const elapsed = seconds(result.rollback.elapsedMs);
    const budget = seconds(result.rollbackBudgetMs);
    const overBudget = over ? c.red(' over budget') : '';
    lines.push(`  rollback: ${elapsed} (budget ${budget})${overBudget}`);
    if (result.rollback.restored.length > 0) lines.push(`  restored: ${result.rollback.restored.join(', ')}`);
    if (result.rollback.deleted.length > 0) lines.push(`  deleted: ${result.rollback.deleted.join(', ')}`);
  }
  if (result.canary && result.canary.outcome !== 'refused') {
    const judged = result.canary.samples.filter((s) => s.verdict !== 'no-data');
    const bad = judged.filter((s) => s.verdict === 'bad').length;
    const steps = result.canary.steps.map(
      (s) => `${s.weight} %${s.actualPct !== s.weight ? ` (really ${s.actualPct} %)` : ''}`,
    );
    lines.push(
      `  canary (${result.canary.mode}): steps ${steps.join(', ')}; ${judged.length} sample(s), ${bad} bad`,
    );
  }
  if (result.shadow && result.shadow.outcome !== 'refused') {
    const { mirror, samples } = result.shadow;
    const judged = samples.filter((s) => s.verdict !== 'no-data');
    const bad = judged.filter((s) => s.verdict === 'bad').length;
    if (mirror)
      lines.push(
        `  shadow: ${mirror.percent} % mirrored via ${mirror.kind}/${mirror.name} to ${mirror.target}; ${judged.length} sample(s), ${bad} bad`,
      );
    const prediction = samples.at(-1)?.prediction;
    if (prediction) lines.push(`  predictions: ${prediction.verdict} (${prediction.reasons.join('; ')})`);
    if (result.shadow.teardown)
      lines.push(
        `  shadow removed: ${result.shadow.teardown.removed.join(', ')} (${seconds(result.shadow.teardown.elapsedMs)})`,
      );
  }
  if (result.blueGreen && result.blueGreen.outcome !== 'refused') {
    const { preSwitch, samples } = result.blueGreen;
    const count = (phase: 'before-switch' | 'after-switch') => {
      const judged = samples.filter((s) => s.verdict !== 'no-data' && (s.phase ?? 'after-switch') === phase);
      return `${judged.length} sample(s), ${judged.filter((s) => s.verdict === 'bad').length} bad`;
    };
    if (preSwitch?.mode === 'mirror')
      lines.push(
        `  before the switch: ${preSwitch.percent} % of live traffic mirrored via ${preSwitch.route} to ${preSwitch.target}; ${count('before-switch')} (${preSwitch.verdict})`,
      );
    else if (preSwitch?.mode === 'none')
      lines.push(
        '  before the switch: not analysed (no route to mirror to green); judged only after the switch, in the warm window',
      );
    if (result.blueGreen.switchMs !== undefined)
      lines.push(
        `  switch: ${(result.blueGreen.switchMs / 1000).toFixed(2)} s; warm window: ${count('after-switch')}`,
      );
    if (result.blueGreen.switchBackMs !== undefined)
      lines.push(`  reverse switch: ${(result.blueGreen.switchBackMs / 1000).toFixed(2)} s`);
    if (result.blueGreen.teardown)
      lines.push(
        `  green removed: ${result.blueGreen.teardown.removed.join(', ')} (${seconds(result.blueGreen.teardown.elapsedMs)})`,
      );
    const prediction = samples.at(-1)?.prediction;
    if (prediction) lines.push(`  predictions: ${prediction.verdict} (${prediction.reasons.join('; ')})`);
  }
  const canaryPrediction = result.canary?.samples.at(-1)?.prediction;
  if (canaryPrediction)
    lines.push(`  canary predictions: ${canaryPrediction.verdict} (${canaryPrediction.reasons.join('; ')})`);
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
  if (result.skipped && result.skipped.length > 0)
    lines.push(`  passed over revision(s) ${result.skipped.join(', ')}: mlready recorded them as failed`);
  if (!result.usedRecord && !result.reverseSwitch)
    lines.push('  no release record for that revision: only the pod template was restored');
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
  if (result.shadow)
    lines.push(
      `  shadow: ${result.shadow.mirrorPct} % of live requests mirrored (${result.shadow.via}); its responses are discarded`,
    );
  if (result.blueGreen) {
    const warm = result.blueGreen.warmUntil ? ` until ${result.blueGreen.warmUntil}` : '';
    lines.push(
      result.blueGreen.active === 'green'
        ? `  blue-green: green serves (${result.blueGreen.service?.includes('/') ? result.blueGreen.service : `Service/${result.blueGreen.service ?? '?'}`}); blue is warm${warm}: mlready rollback ${result.name} switches back`
        : result.blueGreen.mirror
          ? `  blue-green: blue serves; green gets ${result.blueGreen.mirror.mirrorPct} % of live requests mirrored (${result.blueGreen.mirror.via}) for the analysis before the switch`
          : `  blue-green: green is up without traffic; blue serves`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function formatHistoryText(name: string, entries: HistoryEntry[]): string {
  const header = ['REVISION', 'MODEL', 'IMAGE', 'PODS', 'RELEASE', 'CREATED', 'CHANGE-CAUSE'];
  const revision = (e: HistoryEntry) => {
    const former = e.formerRevisions.length > 0 ? ` (was ${e.formerRevisions.join(', ')})` : '';
    return `${e.revision}${e.current ? ' *' : ''}${former}`;
  };
  const rows = entries.map((e) => [
    revision(e),
    e.modelVersion ?? '-',
    e.image ?? '-',
    String(e.replicas),
    e.outcome ?? '-',
    e.createdAt ?? '-',
    e.changeCause ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const table = [fmt(header), ...rows.map(fmt)].join('\n');
  return `deployment/${name} (* = current; RELEASE: what mlready recorded)\n${table}\n`;
}

/** "2 ready in 1.3 s median (scheduling 0.1 s, image pull 0.0 s, start → ready 1.1 s)". */
function describePods(pods: readonly PodTiming[]): string {
  const median = (values: (number | undefined)[]) => {
    const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length === 0 ? undefined : v[Math.floor((v.length - 1) / 2)]!;
  };
  const ready = pods.filter((p) => p.ready);
  const total = median(ready.map((p) => p.createdToReadyMs));
  const parts = [
    ['scheduling', median(ready.map((p) => p.schedulingMs))],
    ['image pull', median(ready.map((p) => p.imagePullMs))],
    ['start → ready', median(ready.map((p) => p.startToReadyMs))],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([label, v]) => `${label} ${seconds(v as number)}`);
  const notReady = pods.length - ready.length;
  const head =
    total === undefined ? `${ready.length} ready` : `${ready.length} ready in ${seconds(total)} median`;
  const detail = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return `${head}${detail}${notReady > 0 ? `, ${notReady} not ready` : ''}`;
}
