import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEPT_PATHS, locate, type ObjectFindings } from '../src/check/locate.js';
import type { K8sObject } from '../src/check/objects.js';
import { KindReaders } from '../src/check/rule-kinds.js';
import { modelServersView, runCheck } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { RULES } from '../src/rules/index.js';
import { estimateLoadTime, modelRefsFor } from '../src/estimate/load-time.js';
import { ANY_WORKLOAD, type Rule } from '../src/rules/rule.js';
import { servicesFrom } from './helpers/service.js';
import {
  referenceAppliesToSomething,
  referenceLocation,
  referenceModelRefsFor,
} from './helpers/r7-engine-reference.js';

/** Every YAML file under a directory. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

const FIXTURES = ['test/fixtures/upstream', 'test/fixtures/rules', 'examples'];

/** The model services of every fixture file that groups without errors. */
function fixtureServices(): ModelService[] {
  const services: ModelService[] = [];
  for (const dir of FIXTURES)
    for (const file of yamlFiles(dir)) {
      try {
        services.push(...servicesFrom(readFileSync(file, 'utf8'), file));
      } catch {
        // Templates, lists and invalid inputs: grouped by the check engine's own tests.
      }
    }
  return services;
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Services without a workload, or with supporting workloads only: views that differ from the service. */
const ODD_SERVICES = [
  `apiVersion: v1
kind: Service
metadata: { name: lonely, labels: { app.kubernetes.io/name: lonely } }
spec: { selector: { app.kubernetes.io/name: lonely } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: lonely, labels: { app.kubernetes.io/name: lonely } }
`,
  `apiVersion: mlready.dev/v1alpha1
kind: ModelService
metadata: { name: only-a-manifest }
spec:
  model: { name: m, version: "1", uri: "s3://b/m" }
  serving: { runtime: vllm }
`,
  `apiVersion: apps/v1
kind: Deployment
metadata: { name: redis, labels: { app.kubernetes.io/name: cache } }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: cache } }
  template:
    metadata: { labels: { app.kubernetes.io/name: cache } }
    spec: { containers: [{ name: redis, image: "redis:7" }] }
`,
].flatMap((text) => servicesFrom(text));

const services = [...fixtureServices(), ...ODD_SERVICES];

/** Every path of a value (bounded), and a few that go past what exists. */
function pathsOf(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (out.length > 400) return out;
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
    out.push([...prefix, value.length]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
    out.push([...prefix, 'not-there']);
  } else out.push([...prefix, 0], [...prefix, 'x']);
  return out;
}

describe('locate: positions and display paths once per object and path', () => {
  it('reads the fixtures (the comparison has something to compare)', () => {
    expect(services.length).toBeGreaterThan(100);
  });

  it('answers every path of every fixture object as positionOf and displayPath do, asked in any order and again', () => {
    const next = random(7);
    const located = new Map<K8sObject, ObjectFindings>();
    let compared = 0;
    for (const service of services)
      for (const object of service.objects) {
        const paths = pathsOf(object.raw);
        // Twice, the second time shuffled, and through one reused array as rules that write their path
        // at a depth do: a cached answer must not follow the caller's array after the report.
        const reused: (string | number)[] = [];
        for (const round of [0, 1])
          for (let i = 0; i < paths.length; i++) {
            const path = round === 0 ? paths[i]! : paths[Math.floor(next() * paths.length)]!;
            reused.length = 0;
            reused.push(...path);
            const found = locate(located, object, next() < 0.5 ? reused : path);
            const want = referenceLocation(object, path);
            expect({
              line: found.line,
              column: found.column,
              endLine: found.endLine,
              endColumn: found.endColumn,
              path: found.display,
              ignored: found.ignored,
            }).toEqual(want);
            compared++;
          }
      }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('keeps answers apart for objects of the same document text and for paths that differ by type only', () => {
    const [service] = servicesFrom(
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: m, labels: { "0": zero }, annotations: { mlready.dev/ignore: "require-gpu-limit" } }
spec:
  template:
    spec:
      containers: [{ name: a, image: "x:1" }, { name: b, image: "y:2" }]
`,
    );
    const object = service!.objects[0]!;
    const located = new Map<K8sObject, ObjectFindings>();
    for (const path of [
      ['metadata', 'labels', '0'],
      ['spec', 'template', 'spec', 'containers', 0],
      ['spec', 'template', 'spec', 'containers', 1],
      ['spec', 'template', 'spec', 'containers', '1'],
      ['metadata', 'labels', '0'],
    ]) {
      const found = locate(located, object, path);
      const want = referenceLocation(object, path);
      expect([found.line, found.column, found.endLine, found.endColumn, found.display]).toEqual([
        want.line,
        want.column,
        want.endLine,
        want.endColumn,
        want.path,
      ]);
      expect([...found.ignored]).toEqual(['require-gpu-limit']);
    }
  });

  it('keeps at most KEPT_PATHS paths of an object with findings at thousands of paths (no quadratic search), and answers the rest right', () => {
    const count = 2_000;
    const env = Array.from(
      { length: count },
      (_, i) => `            - { name: DB_PASSWORD_${i}, value: "v${i}" }`,
    );
    const [service] = servicesFrom(
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: m }
spec:
  template:
    spec:
      containers:
        - name: s
          image: "x:1"
          env:
${env.join('\n')}
`,
    );
    const object = service!.objects[0]!;
    const located = new Map<K8sObject, ObjectFindings>();
    for (const round of [0, 1])
      for (let i = round; i < count; i += 1 + round * 36) {
        const path = ['spec', 'template', 'spec', 'containers', 0, 'env', i, 'value'];
        const found = locate(located, object, path);
        const want = referenceLocation(object, path);
        expect([found.line, found.column, found.display]).toEqual([want.line, want.column, want.path]);
      }
    const known = located.get(object)!;
    let chain = 0;
    for (let at = known.first; at !== undefined; at = at.next) chain++;
    expect(known.kept).toBe(KEPT_PATHS);
    expect(chain).toBe(KEPT_PATHS);
  });
});

describe('KindReaders: which rules count for a service through the kinds it holds', () => {
  /** The flags the fifth round's engine set: each rule asked through ofKind on its own view. */
  function referenceFlags(
    rules: readonly Pick<Rule, 'kinds' | 'appliesTo'>[],
    service: ModelService,
  ): number[] {
    const view = modelServersView(service);
    return rules.map((rule) => {
      const seen = rule.appliesTo === 'model-servers' ? view : service;
      return seen && referenceAppliesToSomething(rule, seen) ? 1 : 0;
    });
  }

  function flags(
    rules: readonly Pick<Rule, 'kinds' | 'appliesTo'>[],
    service: ModelService,
    offset: number,
  ): number[] {
    const out = new Uint8Array(offset + rules.length + 2);
    new KindReaders(rules).mark(out, offset, service, modelServersView(service));
    expect(out[offset - 1] ?? 0).toBe(0);
    expect(out[offset + rules.length]).toBe(0);
    return [...out.subarray(offset, offset + rules.length)];
  }

  it('flags what every rule of the catalogue flagged, for every fixture service', () => {
    const rules = [...RULES.values()];
    let flagged = 0;
    for (const service of services) {
      const want = referenceFlags(rules, service);
      expect(flags(rules, service, 3)).toEqual(want);
      flagged += want.filter(Boolean).length;
    }
    expect(flagged).toBeGreaterThan(1000);
  });

  it('flags as before for made-up rule lists: repeated kinds and rules, any workload, no kinds, both views', () => {
    const next = random(18);
    const kinds = [
      ANY_WORKLOAD,
      'Deployment',
      'Service',
      'InferenceService',
      'HorizontalPodAutoscaler',
      'ServiceMonitor',
      'ConfigMap',
      'Secret',
      'NetworkPolicy',
      'StatefulSet',
      'RayService',
      'Nothing',
    ] as Rule['kinds'][number][];
    const catalogue = [...RULES.values()];
    for (let trial = 0; trial < 60; trial++) {
      const rules: Pick<Rule, 'kinds' | 'appliesTo'>[] = [];
      const count = 1 + Math.floor(next() * 12);
      for (let i = 0; i < count; i++) {
        if (next() < 0.2) {
          rules.push(catalogue[Math.floor(next() * catalogue.length)]!);
          continue;
        }
        const own: Rule['kinds'][number][] = [];
        const n = Math.floor(next() * 4);
        for (let k = 0; k < n; k++) own.push(kinds[Math.floor(next() * kinds.length)]!);
        rules.push({ kinds: own, appliesTo: next() < 0.5 ? 'model-servers' : 'workloads' });
      }
      if (next() < 0.3) rules.push(rules[0]!);
      for (const service of services)
        expect(flags(rules, service, trial)).toEqual(referenceFlags(rules, service));
    }
  });
});

describe('estimateLoadTime: one answer per container, evidence, view and time of a run', () => {
  it('answers the same question with the same estimate, and each other question with its own, in any order', () => {
    const service = services.find((s) => s.servingContainers().length > 0)!;
    const ref = service.servingContainers()[0]!;
    const evidence = (maxAgeDays: number) => ({ deploys: [], maxAgeDays });
    const a = { service, evidence: evidence(1), now: new Date('2026-01-01T00:00:00Z') };
    const b = { service, evidence: evidence(2), now: a.now };
    const c = { service, evidence: a.evidence, now: new Date('2026-01-02T00:00:00Z') };
    const first = estimateLoadTime(a, ref);
    expect(estimateLoadTime(a, ref)).toBe(first);
    const second = estimateLoadTime(b, ref);
    const third = estimateLoadTime(c, ref);
    expect(second).not.toBe(first);
    expect(third).not.toBe(first);
    expect(third).not.toBe(second);
    // Asked again after the others: each still finds its own answer, not the newest one.
    expect(estimateLoadTime(a, ref)).toBe(first);
    expect(estimateLoadTime(b, ref)).toBe(second);
    expect(estimateLoadTime(c, ref)).toBe(third);
    expect(second).toEqual(first);
  });
});

describe('readDocuments: Lists read through listItems, every other document as it is', () => {
  it('reads the items of every kind ending in List, and takes other documents whole', () => {
    const deployment = (name: string) =>
      `{ apiVersion: apps/v1, kind: Deployment, metadata: { name: ${name} }, spec: { selector: { matchLabels: { app: ${name} } }, template: { metadata: { labels: { app: ${name} } }, spec: { containers: [{ name: c, image: "x:1" }] } } } }`;
    const text = [
      `apiVersion: v1\nkind: List\nitems: [${deployment('a')}, ${deployment('b')}]\n`,
      `apiVersion: apps/v1\nkind: DeploymentList\nitems: [${deployment('c')}]\n`,
      // A kind ending in List without items, and items under a kind that is no List: one object each.
      `apiVersion: v1\nkind: ConfigMapList\nmetadata: { name: odd }\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: listed }\nitems: [${deployment('d')}]\n`,
      `- not a mapping\n`,
    ].join('---\n');
    const result = runCheck({ cwd: process.cwd(), texts: [{ file: 'lists.yaml', text }], now: new Date(0) });
    // What the sixth round's reading gave for the same text (each item its own object, at its lines).
    expect(result.services.map((s) => s.objects)).toEqual([
      ['Deployment/a', 'ConfigMap/listed'],
      ['Deployment/b'],
      ['Deployment/c'],
    ]);
    expect(result.skipped).toEqual([
      {
        file: 'lists.yaml',
        line: 9,
        kind: 'ConfigMapList',
        name: 'odd',
        reason: 'kind not checked by mlready',
      },
      {
        file: 'lists.yaml',
        line: 18,
        kind: '(none)',
        name: '',
        reason: 'not a mapping: not a Kubernetes object',
      },
    ]);
    expect(result.summary.objects).toBe(4);
  });
});

describe('modelRefsFor: the models that size a serving container', () => {
  it('lists what the filter-and-spread version listed, for every container of every fixture service', () => {
    let compared = 0;
    let lora = 0;
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates)
          for (const ref of template.containers) {
            expect(modelRefsFor(service, ref)).toEqual(referenceModelRefsFor(service, ref));
            for (const w of service.workloads) {
              // Another workload's container too: its workload's refs of other containers are left out.
              const other = w.templates[0]?.containers[0];
              if (other) expect(modelRefsFor(service, other)).toEqual(referenceModelRefsFor(service, other));
            }
            compared++;
            if (ref.container.args !== undefined && JSON.stringify(ref.container.args).includes('lora'))
              lora++;
          }
    expect(compared).toBeGreaterThan(200);
    expect(lora).toBeGreaterThan(0);
  });
});
