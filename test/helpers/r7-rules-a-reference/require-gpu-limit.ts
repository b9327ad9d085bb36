// require-gpu-limit as it was on main (9624913), before issue 18's seventh round: an oracle of
// test/r7-rules-a-reference.test.ts. Only its imports differ from that copy.
import { show } from '../../../src/check/objects.js';
import { parseQuantity } from '../../../src/check/quantity.js';
import { defineRule } from '../../../src/rules/rule.js';
import { gpuResourceName, gpuResources } from '../../../src/rules/support/gpu.js';
import { runtimeOf } from '../../../src/rules/support/runtimes.js';
import { servingContainers } from '../../../src/rules/support/serving.js';
import type { Accelerator } from '../../../src/workloads/serving.js';
import type { RayServeDeployment } from '../../../src/workloads/model.js';

export default defineRule({
  id: 'require-gpu-limit',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'resources',
  kinds: ['workload'],
  docs: {
    summary:
      "GPU model servers put the accelerator (nvidia.com/gpu or another vendor's resource) in limits; requests, if given, equal limits.",
    why:
      'Extended resources are only scheduled from limits. A vLLM or TGI pod without nvidia.com/gpu lands on a CPU ' +
      'node and crash-loops on "no CUDA device", or shares a GPU with another model until both run out of memory. ' +
      'Kubernetes rejects GPU requests that differ from limits.',
    fix: 'Set resources.limits["nvidia.com/gpu"] to the GPUs the model needs (tensor parallel size), and drop the request or make it equal.',
  },
  check({ service, report }) {
    const manifestGpus = service.manifest?.manifest.spec.resources?.gpu;
    // Ray Serve deployments that ask for GPUs need a worker group that has them.
    for (const workload of service.workloads) {
      // Most workloads have no Serve deployment that asks for GPUs: nothing is listed or read then.
      if (!workload.serveDeployments.some(wantsGpus)) continue;
      const wanting = workload.serveDeployments.filter(wantsGpus);
      const hasGpus = workload.templates.some((t) => t.containers.some((c) => gpuResources(c).length > 0));
      if (hasGpus) continue;
      const names = wanting.map((d) => `${d.name} (num_gpus ${d.numGpus})`).join(', ');
      report({
        object: workload.object,
        path: ['spec', 'serveConfigV2'],
        message: `${workload.object.ref} Serve deployment ${names} asks for GPUs, but no worker group requests ${gpuResourceName(service)}: its replicas never schedule`,
        fix: 'Give a worker group resources.limits["nvidia.com/gpu"] (and rayStartParams num-gpus), or drop ray_actor_options.num_gpus.',
      });
    }
    for (const ref of servingContainers(service)) {
      // Operators that size the pod themselves (a KubeAI resourceProfile, a KAITO instance type).
      if (ref.partial || (ref.template.synthesized && ref.container.resources === undefined)) continue;
      // The runtime is read only when the manifest does not say how many GPUs the model needs.
      const needsGpu = manifestGpus !== undefined ? manifestGpus > 0 : runtimeOf(service, ref).llm;
      const gpus = gpuResources(ref);
      if (needsGpu && !limitsSome(gpus)) {
        const why =
          manifestGpus !== undefined
            ? `mlready.yaml asks for ${manifestGpus} GPU${manifestGpus === 1 ? '' : 's'}`
            : `${runtimeOf(service, ref).title} is a GPU runtime`;
        const where = ref.at(ref.container.resources === undefined ? 'name' : 'resources');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} has no ${gpuResourceName(service)} limit, but ${why}`,
        });
      }
      for (let i = 0; i < gpus.length; i++) {
        const gpu = gpus[i]!;
        if (gpu.request !== undefined && parseQuantity(gpu.request) !== parseQuantity(gpu.limit)) {
          const requested = show(gpu.request);
          const limited = gpu.limit === undefined ? 'none' : show(gpu.limit);
          const where = ref.at('resources', 'requests', gpu.name);
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} requests ${requested} ${gpu.name} but limits ${limited}; extended resources need requests equal to limits`,
          });
        }
      }
    }
  },
});

function wantsGpus(deployment: RayServeDeployment): boolean {
  return (deployment.numGpus ?? 0) > 0;
}

/** Does one of the accelerators have a positive limit? */
function limitsSome(gpus: readonly Accelerator[]): boolean {
  for (let i = 0; i < gpus.length; i++) {
    const limit = parseQuantity(gpus[i]!.limit);
    if (limit !== undefined && limit > 0) return true;
  }
  return false;
}
