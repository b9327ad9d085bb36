import { configMapModelRefsOf, modelRefsOf } from '../workloads/model-refs.js';
import type { ModelRef, Workload } from '../workloads/model.js';
import { redactText } from '../redact.js';
import { defineRule, type RuleContext, type Severity } from './rule.js';
import { podContainers } from './support/serving.js';

/** Why a model reference does not pin a version, and how sure that is. */
export interface Unpinned {
  readonly reason: string;
  /** error: the reference itself says it moves; warning: nothing in it pins a version, the store may. */
  readonly severity: Severity;
}

/** Path components that stand for whatever was published last. */
const MOVING = /^(latest|current|main|master|prod|production|stable|head)$/i;

/**
 * A path component that names a version: `3`, `v3`, `1.4.2`, `v1.11.0-dev`, `2024-06-01`, a commit
 * hash, or a name ending in one (`fraud-v3`, `iris_1.2.0`, `flowers-2`). `llama-3-8b` and `resnet50`
 * name a model, not a version.
 */
const VERSION_SEGMENT =
  /^(v?\d+([._-]\d+)*([-+][\w.]+)?|(?=[a-f]*\d)[0-9a-f]{7,64}|.*[-_.]v?\d+([._]\d+)*)$/i;

/**
 * Why a model reference does not pin a version, or undefined when it does. `localPath`: a bare
 * absolute path is where the weights come from (a Seldon storageUri on the server's PVC), not a
 * mount that some other field fills.
 *
 * Shaped for speed (issue 18): every model reference of every workload is judged, in the first runs
 * of a process mostly by unoptimized code, so the patterns are compiled once (a literal in the body
 * makes a new RegExp object per call) and a path's segments are judged as they are cut, without a
 * split, filter or closure per call. main's version is kept in test/helpers/r8-rules-a-reference.ts
 * and compared with this one.
 */
export function unversionedReason(uri: string, localPath = false): Unpinned | undefined {
  const value = uri.trim();
  if (HF_SCHEME.test(value))
    return HF_REVISION.test(value)
      ? undefined
      : {
          reason: 'names a Hugging Face repo without a revision (hf://org/model@<commit>)',
          severity: 'error',
        };
  if (OCI_SCHEME.test(value)) return ociReason(value.replace(OCI_SCHEME, ''));
  const store = STORE_SCHEME.test(value);
  if (store || (localPath && value.startsWith('/'))) return pathReason(value.replace(SCHEME_AND_HOST, ''));
  if (LATEST_TAG.test(value)) return { reason: 'uses the tag "latest"', severity: 'error' };
  // A bare Hugging Face id (org/model) passed to vLLM/TGI: resolved to whatever main is at start-up.
  if (BARE_HF_ID.test(value) && !value.startsWith('.'))
    return { reason: 'is a Hugging Face id that loads the current main branch', severity: 'error' };
  return undefined;
}

const HF_SCHEME = /^hf:\/\//;
const HF_REVISION = /@[0-9a-f]{7,40}$|@v?\d/;
const OCI_SCHEME = /^oci:\/\//;
const STORE_SCHEME = /^(s3|gs|gcs|tos|az|abfss?|wasbs?|https?|pvc|file):\/\//;
const SCHEME_AND_HOST = /^[a-z0-9]+:\/\/[^/]*/;
const LATEST_TAG = /:latest$/;
const BARE_HF_ID = /^[\w.-]+\/[\w.-]+$/;
const EXTENSION = /\.[a-z]+$/i;
const OCI_DIGEST = /@sha256:[0-9a-f]{64}$/;
const OCI_TAG = /:([\w][\w.-]{0,127})$/;

/**
 * A store path's verdict from its non-empty segments between `/`, `:` and `@`: a moving segment
 * anywhere makes it an error, else a version segment pins it.
 */
function pathReason(path: string): Unpinned | undefined {
  let versioned = false;
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    const code = i < path.length ? path.charCodeAt(i) : SLASH;
    if (code !== SLASH && code !== COLON && code !== AT) continue;
    if (i > start) {
      const segment = path.slice(start, i);
      if (MOVING.test(segment))
        return { reason: 'points at a moving "latest"-style path', severity: 'error' };
      if (!versioned && VERSION_SEGMENT.test(segment.replace(EXTENSION, ''))) versioned = true;
    }
    start = i + 1;
  }
  return versioned ? undefined : { reason: 'has no version in its path', severity: 'warning' };
}

