import { defineRule } from './rule.js';

/** apiVersion/kind pairs removed from Kubernetes, with the version to use instead. */
const REMOVED: Record<string, { replacement: string; removedIn: string }> = {
  'autoscaling/v2beta1 HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.25' },
  'autoscaling/v2beta2 HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.26' },
  'policy/v1beta1 PodDisruptionBudget': { replacement: 'policy/v1', removedIn: '1.25' },
  'batch/v1beta1 CronJob': { replacement: 'batch/v1', removedIn: '1.25' },
  'extensions/v1beta1 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta1 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta1 StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2 StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'extensions/v1beta1 Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'networking.k8s.io/v1beta1 Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'extensions/v1beta1 NetworkPolicy': { replacement: 'networking.k8s.io/v1', removedIn: '1.16' },
  'serving.kubeflow.org/v1alpha2 InferenceService': {
    replacement: 'serving.kserve.io/v1beta1',
    removedIn: 'KServe 0.7',
  },
  'serving.kubeflow.org/v1beta1 InferenceService': {
    replacement: 'serving.kserve.io/v1beta1',
    removedIn: 'KServe 0.7',
  },
  'keda.k8s.io/v1alpha1 ScaledObject': { replacement: 'keda.sh/v1alpha1', removedIn: 'KEDA 2.0' },
};

export default defineRule({
  id: 'no-removed-api-version',
  severity: 'error',
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
      const removed = REMOVED[`${object.apiVersion} ${object.kind}`];
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
