import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { ANNOTATIONS, recordedObjects, releaseRecordName, stripServerFields } from './release.js';
import { ownedReplicaSets, revisionOf, startupBudgetSeconds } from './observe.js';
import { planRollback, RollbackRefused, type DeploymentLike, type ReplicaSetLike } from './rollback-plan.js';
import type { RolloutVerdict } from './rollout-status.js';
import { waitForRollout } from './wait.js';
import type { WatchClock } from './watch-rollout.js';

type Any = Record<string, any>;

export interface RollbackOptions {
  cluster: ClusterClient;
  namespace: string;
  name: string;
  /** Default: the revision before the current one. */
  toRevision?: number | undefined;
  clock: WatchClock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Objects of the release being undone that the target release did not have (deleted). */
  currentObjects?: readonly KubeObject[];
  onEvent?: (message: string) => void;
  onChange?: (verdict: RolloutVerdict, elapsedMs: number) => void;
}

export interface RollbackResult {
  outcome: 'rolled-back' | 'noop' | 'refused' | 'failed' | 'interrupted';
  message: string;
  fromRevision?: number;
  toRevision?: number;
  modelVersion?: string | undefined;
  /** Other objects restored from the target release, and those of the undone release deleted. */
  restored: string[];
  deleted: string[];
  /** From the first change to the old version being ready again. */
  elapsedMs: number;
  verdict?: RolloutVerdict;
}

const ref = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;

/**
 * `kubectl rollout undo`, plus the rest of the release: the Deployment gets the target
 * ReplicaSet's pod template back (by server-side apply, so field ownership stays with mlready),
 * the other objects recorded with that release are applied again, and objects only the undone
 * release had are deleted. Then it waits until the old version is ready.
 */
export async function rollbackDeployment(options: RollbackOptions): Promise<RollbackResult> {
  const { cluster, namespace, name } = options;
  const started = options.clock.now();
  const deployment = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!deployment)
    return {
      outcome: 'refused',
      message: `Deployment ${name} does not exist in namespace ${namespace}`,
      restored: [],
      deleted: [],
      elapsedMs: 0,
    };
  const sets = await ownedReplicaSets(cluster, deployment);
  let plan;
  try {
    plan = planRollback(
      deployment as unknown as DeploymentLike,
      sets as unknown as ReplicaSetLike[],
      options.toRevision,
    );
  } catch (error) {
    if (error instanceof RollbackRefused)
      return { outcome: 'refused', message: error.message, restored: [], deleted: [], elapsedMs: 0 };
    throw error;
  }
  if (plan.action === 'noop')
    return {
      outcome: 'noop',
      message: plan.message,
      fromRevision: plan.revision,
      toRevision: plan.revision,
      restored: [],
      deleted: [],
      elapsedMs: 0,
    };

  const target = sets.find((rs) => revisionOf(rs) === plan.toRevision);
  const modelVersion = target?.metadata.annotations?.[ANNOTATIONS.modelVersion];
  const record = await cluster.get({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace,
    name: releaseRecordName(name, plan.toRevision),
  });
  const recorded = record ? recordedObjects(record) : [];
  const recordedDeployment = recorded.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  const base = recordedDeployment ?? stripServerFields(deployment);
  const config: KubeObject = structuredClone(base);
  config.metadata = {
    name,
    namespace,
    labels: base.metadata.labels,
    annotations: { ...base.metadata.annotations },
  };
  delete config.metadata.annotations!['deployment.kubernetes.io/revision'];
  const modelNote = modelVersion ? ` (model ${modelVersion})` : '';
  config.metadata.annotations![ANNOTATIONS.changeCause] =
    `mlready rollback to revision ${plan.toRevision}${modelNote}`;
  if (modelVersion) config.metadata.annotations![ANNOTATIONS.modelVersion] = modelVersion;
  (config.spec as Any).template = plan.template;
  options.onEvent?.(
    `rolling Deployment/${name} back from revision ${plan.fromRevision} to ${plan.toRevision}${modelNote}`,
  );
  await cluster.apply(config, { force: true });

  const restored: string[] = [];
  for (const object of recorded) {
    if (object.kind === 'Deployment' && object.metadata.name === name) continue;
    await cluster.apply(
      { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } },
      { force: true },
    );
    restored.push(ref(object));
  }
  const deleted: string[] = [];
  if (record) {
    const keep = new Set(recorded.map(ref));
    for (const object of options.currentObjects ?? []) {
      if (
        object.kind === 'Secret' ||
        object.kind === 'Namespace' ||
        keep.has(ref(object)) ||
        (object.kind === 'Deployment' && object.metadata.name === name)
      )
        continue;
      await cluster.delete({
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: object.metadata.namespace ?? namespace,
        name: object.metadata.name,
      });
      deleted.push(ref(object));
    }
  }
  if (restored.length > 0)
    options.onEvent?.(`restored ${restored.join(', ')} from revision ${plan.toRevision}`);
  if (!record)
    options.onEvent?.(
      `no release record for revision ${plan.toRevision}: only the Deployment's pod template was restored`,
    );

  const waited = await waitForRollout({
    cluster,
    namespace,
    name,
    clock: options.clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: startupBudgetSeconds(deployment),
    signal: options.signal,
    onChange: options.onChange,
  });
  const elapsedMs = options.clock.now() - started;
  const base2 = {
    fromRevision: plan.fromRevision,
    toRevision: plan.toRevision,
    modelVersion,
    restored,
    deleted,
    elapsedMs,
    verdict: waited.verdict,
  };
  if (waited.verdict.state === 'complete')
    return { outcome: 'rolled-back', message: `rolled back to revision ${plan.toRevision}`, ...base2 };
  if (waited.verdict.reason === 'Interrupted')
    return { outcome: 'interrupted', message: waited.verdict.message, ...base2 };
  return {
    outcome: 'failed',
    message: `the rollback to revision ${plan.toRevision} did not become ready: ${waited.verdict.message}`,
    ...base2,
  };
}
