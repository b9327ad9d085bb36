import { basename } from 'node:path';
import { Document, isScalar, parseAllDocuments } from 'yaml';
import { validateAgainst } from '../manifest/schemas.js';
import type { ModelManifest } from '../manifest/types.js';
import { parseYaml } from '../manifest/yaml.js';
import { collectInputs, type InputText } from '../check/inputs.js';
import type { InputProblem } from '../check/result.js';
import type { KubeObject } from '../k8s/types.js';

export const ANNOTATIONS = {
  modelVersion: 'mlready.dev/model-version',
  modelName: 'mlready.dev/model-name',
  /** kubectl rollout history shows it, and the Deployment controller copies it onto the ReplicaSet. */
  changeCause: 'kubernetes.io/change-cause',
  release: 'mlready.dev/release',
} as const;

export const LABELS = {
  releaseOf: 'mlready.dev/release-of',
  revision: 'mlready.dev/revision',
  track: 'mlready.dev/track',
  model: 'mlready.dev/model',
  modelVersion: 'mlready.dev/model-version',
} as const;

/** A Kubernetes object to apply, with where it came from. */
export interface SourcedObject {
  object: KubeObject;
  file: string;
  line: number;
}

export interface LoadedRelease {
  objects: SourcedObject[];
  manifest: ModelManifest | undefined;
  manifestFile: string | undefined;
  problems: InputProblem[];
  /** The files as read, so `check` judges exactly these texts without reading them again. */
  texts: InputText[];
}

const MANIFEST_FILE = /^mlready\.ya?ml$/i;
const HELM_VALUES_FILE = /^values([.-][\w.-]+)?\.ya?ml$/i;

/** Reads the objects `deploy` will apply (every Kubernetes object in the inputs) and the model manifest. */
export function loadRelease(
  cwd: string,
  paths: readonly string[],
  maxFileBytes = 8 * 1024 * 1024,
): LoadedRelease {
  const collected = collectInputs({ cwd, paths, maxFileBytes });
  const out: LoadedRelease = {
    objects: [],
    manifest: undefined,
    manifestFile: undefined,
    problems: [...collected.problems],
    texts: collected.texts,
  };
  for (const input of collected.texts) {
    if (HELM_VALUES_FILE.test(basename(input.file))) continue;
    const parsed = parseYaml(input.text, input.file);
    out.problems.push(...parsed.problems);
    for (const document of parsed.documents) {
      const value = document.value as Partial<KubeObject> | null;
      if (!value || typeof value !== 'object') continue;
      if (value.kind === 'ModelService' || MANIFEST_FILE.test(basename(input.file))) {
        const problems = validateAgainst('mlready.schema.json', value);
        if (problems.length === 0 && !out.manifest) {
          out.manifest = value as unknown as ModelManifest;
          out.manifestFile = input.file;
        }
        continue;
      }
      if (
        typeof value.apiVersion !== 'string' ||
        typeof value.kind !== 'string' ||
        typeof value.metadata?.name !== 'string'
      ) {
        const line = document.positionOf([]).line;
        out.problems.push({
          file: input.file,
          line,
          message: 'not a Kubernetes object: apiVersion, kind and metadata.name are required to apply it',
        });
        continue;
      }
      if (value.kind === 'List' || value.kind.endsWith('List')) {
        out.problems.push({
          file: input.file,
          line: document.positionOf([]).line,
          message: `${value.kind} is not supported; put one object per YAML document`,
        });
        continue;
      }
      out.objects.push(sourced(value as KubeObject, input.file, document));
    }
  }
  return out;
}

/**
 * An object with the line it starts on, found only when asked (an error message needs it): the
 * line comes from a second, full parse of the document with positions, which for every object
 * made loadRelease of the llm-chat example take 145 ms of CPU instead of 42 ms.
 */
function sourced(
  object: KubeObject,
  file: string,
  document: { positionOf: (path: []) => { line: number } },
): SourcedObject {
  let line: number | undefined;
  return {
    object,
    file,
    get line() {
      return (line ??= document.positionOf([]).line);
    },
  };
}

/** Order of application: what others depend on first (kubectl apply's order for Helm charts). */
const APPLY_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'StatefulSet',
  'InferenceService',
  'HorizontalPodAutoscaler',
  'ScaledObject',
  'PodDisruptionBudget',
];

export function applyOrder(a: KubeObject, b: KubeObject): number {
  const rank = (k: string) => {
    const i = APPLY_ORDER.indexOf(k);
    return i < 0 ? APPLY_ORDER.length : i;
  };
  return rank(a.kind) - rank(b.kind);
}

