import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPath, isRecord, toObject, type K8sObject, type ManifestObject } from '../src/check/objects.js';
import { groupServices } from '../src/check/services.js';
import { listItems, parseInput } from '../src/manifest/input.js';
import type { ModelManifest } from '../src/manifest/types.js';
import { KINDS, kindById, lookupKind, qualifiesRef, REMOVED_APIS, UNREAD } from '../src/workloads/kinds.js';
import { readWorkloads } from '../src/workloads/registry.js';
import { ACCELERATOR_RESOURCES, isAcceleratorResource } from '../src/workloads/serving.js';
import {
  referenceCorePaths,
  referenceLookupKind,
  referenceModelSpecs,
  referenceQualifiesRef,
  referenceServiceParts,
} from './helpers/r8-group-reference.js';
import { ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/** Objects and manifests of some YAML files, read as runCheck reads them. */
function read(files: Record<string, string>): { objects: K8sObject[]; manifests: ManifestObject[] } {
  const objects: K8sObject[] = [];
  const manifests: ManifestObject[] = [];
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseInput({ file, text, format: 'yaml' }, 100_000);
    for (const document of parsed.documents.flatMap(listItems)) {
      const object = toObject(document);
      if ('reason' in object) continue;
      if (object.kind !== 'ModelService') {
        objects.push(object);
        continue;
      }
      const spec = (document.value as Record<string, unknown>).spec;
      if (!isRecord(spec) || !isRecord(spec.serving) || !isRecord(spec.model)) continue;
      const info = kindById('ModelService')!;
      const manifest = document.value as ModelManifest;
      manifests.push({ ...object, kind: 'ModelService', type: info.id, info, manifest });
    }
  }
  return { objects, manifests };
}

function corpusFolders(): { name: string; files: Record<string, string> }[] {
  const out: { name: string; files: Record<string, string> }[] = [];
  const visit = (dir: string) => {
    const files = yamlFiles(dir);
    if (files.length > 0)
      out.push({
        name: relative(ROOT, dir),
        files: Object.fromEntries(files.map((f) => [relative(dir, f), readFileSync(f, 'utf8')])),
      });
    for (const name of readdirSync(dir)) if (statSync(join(dir, name)).isDirectory()) visit(join(dir, name));
  };
  visit(join(ROOT, 'test/fixtures'));
  visit(join(ROOT, 'examples'));
  return out;
}

const refs = (list: readonly { readonly ref: string }[]) => list.map((o) => o.ref);
const workloadRefs = (list: readonly { readonly object: K8sObject }[]) => list.map((w) => w.object.ref);

/** Groups the files and compares every service's lists and reasons with the seventh round's sorting. */
function compareServices(name: string, files: Record<string, string>): { services: number; reasons: number } {
  const { objects, manifests } = read(files);
  const set = readWorkloads(objects);
  let reasons = 0;
  const services = groupServices(objects, manifests, { workloads: set });
  for (const service of services) {
    const want = referenceServiceParts(service.objects, service.manifest, set);
    const what = `${name} ${service.name}`;
    expect(workloadRefs(service.modelServers), what).toEqual(workloadRefs(want.modelServers));
    expect(workloadRefs(service.supporting), what).toEqual(workloadRefs(want.supporting));
    expect(workloadRefs(service.workloads), what).toEqual(
      workloadRefs([...want.modelServers, ...want.supporting]),
    );
    expect(refs(service.unread), what).toEqual(refs(want.unread));
    for (let i = 0; i < want.workloads.length; i++) {
      expect(service.modelServerReason(want.workloads[i]!), what).toBe(want.reasons[i]);
      if (want.reasons[i] !== undefined) reasons++;
    }
  }
  return { services: services.length, reasons };
}

const deployment = (name: string, labels: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { ${labels} } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
      containers: [{ name: server, image: "${image}" }]
`;

describe('services built from what grouping kept as it placed objects', () => {
  it('gives every service of the fixtures and examples the lists and reasons the sorting of its objects gave', () => {
    let services = 0;
    let reasons = 0;
    for (const { name, files } of corpusFolders()) {
      const counts = compareServices(name, files);
      services += counts.services;
      reasons += counts.reasons;
    }
    expect(services).toBeGreaterThan(100);
    expect(reasons).toBeGreaterThan(100);
  });

  it('gives the reasons of pools, twins, manifests, batch and unread objects as the sorting did', () => {
    const manifest = (name: string, extra: string) => `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: ${name} }
