import { labelsOf, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import { defineRule, type RuleContext } from './rule.js';
import { runningWorkloads } from './support/serving.js';

/** The labels read, in order; check() reads them by name (a named load, not a keyed one). */
export const VERSION_LABELS = ['mlready.dev/model-version', 'app.kubernetes.io/version'] as const;
const [MODEL_VERSION, APP_VERSION] = VERSION_LABELS;

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
    const workloads = runningWorkloads(service);
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      // Kinds without a pod template of their own (a Seldon Model) carry it on the object.
      const template = workload.templates[0];
      const labels = template ? template.labels : labelsOf(workload.object);
      const metadataPath = template ? template.metadataPath : ['metadata'];
      const object = workload.object;
      // The two labels read in place: no list of pairs per workload (every workload of a run).
      const own = labels['mlready.dev/model-version'];
      const common = labels['app.kubernetes.io/version'];
      if (own === undefined && common === undefined) {
        const names = VERSION_LABELS.join(' or ');
        const who = template ? `the pods of ${object.ref} carry` : `${object.ref} carries`;
        report({
          object,
          path: [...metadataPath],
          message: `${who} no model version label (${names})`,
        });
        continue;
      }
      if (version === undefined) continue;
      if (own !== undefined && own !== version)
        mismatch(report, object, metadataPath, MODEL_VERSION, own, version);
      // app.kubernetes.io/version is judged only where it is the one version label.
      if (common !== undefined && own === undefined && common !== version)
        mismatch(report, object, metadataPath, APP_VERSION, common, version);
    }
  },
});

function mismatch(
  report: RuleContext['report'],
  object: K8sObject,
  metadataPath: YamlPath,
  key: string,
  value: string,
  version: string,
): void {
  report({
    object,
    path: [...metadataPath, 'labels', key],
    message: `the pods of ${object.ref} are labelled ${key}: ${value}, but mlready.yaml says model.version ${version}`,
  });
}
