import { CHECKLIST } from './checklist.js';
import { RULES } from './index.js';
import type { Rule } from './rule.js';

/** The rule catalogue as a Markdown table; the README embeds it between markers. */
export function renderCatalogueMarkdown(rules: Iterable<Rule> = RULES.values()): string {
  const rows = [...rules].map(
    (rule) =>
      `| \`${rule.id}\` | ${rule.section} | ${rule.severity} | ${APPLIES_TO[rule.appliesTo]} | ${escapeCell(rule.docs.summary)} |`,
  );
  return [
    '| Rule | Section | Default severity | Judges | What it checks |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const APPLIES_TO: Record<Rule['appliesTo'], string> = {
  'model-servers': 'model servers',
  workloads: 'every workload',
};

/** One rule's docs for `mlready explain`. */
export function renderRuleDocs(rule: Rule): string {
  return [
    `${rule.id}  (${rule.severity}, section ${rule.section}, judges ${APPLIES_TO[rule.appliesTo]})`,
    '',
    rule.docs.summary,
    '',
    'Why:',
    indent(rule.docs.why),
    '',
    'How to fix:',
    indent(rule.docs.fix),
    '',
    `Silence for one object: metadata.annotations["mlready.dev/ignore"]: "${rule.id}" with "mlready.dev/ignore-reason".`,
    `Change for the project: .mlready.yaml → rules: { ${rule.id}: off | error | warning | info }`,
    '',
  ].join('\n');
}

/** `mlready rules` as a terminal table. */
export function renderCatalogueText(rules: Iterable<Rule> = RULES.values()): string {
  const list = [...rules];
  const width = Math.max(...list.map((r) => r.id.length));
  const lines = list.map(
    (r) => `${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.section.padEnd(10)}  ${r.docs.summary}`,
  );
  return `${lines.join('\n')}\n\n${list.length} rules. mlready explain <rule-id> shows why and how to fix.\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The checklist with the rules covering each item, for the README. */
export function renderChecklistMarkdown(): string {
  const rows = CHECKLIST.map(
    (c) => `| ${c.section} | ${escapeCell(c.item)} | ${c.rules.map((r) => `\`${r}\``).join(', ')} |`,
  );
  return ['| Section | Checklist item | Rules |', '| --- | --- | --- |', ...rows].join('\n');
}
