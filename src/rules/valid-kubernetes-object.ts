import { kubernetesObjectProblems } from '../manifest/kubernetes-schema.js';
import { KINDS } from '../workloads/kinds.js';
import { defineRule } from './rule.js';

/** Read by mlready but not sent to an API server: the manifest and Helm values files. */
const HELM_VALUES = 'HelmValues';
const MODEL_SERVICE = 'ModelService';
const NOT_KUBERNETES: readonly string[] = [HELM_VALUES, MODEL_SERVICE];

export default defineRule({
  id: 'valid-kubernetes-object',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: KINDS.map((info) => info.id).filter((id) => !NOT_KUBERNETES.includes(id)),
  docs: {
    summary:
      'Objects are what the API server accepts: known fields, right types, quantities, string label and annotation values.',
    why:
      'kubectl apply validates strictly: one unknown field, a label value written as a number or a memory limit of ' +
      '"4 gigs" fails the whole apply in the middle of a release, after some objects of the model service were ' +
      'already changed. A misspelt field that an older client drops silently (readinessprobe, resource) leaves the ' +
      'server without the probe or limit its author wrote.',
    fix: 'Correct the field named in the finding: fix its spelling or indentation, quote label and annotation values, write quantities as 500m, 2 or 16Gi.',
  },
  check({ service, report }) {
    // Indexed loops and two comparisons: every object of the input passes here, and a for-of (an
    // iterator per list) or includes() per object cost more than the walk of most objects while the
    // code is not yet optimized (issue 18).
    const objects = service.objects;
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i]!;
      const type = object.type;
      if (type === HELM_VALUES || type === MODEL_SERVICE) continue;
      const problems = kubernetesObjectProblems(object.raw);
      for (let j = 0; j < problems.length; j++) {
        const problem = problems[j]!;
        report({ object, path: problem.path, message: `${object.ref}: ${problem.message}` });
      }
    }
  },
});
