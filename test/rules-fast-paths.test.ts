import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import type { CheckResult } from '../src/check/result.js';
import { RULES } from '../src/rules/index.js';
import type { Rule } from '../src/rules/rule.js';
import { REFERENCE_RULES } from './helpers/rules-reference.js';
import { ADVERSARIAL_INPUTS } from './helpers/rules-adversarial.js';

/**
 * Rules shaped for speed (one walk without a path per value, cheap scans before regular
 * expressions) must report exactly what their plain predecessors reported: each is run beside its
 * reference (main's rule files, in test/helpers/rules-reference/) on every fixture of the repository, both examples and
 * adversarial input, and the findings (line, column, path, message, severity) must be the same.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOW = new Date('2026-01-01T00:00:00Z');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) out.push(path);
  }
  return out;
}

/** `# file: values.yaml` checks a rule fixture under that name, as test/rules.test.ts does. */
function nameOf(path: string, text: string): string {
  return /^#\s*file:\s*(\S+)$/m.exec(text)?.[1] ?? basename(path);
}

type Input = { label: string; run: (only: string[]) => CheckResult };

const inputs: Input[] = [
  ...yamlFiles(join(ROOT, 'test/fixtures')).map((path) => ({
    label: path.slice(ROOT.length),
    run: (only: string[]) => {
      const text = readFileSync(path, 'utf8');
      return runCheck({ cwd: '/', texts: [{ file: nameOf(path, text), text }], only, now: NOW });
    },
  })),
  ...['examples/llm-chat', 'examples/notebook-to-production'].map((dir) => ({
    label: dir,
    run: (only: string[]) => runCheck({ cwd: join(ROOT, dir), paths: ['.'], only, now: NOW }),
  })),
  ...ADVERSARIAL_INPUTS.map(({ file, text }, i) => ({
    label: `adversarial ${i} (${file})`,
    run: (only: string[]) => runCheck({ cwd: '/', texts: [{ file, text }], only, now: NOW }),
  })),
];

const findingsOf = (result: CheckResult) =>
  result.findings.map((f) => JSON.stringify([f.file, f.line, f.column, f.path, f.severity, f.message]));

describe.each(Object.keys(REFERENCE_RULES))('%s', (id) => {
  const rule = RULES.get(id) as { check: Rule['check'] } | undefined;
  const fast = rule?.check;
  afterEach(() => {
    if (rule && fast) rule.check = fast;
  });

  it(`${id} reports exactly what its reference reports, on every input`, () => {
    expect(rule, `${id} is registered`).toBeDefined();
    let findings = 0;
    for (const input of inputs) {
      rule!.check = fast!;
      const actual = findingsOf(input.run([id]));
      const reference = REFERENCE_RULES[id]!;
      rule!.check = (context) => reference.check(context);
      const expected = findingsOf(input.run([id]));
      rule!.check = fast!;
      expect(actual, `${id} on ${input.label}`).toEqual(expected);
      findings += expected.length;
    }
    // The inputs must exercise the rule: a comparison of two empty lists proves nothing.
    expect(findings).toBeGreaterThan(2);
  });
});

describe('check/image.ts against its reference', () => {
  it('judges every image reference as main did', async () => {
    const fast = await import('../src/check/image.js');
    const reference = await import('./helpers/rules-reference/image.js');
    const words = [
      '',
      '1',
      '1.0.3',
      'v1',
      'dev',
      'DEV',
      'latest',
      'trun\u212a',
      'main',
      'cu121',
      'x',
      '\u0130',
    ];
    const separators = ['', '-', '_', '.', '+', '--'];
    let floating = 0;
    for (const a of words)
      for (const sep of separators)
        for (const b of words) {
          const tag = `${a}${sep}${b}`;
          expect(fast.isFloatingVariant(tag), tag).toBe(reference.isFloatingVariant(tag));
          if (reference.isFloatingVariant(tag)) floating++;
          for (const image of [`repo/x:${tag}`, `${tag}`, ` ${tag} `, `r:5000/x:${tag}@`, `x::${tag}`]) {
            expect(fast.floatingReason(image), image).toBe(reference.floatingReason(image));
            expect(fast.invalidImageReason(image), image).toBe(reference.invalidImageReason(image));
          }
        }
    expect(floating).toBeGreaterThan(100);
  });
});
