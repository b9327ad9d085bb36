import { asRecord } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { ContainerRef } from '../../check/workloads.js';

/** Extended resources that are accelerators, by vendor. */
export const GPU_RESOURCES = [
  'nvidia.com/gpu',
  'amd.com/gpu',
  'gpu.intel.com/i915',
  'gpu.intel.com/xe',
  'habana.ai/gaudi',
  'aws.amazon.com/neuron',
  'aws.amazon.com/neuroncore',
  'google.com/tpu',
];

export function gpuResourceName(service: ModelService): string {
  return service.manifest?.manifest.spec.resources?.gpuResource ?? 'nvidia.com/gpu';
}

/** The accelerator resources a container asks for, with requests and limits. */
export function gpuResources(ref: ContainerRef): { name: string; request: unknown; limit: unknown }[] {
  const resources = asRecord(ref.container.resources);
  const requests = asRecord(resources.requests);
  const limits = asRecord(resources.limits);
  const names = new Set(
    [...Object.keys(requests), ...Object.keys(limits)].filter(
      (n) => GPU_RESOURCES.includes(n) || /\/(gpu|mig-.*)$/.test(n),
    ),
  );
  return [...names].map((name) => ({ name, request: requests[name], limit: limits[name] }));
}
