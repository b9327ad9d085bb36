import { asRecord, asString, getPath } from '../check/objects.js';
import { defineRule } from './rule.js';
import { AUTOSCALER_KINDS, autoscalersIn, autoscalersOf } from './support/scaling.js';
import type { Workload } from '../workloads/model.js';

/** Kinds an HPA, a KEDA ScaledObject or an AIBrix PodAutoscaler scales through scaleTargetRef. */
const SCALABLE_KINDS = ['Deployment', 'StatefulSet', 'Rollout', 'LeaderWorkerSet', 'NIMService'];

export default defineRule({
  id: 'require-autoscaler',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'scaling',
  kinds: [...AUTOSCALER_KINDS, 'workload'],
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
    const scalers = autoscalersIn(service);
    for (let i = 0; i < scalers.length; i++) {
      const scaler = scalers[i]!;
      const target = asRecord(getPath(scaler.raw, SPEC_SCALE_TARGET_REF));
      const kind = asString(target.kind) ?? 'Deployment';
      const name = asString(target.name);
      // Without a workload in the input there is nothing to compare with: the target may exist.
      if (service.workloads.length === 0) continue;
      if (!holdsWorkload(service.workloads, kind, name)) {
        report({
          object: scaler,
          path: ['spec', 'scaleTargetRef', 'name'],
          message: `${scaler.ref} targets ${kind}/${name ?? '(none)'}, which is not in the model service`,
          severity: 'error',
        });
      }
    }
    const workloads = service.workloads;
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      if (workload.batch || !SCALABLE_KINDS.includes(workload.info.id)) continue;
      // KServe, Knative, KubeAI, Seldon, BentoML and autoscaling Ray clusters scale themselves.
      if (workload.autoscaling || autoscalersOf(service, workload).length > 0) continue;
      report({
        object: workload.object,
        path: ['metadata', 'name'],
        message: `${workload.object.ref} has no HorizontalPodAutoscaler or KEDA ScaledObject`,
      });
    }
  },
});

const SPEC_SCALE_TARGET_REF = ['spec', 'scaleTargetRef'];

/** Whether one of the workloads is this kind and name (a loop: no closure per autoscaler). */
function holdsWorkload(workloads: readonly Workload[], kind: string, name: string | undefined): boolean {
  for (let i = 0; i < workloads.length; i++) {
    const object = workloads[i]!.object;
    if (object.kind === kind && object.name === name) return true;
  }
  return false;
}
