import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecord } from '../src/check/objects.js';
import { crdErrors, crdModelFor, validateKubernetesObject } from '../src/manifest/kubernetes-schema.js';
import { parseYaml, type YamlPath } from '../src/manifest/yaml.js';
import { referenceProblems } from './helpers/kubernetes-fields-walk.js';
import { paths, ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/** Every object of the fixtures and examples. */
function corpusObjects(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const file of [...yamlFiles(join(ROOT, 'test/fixtures')), ...yamlFiles(join(ROOT, 'examples'))]) {
    for (const { value } of parseYaml(readFileSync(file, 'utf8'), file).documents)
      if (isRecord(value) && typeof value.apiVersion === 'string' && typeof value.kind === 'string')
        out.push(value);
  }
  return out;
}

/** Wrong types, unknown fields, nulls and enum misses at `path`, each applied then undone. */
const REPLACEMENTS: unknown[] = [42, 1.5, 'x', true, [1], { bogusField: 1 }, null, 'Sometimes'];

function eachMutation(object: Record<string, unknown>, at: YamlPath, run: () => void): void {
  const parent = at
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], object);
  const key = at.at(-1)!;
  const holder = parent as Record<string | number, unknown>;
  const before = holder[key];
  for (const replacement of REPLACEMENTS) {
    holder[key] = replacement;
    run();
  }
  holder[key] = before;
  if (isRecord(before) && !('resource' in before)) {
    before.resource = 'typo';
    run();
    delete before.resource;
  }
}

describe('the field table walk (built-in kinds)', () => {
  it('finds what the walk before compiled shapes found, on every object and mutated copies', () => {
    let objects = 0;
    let problems = 0;
    for (const object of corpusObjects()) {
      if (referenceProblems(object) === undefined) continue;
      objects++;
      const compare = () => {
        const expected = referenceProblems(object);
        const found = validateKubernetesObject(object);
        // A mutated apiVersion or kind leaves the table: a custom resource or no schema then.
        if (expected === undefined) return expect(found.coverage).not.toBe('fields');
        expect(found.problems).toEqual(expected);
        problems += expected.length;
      };
      compare();
      for (const at of paths(object)) if (at.length > 0) eachMutation(object, at, compare);
    }
    expect(objects).toBeGreaterThan(100);
    expect(problems).toBeGreaterThan(10_000);
  });

  it('keeps the order of problems whose paths read the same (this level first, then the children)', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a' },
      'spec.replicas': 1,
      spec: { replicas: 'x', selector: {}, template: {} },
    };
    const messages = [
      'the object has an unknown field "spec.replicas"',
      'spec.replicas must be an integer, got "x"',
    ];
    expect(validateKubernetesObject(deployment).problems.map((p) => p.message)).toEqual(messages);
    expect(referenceProblems(deployment)!.map((p) => p.message)).toEqual(messages);
  });

  it('reports fields named like members of Object.prototype as unknown instead of crashing', () => {
    const service = JSON.parse(
      '{"apiVersion":"v1","kind":"Service","metadata":{"name":"a","toString":"x","__proto__":{"name":1}},' +
        '"spec":{"constructor":1,"ports":[{"port":80,"hasOwnProperty":true}]}}',
    ) as Record<string, unknown>;
    expect(validateKubernetesObject(service).problems.map((p) => p.message)).toEqual([
      'metadata has an unknown field "__proto__"',
      'metadata has an unknown field "toString"',
      'spec has an unknown field "constructor"',
      'spec.ports[0] has an unknown field "hasOwnProperty"',
    ]);
  });
});

describe('custom resources validated in place', () => {
  const GROUPS =
    /^(monitoring\.coreos\.com|keda\.sh|(networking|security|telemetry|extensions)\.istio\.io)\//;

  it('give the errors the kubernetes-models copy gives, on every custom resource and mutated copies', () => {
    let objects = 0;
    let errors = 0;
    for (const object of corpusObjects()) {
      if (!GROUPS.test(object.apiVersion as string)) continue;
      const Model = crdModelFor(object.apiVersion as string, object.kind as string);
      if (!Model) continue;
      objects++;
      const compare = () => {
        const expected = crdErrors(Model, object, false);
        expect(crdErrors(Model, object)).toEqual(expected);
        errors += expected?.length ?? 0;
      };
      compare();
      for (const at of paths(object)) if (at.length > 0) eachMutation(object, at, compare);
    }
    expect(objects).toBeGreaterThan(10);
    expect(errors).toBeGreaterThan(1000);
  });

  it('go through the model where its copy would differ (undefined values, an own __proto__ key)', () => {
    const Model = crdModelFor('monitoring.coreos.com/v1', 'ServiceMonitor')!;
    const monitor = () => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm' },
      spec: { selector: {}, endpoints: [{ port: 'http' }] } as Record<string, unknown>,
    });
    const withUndefined = monitor();
    withUndefined.spec.jobLabel = undefined;
    const withProto = monitor();
    withProto.spec = JSON.parse(
      '{"selector":{},"endpoints":[{"port":"http"}],"__proto__":{"jobLabel":7}}',
    ) as Record<string, unknown>;
    for (const object of [monitor(), withUndefined, withProto])
      expect(crdErrors(Model, object)).toEqual(crdErrors(Model, object, false));
    expect(crdErrors(Model, withProto)).not.toBeUndefined();
  });
});
