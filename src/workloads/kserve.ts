import {
  asArray,
  asRecord,
  asString,
  getPath,
  isRecord,
  stringMap,
  stringMapInto,
  type K8sObject,
} from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { ContainerRef, DeclaredTraffic, ModelRef, PodTemplate, Workload } from './model.js';
import {
  at,
  boundedReplicas,
  containerRef,
  hinted,
  mergedContainerRef,
  podTemplate,
  workload,
} from './pods.js';
import type { RuntimeId } from './runtime.js';
import type { ReadContext, WorkloadReader } from './reader.js';

/** Predictor keys of the older framework-specific spec; each names a model format. */
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
/** Explainer keys of the older explainer spec. */
const EXPLAINER_KEYS = ['alibi', 'art'];
const COMPONENTS = ['predictor', 'transformer', 'explainer'] as const;
/** The server KServe runs for a model format when no image says otherwise. */
const FORMAT_RUNTIMES: Record<string, RuntimeId> = {
  huggingface: 'kserve',
  lightgbm: 'kserve',
  mlflow: 'mlserver',
  onnx: 'triton',
  paddle: 'kserve',
  pmml: 'kserve',
  pytorch: 'torchserve',
  sklearn: 'kserve',
  tensorflow: 'tfserving',
  triton: 'triton',
  vllm: 'vllm',
  xgboost: 'kserve',
};
export const KSERVE_CONTAINER = 'kserve-container';

/** Fields of a component spec that are not pod fields (ComponentExtensionSpec and the model keys). */
const COMPONENT_FIELDS = new Set([
  ...FRAMEWORK_KEYS,
  ...EXPLAINER_KEYS,
  'model',
  'minReplicas',
  'maxReplicas',
  'scaleMetric',
  'scaleMetricType',
  'scaleTarget',
  'containerConcurrency',
  'timeout',
  'canaryTrafficPercent',
  'logger',
  'batcher',
  'labels',
  'annotations',
  'deploymentStrategy',
  'storageUris',
  'workerSpec',
]);

/**
 * A KServe InferenceService: predictor, transformer and explainer are each a pod. A predictor's
 * `model` (or framework key), its `kserve-container` entry and the ServingRuntime it runs on are
 * one container, merged the way KServe merges them (runtime, then model, then the explicit
 * container; args are appended), so each field is checked once, at the line that sets it.
 * https://kserve.github.io/website/latest/modelserving/servingruntimes/
 */
export const inferenceServiceReader: WorkloadReader = {
  ids: ['InferenceService'],
  read(object: K8sObject, info: KindInfo, context: ReadContext): Workload {
    const templates: PodTemplate[] = [];
    const models: ModelRef[] = [];
    const builtFrom: K8sObject[] = [];
    for (const component of COMPONENTS) {
      // Most InferenceServices have no transformer or explainer: no empty map or key list for those.
      const written = getPath(object.raw, ['spec', component]);
      if (!isRecord(written) || Object.keys(written).length === 0) continue;
      const spec = written;
      const base: YamlPath = ['spec', component];
      const runtime = component === 'predictor' ? resolveRuntime(object, spec, context) : undefined;
      const replicas = boundedReplicas(object, base, { min: 'minReplicas', max: 'maxReplicas' }, { min: 1 });
      if (runtime?.object) builtFrom.push(runtime.object);
      const runtimeSpec = asRecord(runtime?.object?.raw.spec);
      const template = podTemplate(object, {
        role: component,
        specPath: base,
        metadataPath: ['metadata'],
        replicas,
        spec: podSpecOf(spec, runtimeSpec),
        containers: (t) => componentContainers(t, object, base, spec, component, runtime?.object),
      });
      // Assigned in place: no copy of each map for Object.assign to read.
      stringMapInto(template.labels, spec.labels);
      stringMapInto(template.annotations, spec.annotations);
      templates.push(template);
      // Indexed, no destructuring: a for-of with [key, value] is two iterators per spec in the baseline tier.
      const specs = modelSpecs(spec);
      for (let s = 0; s < specs.length; s++) {
        const key = specs[s]![0];
        const value = specs[s]![1];
        const uri = asString(asRecord(value).storageUri);
        if (uri)
          models.push({
            reference: uri,
            source: 'storageUri',
            revision: undefined,
            at: at(object, base.concat(key, 'storageUri')),
            container: template.containers[0],
          });
      }
    }
    const predictor = asRecord(getPath(object.raw, ['spec', 'predictor']));
    const canary = predictor.canaryTrafficPercent;
    const traffic: DeclaredTraffic[] =
      typeof canary === 'number'
        ? [
            {
              target: 'latest',
              percent: canary,
              at: at(object, ['spec', 'predictor', 'canaryTrafficPercent']),
            },
            {
              target: 'previous',
              percent: 100 - canary,
              at: at(object, ['spec', 'predictor', 'canaryTrafficPercent']),
            },
          ]
        : [];
    const primary = templates.find((t) => t.role === 'predictor') ?? templates[0];
    const replicas =
      primary?.replicas ??
      boundedReplicas(object, ['spec', 'predictor'], { min: 'minReplicas', max: 'maxReplicas' }, { min: 1 });
    const rolling = asRecord(getPath(predictor, ['deploymentStrategy', 'rollingUpdate']));
    const annotations = stringMap(getPath(object.raw, ['metadata', 'annotations']));
    return workload(object, info, {
      templates,
      replicas,
      strategy: {
        type: 'rolling',
        maxSurge: rolling.maxSurge,
        maxUnavailable: rolling.maxUnavailable,
        at: at(object, ['spec', 'predictor']),
      },
      selector: undefined,
      autoscaling: {
        min: replicas.min,
        max: replicas.max,
        metric: asString(predictor.scaleMetric) ?? annotations['serving.kserve.io/metric'],
        at: replicas.at,
      },
      traffic,
      models,
      servesModels: true,
      injectedProbes: 'tcp',
      builtFrom,
    });
  },
};

