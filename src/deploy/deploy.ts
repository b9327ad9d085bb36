import { runCheck } from '../check/run-check.js';
import { redactText } from '../redact.js';
import { InputError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { DEFAULT_ROLLBACK_BUDGET_SECONDS, type ModelManifest } from '../manifest/types.js';
import { preflight, type PreflightResult } from './preflight.js';
import { applyOrder, loadRelease, prepareObject, releaseRecord, type SourcedObject } from './release.js';
import { revisionOf, startupBudgetSeconds } from './observe.js';
import { rollbackDeployment, type RollbackResult } from './rollback.js';
import { waitForRollout } from './wait.js';
import type { WatchClock } from './watch-rollout.js';
import { describeChanges } from './diff.js';
import { runCanary, type CanaryResult, type MetricsSource } from './canary.js';

type Any = Record<string, any>;

export interface DeployOptions {
  cwd: string;
  paths: readonly string[];
  namespace?: string | undefined;
  /** Replaces the serving container's image. */
  image?: string | undefined;
  timeoutMs: number;
  dryRun?: boolean;
  skipCheck?: boolean;
  forceConflicts?: boolean;
  /** Roll back automatically when the rollout fails (default true). */
  rollback?: boolean;
  changeCause?: string | undefined;
  prometheusUrl?: string | undefined;
  /** Canary analysis cadence; defaults come from the manifest. */
  canary?: { sampleMs?: number; stepMs?: number };
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
  /** From applying the new Deployment to the failure verdict. */
  detectionMs?: number;
  rolloutMs?: number;
  rollback?: RollbackResult;
  rollbackBudgetMs: number;
  canary?: CanaryResult;
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
 * Applies a model service and sees its rollout through: pre-flight (check, CRDs, GPU room),
 * server-side apply, a watch that fails fast, automatic rollback with measured times, or a
 * canary gated on Prometheus. Never prints, never exits: events go to `onEvent`, the outcome is
 * the result.
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
  const namespace = resolveNamespace(options.namespace, manifest, release.objects, cluster.target.namespace);
  const modelVersion = manifest?.spec.model.version;
  const modelClause = modelVersion
    ? ` model ${manifest?.spec.model.name ?? ''} ${modelVersion}`.replace(/\s+/g, ' ')
    : '';
  const imageClause = options.image ? ` image ${options.image}` : '';
  const changeCause = options.changeCause ?? `mlready deploy${modelClause}${imageClause}`;
  const budgetSeconds =
    parseDurationSeconds(manifest?.spec.rollout?.rollbackBudget ?? '') ?? DEFAULT_ROLLBACK_BUDGET_SECONDS;
  const base = {
    context: cluster.target.context,
    namespace,
    modelVersion,
    rollbackBudgetMs: budgetSeconds * 1000,
    timeline,
    next: [] as string[],
    warnings: [] as string[],
  };

  // 1. Pre-flight: our own checklist on exactly what will be applied.
  const manifestClause = release.manifestFile ? ` and ${release.manifestFile}` : '';
  emit('step', `checking ${release.objects.length} object(s)${manifestClause}`);
  const check = runCheck({ cwd: options.cwd, texts: release.texts });
  const checkSummary = {
    errors: check.summary.errors,
    warnings: check.summary.warnings,
    skipped: options.skipCheck === true,
  };
  if (check.summary.errors > 0) {
    if (!options.skipCheck) {
      const first = check.findings.find((f) => f.severity === 'error');
      const firstError = first ? ` (first: ${first.file}:${first.line} ${first.message})` : '';
      return {
        ...base,
        outcome: 'refused',
        message: `mlready check found ${check.summary.errors} error(s); refusing to deploy${firstError}`,
        deployment: undefined,
        previousRevision: undefined,
        revision: undefined,
        applied: [],
        check: checkSummary,
        next: ['fix the findings of `mlready check`, or pass --skip-check to deploy anyway'],
      };
    }
    emit('warning', `--skip-check: deploying despite ${check.summary.errors} error(s) from mlready check`);
  }

  const objects = release.objects
    .map(({ object }) => {
      const prepared = prepareObject(object, {
        namespace,
        modelVersion,
        modelName: manifest?.spec.model.name,
        changeCause,
        clusterScoped: CLUSTER_SCOPED.has(object.kind),
      });
      if (options.image && prepared.kind === 'Deployment')
        setImage(prepared, options.image, manifest?.spec.serving.container);
      return prepared;
    })
    .sort(applyOrder);

  const pre: PreflightResult = await preflight(cluster, objects, {
    canaryMode:
      manifest?.spec.rollout?.strategy === 'canary'
        ? (manifest.spec.rollout.canary?.mode ?? 'replicas')
        : undefined,
  });
  if (manifest?.spec.rollout?.strategy === 'blue-green')
    pre.warnings.push(
      "spec.rollout.strategy blue-green is not driven by mlready deploy yet: rolling out with the Deployment's own strategy",
    );
  for (const w of pre.warnings) {
    base.warnings.push(w);
    emit('warning', w);
  }
  if (pre.refusal)
    return {
      ...base,
      outcome: 'refused',
      message: pre.refusal,
      deployment: undefined,
      previousRevision: undefined,
      revision: undefined,
      applied: [],
      check: checkSummary,
    };
  const toApply = objects.filter((o) => !pre.skip.has(`${o.kind}/${o.metadata.name}`));

  const deployments = toApply.filter((o) => o.kind === 'Deployment');
  const main = deployments[0];
  const live = main
    ? await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: main.metadata.name })
    : undefined;
  const previousRevision = live ? revisionOf(live) : undefined;

  // 2. Dry run: the API server computes the result, nothing is stored.
  if (options.dryRun) {
    emit('step', 'dry run (server side, dryRun=All)');
    const applied: AppliedObject[] = [];
    for (const object of toApply) {
      const current = await cluster.get(refOf(object));
      const result = await cluster.apply(object, { dryRun: true, force: options.forceConflicts === true });
      const changes = describeChanges(current, result);
      applied.push({
        ref: `${object.kind}/${object.metadata.name}`,
        action: !current ? 'created' : changes.length > 0 ? 'configured' : 'unchanged',
        changes,
      });
    }
    for (const ref of pre.skip) applied.push({ ref, action: 'skipped' });
    const changed = applied.filter((a) => a.action !== 'unchanged' && a.action !== 'skipped').length;
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

  if (main && live && manifest?.spec.rollout?.strategy === 'canary' && templateChanged(live, main)) {
    const canaryMode = manifest.spec.rollout.canary?.mode ?? 'replicas';
    emit('step', `canary rollout of Deployment/${main.metadata.name} (${canaryMode})`);
    const canary = await runCanary({
      cluster,
      clock,
      signal: deps.signal,
      manifest,
      namespace,
      stable: live,
      desired: main,
      others: toApply.filter((o) => o !== main),
      metrics: deps.metrics,
      prometheusUrl: options.prometheusUrl,
      forceConflicts: options.forceConflicts === true,
      timeoutMs: options.timeoutMs,
      sampleMs: options.canary?.sampleMs,
      stepMs: options.canary?.stepMs,
      emit: (m) => emit('progress', m),
    });
    const outcome: DeployOutcome =
      canary.outcome === 'promoted'
        ? 'deployed'
        : canary.outcome === 'interrupted'
          ? 'interrupted'
          : 'rolled-back';
    if (canary.outcome === 'promoted')
      await writeRecord(cluster, main, toApply, modelVersion, changeCause, clock);
    emit(canary.outcome === 'promoted' ? 'done' : 'failure', canary.message);
    return {
      ...base,
      outcome,
      message: canary.message,
      deployment: main.metadata.name,
      previousRevision,
      revision: canary.revision,
      applied: [],
      check: checkSummary,
      canary,
      rollback: canary.rollback,
      next: canary.next,
    };
  }

  // 3. Apply, in dependency order.
  emit(
    'step',
    `applying ${toApply.length} object(s) to namespace ${namespace} (context ${cluster.target.context})`,
  );
  const applied: AppliedObject[] = [];
  let rolloutStartedAt = clock.now();
  for (const object of toApply) {
    if (deps.signal?.aborted) {
      return {
        ...base,
        outcome: 'interrupted',
        message: `interrupted after applying ${applied.length} of ${toApply.length} object(s); nothing is half-written`,
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
    const before = await cluster.get(refOf(object));
    const after = await cluster.apply(object, { force: options.forceConflicts === true });
    if (object === main) rolloutStartedAt = clock.now();
    const action = !before
      ? 'created'
      : before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'configured';
    applied.push({ ref: `${object.kind}/${object.metadata.name}`, action });
    emit('info', `${object.kind}/${object.metadata.name} ${action}`);
  }
  for (const ref of pre.skip) applied.push({ ref, action: 'skipped' });

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

  // 4. Watch the rollout, failing fast on pods that will not heal.
  const name = main.metadata.name;
  emit('step', `waiting for Deployment/${name} to roll out`);
  // Detection and rollout times count from the moment the new template reached the API server.
  const watchStart = rolloutStartedAt;
  const budget = startupBudgetSeconds(
    main,
    manifest?.spec.serving.expectedLoadSeconds,
    manifest?.spec.serving.imagePullSeconds,
  );
  const waited = await waitForRollout({
    cluster,
    namespace,
    name,
    clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: budget,
    signal: deps.signal,
    onChange: (v) => emit('progress', v.message),
  });
  const revision = revisionOf(waited.last?.raw);
  const rolloutMs = clock.now() - watchStart;

  if (waited.verdict.state === 'complete') {
    await writeRecord(cluster, main, toApply, modelVersion, changeCause, clock);
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
        `mlready status ${options.paths.join(' ')}`.trim() + ' to follow it',
        previousRevision
          ? `mlready rollback ${options.paths.join(' ')}`.trim() +
            ` to return to revision ${previousRevision}`
          : 'no earlier revision to roll back to',
      ],
    };
  }

  // 5. Failed: explain with the pod's own words, then roll back.
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
  emit('failure', `rollout failed after ${seconds(detectionMs)}: ${waited.verdict.message}`);
  if (options.rollback === false) {
    return {
      ...base,
      outcome: 'failed',
      message: `rollout of Deployment/${name} failed (${waited.verdict.reason}); left as is (--no-rollback)`,
      deployment: name,
      previousRevision,
      revision,
      applied,
      check: checkSummary,
      failure,
      detectionMs,
      rolloutMs,
      next: [
        previousRevision
          ? `mlready rollback ${options.paths.join(' ')}`.trim() +
            ` to return to revision ${previousRevision}`
          : 'no earlier revision to roll back to',
      ],
    };
  }
  if (!previousRevision) {
    return {
      ...base,
      outcome: 'failed',
      message: `rollout of Deployment/${name} failed (${waited.verdict.reason}); this was its first revision, so there is nothing to roll back to`,
      deployment: name,
      previousRevision,
      revision,
      applied,
      check: checkSummary,
      failure,
      detectionMs,
      rolloutMs,
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
    currentObjects: toApply,
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
    ...base,
    outcome: rollback.outcome === 'rolled-back' ? 'rolled-back' : 'failed',
    message,
    deployment: name,
    previousRevision,
    revision,
    applied,
    check: checkSummary,
    failure,
    detectionMs,
    rolloutMs,
    rollback,
  };
}

async function writeRecord(
  cluster: ClusterClient,
  main: KubeObject,
  applied: KubeObject[],
  modelVersion: string | undefined,
  changeCause: string,
  clock: WatchClock,
): Promise<void> {
  const live = await cluster.get(refOf(main));
  const revision = revisionOf(live);
  if (!live || revision === 0) return;
  await cluster.apply(
    releaseRecord(live, revision, applied, { modelVersion, changeCause, at: new Date(clock.now()) }),
    { force: true },
  );
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

function resolveNamespace(
  flag: string | undefined,
  manifest: ModelManifest | undefined,
  sourced: SourcedObject[],
  contextNamespace: string,
): string {
  if (flag) {
    const clash = sourced.find(
      (s) =>
        s.object.metadata.namespace &&
        s.object.metadata.namespace !== flag &&
        !CLUSTER_SCOPED.has(s.object.kind),
    );
    if (clash) {
      const { kind, metadata } = clash.object;
      throw new InputError(
        `${kind}/${metadata.name} is in namespace ${metadata.namespace}, but --namespace is ${flag}`,
        {
          file: clash.file,
          line: clash.line,
          hint: 'drop --namespace, or remove metadata.namespace from the object',
        },
      );
    }
    return flag;
  }
  return (
    manifest?.metadata.namespace ??
    sourced.find((s) => s.object.metadata.namespace)?.object.metadata.namespace ??
    contextNamespace
  );
}

function setImage(deployment: KubeObject, image: string, container: string | undefined): void {
  const containers = ((deployment.spec as Any)?.template?.spec?.containers ?? []) as Any[];
  const target = containers.find((c) => c.name === container) ?? containers[0];
  if (target) target.image = image;
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

export function refOf(object: KubeObject) {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
  };
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
