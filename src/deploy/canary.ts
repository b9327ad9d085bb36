import { ClusterError, NetworkError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import type { ModelManifest } from '../manifest/types.js';
import { redactUrl } from '../redact.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { ReleaseAnalysis, type MetricsSource } from './analysis.js';
import type { VectorSample } from './prediction.js';
import { LABELS } from './release.js';
import { ownedReplicaSets, revisionOf, startupBudgetSeconds } from './observe.js';
import type { RollbackResult } from './rollback.js';
import type { GraceSeconds } from './rollout-status.js';
import { finalPredictionVerdict, SampleSeries, thresholdsOf, type CanarySample } from './sample.js';
import {
  applyInOrder,
  putBackList,
  refOf,
  undoChanges,
  type AppliedChange,
  type PlannedObject,
} from './transaction.js';
import { waitForRollout } from './wait.js';
import type { WatchClock } from './watch-rollout.js';

type Any = Record<string, any>;

export type { MetricsSource } from './analysis.js';
export {
  finalPredictionVerdict,
  judgeSample,
  withPrediction,
  type CanarySample,
  type Thresholds,
} from './sample.js';

/** The Prometheus HTTP API (GET /api/v1/query). https://prometheus.io/docs/prometheus/latest/querying/api/ */
export function prometheusSource(
  baseUrl: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 10_000,
): MetricsSource {
  const url = baseUrl.replace(/\/+$/, '');
  const shown = redactUrl(new URL(url).origin);
  const ask = async (promql: string): Promise<{ resultType?: string; result?: unknown } | undefined> => {
    let response: Response;
    try {
      response = await fetchImpl(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new NetworkError(`cannot query Prometheus at ${shown}: ${reason}`);
    }
    const body = (await response.json().catch(() => undefined)) as
      { status?: string; error?: string; data?: { resultType?: string; result?: unknown } } | undefined;
    if (!response.ok || body?.status !== 'success') {
      const detail = body?.error ? `: ${body.error}` : '';
      throw new NetworkError(`Prometheus at ${shown} refused the query (HTTP ${response.status}${detail})`);
    }
    return body.data;
  };
  return {
    async query(promql) {
      const data = await ask(promql);
      const result = data?.result;
      const raw =
        data?.resultType === 'scalar'
          ? (result as [number, string])[1]
          : (result as { value: [number, string] }[] | undefined)?.[0]?.value[1];
      const value = raw === undefined ? undefined : Number(raw);
      return value === undefined || !Number.isFinite(value) ? undefined : value;
    },
    async queryVector(promql) {
      const data = await ask(promql);
      if (data?.resultType !== 'vector' || !Array.isArray(data.result)) return [];
      return (data.result as { metric?: Record<string, string>; value?: [number, string] }[]).flatMap(
        (r): VectorSample[] => {
          const value = Number(r.value?.[1]);
          return Number.isFinite(value) ? [{ labels: r.metric ?? {}, value }] : [];
        },
      );
    },
  };
}

export interface CanaryStep {
  /** The step's weight as configured (percent). */
  weight: number;
  canaryReplicas: number;
  /** The share of traffic the canary really gets: the weight with Istio, its share of pods without. */
  actualPct: number;
}

export interface CanaryResult {
  /**
   * `refused`: nothing was changed (no Prometheus to judge with, no VirtualService to steer);
   * `inconclusive`: latency and errors passed but too few predictions were compared (never a pass).
   */
  outcome: 'promoted' | 'aborted' | 'interrupted' | 'refused' | 'inconclusive';
  message: string;
  mode: 'istio' | 'replicas';
  samples: CanarySample[];
  steps: CanaryStep[];
  revision: number | undefined;
  rollback?: RollbackResult;
  warnings: string[];
  next: string[];
  /** Objects of the release applied on promotion (or the traffic objects applied for the canary). */
  applied: AppliedChange[];
}

export interface CanaryOptions {
  cluster: ClusterClient;
  clock: WatchClock;
  signal?: AbortSignal | undefined;
  manifest: ModelManifest;
  namespace: string;
  /** The live stable Deployment. */
  stable: KubeObject;
  /** The Deployment as it should end up. */
  desired: KubeObject;
  /** The release's other objects (as the dry run planned them), applied on promotion. */
  others: readonly PlannedObject[];
  /** The Deployment as the dry run planned it. */
  planned: PlannedObject;
  metrics?: MetricsSource | undefined;
  prometheusUrl?: string | undefined;
  forceConflicts: boolean;
  timeoutMs: number;
  sampleMs?: number | undefined;
  stepMs?: number | undefined;
  /** Blue-green: how long blue stays warm after the switch (before `stepMs`, which it replaces). */
  warmWindowMs?: number | undefined;
  /** Blue-green: how long green is judged on mirrored traffic before the switch. */
  preSwitchMs?: number | undefined;
  grace?: Partial<GraceSeconds> | undefined;
  emit: (message: string) => void;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const hasSubsets = (vs: KubeObject) => {
  const subsets = (((vs.spec as Any)?.http ?? []) as Any[]).flatMap((r) =>
    ((r.route ?? []) as Any[]).map((d) => d.destination?.subset as string),
  );
  return subsets.includes('stable') && subsets.includes('canary');
};

/**
 * A VirtualService with the canary subset at `canaryWeight` and stable at the rest, in every route
 * with both.
 */
export function withWeights(vs: KubeObject, canaryWeight: number): KubeObject {
  const copy = structuredClone(vs);
  for (const route of ((copy.spec as Any)?.http ?? []) as Any[]) {
    const destinations = (route.route ?? []) as Any[];
    if (!destinations.some((d) => d.destination?.subset === 'canary')) continue;
    for (const d of destinations) {
      if (d.destination?.subset === 'canary') d.weight = canaryWeight;
      else if (d.destination?.subset === 'stable') d.weight = 100 - canaryWeight;
    }
  }
  return copy;
}

/** Canary replicas for a step, and the share of the Service's pods (so of its traffic) they are. */
export function canaryStep(mode: 'istio' | 'replicas', weight: number, stableReplicas: number): CanaryStep {
  if (mode === 'istio') {
    return {
      weight,
      canaryReplicas: Math.max(1, Math.ceil((stableReplicas * weight) / 100)),
      actualPct: weight,
    };
  }
  const canaryReplicas = Math.max(1, Math.round((stableReplicas * weight) / (100 - weight)));
  const actualPct = Math.round((100 * canaryReplicas) / (stableReplicas + canaryReplicas));
  return { weight, canaryReplicas, actualPct };
}

/** A regular expression for the names of stable's pods: its current ReplicaSet's, by template hash. */
export async function stablePodPattern(cluster: ClusterClient, stable: KubeObject): Promise<string> {
  const name = stable.metadata.name;
  const revision = revisionOf(stable);
  const hash = (await ownedReplicaSets(cluster, stable)).find((rs) => revisionOf(rs) === revision)?.metadata
    .labels?.['pod-template-hash'];
  return hash ? `${escapeRe(name)}-${hash}-.*` : `${escapeRe(name)}-[a-z0-9]+-[a-z0-9]+`;
}

/**
 * A canary rollout: a `<name>-canary` Deployment with the new pod template takes a growing share
 * of traffic (Istio weights, or its share of replicas behind the same Service); at every step
 * canary and stable are compared in Prometheus. Prometheus is asked once before anything changes:
 * if it cannot answer, the canary is refused with nothing changed. With Istio, the release's
 * DestinationRule (which defines the subsets) is applied before the VirtualService that routes to
 * them, and both go through server-side apply by the same field manager as the rest of the
 * release, so the promotion's apply never conflicts with the weight steps. Two bad samples in a
 * row, or a Prometheus that stops answering, abort it (fail safe): traffic objects go back to
 * what they were before (deleted if this release created them), the canary is removed. Otherwise
 * the new template is promoted to the stable Deployment.
 */
export async function runCanary(options: CanaryOptions): Promise<CanaryResult> {
  const { cluster, clock, manifest, namespace, stable, desired } = options;
  const rollout = manifest.spec.rollout ?? {};
  const mode = rollout.canary?.mode ?? 'replicas';
  const weights = (rollout.canary?.steps ?? [10, 25, 50]).filter((w) => w < 100);
  const stepMs = options.stepMs ?? (parseDurationSeconds(rollout.canary?.stepDuration ?? '') ?? 300) * 1000;
  const sampleMs = options.sampleMs ?? (parseDurationSeconds(rollout.analysis?.interval ?? '') ?? 30) * 1000;
  const thresholds = thresholdsOf(manifest);
  const prometheusUrl = options.prometheusUrl ?? rollout.analysis?.prometheusUrl;
  const metrics = options.metrics ?? (prometheusUrl ? prometheusSource(prometheusUrl) : undefined);
  const samples: CanarySample[] = [];
  const warnings: string[] = [];
  const name = stable.metadata.name;
  const canaryName = `${name}-canary`.slice(0, 63);
  const stableRevision = revisionOf(stable);
  const force = options.forceConflicts;
  const refused = (message: string, next: string[] = []): CanaryResult => ({
    outcome: 'refused',
    mode,
    samples,
    steps: [],
    revision: stableRevision,
    warnings,
    next,
    message,
    applied: [],
  });
  if (!metrics) {
    return refused(
      'canary refused: no Prometheus to judge it (pass --prometheus-url or set spec.rollout.analysis.prometheusUrl); nothing was changed',
      ['pass --prometheus-url or set spec.rollout.analysis.prometheusUrl'],
    );
  }
  const analysis = new ReleaseAnalysis(metrics, manifest, namespace, sampleMs);
  const podRe = { canary: `${escapeRe(canaryName)}-.*`, stable: await stablePodPattern(cluster, stable) };

  // 1. Prometheus answers before any pod takes canary traffic (fail safe means: fail before).
  try {
    await analysis.side(podRe.stable);
  } catch (error) {
    if (error instanceof NetworkError || error instanceof ClusterError)
      return refused(`canary refused: ${error.message}; nothing was changed`, [
        'check --prometheus-url (or spec.rollout.analysis.prometheusUrl), then deploy again',
      ]);
    throw error;
  }

  const stableReplicas = Number((stable.spec as Any)?.replicas ?? 1);
  const steps = weights.map((w) => canaryStep(mode, w, stableReplicas));
  for (const step of steps) {
    if (mode === 'replicas' && Math.abs(step.actualPct - step.weight) > 5) {
      const total = stableReplicas + step.canaryReplicas;
      const pods = `${step.canaryReplicas} of ${total} pod${total === 1 ? '' : 's'}`;
      const stableCount = `${stableReplicas} stable replica${stableReplicas === 1 ? '' : 's'}`;
      warnings.push(
        `canary step ${step.weight} % is really ${step.actualPct} % of the traffic: ${pods} behind the Service with ${stableCount} (scale stable up, or use canary mode istio for exact weights)`,
      );
    }
  }

  // 2. Traffic objects: the subsets (DestinationRule) before the routes that use them.
  const traffic: AppliedChange[] = [];
  const others = options.others;
  const declaredVs =
    mode === 'istio'
      ? others.find((o) => o.object.kind === 'VirtualService' && hasSubsets(o.object))
      : undefined;
  let liveVs: KubeObject | undefined;
  if (mode === 'istio' && !declaredVs) {
    liveVs = await findLiveVirtualService(cluster, namespace, name);
    if (!liveVs)
      return refused(
        `canary refused: no VirtualService with stable and canary subsets routes to ${name}; nothing was changed`,
      );
  }
  const setWeight = async (canaryWeight: number): Promise<void> => {
    if (declaredVs) await cluster.apply(withWeights(declaredVs.object, canaryWeight), { force });
    else if (liveVs) await patchWeights(cluster, liveVs, canaryWeight);
  };
  const inTraffic = new Set<PlannedObject>();
  if (declaredVs) {
    const rules = others.filter((o) => o.object.kind === 'DestinationRule');
    const first = [...rules, { ...declaredVs, object: withWeights(declaredVs.object, 0) }];
    for (const o of [...rules, declaredVs]) inTraffic.add(o);
    const out = await applyInOrder(cluster, first, { force });
    traffic.push(...out.applied);
    if (out.failure) {
      const undo = await undoChanges(cluster, traffic);
      const restored = putBackList(undo);
      return {
        ...refused(
          `canary refused: applying ${out.failure.ref} failed (${out.failure.error.message}); put back: ${restored}`,
        ),
        applied: traffic,
      };
    }
  }

  const started = clock.now();
  let trafficSince: number | undefined;
  const series = new SampleSeries(analysis, thresholds, samples, options.emit);
  const canaryObject = canaryDeployment(desired, canaryName);
  const abort = async (why: string): Promise<CanaryResult> => {
    const t0 = clock.now();
    options.emit(`aborting the canary: ${why}`);
    const restored: string[] = [];
    const deleted: string[] = [];
    if (declaredVs) {
      // Routes back to stable first, then the traffic objects as they were before this release.
      await cluster.apply(withWeights(declaredVs.object, 0), { force });
      const undo = await undoChanges(cluster, traffic);
      restored.push(...undo.restored);
      deleted.push(...undo.deleted);
    } else if (liveVs) {
      await patchWeights(cluster, liveVs, 0);
      restored.push(`VirtualService/${liveVs.metadata.name}`);
    }
    await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: canaryName });
    deleted.push(`Deployment/${canaryName}`);
    const elapsedMs = clock.now() - t0;
    const elapsedSeconds = (elapsedMs / 1000).toFixed(1);
    const rollback: RollbackResult = {
      outcome: 'rolled-back',
      message: `canary removed; all traffic on stable revision ${stableRevision}`,
      fromRevision: stableRevision,
      toRevision: stableRevision,
      restored,
      deleted,
      elapsedMs,
      usedRecord: false,
    };
    return {
      outcome: 'aborted',
      mode,
      samples,
      steps,
      revision: stableRevision,
      rollback,
      warnings,
      next: [],
      applied: traffic,
      message: `canary aborted (${why}); traffic is back on stable revision ${stableRevision} after ${elapsedSeconds} s`,
    };
  };

  for (const step of steps) {
    const { weight, canaryReplicas: replicas, actualPct } = step;
    const plural = replicas === 1 ? '' : 's';
    const share =
      mode === 'istio'
        ? `, VirtualService weight ${weight}`
        : actualPct === weight
          ? ''
          : ` = ${actualPct} % of the Service's pods`;
    options.emit(`step ${weight} %: ${canaryName} at ${replicas} replica${plural}${share}`);
    await cluster.apply(
      { ...canaryObject, spec: { ...(canaryObject.spec as Any), replicas } },
      { force: true },
    );
    const ready = await waitForRollout({
      cluster,
      namespace,
      name: canaryName,
      clock,
      timeoutMs: options.timeoutMs,
      startupBudgetSeconds: startupBudgetSeconds(canaryObject, manifest.spec.serving),
      signal: options.signal,
      pollMs: 500,
      grace: options.grace,
    });
    if (ready.verdict.reason === 'Interrupted')
      return interrupted(samples, steps, mode, stableRevision, canaryName, warnings, traffic);
    if (ready.verdict.state === 'failed') return abort(`the canary pods failed: ${ready.verdict.message}`);
    await setWeight(weight);
    trafficSince ??= clock.now();
    const stepStart = clock.now();
    const judgedBefore = series.judged;
    while (clock.now() - stepStart < stepMs) {
      await clock.sleep(Math.min(sampleMs, Math.max(0, stepMs - (clock.now() - stepStart))));
      if (options.signal?.aborted)
        return interrupted(samples, steps, mode, stableRevision, canaryName, warnings, traffic);
      const sample = await series.take(
        {
          candidate: podRe.canary,
          stable: podRe.stable,
          sinceSeconds: (clock.now() - trafficSince) / 1000,
          atMs: clock.now() - started,
          weight,
        },
        `sample at ${weight} %`,
      );
      if (sample.next !== 'continue') return abort(sample.why);
    }
    if (series.judged === judgedBefore)
      return abort(`fail safe: no canary metrics in Prometheus during the ${weight} % step`);
  }
  const notPassed = finalPredictionVerdict(
    series.lastPrediction,
    metrics.queryVector !== undefined,
    warnings,
  );
  if (notPassed) {
    const result = await abort(notPassed);
    return {
      ...result,
      outcome: 'inconclusive',
      message: result.message.replace('canary aborted', 'canary not promoted'),
    };
  }

  // 3. Promote: the new template becomes the stable Deployment, the rest of the release follows;
  //    then the routes go back to stable (now the new version) and the canary goes away.
  options.emit(`promoting: applying the new template to Deployment/${name}`);
  const promotion = await applyInOrder(
    cluster,
    [options.planned, ...others.filter((o) => !inTraffic.has(o))],
    { force },
  );
  if (promotion.failure) {
    const undo = await undoChanges(cluster, promotion.applied);
    const putBack = putBackList(undo);
    const { ref, error } = promotion.failure;
    const result = await abort(`applying ${ref} failed on promotion (${error.message}); put back ${putBack}`);
    return { ...result, applied: [...traffic, ...promotion.applied] };
  }
  const promoted = await waitForRollout({
    cluster,
    namespace,
    name,
    clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: startupBudgetSeconds(desired, manifest.spec.serving),
    signal: options.signal,
    grace: options.grace,
  });
  await setWeight(0);
  await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: canaryName });
  const revision = revisionOf(promoted.last?.raw);
  const applied = [...traffic, ...promotion.applied];
  if (promoted.verdict.state !== 'complete') {
    return {
      outcome: promoted.verdict.reason === 'Interrupted' ? 'interrupted' : 'aborted',
      mode,
      samples,
      steps,
      revision,
      warnings,
      applied,
      next: [`mlready rollback ${name} --to-revision ${stableRevision}`],
      message: `the canary passed, but promoting it to Deployment/${name} did not finish: ${promoted.verdict.message}`,
    };
  }
  const goodSamples = samples.filter((s) => s.verdict === 'good').length;
  return {
    outcome: 'promoted',
    mode,
    samples,
    steps,
    revision,
    warnings,
    applied,
    next: [],
    message: `canary passed ${goodSamples} sample(s) over ${steps.length} step(s); promoted to Deployment/${name} revision ${revision}`,
  };
}

