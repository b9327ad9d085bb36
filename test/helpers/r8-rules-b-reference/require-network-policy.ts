// require-network-policy as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts. Only its imports differ from that copy.
import { getPath } from '../../../src/check/objects.js';
import { selects } from '../../../src/workloads/selectors.js';
import { defineRule } from '../../../src/rules/rule.js';

/** Kinds whose pods carry labels a NetworkPolicy of your own selects. */
const POLICED_KINDS = ['Deployment', 'StatefulSet', 'Rollout', 'Pod', 'LeaderWorkerSet'];

export default defineRule({
  id: 'require-network-policy',
  severity: 'info',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['NetworkPolicy', 'workload'],
  docs: {
    summary: 'A NetworkPolicy limits who can reach the serving pods.',
    why:
      'Without one, every pod in the cluster can call the model directly, past the gateway that authenticates, ' +
      'rate-limits and logs: a compromised batch job becomes an unmetered client of your GPUs.',
    fix: 'Add a NetworkPolicy selecting the serving pods that allows ingress only from the gateway namespace and from Prometheus.',
  },
  check({ service, report }) {
    const policies = service.ofKind('NetworkPolicy');
    for (const workload of service.workloads) {
      if (workload.batch || !POLICED_KINDS.includes(workload.info.id)) continue;
      const covered = policies.some((p) =>
        workload.templates.some((t) => selects(getPath(p.raw, ['spec', 'podSelector']), t.labels)),
      );
      if (!covered) {
        report({
          object: workload.object,
          path: ['metadata', 'name'],
          message: `no NetworkPolicy restricts traffic to the pods of ${workload.object.ref}`,
        });
      }
    }
  },
});
