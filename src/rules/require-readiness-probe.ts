import { isRecord } from '../check/objects.js';
import { defineRule } from './rule.js';
import { servingContainers } from './support/serving.js';

export default defineRule({
  id: 'require-readiness-probe',
  severity: 'error',
  section: 'health',
  kinds: ['Deployment', 'StatefulSet', 'Rollout', 'Pod'],
  docs: {
    summary: 'Every serving container has a readiness probe.',
    why:
      'Without a readiness probe a pod receives traffic the moment its process starts, while the model is still ' +
      'loading: every request in the first minutes of a rollout fails, and a rolling update happily replaces healthy ' +
      'pods with ones that cannot answer.',
    fix:
      "Add a readinessProbe that calls the runtime's model-ready endpoint (vLLM /health, TGI /health, Triton " +
      '/v2/health/ready, TorchServe /ping, TF Serving /v1/models/<m>, or the ready path of your own server).',
  },
  check({ service, report }) {
    for (const ref of servingContainers(service)) {
      // KServe injects a TCP probe when none is given; model-aware-readiness-probe reports that case.
      if (ref.workload.kind === 'InferenceService') continue;
      if (!isRecord(ref.container.readinessProbe)) {
        report({
          object: ref.workload,
          path: [...ref.path, 'name'],
          message: `${ref.label} has no readinessProbe`,
        });
      }
    }
  },
});
