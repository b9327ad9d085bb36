import { asRecord, asString, getPath } from '../check/objects.js';
import { defineRule } from './rule.js';
import { autoscalersOf } from './support/scaling.js';

export default defineRule({
  id: 'require-autoscaler',
  severity: 'warning',
  section: 'scaling',
  kinds: ['HorizontalPodAutoscaler', 'ScaledObject', 'Deployment', 'StatefulSet', 'Rollout'],
  docs: {
    summary:
      'An HPA or KEDA ScaledObject targets each serving workload, and every autoscaler targets a workload that exists.',
    why:
      'Inference load follows users, not deploy days. A fixed replica count is either paying for idle GPUs at night ' +
      'or queueing requests past the SLO at noon. An autoscaler whose scaleTargetRef names nothing (a renamed ' +
      'Deployment) scales nothing and reports no error.',
    fix: 'Add an autoscaling/v2 HorizontalPodAutoscaler or KEDA ScaledObject whose scaleTargetRef names the serving workload (kind and name), scaling on a queue or latency metric.',
  },
  check({ service, report }) {
    for (const scaler of service.ofKind('HorizontalPodAutoscaler', 'ScaledObject')) {
      const target = asRecord(getPath(scaler.raw, ['spec', 'scaleTargetRef']));
      const kind = asString(target.kind) ?? 'Deployment';
      const name = asString(target.name);
      if (!service.workloads.some((w) => w.kind === kind && w.name === name)) {
        report({
          object: scaler,
          path: ['spec', 'scaleTargetRef', 'name'],
          message: `${scaler.ref} targets ${kind}/${name ?? '(none)'}, which is not in the model service`,
          severity: 'error',
        });
      }
    }
    for (const workload of service.ofKind('Deployment', 'StatefulSet', 'Rollout')) {
      if (autoscalersOf(service, workload).length === 0) {
        report({
          object: workload,
          path: ['metadata', 'name'],
          message: `${workload.ref} has no HorizontalPodAutoscaler or KEDA ScaledObject`,
        });
      }
    }
  },
});
