import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asRecord, isRecord, stringMap, toObject, type K8sObject } from '../src/check/objects.js';
import { groupServices, referencedConfigNames } from '../src/check/services.js';
import { listItems, parseInput } from '../src/manifest/input.js';
import type { KindId } from '../src/workloads/kinds.js';
import type { ContainerRef } from '../src/workloads/model.js';
import { modelRefsOf, modelRefsOfContainer } from '../src/workloads/model-refs.js';
import { readWorkloads } from '../src/workloads/registry.js';
import { compiledSelector, firstSelectorLabel } from '../src/workloads/selectors.js';
import { acceleratorsOf, isAcceleratorResource } from '../src/workloads/serving.js';
import { ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/** Every object of the fixtures and examples, one list per file (a file is one input). */
function corpus(): K8sObject[][] {
  const inputs: K8sObject[][] = [];
  for (const dir of ['test/fixtures', 'examples'])
    for (const file of yamlFiles(join(ROOT, dir))) {
      let parsed;
      try {
        parsed = parseInput({ file, text: readFileSync(file, 'utf8'), format: 'yaml' }, 100_000);
      } catch {
        continue; // fixtures of unreadable input
      }
      const objects: K8sObject[] = [];
      for (const document of parsed.documents.flatMap(listItems)) {
        const object = toObject(document);
        if (!('reason' in object) && object.kind !== 'ModelService') objects.push(object);
      }
      if (objects.length > 0) inputs.push(objects);
    }
  return inputs;
}

const inputs = corpus();

/** Every value under a `selector`, `podSelector` or `matchLabels` key, at any depth. */
function selectorsIn(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const item of value) selectorsIn(item, out);
  else if (isRecord(value))
    for (const [key, item] of Object.entries(value)) {
      if (key === 'selector' || key === 'podSelector' || key === 'matchLabels') out.push(item);
      selectorsIn(item, out);
    }
  return out;
}

/** What compiledSelector gave before it read the labels in one pass: a copied map's entries. */
function referenceCompiled(selector: unknown) {
  const record = asRecord(selector);
  const structured = 'matchLabels' in record || 'matchExpressions' in record;
  return {
    matchLabels: Object.entries(stringMap(structured ? record.matchLabels : record)),
    first: firstSelectorLabel(selector),
  };
}

describe('compiled selectors read in one pass', () => {
  const hostile: unknown[] = [
    { app: 'a', tier: 'b' },
    { matchLabels: { app: 'a', version: 2, canary: true, none: null, nested: { x: 1 } } },
    { matchLabels: { flag: true, app: 'a' } },
    { matchLabels: { '10': 'ten', b: 'bee', '2': 'two' } },
    JSON.parse('{"matchLabels": {"__proto__": "x", "app": "a"}}'),
    JSON.parse('{"__proto__": "x"}'),
    { matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 1] }] },
    { matchExpressions: [] },
    {},
    null,
    'app=a',
    [{ app: 'a' }],
  ];

  it('gives the labels and first label a copied map gave, on hostile selectors and the whole corpus', () => {
    const selectors = [...hostile];
    for (const objects of inputs) for (const o of objects) selectors.push(...selectorsIn(o.raw));
    expect(selectors.length).toBeGreaterThan(300);
    for (const selector of selectors) {
      const compiled = compiledSelector(selector);
      const reference = referenceCompiled(selector);
      expect(compiled.matchLabels, JSON.stringify(selector)).toEqual(reference.matchLabels);
      expect(compiled.first, JSON.stringify(selector)).toEqual(reference.first);
    }
  });

  it('keeps the expressions of a selector, and shares no list a caller could grow', () => {
    const compiled = compiledSelector({
      matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 1] }],
    });
    expect(compiled.expressions).toEqual([{ key: 'app', operator: 'In', values: ['a', '1'] }]);
    expect(compiled.first).toBeUndefined();
    const none = compiledSelector({ matchLabels: { app: 'a' } }).expressions;
    expect(none).toEqual([]);
    expect(() => (none as unknown[]).push(1)).toThrow(TypeError);
  });
});

/** acceleratorsOf as it was: a Set of requests' then limits' names. */
function referenceAccelerators(ref: ContainerRef) {
  const resources = asRecord(ref.container.resources);
  const requests = asRecord(resources.requests);
  const limits = asRecord(resources.limits);
  const names = new Set([...Object.keys(requests), ...Object.keys(limits)].filter(isAcceleratorResource));
  return [...names].map((name) => ({ name, request: requests[name], limit: limits[name] }));
}

