import type { ModelService } from '../../check/services.js';
import type { ContainerRef } from '../../workloads/model.js';
import { acceleratorsOf, isAcceleratorResource, type Accelerator } from '../../workloads/serving.js';

export { ACCELERATOR_RESOURCES as GPU_RESOURCES } from '../../workloads/serving.js';

export function gpuResourceName(service: ModelService): string {
  return service.manifest?.manifest.spec.resources?.gpuResource ?? 'nvidia.com/gpu';
}

/** The accelerator resources a container asks for, with requests and limits. */
export function gpuResources(ref: ContainerRef): readonly Accelerator[] {
  // Most containers ask for none: their few resource names are read in place, and acceleratorsOf
  // builds (and keeps for the run) its list only for a container that names an accelerator.
  return namesAccelerator(ref.container.resources) ? acceleratorsOf(ref) : NO_ACCELERATORS;
}

const NO_ACCELERATORS: readonly Accelerator[] = Object.freeze([]);

/**
 * Whether requests or limits hold a key that is an accelerator's name. for-in sees every key
 * Object.keys does (and inherited ones, which only send the container to acceleratorsOf).
 */
function namesAccelerator(resources: unknown): boolean {
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) return false;
  const { requests, limits } = resources as Record<string, unknown>;
  return hasAcceleratorKey(requests) || hasAcceleratorKey(limits);
}

function hasAcceleratorKey(list: unknown): boolean {
  if (typeof list !== 'object' || list === null || Array.isArray(list)) return false;
  // Every accelerator's name has a slash: cpu, memory and ephemeral-storage are passed over at once.
  for (const name in list) if (name.includes('/') && isAcceleratorResource(name)) return true;
  return false;
}
