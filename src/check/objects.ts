import type { ModelManifest } from '../manifest/types.js';
import type { SourceDocument, YamlPath } from '../manifest/yaml.js';

/**
 * Kinds the engine understands, by kind name. Anything else is counted and listed as skipped.
 * Sorted; the apiGroup is informational (we accept any version of the group).
 */
export const KNOWN_KINDS = {
  AuthorizationPolicy: 'security.istio.io',
  ConfigMap: '',
  CronJob: 'batch',
  Deployment: 'apps',
  DestinationRule: 'networking.istio.io',
  /** A Helm values file (values.yaml): no kind of its own; read for literal secrets. */
  HelmValues: 'helm.sh',
  HorizontalPodAutoscaler: 'autoscaling',
  InferenceService: 'serving.kserve.io',
  Ingress: 'networking.k8s.io',
  Job: 'batch',
  ModelService: 'mlready.dev',
  NetworkPolicy: 'networking.k8s.io',
  Pod: '',
  RequestAuthentication: 'security.istio.io',
  PodDisruptionBudget: 'policy',
  PodMonitor: 'monitoring.coreos.com',
  PrometheusRule: 'monitoring.coreos.com',
  Rollout: 'argoproj.io',
  ScaledObject: 'keda.sh',
  Secret: '',
  Service: '',
  ServiceMonitor: 'monitoring.coreos.com',
  ServingRuntime: 'serving.kserve.io',
  StatefulSet: 'apps',
  VirtualService: 'networking.istio.io',
} as const;

export type KnownKind = keyof typeof KNOWN_KINDS;

/** A Kubernetes object (or the mlready manifest) with the document it came from. */
export interface K8sObject {
  readonly kind: KnownKind;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** The object as plain data. Typed loosely on purpose: rules read YAML written by people. */
  readonly raw: Record<string, unknown>;
  readonly source: SourceDocument;
  /** "Deployment/fraud-model" */
  readonly ref: string;
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

export function isKnownKind(kind: unknown): kind is KnownKind {
  return typeof kind === 'string' && Object.hasOwn(KNOWN_KINDS, kind);
}

export function toObject(source: SourceDocument): K8sObject | SkippedDocument {
  const value = source.value;
  const line = source.positionOf([]).line;
  if (!isRecord(value)) {
    return {
      file: source.file,
      line,
      kind: '(none)',
      name: '',
      reason: 'not a mapping: not a Kubernetes object',
    };
  }
  const kind = value.kind;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (!isKnownKind(kind)) {
    const shown = typeof kind === 'string' ? kind : '(no kind)';
    return {
      file: source.file,
      line,
      kind: shown,
      name,
      reason: typeof kind === 'string' ? 'kind not checked by mlready' : 'no kind: not a Kubernetes object',
    };
  }
  return {
    kind,
    apiVersion: typeof value.apiVersion === 'string' ? value.apiVersion : '',
    name,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    raw: value,
    source,
    ref: `${kind}/${name || '(unnamed)'}`,
  };
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
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

export function labelsOf(object: K8sObject): Record<string, string> {
  return stringMap(getPath(object.raw, ['metadata', 'labels']));
}

export function annotationsOf(object: K8sObject): Record<string, string> {
  return stringMap(getPath(object.raw, ['metadata', 'annotations']));
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(asRecord(value))) {
    const s = asString(v);
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
