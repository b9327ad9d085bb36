import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../src/check/run-check.js';
import type { CheckResult } from '../src/check/result.js';
import { RULES } from '../src/rules/index.js';
import type { Rule } from '../src/rules/rule.js';
import { unversionedReason } from '../src/rules/versioned-model-uri.js';
import { ADVERSARIAL_INPUTS } from './helpers/rules-adversarial.js';
import { R6_INPUTS } from './helpers/r6-rules-b-adversarial.js';
import { R7_INPUTS } from './helpers/r7-rules-a-reference/inputs.js';
import gracefulShutdown from './helpers/r8-rules-a-reference/graceful-shutdown.js';
import ignoreWithoutReason from './helpers/r8-rules-a-reference/ignore-without-reason.js';
import { R8_INPUTS } from './helpers/r8-rules-a-reference/inputs.js';
import noCodeExecutionRisk from './helpers/r8-rules-a-reference/no-code-execution-risk.js';
import noLiteralSecrets from './helpers/r8-rules-a-reference/no-literal-secrets.js';
import noSecretReuseAcrossEnvs from './helpers/r8-rules-a-reference/no-secret-reuse-across-envs.js';
import requireDevShm from './helpers/r8-rules-a-reference/require-dev-shm.js';
import requireEndpointAuth from './helpers/r8-rules-a-reference/require-endpoint-auth.js';
import validTrafficSplit from './helpers/r8-rules-a-reference/valid-traffic-split.js';
import versionedModelUri, * as versioned from './helpers/r8-rules-a-reference/versioned-model-uri.js';

/**
 * Rules reshaped for speed in issue 18's eighth round (indexed loops and named loads, patterns
 * compiled once, what a service cannot report on skipped by a small early test, the secret half of
 * referencedConfigNames read in place, and no-secret-reuse-across-envs' verdicts worked out once
 * per run) must report exactly what they reported on main (aac1549): each runs beside its copy
 * from main (test/helpers/r8-rules-a-reference/) on every fixture and example of the repository and
 * on adversarial input, and the findings must agree.
 */
const REFERENCES: readonly (readonly [Rule, number])[] = [
  // [main's rule, the fewest findings the inputs must give it]
  [gracefulShutdown, 140],
  [ignoreWithoutReason, 3],
  [noCodeExecutionRisk, 20],
  [noLiteralSecrets, 250],
  [noSecretReuseAcrossEnvs, 12],
  [requireDevShm, 8],
  [requireEndpointAuth, 25],
  [validTrafficSplit, 20],
  [versionedModelUri, 60],
];

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

const nameOf = (path: string, text: string) => /^#\s*file:\s*(\S+)$/m.exec(text)?.[1] ?? basename(path);

type Input = { label: string; options: CheckOptions };

const reused = R8_INPUTS.find((input) => input.file === 'secrets-reused.yaml')!.text.split('---\n');

const inputs: Input[] = [
  ...yamlFiles(join(ROOT, 'test/fixtures')).map((path) => {
    const text = readFileSync(path, 'utf8');
    return {
      label: path.slice(ROOT.length),
      options: { cwd: '/', texts: [{ file: nameOf(path, text), text }], now: NOW },
    };
  }),
  ...readdirSync(join(ROOT, 'examples'))
    .sort()
    .map((dir) => ({
      label: `examples/${dir}`,
      options: { cwd: join(ROOT, 'examples', dir), paths: ['.'], now: NOW },
    })),
  ...[...ADVERSARIAL_INPUTS, ...R6_INPUTS, ...R7_INPUTS, ...R8_INPUTS].map(({ file, text }, i) => ({
    label: `adversarial ${i} (${file})`,
    options: { cwd: '/', texts: [{ file, text }], now: NOW },
  })),
  {
    // Environments told apart by overlay directory (no namespace), several services per file.
    label: 'secrets reused across directories',
    options: {
      cwd: '/',
      texts: reused.flatMap((text, i) => [
        { file: `overlays/env-${i}/a.yaml`, text: text.replace(/namespace: \w+/, 'labels: { x: "1" }') },
        {
          file: `overlays/env-${i % 2}/b.yaml`,
          text: text.replace(/name: (a|b|c), namespace/, 'name: $1-b, namespace'),
        },
      ]),
      now: NOW,
    },
  },
];

const findingsOf = (result: CheckResult) =>
  result.findings.map((f) => JSON.stringify([f.file, f.line, f.column, f.path, f.severity, f.message]));

describe.each(REFERENCES.map(([r, least]) => [r.id, r, least] as const))('%s', (id, oracle, least) => {
  const rule = RULES.get(id) as { check: Rule['check'] } | undefined;
  const fast = rule?.check;
  afterEach(() => {
    if (rule && fast) rule.check = fast;
  });

  it(`${id} reports exactly what main's ${id} reports, on every input`, () => {
    expect(rule, `${id} is registered`).toBeDefined();
    let findings = 0;
    for (const input of inputs) {
      rule!.check = fast!;
      const actual = findingsOf(runCheck({ ...input.options, only: [id] }));
      rule!.check = (context) => oracle.check(context);
      const expected = findingsOf(runCheck({ ...input.options, only: [id] }));
      rule!.check = fast!;
      expect(actual, `${id} on ${input.label}`).toEqual(expected);
      findings += expected.length;
    }
    // The inputs must exercise the rule: a comparison of two empty lists proves nothing.
    expect(findings).toBeGreaterThanOrEqual(least);
  });
});

describe('versioned-model-uri unversionedReason against main', () => {
  const judged = (uri: string, localPath: boolean) => [
    unversionedReason(uri, localPath),
    versioned.unversionedReason(uri, localPath),
  ];

  it('judges every reference of the inputs and hand-picked edge cases as main did', () => {
    const uris = [
      ...R8_INPUTS.flatMap((input) => [...input.text.matchAll(/storageUri: "([^"]*)"/g)].map((m) => m[1]!)),
      '',
      ' ',
      '/',
      '//',
      'gs://',
      'gs://host',
      'gs://host/',
      's3://b/x.tar.gz',
      's3://b/v3.tar',
      's3://b/LATEST',
      's3://b/x:main',
      's3://b/x@prod',
      'pvc://claim:1/x',
      'https://h/a/b/c/d/e/f/g/h/i/j/2',
      'hf://org/m@v2',
      'hf://org/m@main',
      'oci://r/m@sha256:' + 'a'.repeat(64),
      'oci://r/m:prod',
      'oci://',
      'org/model:latest',
      'org/model',
      './org/model',
      'a/b/c',
      '/local/model-v1',
    ];
    let unpinned = 0;
    for (const uri of uris)
      for (const localPath of [false, true]) {
        const [got, expected] = judged(uri, localPath);
        expect(got, `${JSON.stringify(uri)} localPath=${localPath}`).toEqual(expected);
        if (expected) unpinned++;
      }
    expect(unpinned).toBeGreaterThan(20);
  });

  it('judges generated references as main did', () => {
    const piece = fc.constantFrom(
      'gs://',
      's3://',
      'pvc://',
      'hf://',
      'oci://',
      'https://',
      '/',
      ':',
      '@',
      '.',
      '-',
      'v',
      '3',
      '1.2',
      'latest',
      'Prod',
      'model',
      'abc1234',
      '.bin',
      ' ',
      'x_2',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.boolean(), (pieces, localPath) => {
        const [got, expected] = judged(pieces.join(''), localPath);
        expect(got).toEqual(expected);
      }),
      { numRuns: 3000, seed: 818 },
    );
  });
});