describe('workloads read without per-container sets and copies', () => {
  it('lists the accelerators a Set of requests and limits listed, for every container of the corpus', () => {
    let containers = 0;
    let withAccelerators = 0;
    for (const objects of inputs) {
      const set = readWorkloads(objects);
      for (const o of objects)
        for (const ref of set.get(o)?.containers ?? []) {
          containers++;
          const got = acceleratorsOf(ref);
          expect(got).toEqual(referenceAccelerators(ref));
          expect(Object.isFrozen(got)).toBe(true);
          if (got.length > 0) withAccelerators++;
        }
    }
    expect(containers).toBeGreaterThan(200);
    expect(withAccelerators).toBeGreaterThan(20);
  });

  it('orders requested accelerators first, then those only limited', () => {
    const objects = [
      toObjectOf(`apiVersion: apps/v1
kind: Deployment
metadata: { name: gpu }
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.0
          resources:
            requests: { cpu: "1", amd.com/gpu: 1 }
            limits: { nvidia.com/gpu: 2, amd.com/gpu: 1, memory: 1Gi }
`),
    ];
    const ref = readWorkloads(objects).get(objects[0]!)!.containers[0]!;
    expect(acceleratorsOf(ref)).toEqual([
      { name: 'amd.com/gpu', request: 1, limit: 1 },
      { name: 'nvidia.com/gpu', request: undefined, limit: 2 },
    ]);
  });

  it("gives each workload its templates' containers in order, and paths as a spread gave them", () => {
    let multi = 0;
    for (const objects of inputs) {
      const set = readWorkloads(objects);
      for (const o of objects) {
        const w = set.get(o);
        if (!w) continue;
        expect(w.containers).toEqual(w.templates.flatMap((t) => t.containers));
        if (w.templates.length > 1) multi++;
        for (const t of w.templates) {
          expect(t.atSpec('volumes', 0).path).toEqual([...t.specPath, 'volumes', 0]);
          for (const c of [...t.containers, ...t.initContainers]) {
            const at = c.at('resources', 'limits');
            expect(at.object).toBe(c.workload);
            // A container written as such (the core kinds, Ray, Knative) points below its own path.
            if (WRITTEN_AS_SUCH.includes(o.type)) expect(at.path).toEqual([...c.path, 'resources', 'limits']);
          }
        }
      }
    }
    expect(multi).toBeGreaterThan(10);
  });
});

const WRITTEN_AS_SUCH: readonly string[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'RayCluster',
  'RayService',
  'RayJob',
  'KnativeService',
];

function toObjectOf(text: string): K8sObject {
  const parsed = parseInput({ file: 'x.yaml', text, format: 'yaml' }, 100);
  const object = toObject(parsed.documents[0]!);
  if ('reason' in object) throw new Error(object.reason);
  return object;
}

