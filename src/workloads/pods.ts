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
import type { RuntimeId } from './runtime.js';
import type { ContainerRef, FieldSource, PodTemplate, Replicas, Workload } from './model.js';

/** A field source in the workload itself. */
export function at(object: K8sObject, path: YamlPath): FieldSource {
  return { object, path };
}

export interface TemplateOptions {
  role?: string;
  specPath: YamlPath;
  metadataPath: YamlPath;
  replicas: Replicas;
  /** Labels the controller puts on the pods besides the template's own. */
  controllerLabels?: Record<string, string>;
  /** Containers are patches over the operator's own (Seldon Server). */
  partial?: boolean;
  synthesized?: boolean;
  /** Its pods receive no requests themselves (LeaderWorkerSet workers). */
  internal?: boolean;
  /** The pod spec, when it is not at specPath (synthesised). */
  spec?: Record<string, unknown>;
  /** The name the controller gives a container written without one. */
  defaultContainerName?: string;
  /** Containers built by the reader instead of spec.containers (KServe merge, synthesised). */
  containers?: (template: PodTemplate) => ContainerRef[];
}

/** A pod template at a path of the workload, with its containers. */
export function podTemplate(workload: K8sObject, options: TemplateOptions): PodTemplate {
  const metadata = asRecord(getPath(workload.raw, options.metadataPath));
  const spec = options.spec ?? asRecord(getPath(workload.raw, options.specPath));
  const containers: ContainerRef[] = [];
  const initContainers: ContainerRef[] = [];
  const specPath = options.specPath;
  const template: PodTemplate = {
    workload,
    role: options.role ?? '',
    specPath: options.specPath,
    spec,
    metadataPath: options.metadataPath,
    labels: options.controllerLabels
      ? withControllerLabels(options.controllerLabels, metadata.labels)
      : stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    containers,
    initContainers,
    replicas: options.replicas,
    synthesized: options.synthesized === true,
    serves: options.internal !== true,
    // Over the path, not `options`: the options object (and what it holds) is not kept for the run.
    atSpec: (...field) => at(workload, specPath.concat(field)),
  };
  // Index loops, not forEach: a closure per template, and every reader of every run comes here.
  if (options.containers) {
    const built = options.containers(template);
    for (let i = 0; i < built.length; i++) containers.push(built[i]!);
  } else {
    const list = asArray(spec.containers);
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (isRecord(c))
        containers.push(
          containerRef(
            template,
            pathTo(options.specPath, 'containers', i),
            c,
            false,
            options.partial,
            i === 0 && options.defaultContainerName ? options.defaultContainerName : undefined,
          ),
        );
    }
  }
  const inits = asArray(spec.initContainers);
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    if (isRecord(c))
      initContainers.push(
        containerRef(template, pathTo(options.specPath, 'initContainers', i), c, true, options.partial),
      );
  }
  return template;
}

/**
 * `{ ...controllerLabels, ...stringMap(labels) }` by assignment: two object spreads of maps of
 * varying shapes were half of podTemplate's time (KubeRay, Knative and LWS templates).
 */
function withControllerLabels(
  controllerLabels: Record<string, string>,
  labels: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = Object.keys(controllerLabels);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = controllerLabels[keys[i]!]!;
  return stringMapInto(out, labels);
}

/** `[...base, key, index]` without the spread's iterator. */
function pathTo(base: YamlPath, key: string, index: number): YamlPath {
  const path: (string | number)[] = base.slice();
  path.push(key, index);
  return path;
}

/** A container written as such: every field lives at its own path. */
export function containerRef(
  template: PodTemplate,
  path: YamlPath,
  container: Record<string, unknown>,
  init: boolean,
  partial = false,
  fallbackName?: string,
): ContainerRef {
  const name = asString(container.name) ?? fallbackName ?? '(unnamed)';
  const workload = template.workload;
  return {
    workload,
    template,
    path,
    container,
    name,
    init,
    partial,
    label: containerLabel(name, workload),
    // concat, not [...path, ...field]: one array of the exact size, no iterators (rules ask this
    // of every finding).
    at: (...field) => at(workload, path.concat(field)),
  };
}

export function containerLabel(name: string, workload: K8sObject): string {
  return `container "${name}" in ${workload.ref}`;
}

/**
 * A container whose fields come from several places, merged in order (later wins), like KServe
 * merges a predictor's model over its runtime's container: `at(field)` names the last source
 * that sets the field, or `primary` when none does.
 */
