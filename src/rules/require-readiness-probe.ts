import { isRecord } from '../check/objects.js';
import { defineRule } from './rule.js';
import { answersRequests, servingContainers, workloadOfContainer } from './support/serving.js';

export default defineRule({
  id: 'require-readiness-probe',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'health',
  kinds: ['workload'],
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
    // An indexed loop: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      // Controllers that add a probe when none is given (KServe, Knative, KubeRay, operators):
      // model-aware-readiness-probe judges what they add.
      if (workloadOfContainer(service, ref)?.injectedProbes !== 'none' || ref.partial) continue;
      if (!ref.template.serves || !answersRequests(service, ref)) continue;
      if (!isRecord(ref.container.readinessProbe)) {
        const where = ref.at('name');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} has no readinessProbe`,
        });
      }
    }
  },
});
