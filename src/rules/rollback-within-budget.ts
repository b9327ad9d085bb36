import { severityFor } from '../estimate/load-time.js';
import { defineRule } from './rule.js';
import { formatDuration } from './support/probes.js';
import { describeRollback, rollbackTiming } from './support/rollback.js';
import { servingContainersOf } from './support/serving.js';

export default defineRule({
  id: 'rollback-within-budget',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['ModelService', 'workload'],
  docs: {
    summary:
      'A rollback to the previous revision finishes within the rollback budget (rollout.rollbackBudget, default 5m).',
    why:
      'A bad model is found in production, and every minute of rollback is a minute of wrong predictions. Rolling ' +
      'back a GPU model server is a full rollout: load the weights, pass readiness, wave after ' +
      'wave. Estimate: waves = ceil(replicas / (maxSurge + maxUnavailable)); ' +
      'per wave = image pull + model load + readiness (initialDelaySeconds + periodSeconds × successThreshold) + ' +
      'minReadySeconds; StatefulSets replace one pod a wave, Recreate and blue-green one wave; an Argo blue-green ' +
      'whose scaleDownDelaySeconds outlasts the budget keeps the old pods warm and rolls back by switching traffic. ' +
      'The load time is the one startup-budget uses (a deploy record, serving.expectedLoadSeconds, the model size, ' +
      'else the runtime default: docs/estimates.md); the pull is serving.imagePullSeconds, else 0 because the ' +
      'previous image is still on the nodes. Resting on a runtime default only, a finding is a warning.',
    fix:
      'Replace more pods per wave (maxSurge: 100% if the GPUs exist), keep weights on a volume or baked into a ' +
      'pre-pulled image, measure and shorten the load (serving.expectedLoadSeconds), or keep the previous version ' +
      'warm with a blue-green rollout.',
  },
  check({ service, report, evidence, now }) {
    const workloads = service.workloads;
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      // Batch jobs do not roll back; kinds without a strategy (a Seldon Model) follow their server.
      if (workload.batch || !workload.strategy || workload.templates.length === 0) continue;
      const serving = servingContainersOf(service, workload)[0];
      // The numbers first: the texts are written only for a workload over budget.
      const timing = rollbackTiming(service, workload, serving, evidence, now);
      if (timing.seconds > timing.budgetSeconds) {
        const estimate = describeRollback(timing);
        const budget = formatDuration(estimate.budgetSeconds);
        const replicas = `${estimate.replicas} replica${estimate.replicas === 1 ? '' : 's'}`;
        report({
          object: workload.strategy.at.object,
          path: workload.strategy.at.path,
          message: `rolling ${workload.object.ref} back takes up to ${estimate.arithmetic} > ${budget} budget (${replicas}, ${estimate.perWave} per wave; load ${estimate.load.arithmetic})`,
          severity: severityFor(estimate.load),
        });
      }
    }
  },
});
