import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/rules/index.js';
import { SECTIONS } from '../src/rules/rule.js';
import { checkText } from './helpers/check.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/rules/', import.meta.url));
const RULE_SOURCES = fileURLToPath(new URL('../src/rules/', import.meta.url));

interface Expected {
  line: number;
  message: string;
}

/**
 * Fixtures declare what they must produce, inline and explicit:
 *   # expect: 14 container "server" in Deployment/fraud has no memory limit
 * The line number is where the finding must point; the message must match exactly.
 */
function expectations(text: string): Expected[] {
  return [...text.matchAll(/^#\s*expect:\s*(\d+)\s+(.+)$/gm)].map((m) => ({
    line: Number(m[1]),
    message: m[2]!.trim(),
  }));
}

/** `# file: values.yaml` checks the fixture under that name (Helm values files are recognised by name). */
function fileNameOf(text: string, fallback: string): string {
  return /^#\s*file:\s*(\S+)$/m.exec(text)?.[1] ?? fallback;
}

describe('rule catalogue', () => {
  const rules = [...RULES.values()];

  it('is registered sorted by id, one rule per file named after its id', () => {
    const ids = rules.map((r) => r.id);
    expect(ids).toEqual([...ids].sort());
    const files = readdirSync(RULE_SOURCES)
      .filter(
        (f) => f.endsWith('.ts') && !['index.ts', 'rule.ts', 'catalogue.ts', 'checklist.ts'].includes(f),
      )
      .map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(ids);
  });

  it.each(rules.map((r) => [r.id, r] as const))(
    '%s is documented: summary, why, fix, a section and kinds',
    (_id, rule) => {
      expect(rule.docs.summary.length).toBeGreaterThan(20);
      expect(rule.docs.why.length).toBeGreaterThan(40);
      expect(rule.docs.fix.length).toBeGreaterThan(20);
      expect([...SECTIONS, 'meta']).toContain(rule.section);
      expect(['error', 'warning', 'info']).toContain(rule.severity);
    },
  );

  it.each(rules.map((r) => [r.id] as const))('%s has valid and invalid fixtures', (id) => {
    const dir = `${FIXTURES}${id}`;
    expect(existsSync(dir), `missing ${dir}`).toBe(true);
    const files = readdirSync(dir);
    expect(files.some((f) => f.startsWith('valid'))).toBe(true);
    expect(files.some((f) => f.startsWith('invalid'))).toBe(true);
  });
});

describe.each([...RULES.keys()])('rule %s', (id) => {
  const dir = `${FIXTURES}${id}/`;
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];

  it.each(files.filter((f) => f.startsWith('valid')))('does not fire on %s', (file) => {
    const text = readFileSync(dir + file, 'utf8');
    const result = checkText(text, { file: fileNameOf(text, file), only: [id] });
    expect(result.problems).toEqual([]);
    expect(result.findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });

  it.each(files.filter((f) => f.startsWith('invalid')))(
    'reports what %s expects, at the right lines',
    (file) => {
      const text = readFileSync(dir + file, 'utf8');
      const expected = expectations(text);
      expect(expected.length, `${file} declares no "# expect:" lines`).toBeGreaterThan(0);
      const result = checkText(text, { file: fileNameOf(text, file), only: [id] });
      expect(result.problems).toEqual([]);
      const byLine = (a: Expected, b: Expected) => a.line - b.line || a.message.localeCompare(b.message);
      const actual = result.findings.map((f) => ({ line: f.line, message: f.message })).sort(byLine);
      expect(actual).toEqual(expected.sort(byLine));
    },
  );
});