export function mergedContainerRef(
  template: PodTemplate,
  parts: readonly { object: K8sObject; path: YamlPath; container: Record<string, unknown> }[],
  primary: FieldSource,
  name: string,
  concatArgs: boolean,
): ContainerRef {
  const container: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part.container)) {
      if (value === undefined) continue;
      if (key === 'args' && concatArgs && Array.isArray(container.args) && Array.isArray(value))
        container.args = [...(container.args as unknown[]), ...(value as unknown[])];
      else if (key === 'resources' && isRecord(container.resources) && isRecord(value))
        container.resources = mergeResources(container.resources, value);
      else container[key] = value;
    }
  }
  container.name = name;
  const workload = template.workload;
  return {
    workload,
    template,
    path: primary.path,
    container,
    name,
    init: false,
    partial: false,
    label: containerLabel(name, workload),
    at: (...field) => {
      const key = field[0];
      for (let i = parts.length - 1; i >= 0; i--) {
        const part = parts[i]!;
        if (key === undefined || part.container[key] !== undefined)
          return at(part.object, part.path.concat(field));
      }
      return at(primary.object, primary.path.concat(field));
    },
  };
}

/**
 * A container synthesised from a CRD's own fields (NIMService, Dynamo, KubeAI): `fields` maps each
 * container field to the path that sets it, so findings point at the CRD's lines; other fields
 * point at `fallback`.
 */
export function synthesisedContainerRef(
  template: PodTemplate,
  name: string,
  container: Record<string, unknown>,
  fields: Record<string, YamlPath>,
  fallback: YamlPath,
): ContainerRef {
  const workload = template.workload;
  return {
    workload,
    template,
    path: fallback,
    container: { ...container, name },
    name,
    init: false,
    partial: false,
    label: containerLabel(name, workload),
    at: (...field) => {
      const base = typeof field[0] === 'string' ? fields[field[0]] : undefined;
      return at(workload, base ? [...base, ...field.slice(1)] : fallback);
    },
  };
}

function mergeResources(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...base,
    ...over,
    requests: { ...asRecord(base.requests), ...asRecord(over.requests) },
    limits: { ...asRecord(base.limits), ...asRecord(over.limits) },
  };
}

/** The container with the model server its kind says it runs. */
export function hinted(ref: ContainerRef, runtime: RuntimeId | undefined): ContainerRef {
  return runtime ? { ...ref, runtimeHint: runtime } : ref;
}

/** Replicas written at `path` (a number), or the kind's default. */
export function replicasAt(object: K8sObject, path: YamlPath, fallback: number | undefined): Replicas {
  const value = getPath(object.raw, path);
  const count = typeof value === 'number' ? value : fallback;
  return {
    count,
    min: undefined,
    max: undefined,
    defaulted: typeof value !== 'number',
    at: at(object, typeof value === 'number' ? path : path.slice(0, -1)),
  };
}

/** min/max replicas written at two paths (KServe, KubeAI, Ray worker groups). */
export function boundedReplicas(
  object: K8sObject,
  base: YamlPath,
  keys: { count?: string; min: string; max: string },
  defaults: { count?: number; min?: number; max?: number },
): Replicas {
  const spec = asRecord(getPath(object.raw, base));
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const count = keys.count ? num(spec[keys.count]) : undefined;
  const min = num(spec[keys.min]);
  const max = num(spec[keys.max]);
  const written = keys.count && count !== undefined ? keys.count : min !== undefined ? keys.min : undefined;
  return {
    count: count ?? min ?? defaults.count ?? defaults.min,
    min: min ?? defaults.min,
    max: max ?? defaults.max,
    defaulted: count === undefined && min === undefined,
    at: at(object, written ? [...base, written] : base),
  };
}

export interface WorkloadParts {
  templates: PodTemplate[];
  replicas: Replicas;
  strategy?: Workload['strategy'];
  selector?: unknown;
  autoscaling?: Workload['autoscaling'];
  traffic?: Workload['traffic'];
  models?: Workload['models'];
  batch?: boolean;
  servesModels?: boolean;
  injectedProbes?: Workload['injectedProbes'];
  serveDeployments?: Workload['serveDeployments'];
  builtFrom?: K8sObject[];
  unread?: Workload['unread'][number][];
}

/** A workload from the parts its reader found; models default to those its containers name. */
export function workload(object: K8sObject, info: KindInfo, parts: WorkloadParts): Workload {
  // Most workloads have one template: its (read-only) list is the workload's as it is, with no
  // flatMap (a slow builtin) and no copy.
  const templates = parts.templates;
  let containers: readonly ContainerRef[];
  if (templates.length === 1) containers = templates[0]!.containers;
  else {
    const all: ContainerRef[] = [];
    for (let t = 0; t < templates.length; t++) {
      const list = templates[t]!.containers;
      for (let i = 0; i < list.length; i++) all.push(list[i]!);
    }
    containers = all;
  }
  return {
    object,
    info,
    templates: parts.templates,
    containers,
    replicas: parts.replicas,
    strategy: parts.strategy,
    selector: parts.selector,
    autoscaling: parts.autoscaling,
    traffic: parts.traffic ?? [],
    models: parts.models ?? [],
    batch: parts.batch === true,
    servesModels: parts.servesModels === true,
    injectedProbes: parts.injectedProbes ?? 'none',
    serveDeployments: parts.serveDeployments ?? [],
    builtFrom: parts.builtFrom ?? [],
    unread: parts.unread ?? [],
  };
}
