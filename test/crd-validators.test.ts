import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asRecord, isRecord } from '../src/check/objects.js';
import { validateKubernetesObject } from '../src/manifest/kubernetes-schema.js';
import { parseYaml } from '../src/manifest/yaml.js';

function rule(strategy: string): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'x' },
    spec: {
      groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up' }] }],
    },
  };
}

describe('custom resource validators with Go-syntax patterns (re2, loaded on first use)', () => {
  it('rejects a value outside a case-insensitive (?i) pattern', () => {
    const { coverage, problems } = validateKubernetesObject(rule('bogus'));
    expect(coverage).toBe('types');
    expect(problems.map((p) => p.message)).toEqual([
      'spec.groups[0].partial_response_strategy must match pattern "^(?i)(abort|warn)?$"',
    ]);
  });

  it('accepts the pattern in any case, as Go reads (?i)', () => {
    expect(validateKubernetesObject(rule('WARN')).problems).toEqual([]);
    expect(validateKubernetesObject(rule('abort')).problems).toEqual([]);
  });
});

describe('the bundled custom resource validators (dist/crd, written by scripts/bundle.mjs)', () => {
  const ROOT = join(import.meta.dirname, '..');
  const GROUPS =
    /^(monitoring\.coreos\.com|keda\.sh|(networking|security|telemetry|extensions)\.istio\.io)\//;

  function yamlFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
  }

  /** Every custom resource of the fixtures and examples, and broken copies of each. */
  function customResources(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [rule('bogus'), rule('WARN')];
    for (const file of [...yamlFiles(join(ROOT, 'test/fixtures')), ...yamlFiles(join(ROOT, 'examples'))]) {
      for (const { value } of parseYaml(readFileSync(file, 'utf8'), file).documents) {
        if (!isRecord(value) || typeof value.apiVersion !== 'string' || !GROUPS.test(value.apiVersion))
          continue;
        out.push(
          value,
          { ...value, spec: 42 },
          { ...value, spec: { ...asRecord(value.spec), bogusField: [1] } },
        );
        out.push({ ...value, metadata: { ...asRecord(value.metadata), labels: { a: 1 } } });
      }
    }
    return out;
  }

  it('exist for the kinds check reads', () => {
    const kind =
      'dist/crd/@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.cjs';
    expect(existsSync(join(ROOT, kind))).toBe(true);
  });

  it('find what the packages find, on every custom resource of the fixtures and examples', async () => {
    const bundled = (await import(pathToFileURL(join(ROOT, 'dist/manifest/kubernetes-schema.js')).href)) as {
      validateKubernetesObject: typeof validateKubernetesObject;
    };
    const objects = customResources();
    expect(objects.length).toBeGreaterThan(40);
    let problems = 0;
    for (const object of objects) {
      const expected = validateKubernetesObject(object);
      expect(bundled.validateKubernetesObject(object), JSON.stringify(object).slice(0, 200)).toEqual(
        expected,
      );
      problems += expected.problems.length;
    }
    expect(problems).toBeGreaterThan(40);
  });
});
