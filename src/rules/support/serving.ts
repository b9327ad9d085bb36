import { asArray, getPath, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { ContainerRef, PodTemplate, Workload } from '../../workloads/model.js';
import { selects } from '../../workloads/selectors.js';

/** The containers that serve the model in a workload's pods: one per pod template. */
export function servingContainersOf(service: ModelService, workload: Workload): readonly ContainerRef[] {
  if (workload.batch) return [];
  return service.servingContainers(workload);
}

const servingByService = new WeakMap<ModelService, readonly ContainerRef[]>();

/**
 * Every serving container of the service's long-running workloads (computed once per service).
 * Most services run no batch Job: their list is the service's own (same workloads, same order),
 * shared instead of copied into a second array and a WeakMap entry per service.
 */
export function servingContainers(service: ModelService): readonly ContainerRef[] {
  const workloads = service.workloads;
  let batch = false;
  for (let i = 0; i < workloads.length; i++) if (workloads[i]!.batch) batch = true;
  if (!batch) return service.servingContainers();
  let refs = servingByService.get(service);
  if (!refs) {
    const out: ContainerRef[] = [];
    for (let i = 0; i < workloads.length; i++)
      if (!workloads[i]!.batch) for (const ref of service.servingContainers(workloads[i])) out.push(ref);
    refs = Object.freeze(out);
    servingByService.set(service, refs);
  }
  return refs;
}

/**
 * A pod template's init containers, then its containers. Several rules walk both lists of every
 * template: the joined list is built once per template, and not at all without init containers.
 */
export function podContainers(template: PodTemplate): readonly ContainerRef[] {
  if (template.initContainers.length === 0) return template.containers;
  let all = containersByTemplate.get(template);
  if (!all) {
    all = Object.freeze([...template.initContainers, ...template.containers]);
    containersByTemplate.set(template, all);
  }
  return all;
}

const containersByTemplate = new WeakMap<PodTemplate, readonly ContainerRef[]>();

/** Long-running workloads (batch Jobs excluded). */
export function servingWorkloads(service: ModelService): Workload[] {
  return service.workloads.filter((w) => !w.batch);
}

/**
 * Is the pod template behind a Service (or an InferencePool) of the service? Not kept per template:
 * one rule asks for most templates (graceful-shutdown, once per container), and a WeakMap entry and
 * an object per template cost more than the few selector tests (issue 18).
 */
export function behindService(service: ModelService, template: PodTemplate): boolean {
  const fronts = service.ofKind('Service', 'InferencePool', 'InferencePoolAlpha');
  for (let i = 0; i < fronts.length; i++)
    if (selects(getPath(fronts[i]!.raw, SPEC_SELECTOR), template.labels)) return true;
  return false;
}

const SPEC_SELECTOR = ['spec', 'selector'];

/**
 * The workload a container of the service runs in: its template's workload object is the
 * workload's own. A loop over the service's few workloads (the lookup service.workloadOf answers
 * the rare rest): the engine's lookup is a closure made anew every run, and inlined into a rule it
 * throws the rule's optimized code away once per run ("wrong call target").
 */
export function workloadOfContainer(service: ModelService, ref: ContainerRef): Workload | undefined {
  return workloadOfObject(service, ref.workload);
}

/** The workload read from an object of the service (service.workloadOf, without its closure call). */
export function workloadOfObject(service: ModelService, object: K8sObject): Workload | undefined {
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++) if (workloads[i]!.object === object) return workloads[i];
  return service.workloadOf(object);
}

/**
 * Does a container answer requests: it belongs to a model server, sits behind a Service, or
 * declares ports? A client pod looping on `sleep` does none of these.
 */
export function answersRequests(service: ModelService, ref: ContainerRef): boolean {
  const workload = workloadOfContainer(service, ref);
  return (
    (workload !== undefined && service.modelServerReason(workload) !== undefined) ||
    behindService(service, ref.template) ||
    asArray(ref.container.ports).length > 0
  );
}

/**
 * Workloads judged as a running service (monitoring, drift, lineage, version labels): a KServe
 * ServingRuntime checked on its own is a template for future pods, judged on its container only.
 * Most services hold no other kind: their own list is the answer, shared rather than copied (six
 * rules ask for every service of a run).
 */
export function runningWorkloads(service: ModelService): readonly Workload[] {
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++)
    if (!isRunning(workloads[i]!)) return workloads.filter(isRunning);
  return workloads;
}

/** runningWorkloads(service)[0], without a list. */
export function firstRunningWorkload(service: ModelService): Workload | undefined {
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++) if (isRunning(workloads[i]!)) return workloads[i];
  return undefined;
}

function isRunning(workload: Workload): boolean {
  return !workload.batch && workload.info.role !== 'runtime-template';
}