describe('services without per-service lists nobody asks for', () => {
  it('answers ofKind and servingContainers as filters over its objects and workloads do', () => {
    const kinds: KindId[][] = [
      ['Service'],
      ['HorizontalPodAutoscaler', 'ScaledObject', 'PodAutoscaler'],
      ['Service', 'InferencePool', 'InferencePoolAlpha'],
      ['Deployment', 'StatefulSet', 'InferenceService', 'RayService'],
      ['KnativeService', 'Deployment', 'StatefulSet'],
      ['Service', 'Deployment'],
      ['PrometheusRule'],
    ];
    let services = 0;
    let several = 0;
    // A stable, a canary and a Redis of one name: one service of three workloads, two serving.
    const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: chat, track: ${name} } }
  template:
    metadata: { labels: { app: chat, track: ${name} } }
    spec:
      containers: [{ name: server, image: "${image}" }, { name: proxy, image: envoyproxy/envoy:v1.30 }]
`;
    const shared = [
      toObjectOf(deployment('stable', 'vllm/vllm-openai:v0.6.0')),
      toObjectOf(deployment('canary', 'vllm/vllm-openai:v0.6.1')),
      toObjectOf(deployment('cache', 'redis:7')),
    ];
    for (const objects of [...inputs, shared]) {
      const workloads = readWorkloads(objects);
      for (const service of groupServices(objects, [], { workloads })) {
        services++;
        for (const ids of kinds) {
          // ofKind takes one to four kinds as named parameters (no rest list per call).
          const got = service.ofKind(ids[0]!, ids[1], ids[2], ids[3]);
          expect(got).toEqual(service.objects.filter((o) => ids.includes(o.type)));
          expect(service.ofKind(ids[0]!, ids[1], ids[2], ids[3])).toBe(got);
          expect(Object.isFrozen(got)).toBe(true);
        }
        const all = service.servingContainers();
        expect(all).toEqual(service.workloads.flatMap((w) => service.servingContainers(w)));
        expect(service.servingContainers()).toBe(all);
        expect(Object.isFrozen(all)).toBe(true);
        if (service.workloads.length > 1) several++;
        for (const o of service.objects) expect(service.workloadOf(o)).toBe(workloads.get(o));
      }
    }
    expect(services).toBeGreaterThan(100);
    expect(several).toBeGreaterThan(1);
  });
});

describe('model references of containers that name none', () => {
  const container = (fields: string) =>
    toObjectOf(`apiVersion: apps/v1
kind: Deployment
metadata: { name: m }
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.0
${fields}`);
  const refsOf = (fields: string) => {
    const objects = [container(fields)];
    const w = readWorkloads(objects).get(objects[0]!)!;
    return { container: modelRefsOfContainer(w.containers[0]!), workload: modelRefsOf(w) };
  };

  it('reads a model from env, command or args alone', () => {
    const cases = {
      '          env: [{ name: MODEL_ID, value: org/env }]\n': 'org/env',
      '          command: [vllm, serve, org/command]\n': 'org/command',
      '          args: [--model, org/args]\n': 'org/args',
    };
    for (const [fields, model] of Object.entries(cases)) {
      const refs = refsOf(fields);
      expect(refs.container.map((r) => r.reference)).toEqual([model]);
      expect(refs.workload.map((r) => r.reference)).toEqual([model]);
    }
  });

  it('gives one shared, frozen empty list to containers without env, command or args', () => {
    const a = refsOf('          ports: [{ containerPort: 8000 }]\n');
    const b = refsOf('          env: []\n          args: {}\n');
    expect(a.container).toEqual([]);
    expect(b.container).toBe(a.container);
    expect(a.workload).toBe(a.container);
    expect(Object.isFrozen(a.container)).toBe(true);
  });
});

/** referencedConfigNames as it was before its indexed loops and shared empty set (issue 18, tenth round). */
function referenceConfigNames(workload: {
  templates: readonly {
    spec: Record<string, unknown>;
    containers: readonly ContainerRef[];
    initContainers: readonly ContainerRef[];
  }[];
}): string[] {
  const names = new Set<string>();
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : []);
  for (const template of workload.templates) {
    for (const volume of list(template.spec.volumes)) {
      const v = asRecord(volume);
      const cm = str(asRecord(v.configMap).name);
      if (cm) names.add(`ConfigMap/${cm}`);
      const secret = str(asRecord(v.secret).secretName);
      if (secret) names.add(`Secret/${secret}`);
      for (const source of list(asRecord(v.projected).sources)) {
        const s = asRecord(source);
        const pcm = str(asRecord(s.configMap).name);
        if (pcm) names.add(`ConfigMap/${pcm}`);
        const ps = str(asRecord(s.secret).name);
        if (ps) names.add(`Secret/${ps}`);
      }
    }
    for (const ref of [...template.containers, ...template.initContainers]) {
      for (const env of list(ref.container.env)) {
        const from = asRecord(asRecord(env).valueFrom);
        const cm = str(asRecord(from.configMapKeyRef).name);
        if (cm) names.add(`ConfigMap/${cm}`);
        const secret = str(asRecord(from.secretKeyRef).name);
        if (secret) names.add(`Secret/${secret}`);
      }
      for (const envFrom of list(ref.container.envFrom)) {
        const e = asRecord(envFrom);
        const cm = str(asRecord(e.configMapRef).name);
        if (cm) names.add(`ConfigMap/${cm}`);
        const secret = str(asRecord(e.secretRef).name);
        if (secret) names.add(`Secret/${secret}`);
      }
    }
  }
  return [...names];
}

describe('referencedConfigNames', () => {
  const crafted = toObjectOf(`apiVersion: apps/v1
kind: Deployment
metadata: { name: refs }
spec:
  selector: { matchLabels: { app: refs } }
  template:
    metadata: { labels: { app: refs } }
    spec:
      volumes:
        - { name: a, configMap: { name: model-config } }
        - { name: b, secret: { secretName: 42 } }
        - { name: c, secret: { secretName: "" } }
        - { name: d, projected: { sources: [{ configMap: { name: p-cm } }, { secret: { name: p-secret } }, {}, 7] } }
        - null
      initContainers:
        - name: fetch
          image: busybox
          envFrom: [{ secretRef: { name: init-secret } }, { configMapRef: { name: model-config } }]
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.0
          env:
            - { name: A, valueFrom: { secretKeyRef: { name: hf-token, key: token } } }
            - { name: B, valueFrom: { configMapKeyRef: { name: env-cm, key: k } } }
            - { name: C, value: plain }
            - 3
          envFrom: [{ configMapRef: { name: env-from-cm } }, { secretRef: {} }]
`);

  it('names what the pods mount and read, in order, as before, on every workload of the corpus', () => {
    let withNames = 0;
    let checked = 0;
    // Every workload that references nothing gets the one shared empty set.
    const empties = new Set<ReadonlySet<string>>();
    for (const objects of [...inputs, [crafted]]) {
      const read = readWorkloads(objects);
      for (const object of objects) {
        const workload = read.get(object);
        if (!workload) continue;
        checked++;
        const names = [...referencedConfigNames(workload)];
        expect(names).toEqual(referenceConfigNames(workload));
        if (names.length > 0) withNames++;
        else empties.add(referencedConfigNames(workload));
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(withNames).toBeGreaterThan(5);
    expect(checked - withNames).toBeGreaterThan(50);
    expect(empties.size).toBe(1);
    const workload = readWorkloads([crafted]).get(crafted);
    expect([...referencedConfigNames(workload!)]).toEqual([
      'ConfigMap/model-config',
      'Secret/42',
      'ConfigMap/p-cm',
      'Secret/p-secret',
      'Secret/hf-token',
      'ConfigMap/env-cm',
      'ConfigMap/env-from-cm',
      'Secret/init-secret',
    ]);
  });
});
