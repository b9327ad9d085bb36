/**
 * The seventh round's code of what the eighth round's grouping branch reshaped (main aac1549), kept as
 * the oracle test/r8-group-fast-paths.test.ts compares the new code with.
 */
import { KINDS, type KindInfo } from '../../src/workloads/kinds.js';
import type { Workload } from '../../src/workloads/model.js';
import type { WorkloadSet } from '../../src/workloads/registry.js';
import { selects } from '../../src/workloads/selectors.js';
import { modelServerSignal } from '../../src/workloads/serving.js';
import { getPath, labelsOf, type K8sObject, type ManifestObject } from '../../src/check/objects.js';
import { MODEL_LABEL } from '../../src/workloads/serving.js';

const byGroupAndKind = new Map(KINDS.map((k) => [`${k.group}/${k.kind}`, k]));
const byKindName = new Map<string, KindInfo[]>();
for (const k of KINDS) byKindName.set(k.kind, [...(byKindName.get(k.kind) ?? []), k]);

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** lookupKind by a "group/kind" key string. */
export function referenceLookupKind(apiVersion: string, kindName: string): KindInfo | undefined {
  if (apiVersion === '') {
    const candidates = byKindName.get(kindName) ?? [];
    return candidates.length === 1 ? candidates[0] : undefined;
  }
  return byGroupAndKind.get(`${groupOf(apiVersion)}/${kindName}`);
}

export function referenceQualifiesRef(info: KindInfo): boolean {
  return info.group !== '' && (byKindName.get(info.kind) ?? []).some((k) => k.group === '');
}

const NAME_LABELS = [MODEL_LABEL, 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app'] as const;

function nameLabel(object: K8sObject, workload: Workload | undefined, key: string): string | undefined {
  if (workload !== undefined) {
    const templates = workload.templates;
    for (let i = templates.length - 1; i >= 0; i--) {
      const value = templates[i]!.labels[key];
      if (value !== undefined) return value;
    }
  }
  return labelsOf(object)[key];
}

function namedByManifest(workload: Workload, manifest: ManifestObject | undefined): string | undefined {
  if (!manifest) return undefined;
  const spec = manifest.manifest.spec;
  const names: string[] = [];
  for (const key of NAME_LABELS) {
    const value = nameLabel(workload.object, workload, key);
    if (value !== undefined) names.push(value);
  }
  if (
    names.includes(manifest.manifest.metadata.name) ||
    workload.object.name === manifest.manifest.metadata.name
  )
    return `named by ${manifest.ref}`;
  if (spec.serving.image && workload.containers.some((c) => c.container.image === spec.serving.image))
    return `runs the image of ${manifest.ref}`;
  if (spec.serving.container && workload.containers.some((c) => c.name === spec.serving.container))
    return `runs the container ${manifest.ref} names`;
  return undefined;
}

/**
 * buildService's sorting of a service's objects (main aac1549): its workloads, unread objects, model
 * servers and supporting workloads, and each workload's reason, from the objects as grouped.
 */
export function referenceServiceParts(
  objects: readonly K8sObject[],
  manifest: ManifestObject | undefined,
  set: WorkloadSet,
): {
  workloads: Workload[];
  unread: K8sObject[];
  modelServers: Workload[];
  supporting: Workload[];
  reasons: (string | undefined)[];
} {
  const workloads: Workload[] = [];
  const unread: K8sObject[] = [];
  const pools: K8sObject[] = [];
  for (const o of objects) {
    const w = set.get(o);
    if (w) workloads.push(w);
    if (o.type === 'Unread') unread.push(o);
    else if (o.type === 'InferencePool' || o.type === 'InferencePoolAlpha') pools.push(o);
  }
  const reasons: (string | undefined)[] = new Array<string | undefined>(workloads.length);
  let undecided = 0;
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    const reason = w.batch ? undefined : (modelServerSignal(w) ?? namedByManifest(w, manifest));
    reasons[i] = reason;
    if (!reason && !w.batch) undecided++;
  }
  if (pools.length > 0)
    for (let i = 0; i < workloads.length; i++) {
      const w = workloads[i]!;
      if (reasons[i] || w.batch) continue;
      const pool = pools.find((p) =>
        w.templates.some((t) => selects(getPath(p.raw, ['spec', 'selector']), t.labels)),
      );
      if (pool) reasons[i] = `selected by ${pool.ref}`;
    }
  if (undecided > 0) {
    const servingImages = new Map<unknown, Workload>();
    for (let i = 0; i < workloads.length; i++)
      if (reasons[i])
        for (const c of workloads[i]!.containers) servingImages.set(c.container.image, workloads[i]!);
    for (let i = 0; i < workloads.length; i++) {
      const w = workloads[i]!;
      if (reasons[i] || w.batch) continue;
      const twin = w.containers.map((c) => servingImages.get(c.container.image)).find((x) => x && x !== w);
      if (twin) reasons[i] = `runs the image of ${twin.object.ref}`;
    }
  }
  if (manifest && !reasons.some((r) => r)) {
    for (let i = 0; i < workloads.length; i++)
      if (!workloads[i]!.batch) reasons[i] = `in the service of ${manifest.ref}`;
  }
  const modelServers: Workload[] = [];
  const supporting: Workload[] = [];
  for (let i = 0; i < workloads.length; i++) (reasons[i] ? modelServers : supporting).push(workloads[i]!);
  return { workloads, unread, modelServers, supporting, reasons };
}

const FRAMEWORK_KEYS = [
  'huggingface',
  'lightgbm',
  'onnx',
  'paddle',
  'pmml',
  'pytorch',
  'sklearn',
  'tensorflow',
  'triton',
  'xgboost',
];
const EXPLAINER_KEYS = ['alibi', 'art'];

/** kserve.ts's modelSpecs: the model specs of a component, by spread, filter and map. */
export function referenceModelSpecs(spec: Record<string, unknown>): [string, unknown][] {
  return ['model', ...FRAMEWORK_KEYS, ...EXPLAINER_KEYS]
    .filter((key) => typeof spec[key] === 'object' && spec[key] !== null && !Array.isArray(spec[key]))
    .map((key) => [key, spec[key]]);
}

const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  Job: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Rollout: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
};

/** core.ts's paths of a kind, built by spreads per object. */
export function referenceCorePaths(id: string): {
  spec: (string | number)[];
  metadata: (string | number)[];
  selector: (string | number)[];
  replicas: (string | number)[];
} {
  const templatePath = TEMPLATE_PATHS[id]!;
  return {
    spec: [...templatePath, 'spec'],
    metadata: [...templatePath, 'metadata'],
    selector: [...templatePath.slice(0, -1), 'selector'],
    replicas:
      id === 'Job' || id === 'CronJob' ? [...templatePath.slice(0, -1), 'parallelism'] : ['spec', 'replicas'],
  };
}
