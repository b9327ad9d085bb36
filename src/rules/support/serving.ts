import type { ModelService } from '../../check/services.js';
import { asArray, type K8sObject } from '../../check/objects.js';
import { containersOf, isServingWorkload, type ContainerRef } from '../../check/workloads.js';

/**
 * The containers that serve the model: the one the manifest names, else those that expose a
 * port (sidecars such as log shippers usually do not), else all of them.
 */
export function servingContainersOf(service: ModelService, workload: K8sObject): ContainerRef[] {
  if (!isServingWorkload(workload)) return [];
  const containers = containersOf(workload);
  const named = service.manifest?.manifest.spec.serving.container;
  if (named) {
    const match = containers.filter((c) => c.name === named);
    if (match.length > 0) return match;
  }
  if (workload.kind === 'InferenceService') return containers;
  const withPorts = containers.filter((c) => asArray(c.container.ports).length > 0);
  return withPorts.length > 0 ? withPorts : containers;
}

/** Every serving container of the service, across its serving workloads. */
export function servingContainers(service: ModelService): ContainerRef[] {
  return service.workloads.flatMap((w) => servingContainersOf(service, w));
}
