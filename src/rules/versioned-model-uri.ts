import { modelRefsOf } from '../workloads/model-refs.js';
import { redactText } from '../redact.js';
import { defineRule } from './rule.js';

/** Why a model reference does not pin a version, or undefined when it does. */
export function unversionedReason(uri: string): string | undefined {
  const value = uri.trim();
  if (/^hf:\/\//.test(value))
    return /@[0-9a-f]{7,40}$|@v?\d/.test(value)
      ? undefined
      : 'names a Hugging Face repo without a revision (hf://org/model@<commit>)';
  if (/^(s3|gs|gcs|az|abfss?|wasbs?|oci|https?|pvc|file):\/\//.test(value)) {
    const segments = value
      .replace(/^[a-z0-9]+:\/\/[^/]*/, '')
      .split(/[/:@]/)
      .filter(Boolean);
    if (segments.some((s) => /^(latest|current|main|master|prod|production|stable|head)$/i.test(s)))
      return 'points at a moving "latest"-style path';
    if (
      /^oci:\/\//.test(value) &&
      !/[:@]/.test(
        value
          .replace(/^oci:\/\//, '')
          .split('/')
          .pop() ?? '',
      )
    )
      return 'is an OCI reference without a tag';
    return segments.some((s) => /\d/.test(s)) ? undefined : 'has no version in its path';
  }
  if (/:latest$/.test(value)) return 'uses the tag "latest"';
  // A bare Hugging Face id (org/model) passed to vLLM/TGI: resolved to whatever main is at start-up.
  if (/^[\w.-]+\/[\w.-]+$/.test(value) && !value.startsWith('.'))
    return 'is a Hugging Face id that loads the current main branch';
  return undefined;
}

export default defineRule({
  id: 'versioned-model-uri',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['ModelService', 'workload'],
  docs: {
    summary:
      'Model weights are referenced at a pinned version: a versioned path, a Hugging Face revision, or a tagged OCI artifact.',
    why:
      'Rolling a Deployment back restores its pod template, not the bucket. If the template says ' +
      's3://models/fraud/latest or meta-llama/Llama-3.1-8B-Instruct, the "rolled back" pods load today\'s weights, ' +
      'and two replicas started an hour apart can serve different models.',
    fix: 'Reference an immutable version: s3://models/fraud/1.4.2/, hf://org/model@<commit>, --revision <commit> for vLLM/TGI, or oci://registry/model:1.4.2.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    const uri = manifest?.manifest.spec.model.uri;
    if (manifest && uri) {
      const reason = unversionedReason(uri);
      if (reason)
        report({
          object: manifest,
          path: ['spec', 'model', 'uri'],
          message: `mlready.yaml model.uri "${redactText(uri)}" ${reason}`,
        });
    }
    for (const workload of service.workloads) {
      for (const model of modelRefsOf(workload)) {
        const reason = unversionedReason(model.reference);
        if (!reason) continue;
        if (model.revision !== undefined && reason.startsWith('is a Hugging Face id')) continue;
        if (model.source === 'preset' && model.revision !== undefined) continue;
        const fromContainer = model.source === 'args' || model.source === 'env';
        const what = fromContainer && model.container ? model.container.label : workload.object.ref;
        report({
          ...model.at,
          message:
            model.source === 'storageUri' || model.source === 'url'
              ? `${what} ${model.source} "${redactText(model.reference)}" ${reason}`
              : `${what} loads the model "${redactText(model.reference)}", which ${reason}`,
        });
      }
    }
  },
});
