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
  }));
  const conditions = ((status.conditions ?? []) as Any[]).map((c) => ({
    type: String(c.type),
    status: String(c.status),
    reason: c.reason as string | undefined,
    message: c.message as string | undefined,
  }));
  return {
    name: pod.metadata.name,
    phase: String(status.phase ?? 'Pending'),
    createdAt: Date.parse(pod.metadata.creationTimestamp ?? '') || 0,
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    conditions,
    containers,
  };
}

export interface ObservedRollout extends Omit<RolloutObservation, 'now'> {
  newReplicaSet: KubeObject | undefined;
  raw: KubeObject;
}

/** Reads what rolloutStatus() judges: the Deployment, its new ReplicaSet's pods, and their events. */
export async function observeRollout(
  cluster: ClusterClient,
  namespace: string,
  name: string,
  startupBudgetSeconds: number,
): Promise<ObservedRollout> {
  const deployment = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!deployment) throw new Error(`Deployment ${name} disappeared`);
  const spec = (deployment.spec ?? {}) as Any;
  const status = (deployment.status ?? {}) as Any;
  const sets = await ownedReplicaSets(cluster, deployment);
  const generation = deployment.metadata.generation ?? 0;
  const observed = Number(status.observedGeneration ?? 0);
  // Until the controller has seen this generation, the "new" ReplicaSet may still be the old one.
  const fresh = observed >= generation ? newReplicaSet(deployment, sets) : undefined;
  let pods: KubeObject[] = [];
  if (fresh) {
    const hash = fresh.metadata.labels?.['pod-template-hash'];
    const candidates = await cluster.list(
      'v1',
      'Pod',
      namespace,
      hash ? { labelSelector: `pod-template-hash=${hash}` } : {},
    );
    pods = candidates.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === fresh.metadata.uid));
  }
  const names = new Set(pods.map((p) => p.metadata.name));
  const events =
    names.size === 0
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
    pods: pods.map(toPod),
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
  expectedLoadSeconds?: number,
  imagePullSeconds?: number,
): number {
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
