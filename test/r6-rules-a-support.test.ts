import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, isRecord } from '../src/check/objects.js';
import { runCheck } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { kubernetesObjectProblems, validateKubernetesObject } from '../src/manifest/kubernetes-schema.js';
import { parseYaml } from '../src/manifest/yaml.js';
import { RULES } from '../src/rules/index.js';
import { gpuResources } from '../src/rules/support/gpu.js';
import {
  containerPorts,
  declaresPortName,
  declaresPortNumber,
  declaresPortNumbers,
  probeOf,
  type ProbeKind,
} from '../src/rules/support/probes.js';
import { podContainers } from '../src/rules/support/serving.js';
import { acceleratorsOf } from '../src/workloads/serving.js';
import { paths, ROOT, yamlFiles } from './helpers/yaml-corpus.js';

// Issue 18, sixth round: support helpers reshaped for speed, each compared with what it answered
// before on every service of the repository's fixtures and examples.

function fixtureServices(): ModelService[] {
  const seen = new Set<ModelService>();
  const rule = RULES.get('require-gpu-limit')!;
  // Restored below on the same object, and always called with it as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = rule.check;
  (rule as { check: typeof rule.check }).check = (context) => {
    seen.add(context.service);
    original.call(rule, context);
  };
  try {
    const now = new Date('2026-01-01T00:00:00Z');
    for (const dir of ['test/fixtures/rules', 'test/fixtures/upstream', 'examples'])
      runCheck({ cwd: process.cwd(), paths: [dir], now });
  } finally {
    (rule as { check: typeof rule.check }).check = original;
  }
  return [...seen];
}

const services = fixtureServices();
const PROBES: ProbeKind[] = ['startupProbe', 'readinessProbe', 'livenessProbe'];

describe('round 6 support helpers (issue 18)', () => {
  it('gpuResources lists what acceleratorsOf lists, for every container', () => {
    let containers = 0;
    let withGpus = 0;
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates)
          for (const ref of podContainers(template)) {
            containers++;
            const got = gpuResources(ref);
            expect([...got]).toEqual([...acceleratorsOf(ref)]);
            expect(Object.isFrozen(got)).toBe(true);
            if (got.length > 0) withGpus++;
          }
    expect(containers).toBeGreaterThan(200);
    expect(withGpus).toBeGreaterThan(20);
  });

  it('gpuResources finds accelerators in requests alone, and names with a slash that are not one', () => {
    const ref = (resources: unknown) =>
      ({ container: { name: 'c', resources } }) as unknown as Parameters<typeof gpuResources>[0];
    const cases: unknown[] = [
      undefined,
      null,
      [],
      'x',
      { requests: { 'nvidia.com/gpu': 1 } },
      { limits: { 'amd.com/gpu': '2' } },
      { limits: { 'example.com/foo': 1, cpu: 1 } },
      { limits: { 'nvidia.com/mig-1g.5gb': 1 } },
      { requests: [], limits: 'x' },
    ];
    for (const resources of cases) {
      const r = ref(resources);
      expect([...gpuResources(r)]).toEqual([...acceleratorsOf(ref(resources))]);
    }
    expect(gpuResources(ref({ requests: { 'nvidia.com/gpu': 1 } })).map((g) => g.name)).toEqual([
      'nvidia.com/gpu',
    ]);
  });

  it('declaresPortName/Number(s) answer what containerPorts’ sets answer, for every container', () => {
    const ref = (ports: unknown) =>
      ({ container: { name: 'c', ports } }) as unknown as Parameters<typeof containerPorts>[0];
    const odd = [
      ref(undefined),
      ref('x'),
      ref([null, 'x', { name: '', containerPort: NaN }, { name: 'http', containerPort: '80' }]),
      ref([{ name: 'grpc', containerPort: 9000 }, { containerPort: 0 }, { name: 7 }]),
    ];
    const refs = [...odd];
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates) refs.push(...podContainers(template));
    const names = ['', 'http', 'grpc', 'metrics', 'h2c', '7'];
    const numbers = [NaN, 0, 80, 8000, 8080, 9000, 8001];
    let declared = 0;
    for (const r of refs) {
      const ports = containerPorts(r);
      for (const name of names) expect(declaresPortName(r, name)).toBe(ports.names.has(name));
      expect(declaresPortNumbers(r)).toBe(ports.numbers.size > 0);
      for (const number of [...numbers, ...ports.numbers])
        expect(declaresPortNumber(r, number)).toBe(ports.numbers.has(number));
      if (ports.numbers.size > 0) declared++;
    }
    expect(declared).toBeGreaterThan(20);
    expect(declaresPortNumber(odd[2]!, NaN)).toBe(true);
  });

  it('probeOf reads the command line as before, sharing one empty list', () => {
    let probes = 0;
    let execs = 0;
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates)
          for (const ref of podContainers(template))
            for (const kind of PROBES) {
              const probe = probeOf(ref, kind);
              if (!probe) continue;
              probes++;
              const raw = ref.container[kind] as Record<string, unknown>;
              const body = raw[probe.handler];
              const expected = asArray(isRecord(body) ? body.command : undefined).map(String);
              expect([...probe.command]).toEqual(expected);
              if (expected.length > 0) execs++;
              else expect(Object.isFrozen(probe.command)).toBe(true);
            }
    expect(probes).toBeGreaterThan(30);
    expect(execs).toBeGreaterThan(2);
  });
});

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

const REPLACEMENTS: unknown[] = [42, 1.5, 'x', true, [1], { bogusField: 1 }, null, 'Sometimes', '2Gi', ' 5m'];

describe('kubernetesObjectProblems (the rule reads it instead of validateKubernetesObject)', () => {
  it('answers validateKubernetesObject’s problems on every object and mutated copies', () => {
    let objects = 0;
    let found = 0;
    let clean = 0;
    for (const object of corpusObjects().slice(0, 300)) {
      objects++;
      const compare = () => {
        const problems = kubernetesObjectProblems(object);
        expect([...problems]).toEqual(validateKubernetesObject(object).problems);
        if (problems.length === 0) {
          expect(Object.isFrozen(problems)).toBe(true);
          clean++;
        }
        found += problems.length;
      };
      compare();
      for (const at of paths(object)) {
        if (at.length === 0) continue;
        const parent = at
          .slice(0, -1)
          .reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], object);
        const holder = parent as Record<string | number, unknown>;
        const key = at.at(-1)!;
        const before = holder[key];
        for (const replacement of REPLACEMENTS) {
          holder[key] = replacement;
          compare();
        }
        holder[key] = before;
      }
    }
    expect(objects).toBeGreaterThan(200);
    expect(found).toBeGreaterThan(10_000);
    expect(clean).toBeGreaterThan(100);
  }, 120_000);
});