/** An object as it will be applied: namespace resolved, release annotations added. */
export function prepareObject(
  object: KubeObject,
  options: {
    namespace: string;
    modelVersion?: string;
    modelName?: string;
    changeCause: string;
    clusterScoped: boolean;
  },
): KubeObject {
  const copy = structuredClone(object);
  if (!options.clusterScoped) copy.metadata.namespace = options.namespace;
  const annotations: Record<string, string> = { ...copy.metadata.annotations };
  if (options.modelVersion) annotations[ANNOTATIONS.modelVersion] = options.modelVersion;
  if (options.modelName) annotations[ANNOTATIONS.modelName] = options.modelName;
  if (copy.kind === 'Deployment') annotations[ANNOTATIONS.changeCause] = options.changeCause;
  copy.metadata.annotations = annotations;
  return copy;
}

/** The name of the ConfigMap that records what one release applied, so a rollback can restore it. */
export function releaseRecordName(deployment: string, revision: number): string {
  return `mlready-release-${deployment}-${revision}`.slice(0, 253);
}

/**
 * What a release applied, kept in a ConfigMap beside the Deployment (as Helm keeps releases in
 * Secrets). Secrets are recorded by name only: their values never leave the files they came from.
 */
export function releaseRecord(
  deployment: KubeObject,
  revision: number,
  applied: readonly KubeObject[],
  info: { modelVersion?: string; changeCause: string; at: Date },
): KubeObject {
  const kept = applied
    .filter(
      (o) =>
        o.kind !== 'Secret' && !(o.kind === 'Deployment' && o.metadata.name === deployment.metadata.name),
    )
    .map(stripServerFields);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: releaseRecordName(deployment.metadata.name, revision),
      namespace: deployment.metadata.namespace,
      labels: {
        [LABELS.releaseOf]: deployment.metadata.name,
        [LABELS.revision]: String(revision),
        'app.kubernetes.io/managed-by': 'mlready',
      },
      annotations: {
        [ANNOTATIONS.changeCause]: info.changeCause,
        ...(info.modelVersion ? { [ANNOTATIONS.modelVersion]: info.modelVersion } : {}),
      },
    },
    data: {
      'objects.json': JSON.stringify(kept),
      'applied-at': info.at.toISOString(),
      secrets: applied
        .filter((o) => o.kind === 'Secret')
        .map((o) => o.metadata.name)
        .join(','),
    },
  };
}

export function stripServerFields(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  const {
    managedFields: _m,
    resourceVersion: _rv,
    uid: _uid,
    generation: _g,
    creationTimestamp: _c,
    ...metadata
  } = rest.metadata;
  return { ...rest, metadata };
}

export function recordedObjects(record: KubeObject): KubeObject[] {
  const text = (record.data as Record<string, string> | undefined)?.['objects.json'];
  if (!text) return [];
  return JSON.parse(text) as KubeObject[];
}

/**
 * The input texts with one value replaced at a path in the documents that `pick` selects (the
 * serving container's image of the Deployment, spec.serving.image of mlready.yaml), so `check`
 * judges the release as it will be applied. The new value is written as a JSON string — a valid
 * YAML scalar whatever it holds — over the old value's exact source range; nothing else moves.
 */
export function replaceInTexts(
  texts: readonly InputText[],
  edits: readonly {
    file: string;
    pick: (value: Record<string, unknown>) => boolean;
    path: (value: Record<string, unknown>) => (string | number)[] | undefined;
    value: string;
  }[],
): InputText[] {
  return texts.map((input) => {
    const mine = edits.filter((e) => e.file === input.file);
    if (mine.length === 0) return input;
    const ranges: { start: number; end: number; value: string }[] = [];
    for (const doc of parseAllDocuments(input.text)) {
      if (!(doc instanceof Document)) continue;
      const value = doc.toJS() as unknown;
      if (!value || typeof value !== 'object') continue;
      for (const edit of mine) {
        if (!edit.pick(value as Record<string, unknown>)) continue;
        const path = edit.path(value as Record<string, unknown>);
        const node = path ? doc.getIn(path, true) : undefined;
        if (isScalar(node) && node.range)
          ranges.push({ start: node.range[0], end: node.range[1], value: edit.value });
      }
    }
    let text = input.text;
    for (const r of ranges.sort((a, b) => b.start - a.start))
      text = `${text.slice(0, r.start)}${JSON.stringify(r.value)}${text.slice(r.end)}`;
    return { ...input, text };
  });
}
