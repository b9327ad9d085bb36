import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecord } from '../src/check/objects.js';
import {
  crdCertainlyValid,
  crdErrors,
  crdModelFor,
  kubernetesObjectProblems,
  type ModelClass,
} from '../src/manifest/kubernetes-schema.js';
import { parseYaml } from '../src/manifest/yaml.js';
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { generateCrdShapes } from '../scripts/crd-shapes.mjs';

const ROOT = join(import.meta.dirname, '..');
/** The groups of the packages the table covers (istio's validators read a schema id: not covered). */
const GROUPS = /^(monitoring\.coreos\.com|keda\.sh)\//;

interface Table {
  packages: Record<string, string>;
  kinds: Record<string, number>;
  nodes: { k: string; p?: Record<string, number>; i?: number; to?: number }[];
}
const table = JSON.parse(readFileSync(join(ROOT, 'schemas/crd-shapes.json'), 'utf8')) as Table;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Every covered custom resource of the fixtures, the examples and the bench's generator. */
function customResources(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'model-1' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'model-1' } },
        endpoints: [{ port: 'http' }],
      },
    },
  ];
  for (const file of [...yamlFiles(join(ROOT, 'test/fixtures')), ...yamlFiles(join(ROOT, 'examples'))]) {
    for (const { value } of parseYaml(readFileSync(file, 'utf8'), file).documents) {
      if (isRecord(value) && typeof value.apiVersion === 'string' && GROUPS.test(value.apiVersion))
        out.push(value);
    }
  }
  return out;
}

/** Values of every JSON type and the edge cases of the validator's type tests. */
const PROBES: unknown[] = [
  null,
  '',
  'x',
  '%%/{}',
  '30s',
  'http',
  0,
  1,
  -1,
  1.5,
  65536,
  2 ** 53,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  false,
  {},
  { a: 1 },
  { a: 'b' },
  [],
  [null],
  ['x'],
  [1],
  [{}],
];

type Path = (string | number)[];

function clone<T>(value: T): T {
  return structuredClone(value);
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = clone(root);
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === DELETE) delete at[last];
  else at[last] = value;
  return copy;
}
const DELETE = Symbol('delete');

/**
 * Broken and changed copies of a custom resource: every value it holds replaced by each probe or
 * deleted, and every property the table names for an object it holds set to each probe (so the
 * properties no fixture writes are tried too), plus an unknown field in each object.
 */
function mutants(object: Record<string, unknown>, kindKey: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const visit = (value: unknown, path: Path, nodeId: number | undefined): void => {
    if (path.length > 0) {
      for (const probe of PROBES) out.push(setAt(object, path, probe));
      out.push(setAt(object, path, DELETE));
    }
    let node = nodeId === undefined ? undefined : table.nodes[nodeId];
    while (node?.k === 'r') node = table.nodes[node.to!];
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i], node?.i));
    } else if (isRecord(value)) {
      out.push(setAt(object, [...path, 'bogusField'], [1]));
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key], node?.p?.[key] ?? node?.i);
      for (const name of Object.keys(node?.p ?? {})) {
        if (Object.hasOwn(value, name)) continue;
        for (const probe of PROBES) out.push(setAt(object, [...path, name], probe));
        out.push(setAt(object, [...path, name], [{ name: 'x', port: 'http' }]));
      }
    }
  };
  visit(object, [], table.kinds[kindKey]);
  return out;
}

function modelOf(object: Record<string, unknown>): { Model: ModelClass; apiVersion: string; kind: string } {
  const apiVersion = object.apiVersion as string;
  const kind = object.kind as string;
  const Model = crdModelFor(apiVersion, kind);
  if (!Model) throw new Error(`no model for ${apiVersion} ${kind}`);
  return { Model, apiVersion, kind };
}

