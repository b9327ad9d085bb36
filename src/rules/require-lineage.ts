import { defineRule } from './rule.js';
import { firstRunningWorkload } from './support/serving.js';

const FIELDS = [
  ['dataset', 'the training dataset'],
  ['datasetVersion', 'the dataset version'],
  ['trainingRun', 'the training run'],
  ['codeCommit', 'the code commit'],
  ['hyperparameters', 'the hyperparameters'],
] as const;

export default defineRule({
  id: 'require-lineage',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'lineage',
  kinds: ['ModelService', 'workload'],
  docs: {
    summary:
      "The manifest records the model's lineage: dataset and its version, training run, code commit and hyperparameters.",
    why:
      'When a model misbehaves you need to reproduce it: which data, which code, which settings. Without lineage, ' +
      'a rollback restores bytes nobody can rebuild, a bias report cannot name the data, and retraining starts from ' +
      'guesswork.',
    fix: 'Fill spec.model.lineage (dataset, datasetVersion, trainingRun, codeCommit, hyperparameters) from your experiment tracker at release time.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    if (!manifest) {
      const first = firstRunningWorkload(service);
      if (first)
        report({
          object: first.object,
          path: ['metadata', 'name'],
          message: `no lineage for ${first.object.ref}: no mlready.yaml records its dataset, training run, code commit and hyperparameters`,
          fix: 'Run `mlready init` beside the manifests and fill spec.model.lineage from your experiment tracker.',
        });
      return;
    }
    const lineage = manifest.manifest.spec.model.lineage ?? {};
    const missing = FIELDS.filter(([key]) => !lineage[key]).map(([, label]) => label);
    if (missing.length > 0) {
      const { name, version } = manifest.manifest.spec.model;
      report({
        object: manifest,
        path: ['spec', 'model', ...(manifest.manifest.spec.model.lineage ? ['lineage'] : [])],
        message: `mlready.yaml does not record ${missing.join(', ')} of ${name} ${version}`,
      });
    }
  },
});