const SLASH = 0x2f;
const COLON = 0x3a;
const AT = 0x40;

/** An OCI model image (KServe modelcar): a digest pins it, a tag can be pushed again. */
function ociReason(reference: string): Unpinned | undefined {
  if (OCI_DIGEST.test(reference)) return undefined;
  const tag = OCI_TAG.exec(reference.split('/').pop() ?? '')?.[1];
  if (tag === undefined)
    return { reason: 'is an OCI reference without a tag (it resolves to latest)', severity: 'error' };
  if (MOVING.test(tag)) return { reason: 'points at a moving "latest"-style path', severity: 'error' };
  return { reason: `is an OCI image by tag ("${tag}"), not by digest (@sha256:…)`, severity: 'warning' };
}

export default defineRule({
  id: 'versioned-model-uri',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'rollout',
  kinds: ['ModelService', 'ConfigMap', 'workload'],
  docs: {
    summary:
      'Model weights and adapters are referenced at a pinned version wherever the model is named: flags, env, ConfigMaps, storageUri, OCI model images and LoRA modules.',
    why:
      'Rolling a Deployment back restores its pod template, not the bucket. If the template says ' +
      's3://models/fraud/latest or meta-llama/Llama-3.1-8B-Instruct, the "rolled back" pods load today\'s weights, ' +
      'and two replicas started an hour apart can serve different models. The same holds for a model id kept in a ' +
      'ConfigMap, an OCI model image by tag (a tag can be pushed again) and a LoRA adapter fetched from its ' +
      "repository's head (--revision pins only the base model). A moving name is an error; a path without a " +
      'version segment is a warning, since the store behind it may never overwrite what it holds.',
    fix: 'Reference an immutable version: s3://models/fraud/1.4.2/, hf://org/model@<commit>, --revision <commit> for vLLM/TGI (REVISION beside MODEL_ID in the ConfigMap), oci://registry/model@sha256:<digest>, and LoRA adapters downloaded at a commit to a local or versioned path.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    const uri = manifest?.manifest.spec.model.uri;
    if (manifest && uri) {
      const unpinned = unversionedReason(uri);
      if (unpinned)
        report({
          object: manifest,
          path: ['spec', 'model', 'uri'],
          message: `mlready.yaml model.uri "${redactText(uri)}" ${unpinned.reason}`,
          severity: unpinned.severity,
        });
    }
    const configMaps = service.ofKind('ConfigMap');
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      // The workload's own references, then those read from ConfigMaps, judged in place rather
      // than joined into a new list per workload.
      const refs = modelRefsOf(workload);
      for (let i = 0; i < refs.length; i++) judge(workload, refs[i]!, report);
      // Without ConfigMaps in the service no container can read a model from one.
      if (configMaps.length === 0) continue;
      for (const t of workload.templates)
        for (const c of podContainers(t))
          for (const model of configMapModelRefsOf(c, configMaps)) judge(workload, model, report);
    }
  },
});

function judge(workload: Workload, model: ModelRef, report: RuleContext['report']): void {
  const unpinned = unversionedReason(model.reference, model.source === 'storageUri');
  if (!unpinned) return;
  if (model.revision !== undefined && unpinned.reason.startsWith('is a Hugging Face id')) return;
  if (model.source === 'preset' && model.revision !== undefined) return;
  report({
    object: model.at.object,
    path: model.at.path,
    message: messageOf(workload.object.ref, model, unpinned),
    severity: unpinned.severity,
  });
}

function messageOf(workload: string, model: ModelRef, unpinned: Unpinned): string {
  const reference = redactText(model.reference);
  const fromContainer = ['args', 'env', 'lora', 'configMap'].includes(model.source);
  const what = fromContainer && model.container ? model.container.label : workload;
  switch (model.source) {
    case 'storageUri':
    case 'url':
      return `${what} ${model.source} "${reference}" ${unpinned.reason}`;
    case 'lora':
      // A flag's --revision pins only the base model; say so where one could be mistaken for both.
      return `${what} loads the LoRA adapter "${reference}", which ${unpinned.reason}${model.container ? ' (--revision pins only the base model)' : ''}`;
    case 'configMap':
      return `${what} loads the model "${reference}" (from ${model.at.object.ref} ${model.at.path.at(-1)}), which ${unpinned.reason}`;
    default:
      return `${what} loads the model "${reference}", which ${unpinned.reason}`;
  }
}