spec:
  model: { name: m, version: "1", uri: "s3://m/1" }
  serving: { ${extra} }
`;
    const files: Record<string, string> = {
      'pool/all.yaml': [
        deployment('pooled', 'app: pool-me', 'r/custom:1'),
        deployment('other', 'app: pool-me, x: "1"', 'r/other:1'),
        `apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: { name: pool }
spec: { selector: { app: pool-me }, targetPortNumber: 8000 }
`,
      ].join('---\n'),
      'twins/all.yaml': [
        deployment('stable', 'app: twin, mlready.dev/model: twin', 'r/twin:1'),
        deployment('canary', 'app: twin', 'r/twin:1'),
        deployment('redis', 'app: twin', 'redis:7'),
        `apiVersion: batch/v1
kind: Job
metadata: { name: warm, labels: { app: twin } }
spec: { template: { spec: { containers: [{ name: j, image: "r/twin:1" }] } } }
`,
        `apiVersion: example.com/v1
kind: Runner
metadata: { name: odd, labels: { app: twin } }
spec: { template: { spec: { containers: [{ name: r, image: "r/odd:1" }] } } }
`,
      ].join('---\n'),
      'm1/mlready.yaml': manifest('named', 'port: 8080'),
      'm1/k8s.yaml': [
        deployment('named', 'app: x', 'r/plain:1'),
        deployment('side', 'app: y', 'r/side:1'),
      ].join('---\n'),
      'm2/mlready.yaml': manifest('img', 'image: "r/served:2"'),
      'm2/k8s.yaml': [deployment('a', 'app: a', 'r/served:2'), deployment('b', 'app: b', 'r/b:2')].join(
        '---\n',
      ),
      'm3/mlready.yaml': manifest('nothing-named', 'port: 1'),
      'm3/k8s.yaml': [
        deployment('p', 'app: p', 'r/p:1'),
        deployment('q', 'app: q', 'r/q:1'),
        `apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: { containers: [{ name: c, image: x }] } } } } }
