import { asRecord, show } from '../check/objects.js';
import { parseQuantity } from '../check/quantity.js';
import { defineRule } from './rule.js';
import { servingContainers } from './support/serving.js';
import { gpuResourceName } from './support/gpu.js';

export default defineRule({
  id: 'resources-match-manifest',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'resources',
  kinds: ['ModelService', 'workload'],
  docs: {
    summary: "Serving containers' CPU, memory and GPU limits agree with the manifest's resources.",
    why:
      'mlready.yaml is the single source of truth that scaffold, loadtest and deploy read. When the Deployment asks ' +
      'for other resources than the manifest says, the load test proved one size and production runs another, and ' +
      "the next scaffold silently reverts somebody's fix.",
    fix: 'Change the manifest or the container so spec.resources (cpu, memory, gpu) and resources.limits say the same.',
  },
  check({ service, report }) {
    const declared = service.manifest?.manifest.spec.resources;
    if (!declared) return;
    for (const ref of servingContainers(service)) {
      const limits = asRecord(asRecord(ref.container.resources).limits);
      const gpuName = gpuResourceName(service);
      const pairs: [string, unknown, unknown][] = [
        ['cpu', declared.cpu, limits.cpu],
        ['memory', declared.memory, limits.memory],
        [gpuName, declared.gpu, limits[gpuName]],
      ];
      for (const [resource, wanted, actual] of pairs) {
        if (wanted === undefined || actual === undefined) continue;
        if (parseQuantity(wanted) !== parseQuantity(actual)) {
          const actualLimit = show(actual);
          const wantedLimit = show(wanted);
          const where = ref.at('resources', 'limits', resource);
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} limits ${resource} to ${actualLimit}, but mlready.yaml says ${wantedLimit}`,
          });
        }
      }
    }
  },
});
