import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exitCodeOf } from '../src/check/result.js';
import { runCheck } from '../src/check/run-check.js';
import { FORMATTERS } from '../src/formatters/index.js';

/**
 * Hostile YAML through the whole of `check`: parse, rules, every formatter. The property is the
 * contract of issue 16: never a crash, never an exit code other than 0, 1 or 2, bounded time.
 * `npm test` runs MLREADY_FUZZ_RUNS (default 300) inputs per property; `npm run fuzz` runs 100 000.
 */
const RUNS = Number(process.env.MLREADY_FUZZ_RUNS ?? 300);
const PER_INPUT_MS = 2_000;

/** Pieces that YAML parsers, Helm detection, Markdown fences and our rules treat specially. */
const TOKENS = [
  '---\n',
  '...\n',
  '\n',
  '  ',
  '\t',
  ': ',
  '- ',
  '? ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!str ',
  '!custom ',
  '%YAML 1.2\n',
  '%TAG ! tag:x,2000:\n',
  '"',
  "'",
  '|\n',
  '>-\n',
  '#',
  '\\',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '😀',
  'kind: ',
  'Deployment',
  'List',
  'items:\n',
  'apiVersion: apps/v1\n',
  'metadata: ',
  'name: ',
  'labels: ',
  'spec:\n',
  'template:\n',
  'containers:\n',
  'image: ',
  'resources: ',
  'limits: ',
  'nvidia.com/gpu: ',
  '{{ .Values.x }}',
  '{{- include "x" . }}',
  '${VAR}',
  '$VAR',
  '<your-x>',
  '```yaml\n',
  '```\n',
  'ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'postgres://u:p@h/d',
  '1e400',
  '-.inf',
  '0x1F',
  '0o17',
  'null',
  '~',
  'true',
  '2001-12-14t21:59:43.10-05:00',
  'x'.repeat(300),
];

const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((parts) => parts.join(''));
const unicodeText = fc.string({ unit: 'binary', maxLength: 400 });
const nested = fc
  .tuple(fc.integer({ min: 1, max: 1_500 }), fc.constantFrom('[', '{"a":', '- ', 'a:\n '))
  .map(([depth, open]) => `k: ${open.repeat(depth)}x`);

/** Kubernetes-shaped objects with random values where strings, numbers and mappings are expected. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const workload = fc
  .record(
    {
      apiVersion: fc.constantFrom(
        'apps/v1',
        'v1',
        'serving.kserve.io/v1beta1',
        'networking.istio.io/v1',
        'x/y',
      ),
      kind: fc.constantFrom(
        'Deployment',
        'Pod',
        'Service',
        'InferenceService',
        'VirtualService',
        'List',
        'Foo',
      ),
      metadata: fc.record({ name: anyValue, labels: anyValue, annotations: anyValue }, { requiredKeys: [] }),
      spec: fc.record(
        {
          replicas: anyValue,
          selector: anyValue,
          template: fc.record({
            spec: fc.record({ containers: fc.array(fc.dictionary(fc.string(), anyValue)) }),
          }),
          predictor: anyValue,
          http: anyValue,
        },
        { requiredKeys: [] },
      ),
      items: fc.array(anyValue, { maxLength: 3 }),
    },
    { requiredKeys: ['kind'] },
  )
  .map((object) => stringify(object));

function checkOne(text: string, file: string): void {
  const start = performance.now();
  const result = runCheck({ cwd: '/', texts: [{ file, text }] });
  expect([0, 1, 2]).toContain(exitCodeOf(result, { failOn: 'error' }));
  for (const format of FORMATTERS.values()) format(result, { color: false, version: '0.0.0-fuzz' });
  expect(performance.now() - start).toBeLessThan(PER_INPUT_MS);
}

describe('check on hostile YAML (fast-check)', () => {
  const timeout = Math.max(60_000, RUNS * 20);

  it(
    `never crashes, hangs or exits other than 0/1/2 on token soup (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(tokenText, (text) => checkOne(text, 'soup.yaml')),
        { numRuns: RUNS },
      );
    },
    timeout,
  );

  it(
    `never crashes on arbitrary Unicode (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(unicodeText, (text) => checkOne(text, 'any.yaml')),
        { numRuns: RUNS },
      );
    },
    timeout,
  );

  it(
    `never crashes on Kubernetes-shaped objects with wrong types (${RUNS} runs)`,
    () => {
      fc.assert(
        fc.property(workload, (text) => checkOne(text, 'objects.yaml')),
        { numRuns: RUNS },
      );
    },
    timeout,
  );

  it(
    `never crashes on deep nesting, and as Markdown (${Math.ceil(RUNS / 10)} runs)`,
    () => {
      fc.assert(
        fc.property(nested, tokenText, (deep, soup) => {
          checkOne(deep, 'deep.yaml');
          const start = performance.now();
          const result = runCheck({
            cwd: '/',
            texts: [{ file: 'g.md', text: `# g\n\n\`\`\`yaml\n${soup}\n\`\`\`\n`, format: 'markdown' }],
          });
          expect([0, 1, 2]).toContain(exitCodeOf(result, { failOn: 'error' }));
          expect(performance.now() - start).toBeLessThan(PER_INPUT_MS);
        }),
        { numRuns: Math.ceil(RUNS / 10) },
      );
    },
    timeout,
  );
});
