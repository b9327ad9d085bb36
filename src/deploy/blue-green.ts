import { ClusterError, NetworkError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { ReleaseAnalysis } from './analysis.js';
import { prometheusSource, stablePodPattern, type CanaryOptions } from './canary.js';
import { revisionOf, startupBudgetSeconds } from './observe.js';
import { LABELS } from './release.js';
import { finalPredictionVerdict, SampleSeries, thresholdsOf, type CanarySample } from './sample.js';
import { findRoute, hostMatches, mirrored } from './shadow.js';
import { applyInOrder, putBackList, refOf, undoChanges, type AppliedChange } from './transaction.js';
import { waitForRollout } from './wait.js';

type Any = Record<string, any>;

/** Annotations on the green Deployment, so that `rollback` can switch back from another process. */
export const BLUE_GREEN = {
  of: 'mlready.dev/blue-green-of',
  service: 'mlready.dev/blue-green-service',
  /** The Service as it was before the switch (JSON): what the reverse switch puts back. */
  before: 'mlready.dev/blue-green-before',
  /** `apply` (the Service is part of the release) or `patch` (it is not). */
  via: 'mlready.dev/blue-green-via',
  switchedAt: 'mlready.dev/blue-green-switched-at',
  /** With a route switch: the Service mlready created in front of green's pods. */
  greenService: 'mlready.dev/blue-green-green-service',
  warmUntil: 'mlready.dev/blue-green-warm-until',
} as const;

/**
 * The analysis before the switch. `mirror`: a route in front of the Service mirrored live traffic
 * to green, judged against blue before any traffic moved. `none`: only a Service selector could
 * switch, so no live request could reach green before the switch; green was judged only after it,
 * in the warm window, with the reverse switch as the protection.
 */
export type PreSwitchAnalysis =
  | {
      mode: 'mirror';
      /** `VirtualService/name` or `HTTPRoute/name`. */
      route: string;
      /** The Service the mirrored requests went to. */
      target: string;
      percent: number;
      windowMs: number;
      verdict: 'passed' | 'failed' | 'inconclusive' | 'interrupted' | 'not-run';
    }
  | { mode: 'none'; reason: string };

export interface BlueGreenResult {
  /**
   * `promoted`: green passed the warm window and the release was applied; `switched-back`: green
   * failed after the switch and traffic went back to blue; `torn-down`: green failed the analysis
   * before the switch, `inconclusive`: too little mirrored traffic to judge it (never a pass) —
   * both removed green and the mirror, traffic never moved; `failed`: green never became ready
   * (traffic never moved); `refused`: nothing was changed.
   */
  outcome: 'promoted' | 'switched-back' | 'torn-down' | 'inconclusive' | 'failed' | 'interrupted' | 'refused';
  message: string;
  green: string;
  service?: string | undefined;
  preSwitch?: PreSwitchAnalysis | undefined;
  /** Milliseconds of the switch to green (the API call that moves all traffic). */
  switchMs?: number | undefined;
  /** Milliseconds of the reverse switch, when there was one. */
  switchBackMs?: number | undefined;
  warmWindowMs: number;
  /** Every sample, before the switch (`phase: 'before-switch'`) and in the warm window. */
  samples: CanarySample[];
  revision: number | undefined;
  warnings: string[];
  next: string[];
  applied: AppliedChange[];
  /** What was removed when green failed before the switch, and how long that took. */
  teardown?: { removed: string[]; elapsedMs: number } | undefined;
}

/** The warning (and result reason) when no route can mirror live traffic to green before the switch. */
export const NO_PRE_SWITCH_ANALYSIS =
  'analysis before the switch was not possible (no Istio VirtualService or Gateway API HTTPRoute in front of the Service to mirror live traffic to green): latency, errors and predictions were judged only after the switch, in the warm window, with the reverse switch as the protection';

const greenLabel = (value: string) => `${value}-green`.slice(0, 63).replace(/[-_.]+$/, '');

/** The green Deployment: the new template at full size, under labels no live Service selects. */
export function greenDeployment(
  desired: KubeObject,
  replicas: number,
  annotations: Record<string, string>,
): KubeObject {
  const green = structuredClone(desired);
  const spec = green.spec as Any;
  const matchLabels = { ...(spec.selector?.matchLabels as Record<string, string> | undefined) };
  const relabel = (labels: Record<string, string> | undefined) => {
    const out: Record<string, string> = { ...labels };
    for (const key of Object.keys(matchLabels)) out[key] = greenLabel(matchLabels[key]!);
    out[LABELS.track] = 'green';
    return out;
  };
  green.metadata = {
    ...green.metadata,
    name: `${desired.metadata.name}-green`.slice(0, 63),
    labels: { ...green.metadata.labels, [LABELS.track]: 'green' },
    annotations: { ...green.metadata.annotations, ...annotations },
  };
  spec.replicas = replicas;
  spec.selector = { matchLabels: relabel(matchLabels) };
  spec.template.metadata = { ...spec.template.metadata, labels: relabel(spec.template.metadata?.labels) };
  return green;
}

const selectorOf = (service: KubeObject) => ((service.spec as Any)?.selector ?? {}) as Record<string, string>;

const selects = (service: KubeObject, labels: Record<string, string>) => {
  const selector = selectorOf(service);
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
};

/** A JSON merge patch that makes a Service's selector exactly `selector` (keys not in it are removed). */
function selectorPatch(current: Record<string, string>, selector: Record<string, string>): Any {
  const patch: Record<string, string | null> = { ...selector };
  for (const key of Object.keys(current)) if (!(key in selector)) patch[key] = null;
  return { spec: { selector: patch } };
}

/**
 * The switch: the Service's selector moves to `selector`, by server-side apply of the release's
 * Service (same field manager as the release, so the promotion's apply cannot conflict) or, for a
 * Service the release does not bring, by a merge patch. Returns how long the API call took.
 */
async function switchTo(
  cluster: ClusterClient,
  service: KubeObject,
  selector: Record<string, string>,
  via: 'apply' | 'patch',
  now: () => number,
): Promise<number> {
  const t0 = now();
  if (via === 'apply') {
    const copy = structuredClone(service);
    (copy.spec as Any).selector = selector;
    await cluster.apply(copy, { force: false });
  } else {
    const live = await cluster.get(refOf(service));
    await cluster.patch(refOf(service), selectorPatch(selectorOf(live ?? service), selector));
  }
  return now() - t0;
}

/**
 * Switches traffic back to blue during the warm window, from another process: the green
 * Deployment's annotations say which Service, what it was before and how it was changed. Returns
 * undefined when `name` has no green Deployment (no blue-green release in its warm window).
 */
export async function reverseSwitch(
  cluster: ClusterClient,
  namespace: string,
  name: string,
  now: () => number,
): Promise<{ service: string; green: string; elapsedMs: number } | undefined> {
  const greenName = `${name}-green`.slice(0, 63);
  const green = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: greenName });
  const annotations = green?.metadata.annotations ?? {};
  if (!green || annotations[BLUE_GREEN.of] !== name) return undefined;
  const t0 = now();
  const before = JSON.parse(annotations[BLUE_GREEN.before] ?? '{}') as KubeObject;
  const via = annotations[BLUE_GREEN.via] === 'apply' ? 'apply' : 'patch';
  // Before the switch this puts back the route without the mirror to green (or the Service as it
  // is): the same write either way, so it never needs to know which side of the switch it is on.
  if (before.kind === 'Service') await switchTo(cluster, before, selectorOf(before), via, now);
  else if (before.kind === 'VirtualService' || before.kind === 'HTTPRoute')
    await putRoute(cluster, before, via);
  await cluster.delete(refOf(green));
  const greenService = annotations[BLUE_GREEN.greenService];
  if (greenService)
    await cluster.delete({ apiVersion: 'v1', kind: 'Service', namespace, name: greenService });
  return { service: annotations[BLUE_GREEN.service] ?? '', green: greenName, elapsedMs: now() - t0 };
}

