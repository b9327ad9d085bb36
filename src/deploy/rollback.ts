import { ClusterError } from '../errors.js';
import { extractOwned, ownsField } from '../k8s/managed-fields.js';
import { FIELD_MANAGER, type ClusterClient, type KubeObject } from '../k8s/types.js';
import { reverseSwitch } from './blue-green.js';
import { ANNOTATIONS } from './release.js';
import { newReplicaSet, ownedReplicaSets, revisionOf, startupBudgetSeconds } from './observe.js';
import { readRecords, type StoredRelease } from './record.js';
import { planRollback, RollbackRefused, type DeploymentLike, type ReplicaSetLike } from './rollback-plan.js';
import type { GraceSeconds, RolloutVerdict } from './rollout-status.js';
import { describeRef, refOf } from './transaction.js';
import { waitForRollout } from './wait.js';
import type { WatchClock } from './watch-rollout.js';

type Any = Record<string, any>;

export interface RollbackOptions {
  cluster: ClusterClient;
  namespace: string;
  name: string;
  /** Default: the newest earlier revision that mlready did not record as failed. */
  toRevision?: number | undefined;
  clock: WatchClock;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /**
   * Take fields that another manager changed since over (--force-conflicts). The automatic
   * rollback of a failed deploy does: it puts back mlready's own fields of a release mlready
   * applied moments ago.
   */
  force?: boolean | undefined;
  /** The undone release's objects, when the caller has them (else the current release's record). */
  currentObjects?: readonly KubeObject[] | undefined;
  grace?: Partial<GraceSeconds> | undefined;
  onEvent?: (message: string) => void;
  onChange?: (verdict: RolloutVerdict, elapsedMs: number) => void;
}

export interface RollbackResult {
  outcome: 'rolled-back' | 'noop' | 'refused' | 'failed' | 'interrupted';
  message: string;
  fromRevision?: number;
  /** The revision asked for (its number before the rollback). */
  toRevision?: number;
  /** The number Kubernetes gave the restored revision (the old one moves to revision-history). */
  newRevision?: number | undefined;
  modelVersion?: string | undefined;
  /** Objects restored from the target release's record, and those only the undone release had (deleted). */
  restored: string[];
  deleted: string[];
  /** From the first change to the old version being ready again. */
  elapsedMs: number;
  verdict?: RolloutVerdict;
  /** Whether the target release's record was found (else only the pod template came back). */
  usedRecord: boolean;
  /** Revisions passed over because mlready recorded them as failed. */
  skipped?: number[];
  /** A blue-green release's reverse switch: the Service went back to the warm old version. */
  reverseSwitch?: boolean;
}

const KEEP_ON_ROLLBACK = new Set(['Secret', 'Namespace']);

/**
 * `kubectl rollout undo`, plus the rest of the release, with field ownership kept right: the
 * target release's record (found by its ReplicaSet's pod-template-hash, whatever number that
 * revision has now) gives back exactly the configuration mlready applied then — server-side
 * applied by the same field manager, so fields other managers own (an HPA's replicas, injected
 * annotations) are neither taken over nor dropped. Objects only the undone release had are
 * deleted. Without a record, only the pod template comes back. Then it waits until the old
 * version is ready.
 */
