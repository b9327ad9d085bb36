import { getPath, isRecord } from '../check/objects.js';
import { defineRule } from './rule.js';
import { replicasOf } from './support/scaling.js';

export default defineRule({
  id: 'spread-replicas',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'scaling',
  kinds: ['Deployment', 'StatefulSet', 'Rollout'],
  docs: {
    summary:
      'Workloads with two or more replicas spread them across nodes (topologySpreadConstraints or pod anti-affinity).',
    why:
      'The scheduler happily packs every replica onto the one node with free GPUs. Then one node failure, one ' +
      'driver crash or one spot reclaim takes the whole model offline, and the replicas you pay for buy no availability.',
    fix: 'Add topologySpreadConstraints on kubernetes.io/hostname (and topology.kubernetes.io/zone), or a podAntiAffinity rule, selecting the serving pods.',
  },
  check({ service, report }) {
    const workloads = service.workloads;
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      const id = workload.info.id;
      if (id !== 'Deployment' && id !== 'StatefulSet' && id !== 'Rollout') continue;
      const replicas = replicasOf(service, workload);
      if (replicas < 2) continue;
      const template = workload.templates[0];
      const spec = template?.spec;
      // asArray(…).length > 0 without a fresh empty list for the many templates that set none.
      const constraints = spec?.topologySpreadConstraints;
      const spread = Array.isArray(constraints) && constraints.length > 0;
      if (!spread && !hasOwnKeys(getPath(spec, AFFINITY_POD_ANTI_AFFINITY))) {
        const where = template ? template.atSpec() : { object: workload.object, path: ['spec'] };
        report({
          object: where.object,
          path: where.path,
          message: `${workload.object.ref} runs ${replicas} replicas with no topology spread or pod anti-affinity: they may share one node`,
        });
      }
    }
  },
});

const AFFINITY_POD_ANTI_AFFINITY = ['affinity', 'podAntiAffinity'];

/** Object.keys(asRecord(value)).length > 0, without the key list (or an empty object). */
function hasOwnKeys(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}