/**
 * A blue-green release: the new template comes up as `<name>-green` at stable's full size, under
 * labels that no Service selects, and must be ready before any traffic moves. With a route in
 * front of the Service (Istio VirtualService or Gateway API HTTPRoute), live traffic is then
 * mirrored to green (the shadow's mechanism) and green is judged against blue over the pre-switch
 * window (`rollout.blueGreen.preSwitchWindow`, default 5m): a failed or inconclusive analysis
 * removes the mirror and green, and traffic never moved. Without a route nothing can reach green
 * before the switch, and the result says so. Then one switch — the route's weights 0 → 100 (the
 * mirror removed in the same write), or the Service's selector. Blue (the stable Deployment) stays
 * as it is, warm, for the window (`rollout.blueGreen.warmWindow`, default 5m); during it green is
 * analysed on live traffic against blue's latency and predictions from before the switch, and a
 * failure — or `mlready rollback` from another terminal — is the reverse switch. After the window
 * the release is applied to the stable Deployment (its rollout takes no traffic: the Service
 * still points at green), the Service goes back to the release's selector, and green is removed.
 */
export async function runBlueGreen(options: CanaryOptions): Promise<BlueGreenResult> {
  const { cluster, clock, manifest, namespace, stable, desired } = options;
  const rollout = manifest.spec.rollout ?? {};
  const config = rollout.blueGreen ?? {};
  const warnings: string[] = [];
  // --step-duration was the warm window before --warm-window existed; it still is, with a warning.
  if (options.warmWindowMs === undefined && options.stepMs !== undefined)
    warnings.push(
      '--step-duration sets the blue-green warm window only for compatibility; use --warm-window (and --pre-switch-window for the analysis before the switch)',
    );
  const warmWindowMs =
    options.warmWindowMs ?? options.stepMs ?? (parseDurationSeconds(config.warmWindow ?? '') ?? 300) * 1000;
  const preSwitchMs =
    options.preSwitchMs ?? (parseDurationSeconds(config.preSwitchWindow ?? '') ?? 300) * 1000;
  const mirrorPercent = config.mirrorPercent ?? 100;
  const sampleMs = options.sampleMs ?? (parseDurationSeconds(rollout.analysis?.interval ?? '') ?? 30) * 1000;
  const thresholds = thresholdsOf(manifest);
  const prometheusUrl = options.prometheusUrl ?? rollout.analysis?.prometheusUrl;
  const metrics = options.metrics ?? (prometheusUrl ? prometheusSource(prometheusUrl) : undefined);
  const name = stable.metadata.name;
  const greenName = `${name}-green`.slice(0, 63);
  const stableRevision = revisionOf(stable);
  const samples: CanarySample[] = [];
  const force = options.forceConflicts;
  const base = {
    green: greenName,
    samples,
    warnings,
    warmWindowMs,
    revision: stableRevision,
    applied: [] as AppliedChange[],
    next: [] as string[],
  };
  const refused = (message: string): BlueGreenResult => ({
    ...base,
    outcome: 'refused',
    message: `blue-green refused: ${message}; nothing was changed`,
  });
  if (!metrics)
    return refused(
      'no Prometheus to analyse green (pass --prometheus-url or set spec.rollout.analysis.prometheusUrl)',
    );
  const analysis = new ReleaseAnalysis(metrics, manifest, namespace, sampleMs);
  const podRe = { green: `${escapeRe(greenName)}-.*`, blue: await stablePodPattern(cluster, stable) };
  let baseline: CanarySample['stable'];
  try {
    baseline = await analysis.side(podRe.blue);
  } catch (error) {
    if (error instanceof NetworkError || error instanceof ClusterError) return refused(error.message);
    throw error;
  }

  const templateLabels = ((desired.spec as Any)?.template?.metadata?.labels ?? {}) as Record<string, string>;
  const declared = options.others.find(
    (o) => o.object.kind === 'Service' && selects(o.object, templateLabels),
  );
  const live = (await cluster.list('v1', 'Service', namespace)).find((s) => selects(s, templateLabels));
  const service = declared?.object ?? live;
  if (!service)
    return refused(`no Service selects the pods of Deployment/${name}: there is no traffic to switch`);
  const svcName = service.metadata.name;
  // A mesh or gateway route in front of the Service: the mirror before the switch, and the switch
  // itself (its weights, 0 → 100).
  const found = await findRoute(cluster, options.others, namespace, svcName);
  const route = found?.route;
  const declaredRoute = found?.declared;
  const via: 'apply' | 'patch' = (route ? declaredRoute : declared) ? 'apply' : 'patch';
  const before = declared?.before ?? live;
  const replicas = Number((stable.spec as Any)?.replicas ?? 1);
  const greenSvcName = `${svcName}-green`.slice(0, 63);
  const routeBefore = route && (declaredRoute ? route : liveForPatch(route));
  const routeName = route ? `${route.kind}/${route.metadata.name}` : undefined;
  const green = greenDeployment(desired, replicas, {
    [BLUE_GREEN.of]: name,
    [BLUE_GREEN.service]: routeName ?? svcName,
    [BLUE_GREEN.via]: via,
    [BLUE_GREEN.before]: JSON.stringify(
      routeBefore ?? (before ? stripForApply(before, declared?.object) : service),
    ),
    ...(route ? { [BLUE_GREEN.greenService]: greenSvcName } : {}),
  });
  const greenSelector = (green.spec as Any).selector.matchLabels as Record<string, string>;
  const blueSelector = selectorOf(before ?? service);
  const greenSvc: KubeObject | undefined = route
    ? {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: greenSvcName, namespace, labels: { [LABELS.track]: 'green' } },
        spec: { type: 'ClusterIP', selector: greenSelector, ports: (service.spec as Any)?.ports ?? [] },
      }
    : undefined;
  const preSwitch: PreSwitchAnalysis = routeName
    ? {
        mode: 'mirror',
        route: routeName,
        target: greenSvcName,
        percent: mirrorPercent,
        windowMs: preSwitchMs,
        verdict: 'not-run',
      }
    : { mode: 'none', reason: NO_PRE_SWITCH_ANALYSIS };
  if (preSwitch.mode === 'none') warnings.push(NO_PRE_SWITCH_ANALYSIS);
  const withPreSwitch = { ...base, preSwitch, service: svcName };

  // 1. Green at full size, no traffic, ready.
  options.emit(`green ${greenName} at ${replicas} replica(s) beside blue (revision ${stableRevision})`);
  await cluster.apply(green, { force: true });
  if (greenSvc) await cluster.apply(greenSvc, { force: true });
  const ready = await waitForRollout({
    cluster,
    namespace,
    name: greenName,
    clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: startupBudgetSeconds(green, manifest.spec.serving),
    signal: options.signal,
    pollMs: 500,
    grace: options.grace,
  });
  if (ready.verdict.reason === 'Interrupted')
    return {
      ...withPreSwitch,
      outcome: 'interrupted',
      message: `interrupted before the switch; ${greenName} runs without traffic`,
      next: [`kubectl delete deployment ${greenName} -n ${namespace} to abandon it`],
    };
  if (ready.verdict.state === 'failed') {
    await cluster.delete(refOf(green));
    if (greenSvc) await cluster.delete(refOf(greenSvc));
    return {
      ...withPreSwitch,
      outcome: 'failed',
      message: `green never became ready (${ready.verdict.message}); no traffic moved, ${greenName} removed`,
    };
  }

  // 2. Before the switch: live traffic mirrored to green, judged against blue on the same requests.
  const series = new SampleSeries(analysis, thresholds, samples, options.emit);
  if (route && greenSvc && preSwitch.mode === 'mirror') {
    const routeWith = (percent: number | undefined) => mirrored(route, svcName, greenSvcName, percent);
    let mirrorOn = false;
    const tearDown = async (outcome: 'torn-down' | 'inconclusive', why: string): Promise<BlueGreenResult> => {
      const t0 = clock.now();
      options.emit(`removing green before the switch: ${why}`);
      const removed: string[] = [];
      // The mirror first: nothing is sent to a Service that is going away.
      if (mirrorOn && declaredRoute && !declaredRoute.before) {
        // The release brought the route: before it, there was none.
        await cluster.delete(refOf(route));
        removed.push(`${routeName} (mirror)`);
      } else if (mirrorOn) {
        await putRoute(cluster, routeWith(undefined), via, force);
        removed.push(`mirror in ${routeName}`);
      }
      await cluster.delete(refOf(green));
      await cluster.delete(refOf(greenSvc));
      removed.push(`Deployment/${greenName}`, `Service/${greenSvcName}`);
      preSwitch.verdict = outcome === 'torn-down' ? 'failed' : 'inconclusive';
      const teardown = { removed, elapsedMs: clock.now() - t0 };
      const label =
        outcome === 'torn-down' ? 'green failed the analysis before the switch' : 'green not switched to';
      return {
        ...withPreSwitch,
        outcome,
        teardown,
        message: `${label} (${why}); traffic never moved: removed ${removed.join(', ')} in ${(teardown.elapsedMs / 1000).toFixed(1)} s; blue revision ${stableRevision} serves`,
      };
    };
    options.emit(
      `mirroring ${mirrorPercent} % of ${routeName}'s traffic to ${greenSvcName} before the switch`,
    );
    await putRoute(cluster, routeWith(mirrorPercent), via, force);
    mirrorOn = true;
    const mirroredSince = clock.now();
    while (clock.now() - mirroredSince < preSwitchMs) {
      await clock.sleep(Math.min(sampleMs, Math.max(0, preSwitchMs - (clock.now() - mirroredSince))));
      if (!(await cluster.get(refOf(green)))) {
        preSwitch.verdict = 'failed';
        return {
          ...withPreSwitch,
          outcome: 'torn-down',
          message: `${greenName} was removed before the switch (mlready rollback took the mirror out); traffic never moved, blue revision ${stableRevision} serves`,
        };
      }
      if (options.signal?.aborted) {
        preSwitch.verdict = 'interrupted';
        return {
          ...withPreSwitch,
          outcome: 'interrupted',
          message: `interrupted before the switch; ${greenName} runs and receives mirrored traffic, blue serves`,
          next: [
            `mlready rollback ${name} -n ${namespace} to remove the mirror and green`,
            'or run the same mlready deploy again',
          ],
        };
      }
      const sample = await series.take(
        {
          candidate: podRe.green,
          stable: podRe.blue,
          sinceSeconds: (clock.now() - mirroredSince) / 1000,
          atMs: clock.now() - mirroredSince,
          weight: 0,
          phase: 'before-switch',
        },
        'green sample before the switch (mirrored)',
      );
      if (sample.next !== 'continue') return tearDown('torn-down', sample.why);
    }
    if (series.judged === 0)
      return tearDown('inconclusive', 'no green metrics in Prometheus from the mirrored traffic');
    const notPassed = finalPredictionVerdict(
      series.lastPrediction,
      metrics.queryVector !== undefined,
      warnings,
    );
    if (notPassed) return tearDown('inconclusive', notPassed);
    preSwitch.verdict = 'passed';
    series.resetStreak();
    options.emit(
      `green passed ${samples.filter((s) => s.verdict === 'good').length} sample(s) on mirrored traffic before the switch`,
    );
  }

  // 3. The switch (with a route: its weights, the mirror taken out in the same write).
  const t0 = clock.now();
  if (route) await putRoute(cluster, switchedRoute(route, svcName, greenSvcName), via, force);
  else await switchTo(cluster, service, greenSelector, via, () => clock.now());
  const switchMs = clock.now() - t0;
  const switched = route ? `${routeName} (weights 0 → 100)` : `Service/${svcName}`;
  const warmUntil = new Date(Date.now() + warmWindowMs).toISOString();
  await cluster.patch(refOf(green), {
    metadata: {
      annotations: { [BLUE_GREEN.switchedAt]: new Date().toISOString(), [BLUE_GREEN.warmUntil]: warmUntil },
    },
  });
  options.emit(
    `switched ${switched} to green in ${(switchMs / 1000).toFixed(2)} s; blue stays warm until ${warmUntil} (mlready rollback ${name} switches back)`,
  );
  const afterSwitch = { ...withPreSwitch, switchMs };
  const switchBack = async (why: string): Promise<BlueGreenResult> => {
    options.emit(`switching back to blue: ${why}`);
    const back = await reverseSwitch(cluster, namespace, name, () => clock.now());
    return {
      ...afterSwitch,
      outcome: 'switched-back',
      switchBackMs: back?.elapsedMs,
      message: `green failed (${why}); switched ${switched} back to blue revision ${stableRevision} in ${((back?.elapsedMs ?? 0) / 1000).toFixed(2)} s`,
    };
  };

  // 4. The warm window: green on live traffic, blue ready to take it back.
  const started = clock.now();
  const judgedBefore = series.judged;
  while (clock.now() - started < warmWindowMs) {
    await clock.sleep(Math.min(sampleMs, Math.max(0, warmWindowMs - (clock.now() - started))));
    const stillGreen = await cluster.get(refOf(green));
    if (!stillGreen)
      return {
        ...afterSwitch,
        outcome: 'switched-back',
        message: `${greenName} was removed during the warm window (mlready rollback switched back to blue); blue revision ${stableRevision} serves`,
      };
    if (options.signal?.aborted)
      return {
        ...afterSwitch,
        outcome: 'interrupted',
        message: `interrupted in the warm window; green serves, blue is warm`,
        next: [
          `mlready rollback ${name} -n ${namespace} to switch back`,
          'or run the same mlready deploy again',
        ],
      };
    // Blue's latency is the baseline from before the switch (it has no traffic now); its
    // predictions too: the prediction window reaches back past the switch.
    const sample = await series.take(
      {
        candidate: podRe.green,
        stable: podRe.blue,
        stableBaseline: baseline,
        sinceSeconds: (clock.now() - started) / 1000,
        atMs: clock.now() - started,
        weight: 100,
        phase: 'after-switch',
      },
      'green sample',
    );
    if (sample.next !== 'continue') return switchBack(sample.why);
  }
  if (series.judged === judgedBefore)
    return switchBack('no green metrics in Prometheus during the warm window');
  const notPassed = finalPredictionVerdict(
    series.lastPrediction,
    metrics.queryVector !== undefined,
    warnings,
  );
  // Both analyses may have said the same thing (a histogram stable does not export): once is enough.
  warnings.splice(0, warnings.length, ...new Set(warnings));
  if (notPassed) return switchBack(notPassed);

  // 5. Promotion: the release goes to the stable Deployment while green serves; then the Service's
  //    own selector comes back with the rest of the release, and green goes.
  options.emit(`green passed the warm window; applying the release to Deployment/${name}`);
  const first = await applyInOrder(cluster, [options.planned], { force });
  const failed = async (message: string, applied: AppliedChange[]) => {
    const undo = await undoChanges(cluster, applied);
    const back = await switchBack(message);
    return {
      ...back,
      applied,
      message: `${back.message}; put back ${putBackList(undo)}`,
    };
  };
  if (first.failure)
    return failed(`applying ${first.failure.ref} failed (${first.failure.error.message})`, first.applied);
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
  if (promoted.verdict.state !== 'complete')
    return {
      ...afterSwitch,
      outcome: promoted.verdict.reason === 'Interrupted' ? 'interrupted' : 'failed',
      applied: first.applied,
      next: [`mlready rollback ${name} --to-revision ${stableRevision}`],
      message: `green passed, but Deployment/${name} did not roll out (${promoted.verdict.message}); green still serves`,
    };
  const rest = await applyInOrder(cluster, options.others, { force });
  const applied = [...first.applied, ...rest.applied];
  if (rest.failure)
    return failed(`applying ${rest.failure.ref} failed (${rest.failure.error.message})`, applied);
  if (route && routeBefore && !declaredRoute) await putRoute(cluster, routeBefore, 'patch');
  else if (!route && !declared) await switchTo(cluster, service, blueSelector, via, () => clock.now());
  await cluster.delete(refOf(green));
  if (greenSvc) await cluster.delete(refOf(greenSvc));
  const revision = revisionOf(promoted.last?.raw);
  const preSwitchNote =
    preSwitch.mode === 'mirror'
      ? `green passed the analysis on mirrored traffic before the switch; `
      : 'no analysis before the switch (no route to mirror to green); ';
  return {
    ...afterSwitch,
    outcome: 'promoted',
    revision,
    applied,
    message: `${preSwitchNote}switched to green in ${(switchMs / 1000).toFixed(2)} s; green passed ${samples.filter((s) => s.verdict === 'good' && s.phase !== 'before-switch').length} sample(s) in the warm window; promoted to Deployment/${name} revision ${revision}`,
  };
}