/** ServingRuntime and ClusterServingRuntime checked on their own, as the template of future pods. */
export const servingRuntimeReader: WorkloadReader = {
  ids: ['ClusterServingRuntime', 'ServingRuntime'],
  read(object: K8sObject, info: KindInfo): Workload {
    const replicas = {
      count: undefined,
      min: undefined,
      max: undefined,
      defaulted: true,
      at: at(object, ['spec']),
    };
    const template = podTemplate(object, {
      role: 'runtime',
      specPath: ['spec'],
      metadataPath: ['metadata'],
      replicas,
    });
    stringMapInto(template.annotations, getPath(object.raw, ['spec', 'annotations']));
    return workload(object, info, {
      templates: [template],
      replicas,
      servesModels: true,
      injectedProbes: 'tcp',
    });
  },
};

/** The keys a component's model spec may be written under, in the order they are looked for. */
const MODEL_KEYS: readonly string[] = ['model', ...FRAMEWORK_KEYS, ...EXPLAINER_KEYS];

/**
 * The model specs of a component: `model`, a framework key, or an explainer key. One loop over the keys
 * (read twice per component of every InferenceService), not a spread list, filter and map per call.
 */
function modelSpecs(spec: Record<string, unknown>): [string, unknown][] {
  const found: [string, unknown][] = [];
  for (let i = 0; i < MODEL_KEYS.length; i++) {
    const key = MODEL_KEYS[i]!;
    const value = spec[key];
    if (isRecord(value)) found.push([key, value]);
  }
  return found;
}

/** The model format a predictor asks for: model.modelFormat.name, or the framework key. */
function modelFormatOf(spec: Record<string, unknown>): string | undefined {
  const fromModel = asString(getPath(spec, ['model', 'modelFormat', 'name']));
  if (fromModel) return fromModel;
  return FRAMEWORK_KEYS.find((key) => isRecord(spec[key]));
}

/**
 * The runtime a predictor runs on: the one it names (a ServingRuntime of its namespace before a
 * ClusterServingRuntime), else the highest-priority auto-selectable runtime for its model format.
 */
function resolveRuntime(
  isvc: K8sObject,
  spec: Record<string, unknown>,
  context: ReadContext,
): { name: string | undefined; object: K8sObject | undefined } {
  const name = asString(getPath(spec, ['model', 'runtime']));
  const sameNamespace = (r: K8sObject) =>
    r.type === 'ClusterServingRuntime' ||
    r.namespace === undefined ||
    isvc.namespace === undefined ||
    r.namespace === isvc.namespace;
  const candidates = context.servingRuntimes.filter(sameNamespace);
  const order = (r: K8sObject) => (r.type === 'ServingRuntime' ? 0 : 1);
  if (name) {
    const named = candidates.filter((r) => r.name === name).sort((a, b) => order(a) - order(b))[0];
    return { name, object: named };
  }
  const format = modelFormatOf(spec)?.toLowerCase();
  if (!format) return { name: undefined, object: undefined };
  const supporting = candidates
    .map((r) => {
      const entry = asArray(getPath(r.raw, ['spec', 'supportedModelFormats']))
        .map(asRecord)
        .find((f) => asString(f.name)?.toLowerCase() === format && f.autoSelect === true);
      return entry ? { r, priority: typeof entry.priority === 'number' ? entry.priority : 0 } : undefined;
    })
    .filter((x): x is { r: K8sObject; priority: number } => x !== undefined)
    .sort((a, b) => order(a.r) - order(b.r) || b.priority - a.priority);
  return { name: undefined, object: supporting[0]?.r };
}

