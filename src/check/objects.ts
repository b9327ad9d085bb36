import type { ModelManifest } from '../manifest/types.js';
import type { SourceDocument, YamlPath } from '../manifest/yaml.js';
import {
  lookupKind,
  qualifiesRef,
  REMOVED_APIS,
  UNREAD,
  type KindId,
  type KindInfo,
} from '../workloads/kinds.js';

/** A Kubernetes object (or the mlready manifest) with the document it came from. */
export interface K8sObject {
  /** The kind as written ("Service" for a Knative Service too). */
  readonly kind: string;
  /** Registry id, unique across API groups ("KnativeService"); "Unread" for kinds mlready does not read. */
  readonly type: KindId;
  readonly info: KindInfo;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** The object as plain data. Typed loosely on purpose: rules read YAML written by people. */
  readonly raw: Record<string, unknown>;
  readonly source: SourceDocument;
  /** "Deployment/fraud-model", "Service.serving.knative.dev/hello" */
  readonly ref: string;
  /** For objects of unread kinds: where they hold a pod spec. */
  readonly podSpecAt?: YamlPath;
}

export interface ManifestObject extends K8sObject {
  readonly kind: 'ModelService';
  readonly manifest: ModelManifest;
}

export interface SkippedDocument {
  file: string;
  line: number;
  kind: string;
  name: string;
  reason: string;
}

export function toObject(source: SourceDocument): K8sObject | SkippedDocument {
  const value = source.value;
  if (!isRecord(value)) {
    return {
      file: source.file,
      line: lineOf(source),
      kind: '(none)',
      name: '',
      reason: 'not a mapping: not a Kubernetes object',
    };
  }
  const kind = value.kind;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (typeof kind !== 'string') {
    return {
      file: source.file,
      line: lineOf(source),
      kind: '(no kind)',
      name,
      reason: 'no kind: not a Kubernetes object',
    };
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const info = lookupKind(apiVersion, kind) ?? replacedKind(apiVersion, kind);
  const podSpecAt = info ? undefined : findPodSpec(value);
  if (!info && !podSpecAt) {
    return { file: source.file, line: lineOf(source), kind, name, reason: 'kind not checked by mlready' };
  }
  const known = info ?? UNREAD;
  const shown = qualifiesRef(known) ? `${kind}.${known.group}` : kind;
  const object: K8sObject = {
    kind,
    type: known.id,
    info: known,
    apiVersion,
    name,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    raw: value,
    source,
    ref: `${shown}/${name || '(unnamed)'}`,
  };
  // Spread only for the rare unread kind: a spread in every literal costs a generic property copy.
  return podSpecAt ? { ...object, podSpecAt } : object;
}

/** Only a skipped document reports its line: reading positions may cost a parse of its text. */
function lineOf(source: SourceDocument): number {
  return source.positionOf([]).line;
}

/** The registry entry of the kind a removed API version was replaced by (extensions/v1beta1 Deployment). */
function replacedKind(apiVersion: string, kind: string): KindInfo | undefined {
  const removed = REMOVED_APIS[`${apiVersion} ${kind}`];
  return removed ? lookupKind(removed.replacement, kind) : undefined;
}

/**
 * Where an object of an unread kind holds a pod spec: a `containers` list of maps, at any depth
 * (bounded). Such an object runs pods mlready cannot judge, so it must not pass unnoticed.
 */
export function findPodSpec(value: unknown, path: YamlPath = [], depth = 0): YamlPath | undefined {
  if (depth > 16) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < 200; i++) {
      const hit = findPodSpec(value[i], [...path, i], depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const containers = value.containers;
  if (Array.isArray(containers) && containers.length > 0 && containers.every(isRecord)) return path;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'metadata' || key === 'status') continue;
    const hit = findPodSpec(child, [...path, key], depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The value at `path` in plain data, or undefined. */
export function getPath(root: unknown, path: YamlPath): unknown {
  // An index loop: rules call this hundreds of thousands of times per run, and the iterator of a
  // for-of costs more than the lookups themselves when it is not optimized away.
  let node = root;
  for (let i = 0; i < path.length; i++) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[path[i]!];
  }
  return node;
}

/** The object's labels (string values only); read once per object and shared, so frozen. */
export function labelsOf(object: K8sObject): Readonly<Record<string, string>> {
  const value = metadataField(object, 'labels');
  if (value === undefined) return EMPTY;
  let labels = labelsByObject.get(object);
  if (!labels) {
    labels = Object.freeze(stringMap(value));
    labelsByObject.set(object, labels);
  }
  return labels;
}

/** The object's annotations (string values only); read once per object and shared, so frozen. */
export function annotationsOf(object: K8sObject): Readonly<Record<string, string>> {
  const value = metadataField(object, 'annotations');
  if (value === undefined) return EMPTY;
  let annotations = annotationsByObject.get(object);
  if (!annotations) {
    annotations = Object.freeze(stringMap(value));
    annotationsByObject.set(object, annotations);
  }
  return annotations;
}

/**
 * metadata.labels or metadata.annotations when it is a mapping. Most objects have no annotations
 * (and many no labels): they share one frozen empty map instead of a map and a WeakMap entry each,
 * asked for by several rules per object.
 */
function metadataField(
  object: K8sObject,
  key: 'labels' | 'annotations',
): Record<string, unknown> | undefined {
  const metadata = object.raw.metadata;
  if (!isRecord(metadata)) return undefined;
  const value = metadata[key];
  return isRecord(value) ? value : undefined;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

// Keyed by the object: an object's raw value is not changed after it is read.
const labelsByObject = new WeakMap<K8sObject, Readonly<Record<string, string>>>();
const annotationsByObject = new WeakMap<K8sObject, Readonly<Record<string, string>>>();

export function stringMap(value: unknown): Record<string, string> {
  return stringMapInto({}, value);
}

/** Assigns the string (and number) values of a mapping to `out`, as stringMap does to a fresh map. */
export function stringMapInto(out: Record<string, string>, value: unknown): Record<string, string> {
  if (!isRecord(value)) return out;
  // Object.keys, not Object.entries: no [key, value] pair allocated per entry.
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const s = asString(value[key]);
    if (s !== undefined) out[key] = s;
  }
  return out;
}

/** A YAML value as people wrote it, for messages: scalars as they are, anything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value) ?? 'nothing';
}