`,
      ].join('---\n'),
    };
    const { services, reasons } = compareServices('adversarial', files);
    expect(services).toBeGreaterThan(4);
    expect(reasons).toBeGreaterThan(6);
  });
});

describe('kinds looked up without a key string per document', () => {
  it('finds the entry the "group/kind" key found, for every kind and hostile apiVersions and kinds', () => {
    const groups = [...new Set(KINDS.map((k) => k.group))];
    const apiVersions = [
      '',
      'v1',
      '/',
      '/v1',
      '//',
      'v1/',
      'apps',
      'x/y/z',
      ...groups.flatMap((g) => [
        `${g}/v1`,
        `${g}/`,
        g,
        `${g}x/v1`,
        `x${g}/v1`,
        `${g}/v1/extra`,
        `${g.toUpperCase()}/v1`,
      ]),
      ...Object.keys(REMOVED_APIS).map((k) => k.split(' ')[0]!),
    ];
    const kinds = [
      ...new Set(KINDS.map((k) => k.kind)),
      'Unread',
      'HelmValues',
      '',
      '/',
      'Service/x',
      'apps/Deployment',
      '__proto__',
      'constructor',
      'deployment',
    ];
    let found = 0;
    for (const apiVersion of apiVersions)
      for (const kind of kinds) {
        const got = lookupKind(apiVersion, kind);
        expect(got, `${apiVersion} ${kind}`).toBe(referenceLookupKind(apiVersion, kind));
        if (got) found++;
      }
    expect(found).toBeGreaterThan(KINDS.length);
  });

  it('qualifies the refs of the kinds the registry search qualified', () => {
    for (const info of [
      ...KINDS,
      UNREAD,
      { ...KINDS[0]!, group: 'x.io' },
      { ...KINDS[1]!, kind: 'Nope', group: 'y' },
    ])
      expect(qualifiesRef(info), `${info.group} ${info.kind}`).toBe(referenceQualifiesRef(info));
    expect(KINDS.filter(qualifiesRef).map((k) => k.id)).toContain('KnativeService');
  });
});

describe('workload readers without spreads per object', () => {
  const isvc = (name: string, predictor: string, more = '') => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: ${name} }
spec:
  predictor: ${predictor}
${more}`;
  const synthetic: Record<string, string> = {
    'isvc.yaml': [
      isvc('several', '{ model: { storageUri: "s3://a" }, sklearn: { storageUri: "s3://b" }, xgboost: [1] }'),
      isvc('framework', '{ pytorch: { storageUri: "s3://c" }, alibi: { storageUri: "s3://d" }, art: null }'),
      isvc('none', '{ minReplicas: 1 }'),
      isvc('scalar', '"x"'),
      isvc('empty', '{}', '  transformer: {}\n  explainer: { alibi: { storageUri: "s3://e" } }\n'),
    ].join('---\n'),
    'core.yaml': ['Job', 'CronJob', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Deployment']
      .map(
        (kind, i) => `apiVersion: ${kind === 'Job' || kind === 'CronJob' ? 'batch' : 'apps'}/v1
kind: ${kind}
metadata: { name: c${i} }
spec: ${i % 2 === 0 ? '{}' : '{ replicas: 3, parallelism: 2, jobTemplate: { spec: { parallelism: 4 } } }'}
`,
      )
      .join('---\n'),
  };

  it('reads the storage URIs of every model spec the spread list found, in its order', () => {
    let models = 0;
    for (const { name, files } of [...corpusFolders(), { name: 'synthetic', files: synthetic }]) {
      const { objects } = read(files);
      const set = readWorkloads(objects);
      for (const o of objects) {
        if (o.type !== 'InferenceService') continue;
        const want: string[] = [];
        for (const component of ['predictor', 'transformer', 'explainer']) {
          const spec = getPath(o.raw, ['spec', component]);
          if (!isRecord(spec) || Object.keys(spec).length === 0) continue;
          for (const [key, value] of referenceModelSpecs(spec)) {
            const uri = (value as Record<string, unknown>).storageUri;
            if (typeof uri === 'string') want.push(`${uri} spec.${component}.${key}.storageUri`);
          }
        }
        const got = set.get(o)!.models.map((m) => `${m.reference} ${m.at.path.join('.')}`);
        expect(got, `${name} ${o.ref}`).toEqual(want);
        models += got.length;
      }
    }
    expect(models).toBeGreaterThan(8);
  });

  it('gives core workloads the template, selector and replica paths the spreads built', () => {
    let checked = 0;
    for (const { name, files } of [...corpusFolders(), { name: 'synthetic', files: synthetic }]) {
      const { objects } = read(files);
      const set = readWorkloads(objects);
      for (const o of objects) {
        if (
          !['CronJob', 'DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'Rollout', 'StatefulSet'].includes(
            o.type,
          )
        )
          continue;
        const w = set.get(o)!;
        const want = referenceCorePaths(o.type);
        const what = `${name} ${o.ref}`;
        expect(w.templates[0]!.specPath, what).toEqual(want.spec);
        expect(w.templates[0]!.metadataPath, what).toEqual(want.metadata);
        expect(w.selector, what).toBe(getPath(o.raw, want.selector));
        if (o.type !== 'DaemonSet') {
          const written = typeof getPath(o.raw, want.replicas) === 'number';
          expect(w.replicas.at.path, what).toEqual(written ? want.replicas : want.replicas.slice(0, -1));
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('workload set without a second pass', () => {
  it('marks as used the runtimes the workloads are built from, in the order a pass over them gave', () => {
    let used = 0;
    for (const { name, files } of corpusFolders()) {
      const { objects } = read(files);
      const set = readWorkloads(objects);
      const want = new Set<K8sObject>();
      for (const o of objects) {
        if (o.type === 'ServingRuntime' || o.type === 'ClusterServingRuntime') continue;
        for (const source of set.get(o)?.builtFrom ?? []) want.add(source);
      }
      expect(refs([...set.usedRuntimes]), name).toEqual(refs([...want]));
      used += want.size;
    }
    expect(used).toBeGreaterThan(3);
  });

  it('knows accelerator resource names as the pattern literal did, called again and again', () => {
    const names = [
      ...ACCELERATOR_RESOURCES,
      'cpu',
      'memory',
      'x/gpu',
      'x/GPU',
      'a/mig-1g.5gb',
      'gpu',
      '/gpu',
      'a/gpux',
    ];
    for (let round = 0; round < 3; round++)
      for (const name of names)
        expect(isAcceleratorResource(name), name).toBe(
          ACCELERATOR_RESOURCES.includes(name) || /\/(gpu|mig-.*)$/.test(name),
        );
  });
});
