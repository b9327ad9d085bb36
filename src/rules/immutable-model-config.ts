import { asRecord } from '../check/objects.js';
import { referencedConfigNames } from '../check/services.js';
import { defineRule } from './rule.js';

/**
 * kustomize's configMapGenerator suffix (10 characters of its vowel-free hash alphabet), a hex
 * content hash, or a version at the end of the name.
 */
const HASHED_NAME = /-[2456789bcdfghkmt]{10}$|-[0-9a-f]{8,}$|-v?\d+(\.\d+)*(-\d+)?$/;

export default defineRule({
  id: 'immutable-model-config',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['ConfigMap'],
  docs: {
    summary:
      'ConfigMaps that serving pods read are immutable or carry a content hash or version in their name.',
    why:
      'A rollback reverts the pod template, not the ConfigMaps it mounts. Model configuration (thresholds, feature ' +
      'lists, batching, prompt templates) edited in place stays at the new values when the model rolls back, so the ' +
      'old model runs with the new config, a combination nobody tested.',
    fix: 'Generate the ConfigMap with a hash suffix (kustomize configMapGenerator) or a version in its name, and set immutable: true.',
  },
  check({ service, report }) {
    const configMaps = service.ofKind('ConfigMap');
    // The names the serving pods read are gathered only where there is a ConfigMap to judge.
    if (configMaps.length === 0) return;
    const used = new Set(
      service.workloads.filter((w) => !w.batch).flatMap((w) => [...referencedConfigNames(w)]),
    );
    for (const configMap of configMaps) {
      if (!used.has(`ConfigMap/${configMap.name}`)) continue;
      if (asRecord(configMap.raw).immutable === true || HASHED_NAME.test(configMap.name)) continue;
      report({
        object: configMap,
        path: ['metadata', 'name'],
        message: `${configMap.ref} is mutable and read by the serving pods: a rollback will not revert it`,
      });
    }
  },
});
