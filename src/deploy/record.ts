import { createHash } from 'node:crypto';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { redactText } from '../redact.js';

/**
 * What one release applied and how its rollout went, kept in a ConfigMap beside the Deployment
 * (as Helm keeps releases in Secrets) and, with `deploy --save`, in a file beside the manifest.
 *
 * Records are keyed by content, not by revision number: the ConfigMap is named after the
 * Deployment and the `pod-template-hash` of the release's ReplicaSet. Kubernetes renumbers a
 * revision that a rollback returns to (revision 2 becomes 4), but the ReplicaSet and its hash
 * stay, so the record is found again whatever its number is now. The format is documented in
 * docs/deploy.md and schemas/deploy-record.schema.json.
 */
export const RECORD_API_VERSION = 'mlready.dev/v1';
export const RECORD_KIND = 'DeployRecord';

export const RECORD_LABELS = {
  releaseOf: 'mlready.dev/release-of',
  templateHash: 'mlready.dev/pod-template-hash',
  outcome: 'mlready.dev/outcome',
} as const;

/** One new pod of a rollout: how long it took to become ready, and where the time went. */
export interface PodTiming {
  pod: string;
  node?: string | undefined;
  ready: boolean;
  /** From the pod's creation to Ready. */
  createdToReadyMs?: number | undefined;
  /** From creation to being bound to a node. */
  schedulingMs?: number | undefined;
  /** The image pull, as the kubelet's Pulled event reports it (0 when the image was present). */
  imagePullMs?: number | undefined;
  /** From the serving container starting to the pod being Ready (model load and warm-up). */
  startToReadyMs?: number | undefined;
}

export interface RolloutMeasurement {
  /** When the new template reached the API server. */
  startedAt: string;
  /** From then to the rollout's verdict; undefined when it did not finish. */
  totalMs?: number | undefined;
  pods: PodTiming[];
  /** How the times were measured, for whoever reads the record later. */
  source: string;
}

export interface DeployRecord {
  apiVersion: typeof RECORD_API_VERSION;
  kind: typeof RECORD_KIND;
  deployment: string;
  namespace: string;
  /** The kubeconfig context deployed to (in saved files). */
  context?: string | undefined;
  /** pod-template-hash of the release's ReplicaSet: the key of the record. */
  templateHash: string;
  /** sha256 of the applied objects: equal digests are the same release. */
  digest: string;
  /** The revision number when the release was applied (Kubernetes may renumber it later). */
  revision?: number | undefined;
  model: { name?: string | undefined; version?: string | undefined };
  image?: string | undefined;
  changeCause: string;
  appliedAt: string;
  outcome: 'deployed' | 'failed';
  failure?: { reason: string; message: string } | undefined;
  rollout?: RolloutMeasurement | undefined;
  /** Names of the Secrets the release applied; their values are never recorded. */
  secrets: string[];
}

/** The objects a release applied (its applied configurations, Secrets left out), kept with its record. */
export interface StoredRelease {
  record: DeployRecord;
  objects: KubeObject[];
  /** The record's ConfigMap as read, for resourceVersion checks. */
  configMap?: KubeObject | undefined;
}

export function recordName(deployment: string, templateHash: string): string {
  return `mlready-release-${deployment}`.slice(0, 253 - templateHash.length - 1) + `-${templateHash}`;
}

/** A stable digest of applied configurations (key order does not matter). */
export function releaseDigest(objects: readonly KubeObject[]): string {
  const sorted = [...objects].map(stableJson).sort().join('\n');
  return createHash('sha256').update(sorted).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** Label values are limited to 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric. */
function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function recordConfigMap(stored: StoredRelease): KubeObject {
  const { record } = stored;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(record.deployment, record.templateHash),
      namespace: record.namespace,
      labels: {
        [RECORD_LABELS.releaseOf]: labelValue(record.deployment),
        [RECORD_LABELS.templateHash]: labelValue(record.templateHash),
        [RECORD_LABELS.outcome]: record.outcome,
        'app.kubernetes.io/managed-by': 'mlready',
      },
    },
    data: {
      'record.json': `${JSON.stringify(redactRecord(record), null, 2)}\n`,
      'objects.json': JSON.stringify(stored.objects),
    },
  };
}

/** Free-text fields of a record pass the redaction gate; the objects are configuration, kept as applied. */
export function redactRecord(record: DeployRecord): DeployRecord {
  return {
    ...record,
    changeCause: redactText(record.changeCause),
    ...(record.failure
      ? { failure: { reason: record.failure.reason, message: redactText(record.failure.message) } }
      : {}),
  };
}

export function parseRecordConfigMap(configMap: KubeObject): StoredRelease | undefined {
  const data = configMap.data as Record<string, string> | undefined;
  const text = data?.['record.json'];
  if (!text) return undefined;
  try {
    const record = JSON.parse(text) as DeployRecord;
    if (record.kind !== RECORD_KIND || record.apiVersion !== RECORD_API_VERSION) return undefined;
    const objects = JSON.parse(data['objects.json'] ?? '[]') as KubeObject[];
    return { record, objects, configMap };
  } catch {
    return undefined;
  }
}

/** Every release record of a Deployment, by pod-template-hash. */
export async function readRecords(
  cluster: ClusterClient,
  namespace: string,
  deployment: string,
): Promise<Map<string, StoredRelease>> {
  const maps = await cluster.list('v1', 'ConfigMap', namespace, {
    labelSelector: `${RECORD_LABELS.releaseOf}=${labelValue(deployment)}`,
  });
  const out = new Map<string, StoredRelease>();
  for (const cm of maps) {
    const stored = parseRecordConfigMap(cm);
    if (stored && stored.record.deployment === deployment) out.set(stored.record.templateHash, stored);
  }
  return out;
}

export async function readRecord(
  cluster: ClusterClient,
  namespace: string,
  deployment: string,
  templateHash: string,
): Promise<StoredRelease | undefined> {
  const cm = await cluster.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace,
    name: recordName(deployment, templateHash),
  });
  return cm ? parseRecordConfigMap(cm) : undefined;
}

/**
 * Writes a release record, unless the cluster already holds the same release (same digest and
 * outcome) under this template: a deploy that changed nothing keeps the time it was first applied.
 */
export async function writeRecord(
  cluster: ClusterClient,
  stored: StoredRelease,
): Promise<'written' | 'unchanged'> {
  const existing = await readRecord(
    cluster,
    stored.record.namespace,
    stored.record.deployment,
    stored.record.templateHash,
  );
  if (
    existing &&
    existing.record.digest === stored.record.digest &&
    existing.record.outcome === stored.record.outcome &&
    (stored.record.rollout === undefined || stored.record.rollout.pods.length === 0)
  )
    return 'unchanged';
  // A release applied again without new pods (only other objects changed) keeps the measurements
  // of the rollout that did start its pods.
  const rollout =
    stored.record.rollout && stored.record.rollout.pods.length > 0
      ? stored.record.rollout
      : (existing?.record.rollout ?? stored.record.rollout);
  const record = { ...stored.record, ...(rollout ? { rollout } : {}) };
  // The record is mlready's own object: take its fields over if a person edited them.
  await cluster.apply(recordConfigMap({ ...stored, record }), { force: true });
  return 'written';
}
