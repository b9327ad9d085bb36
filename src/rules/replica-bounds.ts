import { getPath } from '../check/objects.js';
import { defineRule } from './rule.js';
import { expectedLoadSeconds, runtimeOf } from './support/runtimes.js';
import { formatDuration } from './support/probes.js';
import { autoscalersOf } from './support/scaling.js';

export default defineRule({
  id: 'replica-bounds',
  severity: 'error',
  section: 'scaling',
  kinds: [
    'HorizontalPodAutoscaler',
    'ScaledObject',
    'InferenceService',
    'Deployment',
    'StatefulSet',
    'Rollout',
  ],
  docs: {
    summary:
      'At least minReplicas (default 2) serve at all times, maxReplicas is above the minimum, scale-to-zero is deliberate, and Deployments leave replicas to their HPA.',
    why:
      'One replica means every node drain, OOM kill and rollout is an outage. maxReplicas equal to minReplicas is ' +
      'an autoscaler that cannot scale. KEDA minReplicaCount: 0 makes the first request after idle wait for a full ' +
      'model load. A Deployment that sets replicas while an HPA manages it is reset on every apply, scaling the ' +
      'service down in the middle of peak load.',
    fix: 'Set minReplicas ≥ 2 (option minReplicas in .mlready.yaml), maxReplicas above it, and remove spec.replicas from Deployments an HPA manages.',
  },
  defaultOptions: { minReplicas: 2 },
  check({ service, report, options }) {
    const floor = typeof options.minReplicas === 'number' ? options.minReplicas : 2;
    const load = expectedLoadSeconds(service, runtimeOf(service));
    for (const scaler of service.ofKind('HorizontalPodAutoscaler', 'ScaledObject', 'InferenceService')) {
      const [minKey, maxKey, base] =
        scaler.kind === 'ScaledObject'
          ? ['minReplicaCount', 'maxReplicaCount', ['spec']]
          : scaler.kind === 'InferenceService'
            ? ['minReplicas', 'maxReplicas', ['spec', 'predictor']]
            : ['minReplicas', 'maxReplicas', ['spec']];
      const minValue = getPath(scaler.raw, [...base, minKey]);
      const maxValue = getPath(scaler.raw, [...base, maxKey]);
      const min =
        typeof minValue === 'number'
          ? minValue
          : scaler.kind === 'InferenceService'
            ? 1
            : scaler.kind === 'ScaledObject'
              ? 0
              : 1;
      if (min === 0 && scaler.kind !== 'HorizontalPodAutoscaler') {
        const loadTime = formatDuration(load.seconds);
        report({
          object: scaler,
          path: typeof minValue === 'number' ? [...base, minKey] : base,
          message: `${scaler.ref} scales to zero: the first request after idle waits for a cold start (~${loadTime} model load, ${load.source})`,
          severity: 'warning',
        });
      } else if (min < floor) {
        const plural = min === 1 ? '' : 's';
        const defaultNote = typeof minValue === 'number' ? '' : ' (the default)';
        report({
          object: scaler,
          path: typeof minValue === 'number' ? [...base, minKey] : base,
          message: `${scaler.ref} allows ${min} replica${plural}${defaultNote}; at least ${floor} keep the model serving through a node drain or a crash`,
        });
      }
      if (
        typeof maxValue === 'number' &&
        maxValue <= Math.max(min, 1) &&
        !(scaler.kind === 'ScaledObject' && maxValue > 1)
      ) {
        const minimum = Math.max(min, 1);
        report({
          object: scaler,
          path: [...base, maxKey],
          message: `${scaler.ref} has maxReplicas ${maxValue}, not above the minimum ${minimum}: it cannot scale`,
        });
      }
    }
    for (const workload of service.ofKind('Deployment', 'StatefulSet', 'Rollout')) {
      if (autoscalersOf(service, workload).length > 0) continue;
      const replicas = getPath(workload.raw, ['spec', 'replicas']);
      const count = typeof replicas === 'number' ? replicas : 1;
      if (count < floor) {
        const plural = count === 1 ? '' : 's';
        const defaultNote = typeof replicas === 'number' ? '' : ' (the default)';
        report({
          object: workload,
          path: typeof replicas === 'number' ? ['spec', 'replicas'] : ['spec'],
          message: `${workload.ref} runs ${count} replica${plural}${defaultNote}; at least ${floor} keep the model serving through a node drain or a crash`,
        });
      }
    }
    for (const workload of service.ofKind('Deployment', 'StatefulSet', 'Rollout')) {
      const scalers = autoscalersOf(service, workload)
        .map((s) => s.ref)
        .join(' and ');
      if (scalers && typeof getPath(workload.raw, ['spec', 'replicas']) === 'number') {
        const manage = scalers.includes(' and ') ? 'manage' : 'manages';
        report({
          object: workload,
          path: ['spec', 'replicas'],
          message: `${workload.ref} sets replicas while ${scalers} ${manage} them: every apply resets the scale`,
          severity: 'warning',
          fix: 'Remove spec.replicas; the autoscaler sets the floor with its minimum.',
        });
      }
    }
  },
});
