import { getPath } from '../check/objects.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'keep-revision-history',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: ['Deployment', 'Rollout'],
  docs: {
    summary:
      'Deployments keep old ReplicaSets (revisionHistoryLimit is not 0), so there is something to roll back to.',
    why:
      'revisionHistoryLimit: 0 deletes the previous ReplicaSet as soon as a rollout completes. `kubectl rollout ' +
      'undo` and `mlready rollback` then have no revision to return to, and the only way back to the last good ' +
      'model is to find and re-apply its YAML by hand during the incident.',
    fix: 'Set revisionHistoryLimit to at least 3 (the default is 10).',
  },
  check({ service, report }) {
    const workloads = service.ofKind('Deployment', 'Rollout');
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      if (getPath(workload.raw, SPEC_REVISION_HISTORY_LIMIT) === 0) {
        report({
          object: workload,
          path: ['spec', 'revisionHistoryLimit'],
          message: `${workload.ref} keeps no old ReplicaSets (revisionHistoryLimit: 0): nothing to roll back to`,
        });
      }
    }
  },
});

const SPEC_REVISION_HISTORY_LIMIT = ['spec', 'revisionHistoryLimit'];
