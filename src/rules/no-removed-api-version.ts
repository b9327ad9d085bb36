import { REMOVED_APIS } from '../workloads/kinds.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'no-removed-api-version',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'scaling',
  kinds: [
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'CronJob',
    'Deployment',
    'StatefulSet',
    'Ingress',
    'NetworkPolicy',
    'InferenceService',
    'ScaledObject',
  ],
  docs: {
    summary: 'Objects use API versions the cluster still serves (autoscaling/v2, policy/v1, apps/v1, …).',
    why:
      'The API server rejects removed versions. The apply fails in the middle of a release, usually for the HPA or ' +
      'PDB, so the new model ships without its autoscaler or disruption budget, or a rollback cannot be applied.',
    fix: 'Change apiVersion to the replacement named in the finding and adapt the fields (autoscaling/v2 metrics use target.type).',
  },
  check({ service, report }) {
    for (const object of service.objects) {
      if (!REMOVED_VERSIONS.has(object.apiVersion)) continue;
      const removed = REMOVED_APIS[`${object.apiVersion} ${object.kind}`];
      if (removed) {
        report({
          object,
          path: ['apiVersion'],
          message: `${object.ref} uses ${object.apiVersion}, removed in ${removed.removedIn}; use ${removed.replacement}`,
        });
      }
    }
  },
});

/**
 * The API versions that lost a kind: most objects use none of them and are passed over without
 * building a lookup key.
 */
const REMOVED_VERSIONS = new Set(Object.keys(REMOVED_APIS).map((key) => key.slice(0, key.indexOf(' '))));
