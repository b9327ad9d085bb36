import { getPath } from '../check/objects.js';
import { defineRule } from './rule.js';
import { formatDuration } from './support/probes.js';
import { rollbackBudgetSeconds } from './support/scaling.js';

export default defineRule({
  id: 'progress-deadline-within-budget',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['Deployment'],
  docs: {
    summary:
      'progressDeadlineSeconds is not longer than the rollback budget, so a stuck rollout is declared failed in time.',
    why:
      'Tools that wait for a rollout (kubectl rollout status, Argo CD, mlready deploy without its fast checks) only ' +
      'give up at the progress deadline, 600 s by default. A deadline longer than the rollback budget means the ' +
      'rollback cannot even start before the budget is spent.',
    fix: 'Set progressDeadlineSeconds to the rollback budget or less (and startup probes that fit inside it).',
  },
  check({ service, report }) {
    const budget = rollbackBudgetSeconds(service);
    for (const workload of service.ofKind('Deployment')) {
      const value = getPath(workload.raw, ['spec', 'progressDeadlineSeconds']);
      const deadline = typeof value === 'number' ? value : 600;
      if (deadline > budget.seconds) {
        const after = formatDuration(deadline);
        const defaultNote = typeof value === 'number' ? '' : ' (the default)';
        report({
          object: workload,
          path: typeof value === 'number' ? ['spec', 'progressDeadlineSeconds'] : ['spec'],
          message: `${workload.ref} declares a stuck rollout failed after ${after}${defaultNote}, longer than the ${budget.text} rollback budget`,
        });
      }
    }
  },
});
