import type { ModelService } from '../../check/services.js';
import type { ContainerRef } from '../../workloads/model.js';
import { acceleratorsOf, type Accelerator } from '../../workloads/serving.js';

export { ACCELERATOR_RESOURCES as GPU_RESOURCES } from '../../workloads/serving.js';

export function gpuResourceName(service: ModelService): string {
  return service.manifest?.manifest.spec.resources?.gpuResource ?? 'nvidia.com/gpu';
}

/** The accelerator resources a container asks for, with requests and limits. */
export function gpuResources(ref: ContainerRef): readonly Accelerator[] {
  return acceleratorsOf(ref);
}
