import { execa } from 'execa';
import fc from 'fast-check';
import { DockerfileParser, JSONInstruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseManifest } from '../src/manifest/load.js';
import type { ModelManifest, Runtime } from '../src/manifest/types.js';
import { loadTemplates, renderScaffold, type RenderedFile } from '../src/scaffold/render.js';
import { RUNTIME_NAMES } from '../src/scaffold/profiles.js';
import type { ScaffoldOptions } from '../src/scaffold/view.js';
import { completeManifest } from './helpers/manifests.js';

const templates = loadTemplates();

/** Pieces of text that mean something to YAML, a shell, a Dockerfile, Python or Handlebars. */
const HOSTILE = [
  '\n',
  '\r\n',
  '\nhostPID: true\n',
  '\n---\nkind: Pod\n',
  '"',
  "'",
  '\\',
  '$(id)',
  '`id`',
  '; curl x | sh',
  '${HOME}',
  '$$',
  '{{name}}',
  '}}',
  '{{{',
  '# ',
  ': ',
  '- ',
  '&a',
  '*a',
  '!!python/object',
  '|',
  '>',
  '%',
  '@',
  ',',
  '[',
  '{',
  '\t',
  '\u2028',
  '\u0085',
  '\u0000',
  'yes',
  '~',
  '0x1F',
  '"""',
  'ß→🙂',
  'RUN rm -rf /',
];

const hostile = fc
  .array(
    fc.oneof(fc.constantFrom(...HOSTILE), fc.constantFrom('a', 'b1', '-x'), fc.string({ maxLength: 4 })),
    {
      minLength: 1,
      maxLength: 5,
    },
  )
  .map((parts) => parts.join(''))
  // An empty string is not hostile, it only switches optional blocks off (no GPU type, no affinity).
  .filter((text) => text !== '');

/** Every string field of a manifest that reaches a generated file. */
const FIELDS = [
  'name',
  'modelName',
  'version',
  'uri',
  'image',
  'gpuType',
  'latency',
  'prediction',
  'featureMissing',
  'errors',
  'driftMetric',
  'feature',
  'schedule',
  'reference',
  'current',
  'pushgateway',
  'alertRoute',
  'onAlert',
  'secretName',
  'secretKey',
  'scalingMetric',
  'tooling',
] as const;
type Values = Record<(typeof FIELDS)[number], string>;

/**
 * A manifest built as an object, not through the schema: the schema refuses most of these values,
 * and escaping must hold without it.
 */
function manifestWith(runtime: Runtime, v: Values, weights: 'baked' | 'download' | 'volume'): ModelManifest {
  const { manifest } = parseManifest(completeManifest(runtime, { weights }), 'mlready.yaml');
  const spec = structuredClone(manifest.spec);
  spec.model = {
    ...spec.model,
    name: v.modelName,
    version: v.version,
    uri: `${runtime === 'vllm' || runtime === 'tgi' ? 'hf://' : 's3://'}${v.uri}@${v.version}`,
  };
  spec.serving = { ...spec.serving, image: v.image };
  spec.resources = { ...spec.resources, gpuType: v.gpuType };
  spec.scaling = { ...spec.scaling, metric: v.scalingMetric };
  spec.monitoring = {
    metrics: {
      latency: v.latency,
      prediction: v.prediction,
      featureMissing: v.featureMissing,
      errors: v.errors,
      drift: v.driftMetric,
    },
    drift: {
      ...spec.monitoring!.drift,
      features: [v.feature, 'plain'],
      schedule: v.schedule,
      reference: v.reference,
      current: v.current,
      pushgateway: v.pushgateway,
      alertRoute: v.alertRoute,
    },
    retraining: {
      trigger: 'webhook',
      webhook: {
        urlSecretRef: { name: v.secretName, key: v.secretKey },
        tokenSecretRef: { name: v.secretName, key: v.secretKey },
      },
      onAlert: v.onAlert,
    },
  };
  spec.tooling = { image: v.tooling };
  return { ...manifest, metadata: { name: v.name, namespace: 'ml' }, spec };
}

const BENIGN = Object.fromEntries(FIELDS.map((f) => [f, `benign-${f.toLowerCase()}`])) as Values;