export async function rollbackDeployment(options: RollbackOptions): Promise<RollbackResult> {
  const { cluster, namespace, name } = options;
  const started = options.clock.now();
  const refused = (message: string): RollbackResult => ({
    outcome: 'refused',
    message,
    restored: [],
    deleted: [],
    elapsedMs: 0,
    usedRecord: false,
  });
  const deployment = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!deployment) return refused(`Deployment ${name} does not exist in namespace ${namespace}`);
  if (options.toRevision === undefined) {
    // A blue-green release in its warm window: rolling back is the reverse switch to blue.
    const back = await reverseSwitch(cluster, namespace, name, () => options.clock.now());
    const switched = back && (back.service.includes('/') ? back.service : `Service/${back.service}`);
    if (back)
      return {
        outcome: 'rolled-back',
        message: `switched ${switched} back to blue (Deployment/${name} revision ${revisionOf(deployment)}, still warm) and removed ${back.green}`,
        fromRevision: revisionOf(deployment),
        toRevision: revisionOf(deployment),
        restored: [switched!],
        deleted: [`Deployment/${back.green}`],
        elapsedMs: back.elapsedMs,
        usedRecord: false,
        reverseSwitch: true,
      };
  }
  const sets = await ownedReplicaSets(cluster, deployment);
  let records: Awaited<ReturnType<typeof readRecords>>;
  try {
    records = await readRecords(cluster, namespace, name);
  } catch (error) {
    if (!(error instanceof ClusterError) || error.unreachable) throw error;
    options.onEvent?.(`cannot read the release records (${error.message}): only pod templates can come back`);
    records = new Map();
  }
  const failed = new Set([...records].filter(([, r]) => r.record.outcome === 'failed').map(([hash]) => hash));
  let plan;
  try {
    plan = planRollback(
      deployment as unknown as DeploymentLike,
      sets as unknown as ReplicaSetLike[],
      options.toRevision,
      failed,
    );
  } catch (error) {
    if (error instanceof RollbackRefused) return refused(error.message);
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
      usedRecord: false,
    };

  const target: StoredRelease | undefined = plan.templateHash ? records.get(plan.templateHash) : undefined;
  const currentHash = newReplicaSet(deployment, sets)?.metadata.labels?.['pod-template-hash'];
  const current = currentHash ? records.get(currentHash) : undefined;
  const targetSet = sets.find((rs) => revisionOf(rs) === plan.toRevision);
  const modelVersion =
    targetSet?.metadata.annotations?.[ANNOTATIONS.modelVersion] ?? target?.record.model.version;
  const modelNote = modelVersion ? ` (model ${modelVersion})` : '';
  const cause = `mlready rollback to revision ${plan.toRevision}${modelNote}`;
  const passedOver = `revision${plan.skipped.length === 1 ? '' : 's'} ${plan.skipped.join(', ')}`;
  const skippedNote = plan.skipped.length > 0 ? ` (passing over ${passedOver}, which failed)` : '';
  options.onEvent?.(
    `rolling Deployment/${name} back from revision ${plan.fromRevision} to ${plan.toRevision}${modelNote}${skippedNote}`,
  );

  const recorded = target?.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  if (recorded) {
    const config = structuredClone(recorded);
    config.metadata = {
      ...config.metadata,
      namespace,
      annotations: { ...config.metadata.annotations, [ANNOTATIONS.changeCause]: cause },
    };
    await cluster.apply(config, { force: options.force === true });
  } else await restoreTemplate(cluster, deployment, plan.template, cause, options.force === true);

  const restored: string[] = [];
  const deleted: string[] = [];
  if (target) {
    for (const object of target.objects) {
      if (object.kind === 'Deployment' && object.metadata.name === name) continue;
      await cluster.apply(
        { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace } },
        { force: options.force === true },
      );
      restored.push(describeRef(object));
    }
    const keep = new Set(target.objects.map(describeRef));
    for (const object of options.currentObjects ?? current?.objects ?? []) {
      const isMain = object.kind === 'Deployment' && object.metadata.name === name;
      if (KEEP_ON_ROLLBACK.has(object.kind) || keep.has(describeRef(object)) || isMain) continue;
      await cluster.delete(
        refOf({
          ...object,
          metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace },
        }),
      );
      deleted.push(describeRef(object));
    }
    if (restored.length > 0)
      options.onEvent?.(`restored ${restored.join(', ')} from revision ${plan.toRevision}`);
  } else {
    options.onEvent?.(
      `no release record for revision ${plan.toRevision} (pod-template-hash ${plan.templateHash ?? 'unknown'}): only the Deployment's pod template was restored`,
    );
  }

  const waited = await waitForRollout({
    cluster,
    namespace,
    name,
    clock: options.clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: startupBudgetSeconds(recorded ?? deployment),
    signal: options.signal,
    grace: options.grace,
    onChange: options.onChange,
  });
  const elapsedMs = options.clock.now() - started;
  const base = {
    fromRevision: plan.fromRevision,
    toRevision: plan.toRevision,
    newRevision: revisionOf(waited.last?.raw) || undefined,
    modelVersion,
    restored,
    deleted,
    elapsedMs,
    verdict: waited.verdict,
    usedRecord: target !== undefined,
    skipped: plan.skipped,
  };
  if (waited.verdict.state === 'complete')
    return { ...base, outcome: 'rolled-back', message: `rolled back to revision ${plan.toRevision}` };
  if (waited.verdict.reason === 'Interrupted')
    return { ...base, outcome: 'interrupted', message: waited.verdict.message };
  return {
    ...base,
    outcome: 'failed',
    message: `the rollback to revision ${plan.toRevision} did not become ready: ${waited.verdict.message}`,
  };
}

/**
 * Without a record, the pod template alone comes back. When mlready applies this Deployment, it
 * applies its own fields with the old template in them; otherwise (someone else deploys it) it
 * replaces the template by a merge patch, as `kubectl rollout undo` does.
 */
async function restoreTemplate(
  cluster: ClusterClient,
  live: KubeObject,
  template: unknown,
  cause: string,
  force: boolean,
): Promise<void> {
  if (ownsField(live, FIELD_MANAGER, ['spec', 'template'])) {
    const config = extractOwned(live, FIELD_MANAGER);
    config.spec = { ...(config.spec as Any), template };
    config.metadata.annotations = { ...config.metadata.annotations, [ANNOTATIONS.changeCause]: cause };
    await cluster.apply(config, { force });
    return;
  }
  await cluster.patch(refOf(live), {
    metadata: { annotations: { [ANNOTATIONS.changeCause]: cause } },
    spec: { template: replacement((live.spec as Any)?.template, template) },
  });
}

/** A JSON merge patch that turns `from` into `to` exactly (keys only `from` has become null). */
function replacement(from: unknown, to: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(from) || !isObj(to)) return to;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(from)) if (!(key in to)) out[key] = null;
  for (const [key, value] of Object.entries(to)) out[key] = replacement(from[key], value);
  return out;
}
