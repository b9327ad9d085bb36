/**
 * fast-check generators for the fuzz suite: YAML inputs for `check` (Kubernetes-shaped objects,
 * mutated fixtures from upstream examples, token soup), manifests, and CLI argument lists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { KINDS } from '../../src/workloads/kinds.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { completeManifest } from '../helpers/manifests.js';

/** Text that means something to YAML, shells, templates or the rules. */
export const FRAGMENTS = [
  '\n',
  '\n---\n',
  '---',
  '...',
  ': ',
  '- ',
  '? ',
  '&a ',
  '*a',
  '<<: *a',
  '!!binary ',
  '!!str',
  '|',
  '>-',
  '#',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  '%YAML 1.1\n',
  '\t',
  '\r\n',
  '\u0000',
  '\u2028',
  '\ufeff',
  '$(id)',
  '`id`',
  '{{x}}',
  '0x1F',
  '1e309',
  '-.inf',
  '~',
  'null',
  'yes',
  '2026-10-01',
  'kind: List\nitems:\n',
  'apiVersion: apps/v1\nkind: Deployment\n',
  'kind: ModelService\n',
  'containers:\n- name: x\n',
  'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123Wx3q',
  'ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'postgres://u:p@h/d',
  '😀',
  'ß',
  // Helm, shell and placeholder syntax that Helm detection and no-unrendered-placeholder read.
  '{{ .Values.x }}',
  '{{- include "x" . }}',
  '${VAR}',
  '$VAR',
  '<your-x>',
  // Markdown fences: a guide's YAML blocks are read as manifests.
  '```yaml\n',
  '```\n',
  '%TAG ! tag:x,2000:\n',
  '!custom ',
  '1e400',
  '0o17',
  'true',
  '2001-12-14t21:59:43.10-05:00',
  'nvidia.com/gpu: ',
  'x'.repeat(300),
];

const KEYS = [
  'apiVersion',
  'kind',
  'metadata',
  'name',
  'namespace',
  'labels',
  'annotations',
  'spec',
  'template',
  'selector',
  'matchLabels',
  'replicas',
  'containers',
  'initContainers',
  'image',
  'args',
  'command',
  'env',
  'value',
  'valueFrom',
  'resources',
  'limits',
  'requests',
  'nvidia.com/gpu',
  'memory',
  'cpu',
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
  'httpGet',
  'path',
  'port',
  'ports',
  'containerPort',
  'strategy',
  'rollingUpdate',
  'maxSurge',
  'predictor',
  'storageUri',
  'minReplicas',
  'maxReplicas',
  'metrics',
  'endpoints',
  'groups',
  'rules',
  'expr',
  'model',
  'version',
  'serving',
  'runtime',
  'monitoring',
  'drift',
  'features',
  'slo',
  'rollout',
  'data',
  'stringData',
  'items',
  'http',
  'route',
  'weight',
];

const text = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('a', 'llm', 'vllm/vllm-openai:v0.6.3', '8000', '1Gi', '/v1/models', 'http'),
  },
  { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const leaf = fc.oneof(
  text,
  fc.integer({ min: -2, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), text), tie('tree'), { maxKeys: 5 }),
  ),
}));

/** A Kubernetes-shaped object: a known (or unknown) kind with a random body. */
export const k8sObject = fc.record({
  apiVersion: fc.constantFrom(
    'v1',
    'apps/v1',
    'batch/v1',
    'serving.kserve.io/v1beta1',
    'mlready.dev/v1',
    'x/v9',
  ),
  kind: fc.oneof(fc.constantFrom(...KINDS.map((info) => info.kind), 'List', 'ModelService'), text),
  metadata: fc.record(
    { name: text, labels: fc.dictionary(text, text, { maxKeys: 3 }) },
    { requiredKeys: [] },
  ),
  spec: tree,
});

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry)) out.push(full);
  }
  return out;
}

/** Real inputs to mutate: the rule fixtures, the upstream examples and the bundled examples. */
export const SEEDS: readonly string[] = [
  ...yamlFiles(join(REPO_ROOT, 'test/fixtures')),
  ...yamlFiles(join(REPO_ROOT, 'examples')),
].map((file) => readFileSync(file, 'utf8'));

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 40 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), text),
});

