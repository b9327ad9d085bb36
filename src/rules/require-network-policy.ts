import { getPath, type K8sObject } from '../check/objects.js';
import type { Workload } from '../workloads/model.js';
import { selects } from '../workloads/selectors.js';
import { defineRule } from './rule.js';

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
    // Indexed loops over the service's frozen lists and no callbacks per workload: this runs for
    // every workload of a run, and for-of iterators and closures stay costly until V8 optimizes them.
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      if (workload.batch || !POLICED_KINDS.includes(workload.info.id)) continue;
      if (!covered(policies, workload)) {
        report({
          object: workload.object,
          path: METADATA_NAME,
          message: `no NetworkPolicy restricts traffic to the pods of ${workload.object.ref}`,
        });
      }
    }
  },
});

const SPEC_POD_SELECTOR = ['spec', 'podSelector'];
/** A finding's path: the engine copies a reported path, so one list serves every finding. */
const METADATA_NAME = ['metadata', 'name'];

/** policies.some(p => workload.templates.some(t => selects(p's podSelector, t.labels))), in loops. */
function covered(policies: readonly K8sObject[], workload: Workload): boolean {
  const templates = workload.templates;
  for (let p = 0; p < policies.length; p++) {
    const selector = getPath(policies[p]!.raw, SPEC_POD_SELECTOR);
    for (let t = 0; t < templates.length; t++) if (selects(selector, templates[t]!.labels)) return true;
  }
  return false;
}
