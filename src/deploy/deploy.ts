import { runCheck } from '../check/run-check.js';
import { redactText } from '../redact.js';
import { ClusterError, InputError } from '../errors.js';
import { ownsField } from '../k8s/managed-fields.js';
import { FIELD_MANAGER, HANDOVER_FIELD_MANAGER, type ClusterClient, type KubeObject } from '../k8s/types.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { DEFAULT_ROLLBACK_BUDGET_SECONDS, type ModelManifest } from '../manifest/types.js';
import { preflight } from './preflight.js';
import {
  applyOrder,
  loadRelease,
  prepareObject,
  replaceInTexts,
  type LoadedRelease,
  type SourcedObject,
} from './release.js';
import { newReplicaSet, ownedReplicaSets, revisionOf, startupBudgetSeconds, toPod } from './observe.js';
import { PodTimingTracker } from './pod-timings.js';
import { releaseDigest, writeRecord, RECORD_API_VERSION, RECORD_KIND, type DeployRecord } from './record.js';
import { rollbackDeployment, type RollbackResult } from './rollback.js';
import type { GraceSeconds } from './rollout-status.js';
import {
  applyInOrder,
  dryRunRelease,
  refOf,
  undoChanges,
  type AppliedChange,
  type PlannedObject,
  type Refusal,
} from './transaction.js';
import { waitForRollout } from './wait.js';
import type { WatchClock } from './watch-rollout.js';
import { runCanary, type CanaryResult, type MetricsSource } from './canary.js';
import { runShadow, type ShadowResult } from './shadow.js';
import { runBlueGreen, type BlueGreenResult } from './blue-green.js';

type Any = Record<string, any>;

export interface DeployOptions {
  cwd: string;
  paths: readonly string[];
  namespace?: string | undefined;
  /** Replaces the serving container's image. */
  image?: string | undefined;
  timeoutMs: number;
  dryRun?: boolean | undefined;
  skipCheck?: boolean | undefined;
  forceConflicts?: boolean | undefined;
  /** Roll back automatically when the rollout fails (default true). */
  rollback?: boolean | undefined;
  changeCause?: string | undefined;
  prometheusUrl?: string | undefined;
  /** Canary analysis cadence; defaults come from the manifest. */
  canary?: { sampleMs?: number | undefined; stepMs?: number | undefined } | undefined;
  /** Blue-green windows: analysis on mirrored traffic before the switch, warm window after it. */
  blueGreen?: { preSwitchMs?: number | undefined; warmWindowMs?: number | undefined } | undefined;
  /** How long states that can resolve themselves get (docs/deploy.md). */
  grace?: Partial<GraceSeconds> | undefined;
}

export interface DeployDeps {
  cluster: ClusterClient;
  clock: WatchClock;
  signal?: AbortSignal | undefined;
  onEvent?: (event: DeployEvent) => void;
  metrics?: MetricsSource;
}

export interface DeployEvent {
  kind: 'step' | 'info' | 'warning' | 'progress' | 'failure' | 'done';
  message: string;
  atMs: number;
}

export type DeployOutcome = 'deployed' | 'dry-run' | 'failed' | 'rolled-back' | 'interrupted' | 'refused';

export interface AppliedObject {
  ref: string;
  action: 'created' | 'configured' | 'unchanged' | 'skipped';
  changes?: string[];
}

/** What a deploy that failed midway had changed, and what it put back. */
export interface TransactionReport {
  /** The object the API server refused. */
  failedAt: string;
  error: string;
  /** Objects this deploy had changed before the refusal ("Kind/name (created|configured)"). */
  changed: string[];
  /** Given their previous configuration back. */
  restored: string[];
  /** Created by this deploy, deleted again. */
  deleted: string[];
  /** Could not be put back (they stay as this deploy left them). */
  notRestored: { ref: string; message: string }[];
}

export interface DeployResult {
  outcome: DeployOutcome;
  message: string;
  context: string;
  namespace: string;
  modelVersion: string | undefined;
  deployment: string | undefined;
  previousRevision: number | undefined;
  revision: number | undefined;
  applied: AppliedObject[];
  warnings: string[];
  check: { errors: number; warnings: number; skipped: boolean };
  failure?: { reason: string; message: string; pod?: string | undefined; logs: string[] };
  /** Objects the API server refused in the dry run (nothing was changed). */
  refusals?: Refusal[];
  transaction?: TransactionReport;
  /** From applying the new Deployment to the failure verdict. */
  detectionMs?: number;
  rolloutMs?: number;
  rollback?: RollbackResult;
  rollbackBudgetMs: number;
  canary?: CanaryResult;
  shadow?: ShadowResult;
  blueGreen?: BlueGreenResult;
  /** The release record (also kept in the cluster), with the measured pod start-up times. */
  record?: DeployRecord;
  /** The manifest the release came with, for `--save`. */
  manifestFile?: string | undefined;
  /** What to run next (after an interruption or a kept failure). */
  next: string[];
  timeline: DeployEvent[];
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'RuntimeClass',
  'IngressClass',
  'PersistentVolume',
]);

