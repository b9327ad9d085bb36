import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { REVISION_ANNOTATION } from './rollback-plan.js';
import type { ContainerObservation, PodObservation, RolloutObservation } from './rollout-status.js';

type Any = Record<string, any>;

/** The Deployment's own ReplicaSets (by controller owner reference), newest revision first. */
export async function ownedReplicaSets(
  cluster: ClusterClient,
  deployment: KubeObject,
): Promise<KubeObject[]> {
  const sets = await cluster.list('apps/v1', 'ReplicaSet', deployment.metadata.namespace);
  return sets
    .filter((rs) =>
      rs.metadata.ownerReferences?.some(
        (o) => o.kind === 'Deployment' && o.uid === deployment.metadata.uid && o.controller !== false,
      ),
    )
    .sort((a, b) => revisionOf(b) - revisionOf(a));
}

export function revisionOf(object: KubeObject | undefined): number {
  const value = Number(object?.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(value) ? value : 0;
}

function withoutHash(template: Any): string {
  const copy: Any = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels['pod-template-hash'];
  return JSON.stringify(sortKeys(copy));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Any)[k])]),
    );
  return value;
}

/** The ReplicaSet whose pod template equals the Deployment's (kubectl's GetNewReplicaSet). */
export function newReplicaSet(deployment: KubeObject, sets: readonly KubeObject[]): KubeObject | undefined {
  const want = withoutHash((deployment.spec as Any)?.template);
  return sets.find((rs) => withoutHash((rs.spec as Any)?.template) === want);
}