/** The structure of parsed YAML: keys, list lengths and scalar types, without the values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  return typeof value;
}

function yamlDocuments(file: RenderedFile) {
  const docs = parseAllDocuments(file.content, { version: '1.1' });
  for (const doc of docs) expect(doc.errors, file.path).toEqual([]);
  const strict = parseAllDocuments(file.content);
  for (const doc of strict) expect(doc.errors, file.path).toEqual([]);
  return docs.map((d) => d.toJS() as unknown);
}

/** Instruction keywords and the shell-form lines: values may only reach exec-form JSON. */
function dockerfileOutline(content: string) {
  const errors = lintDockerfile(content).filter((d) => d.severity === 1);
  const instructions = DockerfileParser.parse(content).getInstructions();
  return {
    errors: errors.map((d) => d.message),
    keywords: instructions.map((i) => i.getKeyword()),
    shellForm: instructions
      .filter((i) => ['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(i.getKeyword()))
      .filter((i) => !(i instanceof JSONInstruction && i.getJSONStrings().length > 0))
      .filter((i) => !/^(--\S+\s+)*CMD\s+\[/.test(i.getArgumentsContent() ?? ''))
      .map((i) => i.getTextContent()),
    exec: instructions
      .filter((i): i is JSONInstruction => i instanceof JSONInstruction)
      .map((i) => i.getJSONStrings().map((s) => s.getJSONValue())),
  };
}

type Case = [Runtime, ScaffoldOptions, 'baked' | 'download' | 'volume'];
const CASES: Case[] = RUNTIME_NAMES.flatMap((runtime) => [
  [runtime, { target: 'kubernetes', canary: 'istio', autoscaler: 'hpa' }, 'download'] as Case,
  [runtime, { target: 'kubernetes', canary: 'none', autoscaler: 'keda' }, 'baked'] as Case,
  [runtime, { target: 'kserve', canary: 'none', autoscaler: 'hpa' }, 'volume'] as Case,
]);

function render([runtime, options, weights]: Case, values: Values): RenderedFile[] | InputError {
  try {
    return renderScaffold(manifestWith(runtime, values, weights), options, templates);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
}

describe('scaffold escapes every value by construction (fast-check, hostile strings)', () => {
  const pythonSources: { benign: string; hostile: string; values: Values }[] = [];
  let rendered = 0;
  let refused = 0;

  it.each(CASES.map((c) => [`${c[0]} ${c[1].target} ${c[1].canary} ${c[1].autoscaler} ${c[2]}`, c] as const))(
    '%s: every file parses in its own language with the structure of a benign render',
    (_label, scaffoldCase) => {
      const benign = render(scaffoldCase, BENIGN);
      if (benign instanceof InputError) throw benign;
      const benignByPath = new Map(benign.map((f) => [f.path, f]));
      fc.assert(
        fc.property(
          fc.record(
            Object.fromEntries(FIELDS.map((f) => [f, hostile])) as Record<keyof Values, fc.Arbitrary<string>>,
          ),
          (values: Values) => {
            const files = render(scaffoldCase, values);
            if (files instanceof InputError) {
              // Refusing is safe; it must say which template and value, not crash.
              expect(files.message).toMatch(/^template \S+ cannot print /);
              refused++;
              return;
            }
            rendered++;
            expect(files.map((f) => f.path)).toEqual(benign.map((f) => f.path));
            for (const file of files) {
              const base = benignByPath.get(file.path)!;
              if (file.path.endsWith('.yaml')) {
                const docs = yamlDocuments(file);
                expect(docs.map(shape), file.path).toEqual(yamlDocuments(base).map(shape));
                const text = JSON.stringify(docs);
                expect(text).not.toMatch(/"host(PID|Network)"/);
              } else if (file.path === 'Dockerfile') {
                const outline = dockerfileOutline(file.content);
                const expected = dockerfileOutline(base.content);
                expect(outline.errors, file.content).toEqual([]);
                expect(outline.keywords).toEqual(expected.keywords);
                expect(outline.shellForm).toEqual(expected.shellForm);
                expect(outline.exec.map((args) => args.length)).toEqual(expected.exec.map((a) => a.length));
              } else if (file.path.endsWith('.py')) {
                pythonSources.push({ benign: base.content, hostile: file.content, values });
              } else {
                expect(file.content, file.path).toBe(base.content);
              }
            }
            checkValuesArriveWhole(files, values);
          },
        ),
        { numRuns: 15, seed: 20_261_120, interruptAfterTimeLimit: 10_000 },
      );
    },
  );

  it('the rendered server.py files parse as Python with the structure of a benign render', async () => {
    expect(pythonSources.length).toBeGreaterThan(0);
    const script = [
      'import ast, json, sys',
      'def outline(src):',
      '    tree = ast.parse(src)',
      '    for node in ast.walk(tree):',
      '        if isinstance(node, ast.Constant): node.value = type(node.value).__name__',
      '    return ast.dump(tree)',
      'bad = []',
      'for i, pair in enumerate(json.load(sys.stdin)):',
      '    try:',
      '        if outline(pair["hostile"]) != outline(pair["benign"]): bad.append([i, "structure differs"])',
      '    except SyntaxError as e:',
      '        bad.append([i, str(e)])',
      'print(json.dumps(bad))',
    ].join('\n');
    const run = await execa('python3', ['-c', script], { input: JSON.stringify(pythonSources) });
    const bad = JSON.parse(run.stdout) as [number, string][];
    expect(bad.map(([i, why]) => ({ why, values: pythonSources[i]!.values }))).toEqual([]);
  });

  it('rendered most hostile inputs rather than refusing them', () => {
    expect(rendered).toBeGreaterThan(refused);
  });
});

/** Kubernetes' $(VAR) expansion of command, args and env values ($$ is a literal $). */
function expand(value: string): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole: string, name?: string) =>
    name === undefined ? '$' : whole,
  );
}

/** The values land whole in their fields: the image, the drift features, the metric names. */
function checkValuesArriveWhole(files: RenderedFile[], v: Values): void {
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const deployment = byPath.get('k8s/deployment.yaml') ?? byPath.get('k8s/inferenceservice.yaml')!;
  const doc = parseAllDocuments(deployment, { version: '1.1' })[0]!.toJS() as Record<string, never>;
  const text = JSON.stringify(doc);
  expect(text).toContain(JSON.stringify(v.image));
  const cron = byPath.get('k8s/drift-cronjob.yaml');
  if (cron) {
    const job = parseAllDocuments(cron, { version: '1.1' })[0]!.toJS() as {
      spec: {
        jobTemplate: { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
      };
    };
    const container = job.spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(container.image).toBe(v.tooling);
    const args = container.args.map(expand);
    expect(args[args.indexOf('--features') + 1]).toBe(`${v.feature},plain`);
    expect(args[args.indexOf('--push') + 1]).toBe(v.pushgateway);
  }
  const rule = byPath.get('k8s/prometheusrule.yaml')!;
  const groups = (
    parseAllDocuments(rule, { version: '1.1' })[0]!.toJS() as { spec: { groups: { name: string }[] } }
  ).spec.groups.map((g) => g.name);
  expect(groups).toEqual([`${v.name}.records`, `${v.name}.slo`, `${v.name}.drift`]);
}

describe('built-in templates', () => {
  it('print every value through the contextual escaper: no {{{raw}}} output', () => {
    for (const [path, source] of templates) {
      expect(source.replace(/\\\{\{/g, ''), path).not.toMatch(/\{\{\{/);
    }
  });

  it('refuse a value that cannot be written safely, naming the template and the line', () => {
    const manifest = manifestWith('custom', { ...BENIGN, name: 'a\nRUN curl x | sh' }, 'volume');
    manifest.metadata.name = 'a\nRUN curl x | sh';
    const overlay = new Map(templates);
    overlay.set('docker/custom.Dockerfile.hbs', 'FROM {{baseImage}}\nLABEL name={{name}}\n');
    expect(() =>
      renderScaffold(manifest, { target: 'kubernetes', canary: 'none', autoscaler: 'hpa' }, overlay),
    ).toThrow(
      'template docker/custom.Dockerfile.hbs cannot print name holds a line break or control character (line 2)',
    );
  });
});
