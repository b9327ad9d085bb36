import { getPath } from '../check/objects.js';
import { estimateLoadTime, estimatePullTime, severityFor } from '../estimate/load-time.js';
import { defineRule } from './rule.js';
import { formatDuration, probeOf } from './support/probes.js';
import { rollbackBudgetSeconds } from './support/scaling.js';
import { servingContainersOf, workloadOfObject } from './support/serving.js';

export default defineRule({
  id: 'progress-deadline-within-budget',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['Deployment'],
  docs: {
    summary:
      'progressDeadlineSeconds outlasts one wave of new pods (pull + model load + readiness) and, where one wave fits, is not longer than the rollback budget.',
    why:
      'The Deployment controller declares a rollout failed when no new pod becomes ready within the deadline. ' +
      'Shorter than one wave (a cold image pull plus the model load, the same load time startup-budget uses), it ' +
      'fails healthy rollouts of a slow-loading model. Longer than the rollback budget, tools that wait for a ' +
      'rollout (kubectl rollout status, Argo CD) only give up on a stuck one after the budget is spent. When one ' +
      'wave alone outlasts the budget, rollback-within-budget reports that and this rule does not ask for the ' +
      'impossible.',
    fix: 'Set progressDeadlineSeconds between one wave and the rollback budget (and startup probes that fit inside it).',
  },
  check({ service, report, evidence, now }) {
    const budget = rollbackBudgetSeconds(service);
    // One estimate context per call, not one per container.
    const estimate = { service, evidence, now };
    const deployments = service.ofKind('Deployment');
    for (let i = 0; i < deployments.length; i++) {
      const workload = deployments[i]!;
      const value = getPath(workload.raw, SPEC_DEADLINE);
      const deadline = typeof value === 'number' ? value : 600;
      const read = workloadOfObject(service, workload);
      const serving = read ? servingContainersOf(service, read)[0] : undefined;
      const load = estimateLoadTime(estimate, serving);
      const pull = estimatePullTime(service, serving);
      const readiness = serving ? probeOf(serving, 'readinessProbe') : undefined;
      const ready =
        readiness && load.confidence !== 'measured'
          ? readiness.initialDelaySeconds + readiness.periodSeconds * readiness.successThreshold
          : 0;
      const wave = Math.round(pull.seconds + load.seconds + load.beforeStartSeconds + ready);
      const finding = deadline < wave || (deadline > budget.seconds && wave <= budget.seconds);
      // The texts are written for a finding only.
      if (!finding) continue;
      const after = formatDuration(deadline);
      const defaultNote = typeof value === 'number' ? '' : ' (the default)';
      const path = typeof value === 'number' ? ['spec', 'progressDeadlineSeconds'] : ['spec'];
      const waveText = `${pull.text} + ${Math.round(load.seconds + load.beforeStartSeconds)} s load + ${ready} s ready = ${formatDuration(wave)}`;
      if (deadline < wave) {
        report({
          object: workload,
          path,
          message: `${workload.ref} declares a rollout failed after ${after}${defaultNote}, before one new pod can be ready (${waveText}; load ${load.arithmetic})`,
          severity: severityFor(load),
        });
      } else {
        report({
          object: workload,
          path,
          message: `${workload.ref} declares a stuck rollout failed after ${after}${defaultNote}, longer than the ${budget.text} rollback budget; one wave takes ${waveText}, so a deadline between ${formatDuration(wave)} and ${budget.text} fits`,
        });
      }
    }
  },
});

const SPEC_DEADLINE = ['spec', 'progressDeadlineSeconds'];
