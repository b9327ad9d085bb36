import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCatalogueMarkdown, renderChecklistMarkdown } from '../src/rules/catalogue.js';
import { KINDS, renderKindsMarkdown } from '../src/workloads/kinds.js';
import { RULES } from '../src/rules/index.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { CHECK_FORMATS } from '../src/cli/program.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');

describe('README.md', () => {
  it('embeds the current rule catalogue (npm run readme regenerates it)', () => {
    const between = /<!-- rules:start -->\n([\s\S]*?)\n<!-- rules:end -->/.exec(readme)?.[1];
    expect(between).toBe(renderCatalogueMarkdown());
    const checklist = /<!-- checklist:start -->\n([\s\S]*?)\n<!-- checklist:end -->/.exec(readme)?.[1];
    expect(checklist).toBe(renderChecklistMarkdown());
    const kinds = /<!-- kinds:start -->\n([\s\S]*?)\n<!-- kinds:end -->/.exec(readme)?.[1];
    expect(kinds).toBe(renderKindsMarkdown());
  });

  it('lists every kind mlready reads in the "what mlready reads" table', () => {
    for (const kind of KINDS) expect(readme).toContain(`\`${kind.group || 'core'}\` \`${kind.kind}\``);
  });

  it('documents every rule, format and exit code', () => {
    for (const id of RULES.keys()) expect(readme).toContain(`\`${id}\``);
    for (const format of CHECK_FORMATS) expect(readme).toContain(`\`${format}\``);
    for (const code of Object.values(ExitCode)) expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\|`));
  });

  it('gives the two quick-start commands, and .ci/run runs the same test command', () => {
    expect(readme).toContain('npm install && npx mlready check examples/llm-chat');
    expect(readme).toContain('npm test');
    expect(ci).toMatch(/^NO_COLOR=1 npm test 2>&1/m);
  });
});
