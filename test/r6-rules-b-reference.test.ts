import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import type { CheckResult } from '../src/check/result.js';
import { RULES } from '../src/rules/index.js';
import type { Rule } from '../src/rules/rule.js';
import { matchesPath, RUNTIMES } from '../src/rules/support/runtimes.js';
import { ADVERSARIAL_INPUTS } from './helpers/rules-adversarial.js';
import { R6_INPUTS } from './helpers/r6-rules-b-adversarial.js';
import modelAwareReadinessProbe from './helpers/r6-rules-b-reference/model-aware-readiness-probe.js';
import modelVersionLabel from './helpers/r6-rules-b-reference/model-version-label.js';
import requireDriftDetection from './helpers/r6-rules-b-reference/require-drift-detection.js';
import requireLineage from './helpers/r6-rules-b-reference/require-lineage.js';
import requireMetricsScrape from './helpers/r6-rules-b-reference/require-metrics-scrape.js';
import requireModelMetrics from './helpers/r6-rules-b-reference/require-model-metrics.js';
import * as support from './helpers/r6-rules-b-reference/support.js';
import versionedModelUri from './helpers/r6-rules-b-reference/versioned-model-uri.js';

/**
 * Rules reshaped for speed in issue 18's sixth round (no list, set or closure per call; lookups
 * only for a finding) must report exactly what they reported on main (33ca9ad): each runs beside
 * its copy from main (test/helpers/r6-rules-b-reference/, with main's support functions) on every
 * fixture and example of the repository and on adversarial input, and the findings must agree.
 */
const REFERENCES: readonly Rule[] = [
  modelAwareReadinessProbe,
  modelVersionLabel,
  requireDriftDetection,
  requireLineage,
  requireMetricsScrape,
  requireModelMetrics,
  versionedModelUri,
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

type Input = { label: string; run: (only: string[]) => CheckResult };

const inputs: Input[] = [
  ...yamlFiles(join(ROOT, 'test/fixtures')).map((path) => ({
    label: path.slice(ROOT.length),
    run: (only: string[]) => {
      const text = readFileSync(path, 'utf8');
      return runCheck({ cwd: '/', texts: [{ file: nameOf(path, text), text }], only, now: NOW });
    },
  })),
  ...readdirSync(join(ROOT, 'examples'))
    .sort()
    .map((dir) => ({
      label: `examples/${dir}`,
      run: (only: string[]) => runCheck({ cwd: join(ROOT, 'examples', dir), paths: ['.'], only, now: NOW }),
    })),
  ...[...ADVERSARIAL_INPUTS, ...R6_INPUTS].map(({ file, text }, i) => ({
    label: `adversarial ${i} (${file})`,
    run: (only: string[]) => runCheck({ cwd: '/', texts: [{ file, text }], only, now: NOW }),
  })),
];

const findingsOf = (result: CheckResult) =>
  result.findings.map((f) => JSON.stringify([f.file, f.line, f.column, f.path, f.severity, f.message]));

describe.each(REFERENCES.map((r) => [r.id, r] as const))('%s', (id, reference) => {
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
      const actual = findingsOf(input.run([id]));
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

describe('support/runtimes.ts matchesPath against main', () => {
  it('matches every path as main did', () => {
    const patterns = [...new Set(Object.values(RUNTIMES).flatMap((r) => r.readyPaths))];
    const declared = ['/ready', '/ready/', '/v1/x.y', '/a+b', '/(x)', '/api/*/ready', '', '/'];
    const paths = [
      '',
      '/',
      '//',
      '/health',
      '/health/',
      '/health//',
      '/health?x=1',
      '/health/?x',
      '?x',
      '/?',
      '/v2/health/ready',
      '/v2/models/m/ready',
      '/v2/models//ready',
      '/v2/models/a/b/ready',
      '/v1/models/x',
      '/v1/models/x/',
      '/v1/models',
      '/ping',
      '/ready',
      '/ready/',
      '/v1/xzy',
      '/v1/x.y',
      '/a+b',
      '/aab',
      '/(x)',
      '/api/v/ready',
      '/api//ready',
      '/HEALTH',
      'health',
      '/health\n',
    ];
    let matched = 0;
    for (const path of paths)
      for (const list of [patterns, declared, ...patterns.map((p) => [p]), ...declared.map((p) => [p])]) {
        const expected = support.matchesPath(path, list);
        expect(matchesPath(path, list), `${JSON.stringify(path)} against ${list.join(' ')}`).toBe(expected);
        if (expected) matched++;
      }
    expect(matched).toBeGreaterThan(20);
  });
});

describe('check/image.ts floatingReason (tag read in place) against main', () => {
  it('judges digests, registry ports and stray separators as main did', async () => {
    const fast = await import('../src/check/image.js');
    const reference = await import('./helpers/rules-reference/image.js');
    const images = [
      'x@sha256:abc',
      'x:latest@sha256:abc',
      'x:latest@',
      'a@b@c',
      '@',
      '@x',
      ' x@ ',
      'reg:5000/x',
      'reg:5000/x:latest',
      'reg:5000/x:1.0',
      'reg:5000/x:',
      'x:',
      ':',
      '/',
      'x/:latest',
      'x:LATEST',
      'x:latest-gpu',
      'x:1.0.0',
      ' x:1.0 ',
      'registry.example.com/model-0:1.0.0',
    ];
    let floating = 0;
    for (const image of images) {
      const expected = reference.floatingReason(image);
      expect(fast.floatingReason(image), image).toBe(expected);
      if (expected) floating++;
    }
    expect(floating).toBeGreaterThan(5);
  });
});
