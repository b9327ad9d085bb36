import type { YamlPath } from '../manifest/yaml.js';
import {
  asArray,
  asRecord,
  asString,
  getPath,
  isRecord,
  stringMap,
  type K8sObject,
  type KnownKind,
} from './objects.js';

/** Kinds that run pods, and where their pod template lives. */
const POD_TEMPLATE_PATHS: Partial<Record<KnownKind, YamlPath>> = {
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Deployment: ['spec', 'template'],
  Job: ['spec', 'template'],
  Rollout: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
};

/** Workloads that serve requests (as opposed to batch Jobs and CronJobs). */
export const SERVING_KINDS: readonly KnownKind[] = [
  'Deployment',
  'InferenceService',
  'Pod',
  'Rollout',
  'StatefulSet',
];
export const WORKLOAD_KINDS: readonly KnownKind[] = [
  'CronJob',
  'Deployment',
  'InferenceService',
  'Job',
  'Pod',
  'Rollout',
  'StatefulSet',
];

/** KServe predictor keys that hold a container-like model spec. */
const KSERVE_MODEL_KEYS = [
  'model',
  'sklearn',
  'xgboost',
  'pytorch',
  'tensorflow',
  'onnx',
  'triton',
  'lightgbm',
  'paddle',
  'pmml',
  'huggingface',
];

export interface PodTemplate {
  readonly workload: K8sObject;
  /** Path of the pod spec inside the workload. */
  readonly specPath: YamlPath;
  readonly spec: Record<string, unknown>;
  /** Path of the pod metadata (labels, annotations). */
  readonly metadataPath: YamlPath;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export interface ContainerRef {
  readonly workload: K8sObject;
  readonly template: PodTemplate;
  readonly path: YamlPath;
  readonly container: Record<string, unknown>;
  readonly name: string;
  readonly init: boolean;
  /** "container \"server\" in Deployment/fraud-model" */
  readonly label: string;
}

export function isWorkload(object: K8sObject): boolean {
  return WORKLOAD_KINDS.includes(object.kind);
}

export function isServingWorkload(object: K8sObject): boolean {
  return SERVING_KINDS.includes(object.kind);
}

const templates = new WeakMap<K8sObject, PodTemplate | undefined>();

export function podTemplateOf(workload: K8sObject): PodTemplate | undefined {
  if (!templates.has(workload)) templates.set(workload, findPodTemplate(workload));
  return templates.get(workload);
}

function findPodTemplate(workload: K8sObject): PodTemplate | undefined {
  if (workload.kind === 'Pod') {
    return makeTemplate(workload, ['spec'], ['metadata']);
  }
  if (workload.kind === 'InferenceService') {
    // KServe: the predictor is a pod spec plus a model; its metadata lives on the InferenceService itself.
    return makeTemplate(workload, ['spec', 'predictor'], ['metadata']);
  }
  const templatePath = POD_TEMPLATE_PATHS[workload.kind];
  if (!templatePath) return undefined;
  return makeTemplate(workload, [...templatePath, 'spec'], [...templatePath, 'metadata']);
}

function makeTemplate(workload: K8sObject, specPath: YamlPath, metadataPath: YamlPath): PodTemplate {
  const metadata = asRecord(getPath(workload.raw, metadataPath));
  return {
    workload,
    specPath,
    spec: asRecord(getPath(workload.raw, specPath)),
    metadataPath,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
  };
}

/** Containers of a workload; for KServe the predictor's model spec counts as the serving container. */
export function containersOf(workload: K8sObject, options: { init?: boolean } = {}): ContainerRef[] {
  const template = podTemplateOf(workload);
  if (!template) return [];
  const refs: ContainerRef[] = [];
  const add = (path: YamlPath, container: unknown, init: boolean): void => {
    if (!isRecord(container)) return;
    const name =
      asString(container.name) ?? (workload.kind === 'InferenceService' ? 'kserve-container' : '(unnamed)');
    refs.push({
      workload,
      template,
      path,
      container,
      name,
      init,
      label: `container "${name}" in ${workload.ref}`,
    });
  };
  asArray(template.spec.containers).forEach((c, i) => add([...template.specPath, 'containers', i], c, false));
  if (workload.kind === 'InferenceService') {
    for (const key of KSERVE_MODEL_KEYS) {
      if (isRecord(template.spec[key])) add([...template.specPath, key], template.spec[key], false);
    }
  }
  if (options.init) {
    asArray(template.spec.initContainers).forEach((c, i) =>
      add([...template.specPath, 'initContainers', i], c, true),
    );
  }
  return refs;
}

/** Does a label selector (matchLabels/matchExpressions, or a plain map for Services) select these labels? */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const record = asRecord(selector);
  const isStructured = 'matchLabels' in record || 'matchExpressions' in record;
  const matchLabels = stringMap(isStructured ? record.matchLabels : record);
  const expressions = isStructured ? asArray(record.matchExpressions) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const raw of expressions) {
    const expression = asRecord(raw);
    const key = asString(expression.key) ?? '';
    const values = asArray(expression.values).map(String);
    const has = Object.hasOwn(labels, key);
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
