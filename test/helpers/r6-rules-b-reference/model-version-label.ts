import { labelsOf } from '../../../src/check/objects.js';
import { defineRule } from '../../../src/rules/rule.js';
import { runningWorkloads } from './support.js';

export const VERSION_LABELS = ['mlready.dev/model-version', 'app.kubernetes.io/version'] as const;

export default defineRule({
  id: 'model-version-label',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'lineage',
  kinds: ['workload'],
  docs: {
    summary:
      "Serving pods carry the model version (mlready.dev/model-version or app.kubernetes.io/version), equal to the manifest's model.version.",
    why:
      'During an incident the first question is "which model is serving?". A version label answers it from ' +
      'kubectl, from every metric and log line (Prometheus keeps pod labels), and lets canary analysis compare ' +
      'versions. A label that disagrees with the manifest is worse than none.',
    fix: 'Add mlready.dev/model-version: "<model.version>" to the pod template labels (scaffold does), and bump it with every model release.',
  },
  check({ service, report }) {
    const version = service.manifest?.manifest.spec.model.version;
    for (const workload of runningWorkloads(service)) {
      // Kinds without a pod template of their own (a Seldon Model) carry it on the object.
      const template = workload.templates[0];
      const labels = template ? template.labels : labelsOf(workload.object);
      const metadataPath = template ? template.metadataPath : ['metadata'];
      const object = workload.object;
      const found = VERSION_LABELS.map((key) => [key, labels[key]] as const).filter(
        ([, v]) => v !== undefined,
      );
      if (found.length === 0) {
        const names = VERSION_LABELS.join(' or ');
        const who = template ? `the pods of ${object.ref} carry` : `${object.ref} carries`;
        report({
          object,
          path: [...metadataPath],
          message: `${who} no model version label (${names})`,
        });
        continue;
      }
      for (const [key, value] of found) {
        if (
          version !== undefined &&
          value !== version &&
          !(key === 'app.kubernetes.io/version' && found.length > 1)
        ) {
          report({
            object,
            path: [...metadataPath, 'labels', key],
            message: `the pods of ${object.ref} are labelled ${key}: ${value}, but mlready.yaml says model.version ${version}`,
          });
        }
      }
    }
  },
});
