import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPath, stringMap, toObject, type K8sObject } from '../src/check/objects.js';
import { listItems, parseInput } from '../src/manifest/input.js';
import type { Workload } from '../src/workloads/model.js';
import { groupServices } from '../src/check/services.js';
import { podTemplate } from '../src/workloads/pods.js';
import { readWorkloads } from '../src/workloads/registry.js';
import { runtimeFromCommand, runtimeFromImage } from '../src/workloads/runtime.js';
import {
  referenceControllerLabels,
  referenceRuntimeFromCommand,
  referenceRuntimeFromImage,
} from './helpers/r7-group-reference.js';
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

/** Exact equality of two label maps, key order included (messages and reports list labels in order). */
function expectSameMap(got: Record<string, string>, want: Record<string, string>, what: string): void {
  expect(JSON.stringify(Object.entries(got)), what).toBe(JSON.stringify(Object.entries(want)));
  expect(Object.getPrototypeOf(got), what).toBe(Object.getPrototypeOf(want));
}

describe('model servers known by image and command without a closure per pattern', () => {
  const images = [
    'vllm/vllm-openai:v0.6.0',
    'VLLM/VLLM-OPENAI',
    'docker.io/vllm/vllm-openai@sha256:abc',
    'registry:5000/team/vllm',
    'kserve/vllm-runtime:1',
    'my-pytorch-vllm-serve',
    'ghcr.io/huggingface/text-generation-inference:2.0',
    'nvcr.io/nvidia/tritonserver:24.01-py3',
    'pytorch/torchserve:latest',
    'tensorflow/serving:2.14',
    'gcr.io/x/tensorflow-serving',
    'nvcr.io/nim/meta/llama3',
    'x.nvcr.io/nim/no',
    'lmsysorg/sglang:latest',
    'seldonio/mlserver:1.5',
    'rayproject/ray:2.9.0',
    'rayproject/ray-ml:2.9.0',
    'rayproject/ray-llm',
    'rayproject/rayx',
    'kserve/sklearnserver:v0.11',
    'huggingfaceserver',
    'kserve/custom-model:1',
    'registry.example.com/model-1:1.0.1',
    '  spaced/vllm  ',
    'a@b:c/vllm',
    ':',
    '@',
    '/',
    '',
    'sglang-not',
  ];
  const commands: Record<string, unknown>[] = [
    {},
    { command: [] },
    { args: [] },
    { command: ['python', '-m', 'vllm.entrypoints.openai.api_server'] },
    { command: ['vllm', 'serve', 'm'] },
    { args: ['vllm', 'serve'] },
    { command: ['sh', '-c'], args: ['vllm  serve x'] },
    { command: 'vllm serve' },
    { args: 'serve run app' },
    { command: ['serve'], args: ['run', 'app:x'] },
    { command: ['text-generation-launcher', '--model-id', 'x'] },
    { command: ['tritonserver'] },
    { command: ['torchserve', '--start'] },
    { command: ['/usr/bin/tensorflow_model_server'] },
    { command: ['python3', '-m', 'sglang.launch_server'] },
    { command: ['sglang', 'serve'] },
    { command: ['mlserver', 'start', '.'] },
    { command: ['python', 'dynamo.vllm'] },
    { command: [1, null, undefined, true, { a: 1 }, ['x']], args: [2.5] },
    { command: [null], args: [undefined] },
    { command: [''], args: [''] },
    { args: ['', 'vllm', 'serve'] },
    { command: ['myserve', 'run'] },
    { command: ['vllm-serve'] },
  ];

  it('names the model server the pattern list named, on hostile images and commands', () => {
    for (const image of images) expect(runtimeFromImage(image), image).toBe(referenceRuntimeFromImage(image));
    for (const container of commands)
      expect(runtimeFromCommand(container), JSON.stringify(container)).toBe(
        referenceRuntimeFromCommand(container),
      );
    expect(runtimeFromImage(undefined)).toBeUndefined();
  });

  it('names the model server the pattern list named, for every container of the corpus', () => {
    let containers = 0;
    let named = 0;
    for (const objects of inputs) {
      const set = readWorkloads(objects);
      for (const o of objects)
        for (const t of set.get(o)?.templates ?? [])
          for (const ref of [...t.containers, ...t.initContainers]) {
            containers++;
            const image = typeof ref.container.image === 'string' ? ref.container.image : undefined;
            const byImage = runtimeFromImage(image);
            const byCommand = runtimeFromCommand(ref.container);
            expect(byImage, image).toBe(referenceRuntimeFromImage(image));
            expect(byCommand, ref.label).toBe(referenceRuntimeFromCommand(ref.container));
            if (byImage ?? byCommand) named++;
          }
    }
    expect(containers).toBeGreaterThan(200);
    expect(named).toBeGreaterThan(50);
  });
});

