// valid-kubernetes-object as it was on main (9624913), before issue 18's seventh round: an oracle of
// test/r7-rules-a-reference.test.ts. Only its imports differ from that copy.
import { kubernetesObjectProblems } from '../../../src/manifest/kubernetes-schema.js';
import { KINDS } from '../../../src/workloads/kinds.js';
import { defineRule } from '../../../src/rules/rule.js';

/** Read by mlready but not sent to an API server: the manifest and Helm values files. */
const NOT_KUBERNETES: readonly string[] = ['HelmValues', 'ModelService'];

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
    for (const object of service.objects) {
      if (NOT_KUBERNETES.includes(object.type)) continue;
      for (const problem of kubernetesObjectProblems(object.raw))
        report({ object, path: problem.path, message: `${object.ref}: ${problem.message}` });
    }
  },
});