/**
 * Applies a model service and sees its rollout through: pre-flight (check, CRDs, GPU room, a
 * paused Deployment), a server-side dry run of the whole release, server-side apply (undone if
 * the API server refuses an object midway), a watch that fails fast but gives transient states
 * time, automatic rollback with measured times, or a canary gated on Prometheus. Every release
 * is recorded with its pods' measured start-up times. Never prints, never exits: events go to
 * `onEvent`, the outcome is the result.
 */
export async function deploy(options: DeployOptions, deps: DeployDeps): Promise<DeployResult> {
  const { cluster, clock } = deps;
  const started = clock.now();
  const timeline: DeployEvent[] = [];
  const emit = (kind: DeployEvent['kind'], message: string) => {
    const event = { kind, message, atMs: clock.now() - started };
    timeline.push(event);
    deps.onEvent?.(event);
  };

  const release = loadRelease(options.cwd, options.paths);
  const firstProblem = release.problems[0];
  if (firstProblem) {
    throw new InputError(firstProblem.message, {
      file: firstProblem.file,
      line: firstProblem.line,
      column: firstProblem.column,
      hint:
        release.problems.length > 1
          ? `and ${release.problems.length - 1} more problem(s); run mlready check to see them all`
          : firstProblem.hint,
    });
  }
  if (release.objects.length === 0)
    throw new InputError(`nothing to deploy: no Kubernetes objects in ${options.paths.join(' ')}`, {
      hint: 'pass the directory with the rendered manifests, e.g. mlready deploy k8s/ --manifest mlready.yaml',
    });
  const manifest = release.manifest;
  const namespace = resolveNamespace(options.namespace, release, cluster.target.namespace);
  const modelVersion = manifest?.spec.model.version;
  const modelClause = modelVersion
    ? ` model ${manifest?.spec.model.name ?? ''} ${modelVersion}`.replace(/\s+/g, ' ')
    : '';
  const imageClause = options.image ? ` image ${options.image}` : '';
  const changeCause = options.changeCause ?? `mlready deploy${modelClause}${imageClause}`;
  const budgetSeconds =
    parseDurationSeconds(manifest?.spec.rollout?.rollbackBudget ?? '') ?? DEFAULT_ROLLBACK_BUDGET_SECONDS;
  const force = options.forceConflicts === true;
  const base = {
    context: cluster.target.context,
    namespace,
    modelVersion,
    rollbackBudgetMs: budgetSeconds * 1000,
    manifestFile: release.manifestFile,
    timeline,
    next: [] as string[],
    warnings: [] as string[],
  };
  const warn = (message: string) => {
    base.warnings.push(message);
    emit('warning', message);
  };

  const mainSource = release.objects.find((s) => s.object.kind === 'Deployment');

  const objects = release.objects
    .map(({ object }) => {
      const prepared = prepareObject(object, {
        namespace,
        modelVersion,
        modelName: manifest?.spec.model.name,
        changeCause,
        clusterScoped: CLUSTER_SCOPED.has(object.kind),
      });
      if (options.image && object === mainSource?.object)
        setImage(prepared, options.image, manifest?.spec.serving.container);
      return prepared;
    })
    .sort(applyOrder);
  const main = objects.find((o) => o.kind === 'Deployment');
  if (main && (main.spec as Any)?.paused === true) {
    throw new InputError(
      `Deployment/${main.metadata.name} sets spec.paused: true, so its rollout could not be watched`,
      { file: mainSource?.file, line: mainSource?.line, hint: 'remove spec.paused from the manifest' },
    );
  }

  // The cluster is read, and the release dry-run, while the check below runs: the waits on the
  // network overlap the check's CPU work. Nothing is written before the check has passed.
  const reading = readCluster(cluster, objects, main, {
    force,
    canaryMode:
      manifest?.spec.rollout?.strategy === 'canary'
        ? (manifest.spec.rollout.canary?.mode ?? 'replicas')
        : undefined,
    blueGreen: manifest?.spec.rollout?.strategy === 'blue-green',
  }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

  // 1. Pre-flight: our own checklist on exactly what will be applied (with --image in place).
  const manifestClause = release.manifestFile ? ` and ${release.manifestFile}` : '';
  emit('step', `checking ${release.objects.length} object(s)${manifestClause}`);
  const texts = options.image
    ? imageReplaced(release, mainSource, options.image, manifest?.spec.serving.container)
    : release.texts;
  const check = runCheck({ cwd: options.cwd, texts });
  const checkSummary = {
    errors: check.summary.errors,
    warnings: check.summary.warnings,
    skipped: options.skipCheck === true,
  };
  const notApplied = {
    deployment: undefined,
    previousRevision: undefined,
    revision: undefined,
    applied: [] as AppliedObject[],
    check: checkSummary,
  };
  const read = await reading;
  if (check.summary.errors > 0) {
    if (!options.skipCheck) {
      const first = check.findings.find((f) => f.severity === 'error');
      const firstError = first ? ` (first: ${first.file}:${first.line} ${first.message})` : '';
      return {
        ...base,
        ...notApplied,
        outcome: 'refused',
        message: `mlready check found ${check.summary.errors} error(s); refusing to deploy${firstError}`,
        next: ['fix the findings of `mlready check`, or pass --skip-check to deploy anyway'],
      };
    }
    warn(`--skip-check: deploying despite ${check.summary.errors} error(s) from mlready check`);
  }
  if ('error' in read) throw read.error;
  const { live, toApply, handover } = read.value;
  const previousRevision = live ? revisionOf(live) : undefined;

  // A paused Deployment would take the new template without rolling it out: nothing to watch,
  // nothing to roll back, and it would roll out unchecked on resume. Refuse before any change.
  if (main && (live?.spec as Any)?.paused === true) {
    return {
      ...base,
      ...notApplied,
      outcome: 'refused',
      deployment: main.metadata.name,
      previousRevision,
      message: `Deployment/${main.metadata.name} is paused (spec.paused): a new template would not roll out, could not be watched or rolled back, and would roll out unchecked on resume; nothing was changed`,
      next: [`kubectl rollout resume deployment/${main.metadata.name} -n ${namespace}, then deploy again`],
    };
  }
  // Not paused: the pre-flight ran.
  const pre = read.value.pre!;
  for (const w of pre.warnings) warn(w);
  if (pre.refusal) return { ...base, ...notApplied, outcome: 'refused', message: pre.refusal };

  // 2. The whole release, dry run on the API server: RBAC, admission and schema refuse it here.
  emit('step', `dry run of ${toApply.length} object(s) on the API server (dryRun=All)`);
  let dry = read.value.dry;
  if (!dry) {
    // The release creates a namespace: the objects in it can be dry-run only once it exists.
    await createMissingNamespaces(cluster, toApply, emit);
    dry = await dryRunRelease(cluster, withReplicas(toApply, main, handover), { force });
  }
  if (dry.refusals.length > 0) {
    const first = dry.refusals[0]!;
    const more = dry.refusals.length > 1 ? ` (and ${dry.refusals.length - 1} more)` : '';
    return {
      ...base,
      ...notApplied,
      outcome: 'refused',
      deployment: main?.metadata.name,
      previousRevision,
      refusals: dry.refusals,
      message: `the API server refused the release in a dry run (dryRun=All); nothing was changed: ${first.message}${more}`,
      next: dry.refusals.flatMap((r) => (r.hint ? [`${r.ref}: ${r.hint}`] : [])),
    };
  }
  // The dry run planned the Deployment with the handed-over count; the real apply leaves it out.
  const planned: PlannedObject[] = dry.planned.map((p, i) => ({ ...p, object: toApply[i]! }));
  const plannedMain = planned.find((p) => p.object === main);

  if (options.dryRun) {
    const applied: AppliedObject[] = planned.map((p) => ({
      ref: p.ref,
      action: !p.before ? 'created' : p.changed ? 'configured' : 'unchanged',
      changes: p.changes,
    }));
    for (const ref of pre.skip) applied.push({ ref, action: 'skipped' });
    const changed = applied.filter((a) => a.action === 'created' || a.action === 'configured').length;
    return {
      ...base,
      outcome: 'dry-run',
      message: `dry run: ${changed} of ${toApply.length} object(s) would change`,
      deployment: main?.metadata.name,
      previousRevision,
      revision: undefined,
      applied,
      check: checkSummary,
    };
  }

  if (handover !== undefined && main) {
    await cluster.apply(
      {
        apiVersion: main.apiVersion,
        kind: main.kind,
        metadata: { name: main.metadata.name, namespace },
        spec: { replicas: handover },
      },
      { fieldManager: HANDOVER_FIELD_MANAGER },
    );
    emit(
      'info',
      `spec.replicas (${handover}) handed over from field manager ${FIELD_MANAGER} to ${HANDOVER_FIELD_MANAGER}: this release does not set it, so an autoscaler or kubectl scale keeps owning the count`,
    );
  }

  const recordOf = (
    outcome: DeployRecord['outcome'],
    extra: Partial<DeployRecord> & { templateHash: string; revision?: number | undefined },
  ): DeployRecord => ({
    apiVersion: RECORD_API_VERSION,
    kind: RECORD_KIND,
    deployment: main!.metadata.name,
    namespace,
    context: cluster.target.context || undefined,
    digest: releaseDigest(toApply.filter((o) => o.kind !== 'Secret')),
    model: { name: manifest?.spec.model.name, version: modelVersion },
    image: servingImage(main!, manifest?.spec.serving.container),
    changeCause,
    appliedAt: new Date(clock.now()).toISOString(),
    outcome,
    secrets: toApply.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name),
    ...extra,
  });
  // The record is kept even when the cluster will not store it (RBAC on ConfigMaps, a release
  // over the 1 MiB ConfigMap limit): the rollout's verdict stands, the warning says what is lost.
  const keepRecord = async (record: DeployRecord): Promise<DeployRecord> => {
    const { context: _context, ...inCluster } = record;
    try {
      await writeRecord(cluster, {
        record: inCluster,
        objects: toApply.filter((o) => o.kind !== 'Secret'),
      });
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      warn(
        `the release record could not be stored in the cluster (${error.message}): a later rollback to this release restores only its pod template`,
      );
    }
    return record;
  };

  /** What every release strategy (canary, blue-green, shadow) is given. */
  const strategyOptions = (release: {
    manifest: ModelManifest;
    stable: KubeObject;
    desired: KubeObject;
    planned: PlannedObject;
  }) => ({
    ...release,
    cluster,
    clock,
    signal: deps.signal,
    namespace,
    others: planned.filter((p) => p !== release.planned),
    metrics: deps.metrics,
    prometheusUrl: options.prometheusUrl,
    forceConflicts: force,
    timeoutMs: options.timeoutMs,
    sampleMs: options.canary?.sampleMs,
    stepMs: options.canary?.stepMs,
    preSwitchMs: options.blueGreen?.preSwitchMs,
    warmWindowMs: options.blueGreen?.warmWindowMs,
    grace: options.grace,
    emit: (m: string) => emit('progress', m),
  });

  /** The end of a blue-green or shadow release: its warnings, a record when promoted, the result. */
  const endStrategy = async (
    deployment: Parameters<typeof refOf>[0],
    run: StrategyRun,
    extra: Pick<DeployResult, 'blueGreen' | 'shadow' | 'canary' | 'rollback'>,
    failedMeans: DeployOutcome,
  ): Promise<DeployResult> => {
    for (const w of run.warnings) warn(w);
    let record: DeployRecord | undefined;
    if (run.outcome === 'promoted') {
      const promoted = await cluster.get(refOf(deployment));
      const hash = await templateHashOf(cluster, promoted);
      if (hash)
        record = await keepRecord(recordOf('deployed', { templateHash: hash, revision: run.revision }));
    }
    emit(run.outcome === 'promoted' ? 'done' : 'failure', run.message);
    return {
      ...base,
      outcome: strategyOutcome(run.outcome, failedMeans),
      message: run.message,
      deployment: deployment.metadata.name,
      previousRevision,
      revision: run.revision,
      applied: run.applied.map((c) => ({ ref: c.ref, action: c.action })),
      check: checkSummary,
      ...extra,
      record,
      next: run.next,
    };
  };

  if (
    main &&
    plannedMain &&
    live &&
    manifest?.spec.rollout?.strategy === 'blue-green' &&
    templateChanged(live, main)
  ) {
    emit('step', `blue-green release of Deployment/${main.metadata.name}`);
    const blueGreen = await runBlueGreen(
      strategyOptions({ manifest, stable: live, desired: main, planned: plannedMain }),
    );
    // A failed blue-green release may leave green in place: failed, not rolled back.
    return endStrategy(main, blueGreen, { blueGreen }, 'failed');
  }

  if (
    main &&
    plannedMain &&
    live &&
    manifest?.spec.rollout?.strategy === 'shadow' &&
    templateChanged(live, main)
  ) {
    emit('step', `shadow release of Deployment/${main.metadata.name}`);
    const shadow = await runShadow(
      strategyOptions({ manifest, stable: live, desired: main, planned: plannedMain }),
    );
    // A failed shadow (its canary aborted, or a promotion undone) leaves stable serving.
    return endStrategy(
      main,
      shadow,
      { shadow, ...(shadow.canary ? { canary: shadow.canary, rollback: shadow.canary.rollback } : {}) },
      'rolled-back',
    );
  }

  if (
    main &&
    plannedMain &&
    live &&
    manifest?.spec.rollout?.strategy === 'canary' &&
    templateChanged(live, main)
  ) {
    const canaryMode = manifest.spec.rollout.canary?.mode ?? 'replicas';
    emit('step', `canary rollout of Deployment/${main.metadata.name} (${canaryMode})`);
    const canary = await runCanary(
      strategyOptions({ manifest, stable: live, desired: main, planned: plannedMain }),
    );
    for (const w of canary.warnings) warn(w);
    const outcome: DeployOutcome =
      canary.outcome === 'promoted'
        ? 'deployed'
        : canary.outcome === 'interrupted'
          ? 'interrupted'
          : canary.outcome === 'refused'
            ? 'refused'
            : 'rolled-back';
    let record: DeployRecord | undefined;
    if (canary.outcome === 'promoted') {
      const promoted = await cluster.get(refOf(main));
      const hash = await templateHashOf(cluster, promoted);
      if (hash)
        record = await keepRecord(recordOf('deployed', { templateHash: hash, revision: canary.revision }));
    }
    emit(canary.outcome === 'promoted' ? 'done' : 'failure', canary.message);
    return {
      ...base,
      outcome,
      message: canary.message,
      deployment: main.metadata.name,
      previousRevision,
      revision: canary.revision,
      applied: canary.applied.map((c) => ({ ref: c.ref, action: c.action })),
      check: checkSummary,
      canary,
      rollback: canary.rollback,
      record,
      next: canary.next,
    };
  }

  // The new pods are measured from a watch that starts before the new template is applied.
  const newTemplate = main !== undefined && (!live || templateChanged(live, main));
  const tracker = new PodTimingTracker(clock.now());
  const podWatch =
    main && newTemplate
      ? cluster.watch('v1', 'Pod', namespace, { labelSelector: selectorOf(main) }, (event) => {
          if (event.type === 'DELETED') return;
          const pod = event.object;
          tracker.observe(
            [{ ...toPod(pod), templateHash: pod.metadata.labels?.['pod-template-hash'] }],
            clock.now(),
          );
        })
      : undefined;
  try {
    return await applyAndWatch();
  } finally {
    podWatch?.stop();
  }

  async function applyAndWatch(): Promise<DeployResult> {
    // 3. Apply, in dependency order; a refusal midway undoes what this deploy changed.
    emit(
      'step',
      `applying ${toApply.length} object(s) to namespace ${namespace} (context ${cluster.target.context || 'none'})`,
    );
    let rolloutStartedAt = clock.now();
    const applyOutcome = await applyInOrder(cluster, planned, {
      force,
      signal: deps.signal,
      onApplied: (change) => {
        if (change.object === main) rolloutStartedAt = clock.now();
        emit('info', `${change.ref} ${change.action}`);
      },
    });
    const applied: AppliedObject[] = applyOutcome.applied.map((c) => ({ ref: c.ref, action: c.action }));
    for (const ref of pre.skip) applied.push({ ref, action: 'skipped' });
    if (applyOutcome.interrupted) {
      return {
        ...base,
        outcome: 'interrupted',
        message: `interrupted after applying ${applyOutcome.applied.length} of ${toApply.length} object(s); nothing is half-written`,
        deployment: main?.metadata.name,
        previousRevision,
        revision: undefined,
        applied,
        check: checkSummary,
        next: [
          'run the same mlready deploy again to finish',
          'or `mlready rollback` to return to the previous revision',
        ],
      };
    }
    if (applyOutcome.failure) {
      return undoFailedApply(applyOutcome.applied, applyOutcome.failure, {
        cluster,
        clock,
        emit,
        main,
        namespace,
        timeoutMs: options.timeoutMs,
        signal: deps.signal,
        grace: options.grace,
        result: { ...base, deployment: main?.metadata.name, previousRevision, applied, check: checkSummary },
      });
    }

    if (!main) {
      return {
        ...base,
        outcome: 'deployed',
        message: `applied ${toApply.length} object(s); no Deployment to roll out`,
        deployment: undefined,
        previousRevision,
        revision: undefined,
        applied,
        check: checkSummary,
      };
    }

    // 4. Watch the rollout, failing fast on pods that will not heal, measuring the new pods.
    const name = main.metadata.name;
    emit('step', `waiting for Deployment/${name} to roll out`);
    const budget = startupBudgetSeconds(main, manifest?.spec.serving);
    const waited = await waitForRollout({
      cluster,
      namespace,
      name,
      clock,
      timeoutMs: options.timeoutMs,
      startupBudgetSeconds: budget,
      signal: deps.signal,
      grace: options.grace,
      onChange: (v) => emit('progress', v.message),
    });
    const revision = revisionOf(waited.last?.raw);
    const rolloutMs = clock.now() - rolloutStartedAt;
    const templateHash = waited.last?.newReplicaSet?.metadata.labels?.['pod-template-hash'];
    const measured = async (complete: boolean) => ({
      startedAt: new Date(rolloutStartedAt).toISOString(),
      totalMs: complete ? rolloutMs : undefined,
      pods: tracker.timings(await podEvents(cluster, namespace, tracker.podNames()), templateHash),
      source:
        "mlready's watch of the pods (ms resolution, from the moment each change was seen); image pull from the kubelet's Pulled event",
    });

    if (waited.verdict.state === 'complete') {
      const record = templateHash
        ? await keepRecord(recordOf('deployed', { templateHash, revision, rollout: await measured(true) }))
        : undefined;
      const modelNote = modelVersion ? ` (model ${modelVersion})` : '';
      const message = `Deployment/${name} rolled out revision ${revision}${modelNote} in ${seconds(rolloutMs)}`;
      emit('done', message);
      return {
        ...base,
        outcome: 'deployed',
        message,
        deployment: name,
        previousRevision,
        revision,
        applied,
        check: checkSummary,
        rolloutMs,
        record,
      };
    }
    if (waited.verdict.reason === 'Interrupted') {
      const d = waited.last?.deployment;
      const state = d
        ? `${d.updatedReplicas} of ${d.replicas} replicas updated, ${d.availableReplicas} available`
        : 'state unknown';
      const message = `interrupted: stopped watching Deployment/${name} revision ${revision} (${state}); the rollout goes on in the cluster`;
      emit('failure', message);
      return {
        ...base,
        outcome: 'interrupted',
        message,
        deployment: name,
        previousRevision,
        revision,
        applied,
        check: checkSummary,
        next: [
          `mlready status deployment/${name} -n ${namespace} to follow it`,
          previousRevision
            ? `mlready rollback deployment/${name} -n ${namespace} to return to revision ${previousRevision}`
            : 'no earlier revision to roll back to',
        ],
      };
    }

    // 5. Failed: explain with the pod's own words, record the failure, then roll back.
    const detectionMs = clock.now() - rolloutStartedAt;
    const logs = waited.verdict.pod
      ? await lastLogLines(cluster, namespace, waited.verdict.pod, manifest?.spec.serving.container)
      : [];
    const failure = {
      reason: waited.verdict.reason,
      message: waited.verdict.message,
      pod: waited.verdict.pod,
      logs,
    };
    const record = templateHash
      ? await keepRecord(
          recordOf('failed', {
            templateHash,
            revision,
            failure: { reason: failure.reason, message: failure.message },
            rollout: await measured(false),
          }),
        )
      : undefined;
    emit('failure', `rollout failed after ${seconds(detectionMs)}: ${waited.verdict.message}`);
    const failedBase = {
      ...base,
      deployment: name,
      previousRevision,
      revision,
      applied,
      check: checkSummary,
      failure,
      detectionMs,
      rolloutMs,
      record,
    };
    if (options.rollback === false) {
      return {
        ...failedBase,
        outcome: 'failed',
        message: `rollout of Deployment/${name} failed (${waited.verdict.reason}); left as is (--no-rollback)`,
        next: [
          previousRevision
            ? `mlready rollback deployment/${name} -n ${namespace} to return to revision ${previousRevision}`
            : 'no earlier revision to roll back to',
        ],
      };
    }
    if (!previousRevision) {
      return {
        ...failedBase,
        outcome: 'failed',
        message: `rollout of Deployment/${name} failed (${waited.verdict.reason}); this was its first revision, so there is nothing to roll back to`,
      };
    }
    emit('step', `rolling back Deployment/${name} to revision ${previousRevision}`);
    const rollback = await rollbackDeployment({
      cluster,
      namespace,
      name,
      toRevision: previousRevision,
      clock,
      timeoutMs: options.timeoutMs,
      signal: deps.signal,
      force,
      currentObjects: toApply,
      grace: options.grace,
      onEvent: (m) => emit('info', m),
      onChange: (v) => emit('progress', v.message),
    });
    const within = rollback.elapsedMs <= budgetSeconds * 1000;
    const reason = waited.verdict.reason;
    const detectedIn = seconds(detectionMs);
    const rolledBackIn = seconds(rollback.elapsedMs);
    const overBudget = within ? '' : `, over the ${budgetSeconds} s rollback budget`;
    const message =
      rollback.outcome === 'rolled-back'
        ? `rollout failed (${reason}, detected in ${detectedIn}); rolled back to revision ${previousRevision} in ${rolledBackIn}${overBudget}`
        : `rollout failed (${reason}) and the rollback did not finish: ${rollback.message}`;
    emit(rollback.outcome === 'rolled-back' ? 'done' : 'failure', message);
    return {
      ...failedBase,
      outcome: rollback.outcome === 'rolled-back' ? 'rolled-back' : 'failed',
      message,
      rollback,
    };
  }
}