describe('controller labels merged without object spreads', () => {
  const [object] = inputs
    .find((objects) => objects.some((o) => o.type === 'Deployment'))!
    .filter((o) => o.type === 'Deployment');
  const hostile: unknown[] = [
    undefined,
    null,
    'app=a',
    ['a'],
    {},
    { app: 'mine', 'ray.io/node-type': 'mine' },
    { version: 2, canary: true, none: null, nested: { x: 1 }, '10': 'ten', '2': 'two' },
    JSON.parse('{"__proto__": "x", "app": "a"}'),
    JSON.parse('{"__proto__": {"polluted": "yes"}, "app": "a"}'),
    { constructor: 'c', toString: 's', hasOwnProperty: 'h' },
  ];
  const controllers: Record<string, string>[] = [
    {},
    { app: 'controller' },
    { 'ray.io/cluster': 'c', 'ray.io/node-type': 'head' },
    { '5': 'five', b: 'bee', '1': 'one' },
  ];

  it('gives the labels a spread of the controller labels and the template labels gave', () => {
    for (const controllerLabels of controllers)
      for (const labels of hostile) {
        const raw = { spec: { template: { metadata: { labels } } } };
        const template = podTemplate(
          { ...object!, raw },
          {
            specPath: ['spec', 'template', 'spec'],
            metadataPath: ['spec', 'template', 'metadata'],
            replicas: {
              count: 1,
              min: undefined,
              max: undefined,
              defaulted: true,
              at: { object: object!, path: [] },
            },
            controllerLabels,
          },
        );
        expectSameMap(
          template.labels,
          referenceControllerLabels(controllerLabels, labels),
          `${JSON.stringify(controllerLabels)} ${JSON.stringify(labels)}`,
        );
      }
  });

  it('gives every KubeRay and Knative template of the corpus the labels the spreads gave', () => {
    let templates = 0;
    for (const objects of inputs) {
      const set = readWorkloads(objects);
      for (const o of objects) {
        const workload = set.get(o);
        if (!workload || !['RayCluster', 'RayJob', 'RayService', 'KnativeService'].includes(o.type)) continue;
        for (const t of workload.templates) {
          templates++;
          const labels = getPath(o.raw, [...t.metadataPath, 'labels']);
          let controller: Record<string, string>;
          if (o.type === 'KnativeService') controller = { 'serving.knative.dev/service': o.name };
          else {
            const cluster: Record<string, string> =
              o.type === 'RayCluster' ? { 'ray.io/cluster': o.name } : {};
            const group = t.role.startsWith('worker group ')
              ? t.role.slice('worker group '.length)
              : undefined;
            controller =
              group === undefined
                ? { ...cluster, 'ray.io/node-type': 'head' }
                : { ...cluster, 'ray.io/node-type': 'worker', 'ray.io/group': group };
          }
          expectSameMap(t.labels, referenceControllerLabels(controller, labels), `${o.ref} ${t.role}`);
        }
      }
    }
    expect(templates).toBeGreaterThan(10);
  });

  it('gives every KServe template of the corpus the labels and annotations Object.assign of copies gave', () => {
    const text = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: labelled
  labels: { app: isvc, tier: "1", "10": ten }
  annotations: { a: from-metadata, b: "2" }
spec:
  predictor:
    labels: { app: predictor, "__proto__": x, "2": two, n: 3, flag: true, none: null }
    annotations: { a: from-predictor, c: { nested: 1 }, "__proto__": y }
    model: { modelFormat: { name: sklearn }, storageUri: "gs://m/1" }
  transformer:
    labels: { role: transformer }
    containers: [{ name: t, image: t:1 }]
`;
    const synthetic = parseInput({ file: 'x.yaml', text, format: 'yaml' }, 10).documents.map(
      (d) => toObject(d) as K8sObject,
    );
    let templates = 0;
    for (const objects of [...inputs, synthetic]) {
      const set = readWorkloads(objects);
      for (const o of objects) {
        const workload = set.get(o);
        if (!workload || o.type !== 'InferenceService') continue;
        for (const t of workload.templates) {
          templates++;
          const component = getPath(o.raw, ['spec', t.role]) as Record<string, unknown>;
          const labels = Object.assign(
            stringMap(getPath(o.raw, ['metadata', 'labels'])),
            stringMap(component.labels),
          );
          const annotations = Object.assign(
            stringMap(getPath(o.raw, ['metadata', 'annotations'])),
            stringMap(component.annotations),
          );
          expectSameMap(t.labels, labels, `${o.ref} ${t.role}`);
          expectSameMap(t.annotations, annotations, `${o.ref} ${t.role}`);
        }
      }
    }
    expect(templates).toBeGreaterThan(10);
  });
});

describe('services keep reasons and serving containers by the workload position', () => {
  /** One file of Deployments that share a name label (one service), every third a Redis. */
  function input(count: number): K8sObject[] {
    const docs: string[] = [];
    for (let i = 0; i < count; i++)
      docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: d-${i}, labels: { app: shared } }
spec:
  template:
    metadata: { labels: { app: shared, index: "${i}" } }
    spec:
      containers:
        - name: ${i % 3 === 0 ? 'redis' : 'server'}
          image: ${i % 3 === 0 ? 'redis:7' : 'vllm/vllm-openai:v0.6.0'}
        - name: sidecar
          image: envoyproxy/envoy:v1.${i}
`);
    const parsed = parseInput({ file: 'x.yaml', text: docs.join('---\n'), format: 'yaml' }, 1000);
    return parsed.documents.map((d) => toObject(d) as K8sObject);
  }

  for (const count of [3, 16, 17, 40])
    it(`answers for each of ${count} workloads what its own workload says, and nothing for another service's`, () => {
      const objects = input(count);
      const workloads = readWorkloads(objects);
      const [service] = groupServices(objects, [], { workloads });
      const foreign = input(1);
      const other = readWorkloads(foreign).get(foreign[0]!)!;
      expect(other).toBeDefined();
      expect(service!.workloads).toHaveLength(count);
      const byName = new Map<string, Workload>(service!.workloads.map((w) => [w.object.name, w]));
      for (let i = 0; i < count; i++) {
        const w = byName.get(`d-${i}`)!;
        const reason = service!.modelServerReason(w);
        if (i % 3 === 0) expect(reason, w.object.ref).toBeUndefined();
        else expect(reason, w.object.ref).toMatch(/vllm|model server/);
        const serving = service!.servingContainers(w);
        expect(serving.map((c) => c.name)).toEqual([i % 3 === 0 ? 'redis' : 'server']);
        expect(service!.servingContainers(w)).toBe(serving);
      }
      expect(service!.modelServerReason(other)).toBeUndefined();
      expect(service!.servingContainers(other).map((c) => c.name)).toEqual(['redis']);
      expect(service!.servingContainers(other)).toBe(service!.servingContainers(other));
    });
});