function interrupted(
  samples: CanarySample[],
  steps: CanaryStep[],
  mode: 'istio' | 'replicas',
  revision: number,
  canaryName: string,
  warnings: string[],
  applied: AppliedChange[],
): CanaryResult {
  return {
    outcome: 'interrupted',
    mode,
    samples,
    steps,
    revision,
    warnings,
    applied,
    message: `interrupted during the canary; ${canaryName} still runs and takes its share of traffic`,
    next: [
      `kubectl delete deployment ${canaryName} (and set the canary weight to 0) to abandon it`,
      'or run the same mlready deploy again',
    ],
  };
}

function canaryDeployment(desired: KubeObject, canaryName: string): KubeObject {
  const canary = structuredClone(desired);
  const spec = canary.spec as Any;
  canary.metadata = {
    ...canary.metadata,
    name: canaryName,
    labels: { ...canary.metadata.labels, [LABELS.track]: 'canary' },
  };
  spec.selector = {
    ...spec.selector,
    matchLabels: { ...spec.selector?.matchLabels, [LABELS.track]: 'canary' },
  };
  spec.template.metadata = {
    ...spec.template.metadata,
    labels: { ...spec.template.metadata?.labels, [LABELS.track]: 'canary' },
  };
  return canary;
}

/** A VirtualService already in the cluster (not in the release) that splits this service's traffic. */
async function findLiveVirtualService(
  cluster: ClusterClient,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  for (const apiVersion of ['networking.istio.io/v1', 'networking.istio.io/v1beta1']) {
    if (!(await cluster.servesKind(apiVersion, 'VirtualService'))) continue;
    const live = (await cluster.list(apiVersion, 'VirtualService', namespace)).find(
      (vs) => hasSubsets(vs) && JSON.stringify(vs.spec).includes(name),
    );
    if (live) return live;
  }
  return undefined;
}

/**
 * Weights of a VirtualService that is not part of the release (someone else applies it): a merge
 * patch, as `kubectl patch` would, since mlready must not take its fields over by applying them.
 */
async function patchWeights(cluster: ClusterClient, vs: KubeObject, canaryWeight: number): Promise<void> {
  await cluster.patch(refOf(vs), { spec: { http: (withWeights(vs, canaryWeight).spec as Any)?.http ?? [] } });
}