const time = (value: unknown): number | undefined => {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

export function toPod(pod: KubeObject): PodObservation {
  const status = (pod.status ?? {}) as Any;
  const containers: ContainerObservation[] = ((status.containerStatuses ?? []) as Any[]).map((c) => ({
    name: String(c.name),
    restartCount: Number(c.restartCount ?? 0),
    waiting: c.state?.waiting
      ? { reason: String(c.state.waiting.reason), message: c.state.waiting.message as string | undefined }
      : undefined,
    lastTerminated: c.lastState?.terminated
      ? {
          reason: String(c.lastState.terminated.reason),
          exitCode: c.lastState.terminated.exitCode as number | undefined,
        }
      : undefined,
    runningSince: c.state?.running ? (time(c.state.running.startedAt) ?? 1) : undefined,
  }));
  const conditions = ((status.conditions ?? []) as Any[]).map((c) => ({
    type: String(c.type),
    status: String(c.status),
    reason: c.reason as string | undefined,
    message: c.message as string | undefined,
    since: time(c.lastTransitionTime),
  }));
  return {
    name: pod.metadata.name,
    phase: String(status.phase ?? 'Pending'),
    createdAt: time(pod.metadata.creationTimestamp) ?? 0,
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    conditions,
    containers,
    node:
      typeof (pod.spec as Any)?.nodeName === 'string' ? ((pod.spec as Any).nodeName as string) : undefined,
    nominatedNode: typeof status.nominatedNodeName === 'string' ? status.nominatedNodeName : undefined,
  };
}

export interface ObservedRollout extends Omit<RolloutObservation, 'now'> {
  newReplicaSet: KubeObject | undefined;
  raw: KubeObject;
}

/** A label selector string for a Deployment's spec.selector.matchLabels (matchExpressions: all pods). */
function selectorOf(deployment: KubeObject): string | undefined {
  const labels = ((deployment.spec as Any)?.selector?.matchLabels ?? {}) as Record<string, string>;
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** A pod in trouble is worth the namespace's events: they say why (pull errors, scale-ups). */
function needsEvents(pod: PodObservation): boolean {
  return (
    pod.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False') ||
    pod.containers.some((c) => /Image|Pull/.test(c.waiting?.reason ?? ''))
  );
}

/**
 * Reads what rolloutStatus() judges: the Deployment, its new ReplicaSet's pods, how many of its
 * pods are terminating, and (when a pod is in trouble, or `withEvents`) the pods' events.
 */
export async function observeRollout(
  cluster: ClusterClient,
  namespace: string,
  name: string,
  startupBudgetSeconds: number,
  withEvents = false,
): Promise<ObservedRollout> {
  const deployment = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!deployment) throw new Error(`Deployment ${name} disappeared`);
  const spec = (deployment.spec ?? {}) as Any;
  const status = (deployment.status ?? {}) as Any;
  const selector = selectorOf(deployment);
  // Both lists need only the Deployment: read them together (one round trip to the API server
  // less at every event of the rollout, the last one before the verdict included).
  const [sets, podList] = await Promise.all([
    ownedReplicaSets(cluster, deployment),
    cluster.list('v1', 'Pod', namespace, selector ? { labelSelector: selector } : {}),
  ]);
  const generation = deployment.metadata.generation ?? 0;
  const observed = Number(status.observedGeneration ?? 0);
  // Until the controller has seen this generation, the "new" ReplicaSet may still be the old one.
  const fresh = observed >= generation ? newReplicaSet(deployment, sets) : undefined;
  const setUids = new Set(sets.map((rs) => rs.metadata.uid));
  const all = podList.filter((p) => p.metadata.ownerReferences?.some((o) => setUids.has(o.uid)));
  const terminatingPods = all.filter((p) => p.metadata.deletionTimestamp).length;
  const pods = fresh
    ? all.filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.metadata.ownerReferences?.some((o) => o.uid === fresh.metadata.uid),
      )
    : [];
  const observedPods = pods.map(toPod);
  const names = new Set(pods.map((p) => p.metadata.name));
  const events =
    names.size === 0 || !(withEvents || observedPods.some(needsEvents))
      ? []
      : (await cluster.list('v1', 'Event', namespace)).filter((e) =>
          names.has(String((e.involvedObject as Any)?.name)),
        );
  return {
    raw: deployment,
    newReplicaSet: fresh,
    deployment: {
      name,
      generation,
      observedGeneration: observed,
      replicas: Number(spec.replicas ?? 1),
      statusReplicas: Number(status.replicas ?? 0),
      updatedReplicas: Number(status.updatedReplicas ?? 0),
      availableReplicas: Number(status.availableReplicas ?? 0),
      conditions: ((status.conditions ?? []) as Any[]).map((c) => ({
        type: String(c.type),
        status: String(c.status),
        reason: c.reason as string | undefined,
        message: c.message as string | undefined,
      })),
      paused: spec.paused === true,
    },
    pods: observedPods,
    terminatingPods,
    events: events.map((e) => ({
      object: String((e.involvedObject as Any)?.name),
      reason: typeof e.reason === 'string' ? e.reason : '',
      message: typeof e.message === 'string' ? e.message : '',
    })),
    startupBudgetSeconds,
  };
}

/**
 * Startup budget of a Deployment's pods: the startup probe's window, else the manifest's load
 * estimate, else 10 minutes.
 */
export function startupBudgetSeconds(
  deployment: KubeObject,
  serving?: { expectedLoadSeconds?: number | undefined; imagePullSeconds?: number | undefined },
): number {
  const { expectedLoadSeconds, imagePullSeconds } = serving ?? {};
  const containers = ((deployment.spec as Any)?.template?.spec?.containers ?? []) as Any[];
  let probeWindow = 0;
  for (const c of containers) {
    const p = c.startupProbe ?? c.readinessProbe;
    if (!p) continue;
    const window =
      Number(p.initialDelaySeconds ?? 0) + Number(p.periodSeconds ?? 10) * Number(p.failureThreshold ?? 3);
    probeWindow = Math.max(probeWindow, window);
  }
  const estimate = expectedLoadSeconds !== undefined ? expectedLoadSeconds + (imagePullSeconds ?? 0) : 0;
  const budget = Math.max(probeWindow, estimate);
  return budget > 0 ? budget + 30 : 600;
}
