import { asArray, asRecord, asString, getPath } from '../check/objects.js';
import { containersOf } from '../check/workloads.js';
import type { YamlPath } from '../manifest/yaml.js';
import { redactText } from '../redact.js';
import { defineRule } from './rule.js';

const MODEL_ENV =
  /^(MODEL(_ID|_NAME|_PATH|_URI|_URL|_DIR)?|STORAGE_URI|HF_MODEL_ID|MODEL_REPOSITORY|WEIGHTS_(URI|PATH))$/;
const MODEL_FLAGS = /^--(model|model-id|model-repository|model-store|model_base_path|model-path)(=(.*))?$/;

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
  section: 'rollout',
  kinds: [
    'ModelService',
    'Deployment',
    'StatefulSet',
    'Rollout',
    'Pod',
    'Job',
    'CronJob',
    'InferenceService',
  ],
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
      const storage = getPath(workload.raw, ['spec', 'predictor', 'model', 'storageUri']);
      if (workload.kind === 'InferenceService' && typeof storage === 'string') {
        const reason = unversionedReason(storage);
        if (reason)
          report({
            object: workload,
            path: ['spec', 'predictor', 'model', 'storageUri'],
            message: `${workload.ref} storageUri "${redactText(storage)}" ${reason}`,
          });
      }
      for (const ref of containersOf(workload, { init: true })) {
        const args = [
          ...asArray(ref.container.command).map(String),
          ...asArray(ref.container.args).map(String),
        ];
        const pinnedByRevision = args.some((a) => /^--(revision|code-revision)(=|$)/.test(a));
        const candidates: [string, YamlPath][] = [];
        asArray(ref.container.env).forEach((e, i) => {
          const env = asRecord(e);
          const value = asString(env.value);
          if (value && MODEL_ENV.test(asString(env.name) ?? ''))
            candidates.push([value, [...ref.path, 'env', i, 'value']]);
        });
        for (const field of ['command', 'args'] as const) {
          const list = asArray(ref.container[field]).map(String);
          list.forEach((a, i) => {
            const m = MODEL_FLAGS.exec(a);
            // `vllm serve <model>`: the model is the positional argument after "serve".
            const positional = a === 'serve' && list[i + 1] !== undefined && !list[i + 1]!.startsWith('-');
            if (!m && !positional) return;
            const value = m?.[3] ?? list[i + 1];
            if (value) candidates.push([value, [...ref.path, field, m?.[3] !== undefined ? i : i + 1]]);
          });
        }
        for (const [value, path] of candidates) {
          const reason = unversionedReason(value);
          if (!reason) continue;
          if (pinnedByRevision && reason.startsWith('is a Hugging Face id')) continue;
          report({
            object: workload,
            path,
            message: `${ref.label} loads the model "${redactText(value)}", which ${reason}`,
          });
        }
      }
    }
  },
});
