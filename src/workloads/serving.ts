import { asArray, asRecord, asString, labelsOf } from '../check/objects.js';
import type { ContainerRef, PodTemplate, Workload } from './model.js';
import { runtimeOfContainer } from './runtime.js';

/** Extended resources that are accelerators, by vendor. */
export const ACCELERATOR_RESOURCES = [
  'nvidia.com/gpu',
  'amd.com/gpu',
  'gpu.intel.com/i915',
  'gpu.intel.com/xe',
  'habana.ai/gaudi',
  'aws.amazon.com/neuron',
  'aws.amazon.com/neuroncore',
  'google.com/tpu',
];

/**
 * Any other vendor's GPU or MIG slice. One pattern object for the process (a literal in the function
 * is a new RegExp per call: this is asked of every resource name of every container of a run).
 */
const OTHER_ACCELERATOR = /\/(gpu|mig-.*)$/;

export function isAcceleratorResource(name: string): boolean {
  return ACCELERATOR_RESOURCES.includes(name) || OTHER_ACCELERATOR.test(name);
}

/** The accelerator resources a container asks for, with requests and limits. */
export function acceleratorsOf(ref: ContainerRef): readonly Accelerator[] {
  let found = acceleratorsByContainer.get(ref);
  if (!found) {
    const resources = asRecord(ref.container.resources);
    const requests = asRecord(resources.requests);
    const limits = asRecord(resources.limits);
    // Requests' names, then limits' names not requested, as a Set of both would order them; most
    // containers ask for none and share one empty list (no Set, spread or list per container).
    let list: Accelerator[] | undefined;
    for (const name of Object.keys(requests))
      if (isAcceleratorResource(name)) (list ??= []).push(accelerator(name, requests, limits));
    for (const name of Object.keys(limits))
      if (!Object.hasOwn(requests, name) && isAcceleratorResource(name))
        (list ??= []).push(accelerator(name, requests, limits));
    found = list ? Object.freeze(list) : NO_ACCELERATORS;
    acceleratorsByContainer.set(ref, found);
  }
  return found;
}

function accelerator(
  name: string,
  requests: Record<string, unknown>,
  limits: Record<string, unknown>,
): Accelerator {
  return { name, request: requests[name], limit: limits[name] };
}

const NO_ACCELERATORS: readonly Accelerator[] = Object.freeze([]);

export interface Accelerator {
  readonly name: string;
  readonly request: unknown;
  readonly limit: unknown;
}

/** Asked by grouping and several rules per container: read once per container. */
const acceleratorsByContainer = new WeakMap<ContainerRef, readonly Accelerator[]>();

/** What tells which container serves the model, beyond the container itself. */
export interface ServingHints {
  /** serving.container of the manifest. */
  readonly containerName?: string | undefined;
  /** Ports (numbers or names) a Service or InferencePool sends traffic to. */
  readonly targetPorts?: ReadonlySet<string | number>;
}

/**
 * The container of a pod template that serves the model: the one the manifest names, else the
 * model server (by image or command), else the one using an accelerator, else the one traffic
 * is sent to, else the one that declares ports, else the first. Sidecars and agents are the others.
 */
export function servingContainerOf(
  template: PodTemplate,
  hints: ServingHints = {},
): ContainerRef | undefined {
  const containers = template.containers;
  if (containers.length <= 1) return containers[0];
  const pick = (test: (c: ContainerRef) => boolean) => containers.find(test);
  return (
    (hints.containerName ? pick((c) => c.name === hints.containerName) : undefined) ??
    pick((c) => c.name === 'kserve-container') ??
    pick((c) => runtimeOfContainer(c) !== undefined && runtimeOfContainer(c) !== 'custom') ??
    pick((c) => acceleratorsOf(c).length > 0) ??
    (hints.targetPorts && hints.targetPorts.size > 0
      ? pick((c) => exposesAny(c, hints.targetPorts!))
      : undefined) ??
    pick((c) => asArray(c.container.ports).length > 0) ??
    containers[0]
  );
}

function exposesAny(ref: ContainerRef, ports: ReadonlySet<string | number>): boolean {
  return asArray(ref.container.ports)
    .map(asRecord)
    .some((p) => ports.has(p.containerPort as number) || ports.has(asString(p.name) ?? ''));
}

/** The label that marks a workload as the model server of a model service. */
export const MODEL_LABEL = 'mlready.dev/model';

/**
 * Why a workload serves a model, by what it is: a serving kind, the mlready.dev/model label, a
 * model-server image or command, or an accelerator. Undefined when nothing about it says so (a
 * Redis, a database, a demo web app, a client pod); the manifest or an InferencePool may still say.
 */
export function modelServerSignal(workload: Workload): string | undefined {
  // Asked once per workload: grouping keeps the answer with the service it places the workload in
  // (no WeakMap entry per workload).
  if (workload.batch) return undefined;
  if (workload.servesModels) return `a ${workload.info.title}`;
  const labelled =
    labelsOf(workload.object)[MODEL_LABEL] !== undefined ||
    workload.templates.some((t) => t.labels[MODEL_LABEL] !== undefined);
  if (labelled) return `labelled ${MODEL_LABEL}`;
  for (const ref of workload.containers) {
    const runtime = runtimeOfContainer(ref);
    // Ray images are general-purpose (clients, jobs): only a RayService says Ray serves a model.
    if (runtime && runtime !== 'custom' && runtime !== 'ray' && !idles(ref))
      return `runs ${runtime} (${ref.label})`;
  }
  for (const ref of workload.containers)
    if (acceleratorsOf(ref).length > 0) return `requests an accelerator (${ref.label})`;
  return undefined;
}

/** A container that only waits (`sleep infinity`, a `while true; sleep` loop): a client or a debug pod. */
export function idles(ref: ContainerRef): boolean {
  const text = [...asArray(ref.container.command), ...asArray(ref.container.args)].map(String).join(' ');
  return (
    /(^|[\s;])(sleep\s+(infinity|\d+)|tail\s+-f\s+\/dev\/null)/.test(text) &&
    !/\bserve\b|api_server|launch_server/.test(text)
  );
}