/** A seed with a few random edits: deletions and insertions of meaningful fragments. */
export const mutatedSeed = fc
  .tuple(fc.nat({ max: SEEDS.length - 1 }), fc.array(edit, { maxLength: 6 }))
  .map(([index, edits]) => {
    let out = SEEDS[index]!;
    for (const { at, remove, insert } of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + remove);
    }
    return out;
  });

/** Deep nesting of flow and block collections: the parser's and the rules' recursion limits. */
export const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 1_500 }), fc.constantFrom('[', '{"a":', '- ', 'a:\n '))
  .map(([depth, open]) => `k: ${open.repeat(depth)}x`);

/** Token soup: fragments that mean something to YAML, templates, Markdown or the rules. */
export const soup = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), text), { maxLength: 30 })
  .map((parts) => parts.join(''));

/** A Markdown guide whose fenced YAML blocks hold generated input. */
export const markdownInput = fc
  .array(fc.oneof(soup, mutatedSeed), { minLength: 1, maxLength: 3 })
  .map((blocks) => `# Guide\n\n${blocks.map((b) => `\`\`\`yaml\n${b}\n\`\`\`\n`).join('\ntext\n\n')}`);

/** YAML text `check` may be given: generated objects, mutated real files, soup, or deep nesting. */
export const yamlInput = fc.oneof(
  fc
    .array(k8sObject, { minLength: 1, maxLength: 3 })
    .map((docs) => docs.map((d) => stringify(d)).join('---\n')),
  mutatedSeed,
  soup,
  deepNesting,
);

const MANIFEST_TEXT = completeManifest('vllm');

/** mlready.yaml with random values at random places (as text, so YAML quirks are in play). */
export const manifestInput = fc
  .array(fc.tuple(fc.nat(), fc.oneof(text, fc.constantFrom(...FRAGMENTS))), { maxLength: 5 })
  .map((edits) => {
    let out = MANIFEST_TEXT;
    for (const [at, insert] of edits) {
      // Replace the value of one line, keeping its key: the manifest stays mostly valid.
      const lines = out.split('\n');
      const i = at % lines.length;
      const line = lines[i]!;
      const colon = line.indexOf(': ');
      lines[i] = colon >= 0 ? `${line.slice(0, colon + 2)}${JSON.stringify(insert)}` : line + insert;
      out = lines.join('\n');
    }
    return out;
  });

/** Options each safe command takes (no network, no cluster), with values that may be wrong. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  check: [
    '-f',
    '--format',
    '-o',
    '--output-file',
    '--fail-on',
    '--max-warnings',
    '-c',
    '--config',
    '--no-config',
    '--rule',
  ],
  init: [
    '-y',
    '--force',
    '-o',
    '--runtime',
    '--model',
    '--model-version',
    '--name',
    '--image',
    '--uri',
    '--gpus',
    '--cpu',
    '--memory',
    '--min-replicas',
    '--max-replicas',
    '--p95-ms',
    '--error-rate',
    '--drift-features',
    '--drift-warn',
    '--drift-critical',
    '--rollout',
    '--tooling-image',
  ],
  scaffold: ['-m', '--out', '--target', '--canary', '--autoscaler', '--templates', '--dry-run', '--force'],
  drift: ['-r', '-c', '--features', '--method', '--warn', '--critical', '--bins', '-f', '--dataset-share'],
  rules: ['-f', '--format'],
  explain: [],
};

const value = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1.5',
    '1e9',
    'NaN',
    'json',
    'sarif',
    'vllm',
    'mlready.yaml',
    '.',
    '-',
    '--',
    'x,y',
    'yes',
  ),
  fc.constantFrom(...FRAGMENTS),
  fc.string({ maxLength: 8 }),
);

/** An argument list for one of the safe commands: known options, wrong values, strays. */
export const cliArgs = fc
  .constantFrom(...Object.keys(COMMAND_OPTIONS))
  .chain((command) =>
    fc
      .array(
        fc.oneof(
          fc.tuple(
            fc.constantFrom(...(COMMAND_OPTIONS[command]!.length ? COMMAND_OPTIONS[command]! : ['--x'])),
            value,
          ),
          fc.tuple(fc.constantFrom('--debug', '--unknown', '-z', 'extra'), fc.constant(undefined)),
        ),
        { maxLength: 6 },
      )
      .map((pairs) => [command, ...pairs.flatMap(([flag, v]) => (v === undefined ? [flag] : [flag, v]))]),
  );
