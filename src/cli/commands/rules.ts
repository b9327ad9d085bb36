import { UsageError } from '../../errors.js';
import { closest } from '../../manifest/schema-errors.js';
import { renderCatalogueMarkdown, renderCatalogueText, renderRuleDocs } from '../../rules/catalogue.js';
import { RULES } from '../../rules/index.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

export function rulesCommand(io: CliIO, format: string): number {
  if (format === 'json') {
    const rules = [...RULES.values()].map((r) => ({
      id: r.id,
      severity: r.severity,
      section: r.section,
      appliesTo: r.appliesTo,
      kinds: r.kinds,
      ...r.docs,
    }));
    io.stdout(`${JSON.stringify(rules, null, 2)}\n`);
  } else if (format === 'markdown') {
    io.stdout(`${renderCatalogueMarkdown()}\n`);
  } else {
    io.stdout(renderCatalogueText());
  }
  return ExitCode.Ok;
}

/** The error for a rule id that does not exist, with the closest one. */
export function unknownRule(id: string): UsageError {
  const suggestion = closest(id, [...RULES.keys()]);
  return new UsageError(`unknown rule "${id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
    hint: 'mlready rules lists every rule id',
  });
}

export function explainCommand(io: CliIO, id: string): number {
  const rule = RULES.get(id);
  if (!rule) throw unknownRule(id);
  io.stdout(renderRuleDocs(rule));
  return ExitCode.Ok;
}