/** Undoes a release the API server refused midway, and says exactly what changed and what came back. */
async function undoFailedApply(
  applied: readonly AppliedChange[],
  failure: { ref: string; error: Error & { hint?: string | undefined } },
  context: {
    cluster: ClusterClient;
    clock: WatchClock;
    emit: (kind: DeployEvent['kind'], message: string) => void;
    main: KubeObject | undefined;
    namespace: string;
    timeoutMs: number;
    signal: AbortSignal | undefined;
    grace: Partial<GraceSeconds> | undefined;
    result: Omit<DeployResult, 'outcome' | 'message' | 'revision'>;
  },
): Promise<DeployResult> {
  const { cluster, emit } = context;
  const changed = applied.filter((c) => c.action !== 'unchanged');
  emit('failure', `applying ${failure.ref} failed: ${failure.error.message}`);
  if (changed.length > 0)
    emit(
      'step',
      `undoing the ${changed.length} change(s) this deploy made: ${changed.map((c) => c.ref).join(', ')}`,
    );
  const undo = await undoChanges(cluster, applied);
  // A Deployment given its previous template back rolls back to its previous pods: wait for that.
  const mainChange = changed.find((c) => c.object === context.main);
  if (mainChange && undo.restored.includes(mainChange.ref) && context.main) {
    await waitForRollout({
      cluster,
      namespace: context.namespace,
      name: context.main.metadata.name,
      clock: context.clock,
      timeoutMs: context.timeoutMs,
      startupBudgetSeconds: startupBudgetSeconds(context.main),
      signal: context.signal,
      grace: context.grace,
    });
  }
  const transaction: TransactionReport = {
    failedAt: failure.ref,
    error: failure.error.message,
    changed: changed.map((c) => `${c.ref} (${c.action})`),
    restored: undo.restored,
    deleted: undo.deleted,
    notRestored: undo.failed,
  };
  const putBack = [
    undo.restored.length > 0 ? `restored ${undo.restored.join(', ')}` : '',
    undo.deleted.length > 0 ? `deleted ${undo.deleted.join(', ')} again` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const notBack =
    undo.failed.length > 0
      ? `; could not put back ${undo.failed.map((f) => f.ref).join(', ')} (they stay as this deploy left them)`
      : '';
  const what = `applying ${failure.ref} failed: ${failure.error.message}`;
  const changedList = transaction.changed.join(', ');
  const message =
    changed.length === 0
      ? `${what}; nothing had changed`
      : `${what}; this deploy had changed ${changedList}: ${putBack || 'nothing put back'}${notBack}`;
  emit(undo.failed.length > 0 ? 'failure' : 'done', message);
  return {
    ...context.result,
    outcome: 'failed',
    message,
    revision: undefined,
    transaction,
    next: failure.error.hint ? [failure.error.hint] : [],
  };
}

/** The release with the Deployment's spec.replicas set to the count being handed over. */
function withReplicas(
  objects: readonly KubeObject[],
  main: KubeObject | undefined,
  handover: number | undefined,
): KubeObject[] {
  if (handover === undefined) return [...objects];
  return objects.map((o) => (o === main ? { ...o, spec: { ...(o.spec as Any), replicas: handover } } : o));
}

/**
 * What the cluster says before anything is written: the live Deployment, the pre-flight (served
 * kinds, GPU room), whether spec.replicas must be handed over, and the dry run of the release
 * (left for later when the release creates a namespace the dry run needs). Read-only.
 */
async function readCluster(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  main: KubeObject | undefined,
  options: { force: boolean; canaryMode: 'istio' | 'replicas' | undefined; blueGreen: boolean },
) {
  // The live Deployment, the pre-flight's reads and the namespaces are independent: one round
  // trip for all of them. (A paused Deployment's pre-flight is read for nothing, and dropped.)
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  const [live, checked, namespacesLive] = await Promise.all([
    main ? cluster.get(refOf(main)) : undefined,
    preflight(cluster, objects, { canaryMode: options.canaryMode, blueGreen: options.blueGreen }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    Promise.all(namespaces.map((ns) => cluster.get(refOf(ns)))),
  ]);
  if (main && (live?.spec as Any)?.paused === true)
    return { live, pre: undefined, toApply: [] as KubeObject[], handover: undefined, dry: undefined };
  if ('error' in checked) throw checked.error;
  const pre = checked.value;
  const toApply = objects.filter((o) => !pre.skip.has(`${o.kind}/${o.metadata.name}`));
  // spec.replicas owned by mlready (an older release set it, or an older mlready's rollback took
  // it) while this release leaves it out: applying would reset it to 1. Hand it over first.
  const handover =
    main &&
    live &&
    (main.spec as Any)?.replicas === undefined &&
    ownsField(live, FIELD_MANAGER, ['spec', 'replicas'])
      ? Number((live.spec as Any)?.replicas ?? 1)
      : undefined;
  const missing = namespacesLive.some(
    (n, i) => !n && !pre.skip.has(`Namespace/${namespaces[i]!.metadata.name}`),
  );
  const dry =
    pre.refusal || missing
      ? undefined
      : await dryRunRelease(cluster, withReplicas(toApply, main, handover), { force: options.force });
  return { live, pre, toApply, handover, dry };
}

/**
 * Creates, before the dry run, namespaces the release declares and the cluster lacks (a dry run
 * cannot see them).
 */
async function createMissingNamespaces(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  emit: (kind: DeployEvent['kind'], message: string) => void,
): Promise<void> {
  for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
    if (await cluster.get(refOf(ns))) continue;
    await cluster.apply(ns);
    emit('info', `Namespace/${ns.metadata.name} created first: the dry run of the objects in it needs it`);
  }
}

async function templateHashOf(
  cluster: ClusterClient,
  deployment: KubeObject | undefined,
): Promise<string | undefined> {
  if (!deployment) return undefined;
  return newReplicaSet(deployment, await ownedReplicaSets(cluster, deployment))?.metadata.labels?.[
    'pod-template-hash'
  ];
}

/** The events of the measured pods (one list call, after the verdict), for their image pull times. */
async function podEvents(cluster: ClusterClient, namespace: string, pods: ReadonlySet<string>) {
  if (pods.size === 0) return [];
  try {
    return (await cluster.list('v1', 'Event', namespace))
      .filter((e) => pods.has(String((e.involvedObject as Any)?.name)))
      .map((e) => ({
        object: String((e.involvedObject as Any)?.name),
        reason: typeof e.reason === 'string' ? e.reason : '',
        message: typeof e.message === 'string' ? e.message : '',
      }));
  } catch {
    // Events are a detail of the record; without them the pull time is left out.
    return [];
  }
}

async function lastLogLines(
  cluster: ClusterClient,
  namespace: string,
  pod: string,
  container: string | undefined,
): Promise<string[]> {
  try {
    const text = await cluster.podLogs(namespace, pod, container, 20);
    return redactText(text)
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    // A container that never started has no logs; try without naming the container before giving up.
    try {
      return redactText(await cluster.podLogs(namespace, pod, undefined, 20))
        .split('\n')
        .filter((l) => l.trim() !== '');
    } catch {
      return [];
    }
  }
}

/**
 * The namespace of the release: -n, else mlready.yaml's, else the objects', else the context's.
 * An object that declares another namespace is an input error, never moved silently.
 */
function resolveNamespace(
  flag: string | undefined,
  release: LoadedRelease,
  contextNamespace: string,
): string {
  const sourced = release.objects.filter((s) => !CLUSTER_SCOPED.has(s.object.kind));
  const declared = sourced.find((s) => s.object.metadata.namespace);
  const namespace =
    flag ?? release.manifest?.metadata.namespace ?? declared?.object.metadata.namespace ?? contextNamespace;
  const why = flag
    ? `--namespace is ${flag}`
    : release.manifest?.metadata.namespace
      ? `the service's namespace is ${namespace} (metadata.namespace of ${release.manifestFile})`
      : `${describeSourced(declared!)} is in namespace ${namespace}`;
  const clash = sourced.find((s) => s.object.metadata.namespace && s.object.metadata.namespace !== namespace);
  if (clash) {
    const { kind, metadata } = clash.object;
    throw new InputError(`${kind}/${metadata.name} declares namespace ${metadata.namespace}, but ${why}`, {
      file: clash.file,
      line: clash.line,
      hint: flag
        ? 'drop --namespace, or remove metadata.namespace from the object'
        : 'deploy one service per namespace: remove metadata.namespace from the object (it then goes where the service goes), or deploy it separately',
    });
  }
  return namespace;
}

const describeSourced = (s: SourcedObject) =>
  `${s.object.kind}/${s.object.metadata.name} (${s.file}:${s.line})`;

/** A label selector for the Deployment's pods (its matchLabels). */
function selectorOf(deployment: KubeObject): string | undefined {
  const labels = ((deployment.spec as Any)?.selector?.matchLabels ?? {}) as Record<string, string>;
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

function servingContainer(deployment: KubeObject, container: string | undefined): Any | undefined {
  const containers = ((deployment.spec as Any)?.template?.spec?.containers ?? []) as Any[];
  return containers.find((c) => c.name === container) ?? containers[0];
}

function servingImage(deployment: KubeObject, container: string | undefined): string | undefined {
  const image = servingContainer(deployment, container)?.image;
  return typeof image === 'string' ? image : undefined;
}

function setImage(deployment: KubeObject, image: string, container: string | undefined): void {
  const target = servingContainer(deployment, container);
  if (target) target.image = image;
}

/** The input texts as `--image` changes them, so the pre-flight check judges the image really deployed. */
function imageReplaced(
  release: LoadedRelease,
  main: SourcedObject | undefined,
  image: string,
  container: string | undefined,
) {
  const edits = [];
  if (main) {
    const containers = ((main.object.spec as Any)?.template?.spec?.containers ?? []) as Any[];
    const index = Math.max(
      0,
      containers.findIndex((c) => c.name === container),
    );
    edits.push({
      file: main.file,
      pick: (v: Record<string, unknown>) =>
        v.kind === 'Deployment' && (v.metadata as Any)?.name === main.object.metadata.name,
      path: () => ['spec', 'template', 'spec', 'containers', index, 'image'],
      value: image,
    });
  }
  if (release.manifestFile)
    edits.push({
      file: release.manifestFile,
      pick: (v: Record<string, unknown>) => v.kind === 'ModelService',
      path: (v: Record<string, unknown>) =>
        (v.spec as Any)?.serving?.image !== undefined ? ['spec', 'serving', 'image'] : undefined,
      value: image,
    });
  return replaceInTexts(release.texts, edits);
}

function templateChanged(live: KubeObject, desired: KubeObject): boolean {
  const liveTemplate = (live.spec as Any)?.template as Any;
  const wanted = (desired.spec as Any)?.template as Any;
  return JSON.stringify(pick(liveTemplate, wanted)) !== JSON.stringify(wanted);
}

/**
 * The live value restricted to the keys the desired value has (so server defaults do not count as
 * changes).
 */
function pick(live: unknown, wanted: unknown): unknown {
  if (Array.isArray(wanted) && Array.isArray(live)) return wanted.map((w, i) => pick(live[i], w));
  if (wanted && typeof wanted === 'object' && live && typeof live === 'object') {
    return Object.fromEntries(
      Object.keys(wanted).map((k) => [k, pick((live as Any)[k], (wanted as Any)[k])]),
    );
  }
  return live;
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** What blue-green and shadow releases report back to deploy. */
interface StrategyRun {
  outcome: BlueGreenResult['outcome'] | ShadowResult['outcome'];
  message: string;
  revision: number | undefined;
  warnings: string[];
  next: string[];
  applied: AppliedChange[];
}

/** A strategy's outcome in deploy's words; what `failed` means differs by strategy (see the callers). */
function strategyOutcome(outcome: StrategyRun['outcome'], failedMeans: DeployOutcome): DeployOutcome {
  switch (outcome) {
    case 'promoted':
      return 'deployed';
    case 'interrupted':
    case 'refused':
      return outcome;
    case 'failed':
      return failedMeans;
    default:
      // switched-back, torn-down, inconclusive: the release was undone and stable serves.
      return 'rolled-back';
  }
}
