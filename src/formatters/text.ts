import { Chalk } from 'chalk';
import type { CheckResult, Finding, ServiceSummary } from '../check/result.js';
import type { Severity } from '../rules/rule.js';
import type { Formatter } from './formatter.js';

/** Findings grouped by file, each at line:col with severity, message, rule id and a fix hint. */
export const formatText: Formatter = (result, { color }) => {
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint: Record<Severity, (s: string) => string> = { error: c.red, warning: c.yellow, info: c.blue };
  const lines: string[] = [];

  const byFile = new Map<string, { problems: CheckResult['problems']; findings: Finding[] }>();
  const entry = (file: string) => {
    let e = byFile.get(file);
    if (!e) byFile.set(file, (e = { problems: [], findings: [] }));
    return e;
  };
  for (const problem of result.problems) entry(problem.file).problems.push(problem);
  for (const finding of result.findings) entry(finding.file).findings.push(finding);

  for (const file of [...byFile.keys()].sort()) {
    const { problems, findings } = byFile.get(file)!;
    lines.push(c.underline(file));
    for (const problem of problems) {
      const at = problem.line === undefined ? '' : `${problem.line}:${problem.column ?? 1}`;
      lines.push(
        `  ${c.dim(at.padEnd(7))} ${paint.error('error'.padEnd(7))} ${problem.message}  ${c.dim('input')}`,
      );
      if (problem.hint) lines.push(`  ${' '.repeat(15)} ${c.dim(`hint: ${problem.hint}`)}`);
    }
    for (const finding of findings) {
      const at = `${finding.line}:${finding.column}`;
      const severity = paint[finding.severity](finding.severity.padEnd(7));
      lines.push(`  ${c.dim(at.padEnd(7))} ${severity} ${finding.message}  ${c.dim(finding.ruleId)}`);
      lines.push(`  ${' '.repeat(15)} ${c.dim(`fix: ${finding.fix}`)}`);
    }
    lines.push('');
  }

  const unknownKinds = result.skipped.filter((s) => s.kind !== '(file)');
  if (unknownKinds.length > 0) {
    const kinds = [...new Set(unknownKinds.map((s) => s.kind))].sort();
    const documents = plural(unknownKinds.length, 'document');
    lines.push(c.dim(`skipped ${documents} of kinds mlready does not check: ${kinds.join(', ')}`));
  }
  const emptyFiles = result.skipped.filter((s) => s.kind === '(file)');
  if (emptyFiles.length > 0) {
    const files = plural(emptyFiles.length, 'file');
    const reasons = emptyFiles.map((s) => `${s.file} (${s.reason})`).join(', ');
    lines.push(c.dim(`skipped ${files}: ${reasons}`));
  }

  for (const service of result.services) {
    if (service.objects.length === 0) continue;
    lines.push(...serviceLines(service, c));
  }
  lines.push(summaryLine(result, c));
  return `${lines.join('\n')}\n`;
};

type Paint = InstanceType<typeof Chalk>;

/** A service's readiness, the scores behind it, what it is made of and its traffic. */
function serviceLines(service: ServiceSummary, c: Paint): string[] {
  const lines: string[] = [];
  const r = service.readiness;
  if (!r) {
    lines.push(`${c.bold(service.name)}: no readiness level — ${service.missing ?? 'nothing to judge'}`);
    return lines;
  }
  const held = r.heldBackBy.length > 0 ? `; held back by ${r.heldBackBy.join(', ')}` : '';
  if (r.level === 'unknown') {
    const reach = r.checkedLevel !== undefined ? ` (its checked parts reach level ${r.checkedLevel})` : '';
    lines.push(
      `${c.bold(service.name)}: readiness unknown — not checked: ${(r.notChecked ?? []).join(', ')}${reach}`,
    );
  } else {
    lines.push(`${c.bold(service.name)}: readiness level ${r.level} (${r.title})${held}`);
  }
  const scores = r.sections
    .filter((s) => s.rules > 0 || s.score === null)
    .map((s) => `${s.section} ${s.score === null ? 'n/a' : `${s.score}%`}`)
    .join(' · ');
  lines.push(c.dim(`  ${scores}`));
  for (const s of r.sections) if (s.score === 0 && s.why) lines.push(c.dim(`  ${s.section} 0%: ${s.why}`));
  const parts = [plural(service.modelServers.length, 'model server')];
  if (service.supportingWorkloads.length > 0)
    parts.push(plural(service.supportingWorkloads.length, 'supporting workload'));
  if (service.batchJobs.length > 0) parts.push(plural(service.batchJobs.length, 'batch job'));
  const refs = [
    ...service.modelServers.map((m) => m.object),
    ...service.supportingWorkloads,
    ...service.batchJobs,
  ];
  lines.push(c.dim(`  ${parts.join(', ')}: ${refs.join(', ')}`));
  if (service.traffic.length > 0)
    lines.push(
      c.dim(
        `  traffic: ${service.traffic.map((t) => `${t.version} ${t.share}%${t.mirror ? ' mirrored' : ''}`).join(', ')}`,
      ),
    );
  if (service.loadTime) {
    const load = service.loadTime;
    const text = load.confidence === 'measured' ? load.source : load.arithmetic;
    lines.push(c.dim(`  model load: ${text}`));
    for (const note of load.notes) lines.push(c.dim(`  model load: ${note}`));
  }
  return lines;
}

function summaryLine(result: CheckResult, c: Paint): string {
  const s = result.summary;
  const objects = plural(s.objects, 'object');
  const files = plural(s.files, 'file');
  const services = plural(s.services, 'model service');
  const supporting =
    s.supportingWorkloads > 0 ? `, ${plural(s.supportingWorkloads, 'supporting workload')}` : '';
  const scope = `${objects} in ${files}, ${services}${supporting}`;
  const extras: string[] = [];
  if (s.notChecked > 0) extras.push(`${s.notChecked} not checked`);
  if (s.suppressed > 0) extras.push(`${s.suppressed} ignored by annotation`);
  if (s.skipped > 0) extras.push(`${s.skipped} skipped`);
  const tail = extras.length > 0 ? ` · ${extras.join(' · ')}` : '';
  const total = s.errors + s.warnings + s.infos;
  const findings = plural(total, 'finding');
  const errors = plural(s.errors, 'error');
  const warnings = plural(s.warnings, 'warning');
  const counts = `${findings} (${errors}, ${warnings}, ${s.infos} info)`;
  if (s.problems > 0) {
    const problems = plural(s.problems, 'input problem');
    return c.red(`✖ ${problems}, ${counts} · ${scope}${tail}`);
  }
  if (total === 0) {
    // Green only for what was judged: a model service, and nothing left unread.
    if (s.services > 0 && s.notChecked === 0) return c.green(`✔ no findings · ${scope}${tail}`);
    const why = s.services === 0 ? 'no model service to judge' : 'not everything was checked';
    return c.yellow(`– no findings, but ${why} · ${scope}${tail}`);
  }
  const mark = s.errors > 0 ? c.red('✖') : c.yellow('⚠');
  return `${mark} ${counts} · ${scope}${tail}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