describe('schemas/crd-shapes.json (scripts/crd-shapes.mjs)', () => {
  it('is fresh: reading the installed validators again gives the committed table', () => {
    const committed = readFileSync(join(ROOT, 'schemas/crd-shapes.json'), 'utf8');
    expect((generateCrdShapes as () => string)()).toBe(committed);
  });

  it('was read from the versions the bundled validators (dist/crd) were built from', () => {
    expect(Object.keys(table.packages).sort()).toEqual([
      '@kubernetes-models/keda',
      '@kubernetes-models/prometheus-operator',
    ]);
    for (const [pkg, version] of Object.entries(table.packages)) {
      const bundled = JSON.parse(
        readFileSync(join(ROOT, 'dist/crd', pkg, 'version.json'), 'utf8'),
      ) as unknown;
      expect(bundled).toEqual({ version });
    }
  });

  it('covers the kinds check reads from these packages, and marks what it cannot prove', () => {
    expect(Object.keys(table.kinds)).toContain('monitoring.coreos.com/v1 ServiceMonitor');
    expect(Object.keys(table.kinds)).toContain('keda.sh/v1alpha1 ScaledObject');
    // Patterns, formats, minimum lengths, anyOf (int-or-string): present, and left to the validator.
    expect(table.nodes.filter((node) => node.k === 'x').length).toBeGreaterThan(20);
  });
});

describe('crdCertainlyValid, against the validators it stands in for', () => {
  const objects = customResources();

  it('never answers valid where the validator finds a problem (fixtures, examples and their mutants)', () => {
    expect(objects.length).toBeGreaterThan(10);
    let fast = 0;
    let validatorValid = 0;
    let total = 0;
    for (const object of objects) {
      const { Model, apiVersion, kind } = modelOf(object);
      for (const candidate of [object, ...mutants(object, `${apiVersion} ${kind}`)]) {
        total++;
        const errors = crdErrors(Model, candidate, false);
        if (!errors) validatorValid++;
        // The rule's own path (kindEntry, then the walk or the validator) agrees with the validator
        // (which the rule picks by the object's apiVersion and kind).
        if (candidate.apiVersion === apiVersion && candidate.kind === kind)
          expect(
            kubernetesObjectProblems(candidate).length === 0,
            JSON.stringify(candidate).slice(0, 300),
          ).toBe(errors === undefined);
        if (!crdCertainlyValid(Model, apiVersion, kind, candidate)) continue;
        fast++;
        expect(errors, JSON.stringify(candidate).slice(0, 300)).toBeUndefined();
        expect(crdErrors(Model, candidate)).toBeUndefined();
      }
    }
    // The walk must answer for most of what the validator accepts, or it buys nothing.
    expect(total).toBeGreaterThan(5000);
    expect(fast).toBeGreaterThan(validatorValid * 0.4);
  });

  it('answers valid for every valid ServiceMonitor, PodMonitor, ScaledObject and PrometheusRule of the fixtures and examples', () => {
    const covered = objects.filter((o) =>
      /^(ServiceMonitor|PodMonitor|ScaledObject|PrometheusRule)$/.test(String(o.kind)),
    );
    expect(covered.length).toBeGreaterThan(3);
    for (const object of covered) {
      const { Model, apiVersion, kind } = modelOf(object);
      if (crdErrors(Model, object, false)) continue;
      expect(crdCertainlyValid(Model, apiVersion, kind, object), JSON.stringify(object)).toBe(true);
    }
  });

  it('leaves to the validator what its copy of the value would change', () => {
    const base = objects[0]!;
    const { Model, apiVersion, kind } = modelOf(base);
    const proto = JSON.parse(
      '{"apiVersion":"monitoring.coreos.com/v1","kind":"ServiceMonitor","metadata":{"name":"a"},' +
        '"spec":{"__proto__":{"selector":{"matchLabels":{"a":1}}},"selector":{},"endpoints":[]}}',
    ) as Record<string, unknown>;
    expect(crdCertainlyValid(Model, apiVersion, kind, proto)).toBe(false);
    const holes = clone(base);
    (holes.spec as { endpoints: unknown[] }).endpoints = [undefined];
    expect(crdCertainlyValid(Model, apiVersion, kind, holes)).toBe(false);
    class Odd {
      port = 'http';
    }
    const odd = clone(base);
    (odd.spec as { endpoints: unknown[] }).endpoints = [new Odd()];
    expect(crdCertainlyValid(Model, apiVersion, kind, odd)).toBe(false);
  });

  it('gives the rule the validator messages for an invalid object, as before', () => {
    const object = clone(objects[0]!);
    (object.spec as Record<string, unknown>).endpoints = [{ port: 80, scheme: 'ftp' }];
    expect(kubernetesObjectProblems(object).map((p) => p.message)).toEqual([
      'spec.endpoints[0].port must be a string, got 80',
      'spec.endpoints[0].scheme must be one of http, https; got "ftp"',
    ]);
  });
});