/** Fields of a ServingRuntime's spec that are not pod fields. */
const RUNTIME_ONLY_FIELDS: readonly string[] = [
  'containers',
  'supportedModelFormats',
  'protocolVersions',
  'annotations',
  'labels',
];

/** Pod-level fields of a component over those of its runtime (volumes from both). */
function podSpecOf(
  component: Record<string, unknown>,
  runtime: Record<string, unknown>,
): Record<string, unknown> {
  const pod: Record<string, unknown> = {};
  // Object.keys, not Object.entries: no [key, value] pair per field of every predictor.
  const runtimeKeys = Object.keys(runtime);
  for (let i = 0; i < runtimeKeys.length; i++) {
    const key = runtimeKeys[i]!;
    if (!RUNTIME_ONLY_FIELDS.includes(key)) pod[key] = runtime[key];
  }
  const componentKeys = Object.keys(component);
  for (let i = 0; i < componentKeys.length; i++) {
    const key = componentKeys[i]!;
    if (!COMPONENT_FIELDS.has(key)) pod[key] = component[key];
  }
  // concat, not two spreads: the spreads' iterators are a slow loop in the baseline tier (YAML lists have no holes).
  pod.volumes = asArray(runtime.volumes).concat(asArray(component.volumes));
  return pod;
}

function componentContainers(
  template: PodTemplate,
  isvc: K8sObject,
  base: YamlPath,
  spec: Record<string, unknown>,
  component: string,
  runtime: K8sObject | undefined,
): ContainerRef[] {
  const refs: ContainerRef[] = [];
  const written = asArray(spec.containers);
  const modelEntry = modelSpecs(spec)[0];
  const parts: { object: K8sObject; path: YamlPath; container: Record<string, unknown> }[] = [];
  if (runtime) {
    const list = asArray(getPath(runtime.raw, ['spec', 'containers']));
    const index = Math.max(
      0,
      list.findIndex((c) => asString(asRecord(c).name) === KSERVE_CONTAINER),
    );
    if (isRecord(list[index]))
      parts.push({ object: runtime, path: ['spec', 'containers', index], container: list[index] });
  }
  if (modelEntry) {
    const key = modelEntry[0];
    const value = modelEntry[1];
    parts.push({ object: isvc, path: base.concat(key), container: withoutModelFields(asRecord(value)) });
  }
  const explicitIndex = written.findIndex((c) => asString(asRecord(c).name) === KSERVE_CONTAINER);
  if (explicitIndex >= 0 && (modelEntry || runtime))
    parts.push({
      object: isvc,
      path: base.concat('containers', explicitIndex),
      container: asRecord(written[explicitIndex]),
    });
  if (parts.length > 0) {
    const primary = parts.find((p) => p.object === isvc) ?? parts[0]!;
    const format = modelFormatOf(spec)?.toLowerCase();
    refs.push(
      hinted(
        mergedContainerRef(
          template,
          parts,
          { object: primary.object, path: primary.path },
          KSERVE_CONTAINER,
          true,
        ),
        format ? FORMAT_RUNTIMES[format] : undefined,
      ),
    );
  }
  written.forEach((c, i) => {
    if (!isRecord(c) || (i === explicitIndex && parts.length > 0)) return;
    const name = asString(c.name) ?? (i === 0 ? KSERVE_CONTAINER : `${component}-container-${i}`);
    const ref = containerRef(template, base.concat('containers', i), c, false, false, name);
    // Transformers and explainers are written with the KServe model server SDK.
    refs.push(component === 'predictor' ? ref : hinted(ref, 'kserve'));
  });
  return refs;
}

/** A model spec without the fields that are not container fields. */
function withoutModelFields(spec: Record<string, unknown>): Record<string, unknown> {
  const {
    modelFormat: _f,
    runtime: _r,
    storageUri: _s,
    protocolVersion: _p,
    runtimeVersion: _v,
    type: _t,
    ...rest
  } = spec;
  return rest;
}
