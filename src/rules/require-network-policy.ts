import { getPath } from '../check/objects.js';
import { isServingWorkload, podTemplateOf, selects } from '../check/workloads.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'require-network-policy',
  severity: 'info',
  section: 'security',
  kinds: ['NetworkPolicy', 'Deployment', 'StatefulSet', 'Rollout', 'Pod'],
  docs: {
    summary: 'A NetworkPolicy limits who can reach the serving pods.',
    why:
      'Without one, every pod in the cluster can call the model directly, past the gateway that authenticates, ' +
      'rate-limits and logs: a compromised batch job becomes an unmetered client of your GPUs.',
    fix: 'Add a NetworkPolicy selecting the serving pods that allows ingress only from the gateway namespace and from Prometheus.',
  },
  check({ service, report }) {
    const policies = service.ofKind('NetworkPolicy');
    for (const workload of service.workloads.filter(isServingWorkload)) {
      if (workload.kind === 'InferenceService') continue;
      const labels = podTemplateOf(workload)?.labels ?? {};
      if (!policies.some((p) => selects(getPath(p.raw, ['spec', 'podSelector']), labels))) {
        report({
          object: workload,
          path: ['metadata', 'name'],
          message: `no NetworkPolicy restricts traffic to the pods of ${workload.ref}`,
        });
      }
    }
  },
});