/** A route as it should be: applied with the release's field manager, or merge patched (`spec`). */
async function putRoute(
  cluster: ClusterClient,
  route: KubeObject,
  via: 'apply' | 'patch',
  force = false,
): Promise<void> {
  if (via === 'apply') await cluster.apply(route, { force });
  else await cluster.patch(refOf(route), { spec: route.spec });
}

/** A live object reduced to what a merge patch puts back. */
function liveForPatch(object: KubeObject): KubeObject {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
    spec: object.spec,
  };
}

/**
 * The route with every destination of `service` at weight 0 and `green` at 100: Istio
 * `route[].weight` on HTTP routes, Gateway API `backendRefs[].weight` on HTTPRoute rules.
 */
export function toGreen(route: KubeObject, service: string, green: string): KubeObject {
  const copy = structuredClone(route);
  const spec = copy.spec as Any;
  const ns = route.metadata.namespace ?? '';
  if (route.kind === 'VirtualService') {
    for (const r of (spec?.http ?? []) as Any[]) {
      const destinations = (r.route ?? []) as Any[];
      const main = destinations.find((d) => hostMatches(d.destination?.host, service, ns));
      if (!main) continue;
      r.route = [
        ...destinations.map((d) => ({ ...d, weight: 0 })),
        {
          destination: { host: green, ...(main.destination?.port ? { port: main.destination.port } : {}) },
          weight: 100,
        },
      ];
    }
  } else {
    for (const rule of (spec?.rules ?? []) as Any[]) {
      const refs = (rule.backendRefs ?? []) as Any[];
      const main = refs.find((b) => b.name === service);
      if (!main) continue;
      rule.backendRefs = [
        ...refs.map((b) => ({ ...b, weight: 0 })),
        { name: green, ...(main.port !== undefined ? { port: main.port } : {}), weight: 100 },
      ];
    }
  }
  return copy;
}

/**
 * The switch of a route in one object: every destination of `service` at weight 0, `green` at 100,
 * and the mirror to `green` taken out — one write, so no moment has both or neither.
 */
export function switchedRoute(route: KubeObject, service: string, green: string): KubeObject {
  return toGreen(mirrored(route, service, green, undefined), service, green);
}

/** The Service as mlready last applied it (its declared form), else the live one without server fields. */
function stripForApply(before: KubeObject, declared: KubeObject | undefined): KubeObject {
  if (declared) {
    const copy = structuredClone(declared);
    (copy.spec as Any).selector = selectorOf(before);
    return copy;
  }
  return {
    apiVersion: before.apiVersion,
    kind: before.kind,
    metadata: { name: before.metadata.name, namespace: before.metadata.namespace },
    spec: { selector: selectorOf(before) },
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
