import { ClusterError, NetworkError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { ReleaseAnalysis } from './analysis.js';
import {
  prometheusSource,
  runCanary,
  stablePodPattern,
  type CanaryOptions,
  type CanaryResult,
} from './canary.js';
import { revisionOf, startupBudgetSeconds } from './observe.js';
import { LABELS } from './release.js';
import { finalPredictionVerdict, SampleSeries, thresholdsOf, type CanarySample } from './sample.js';
import { applyInOrder, putBackList, refOf, undoChanges, type AppliedChange } from './transaction.js';
import { waitForRollout } from './wait.js';

type Any = Record<string, any>;

/** How the shadow gets its copy of live traffic. */
export interface MirrorInfo {
  kind: 'VirtualService' | 'HTTPRoute';
  name: string;
  /** Share of live requests mirrored to the shadow, percent. */
  percent: number;
  /** The Service the mirrored requests go to. */
  target: string;
  /** Applied with the release's field manager (part of the release) or merge-patched (live only). */
  via: 'apply' | 'patch';
}

export interface ShadowResult {
  /**
   * `promoted`: the shadow passed and the release went on (fully, or as a canary: see `canary`);
   * `torn-down`: it failed the analysis, shadow and mirror removed, stable untouched;
   * `inconclusive`: too few predictions to compare, torn down as well (never a pass);
   * `refused`: nothing was changed.
   */
  outcome: 'promoted' | 'torn-down' | 'inconclusive' | 'interrupted' | 'refused' | 'failed';
  message: string;
  mirror?: MirrorInfo | undefined;
  samples: CanarySample[];
  revision: number | undefined;
  warnings: string[];
  next: string[];
  applied: AppliedChange[];
  /** What was removed when the shadow went away, and how long that took. */
  teardown?: { removed: string[]; elapsedMs: number } | undefined;
  /** With `promote: canary`, the canary that followed. */
  canary?: CanaryResult | undefined;
}

const shadowLabel = (value: string) => `${value}-shadow`.slice(0, 63).replace(/[-_.]+$/, '');

/**
 * The shadow Deployment: the new template under `<name>-shadow`, with the values of its selector's
 * labels suffixed `-shadow`, so no Service that selects stable's pods selects the shadow's (it must
 * never answer a live request).
 */
export function shadowDeployment(desired: KubeObject, replicas: number): KubeObject {
  const shadow = structuredClone(desired);
  const spec = shadow.spec as Any;
  const name = `${desired.metadata.name}-shadow`.slice(0, 63);
  const matchLabels = { ...(spec.selector?.matchLabels as Record<string, string> | undefined) };
  const relabel = (labels: Record<string, string> | undefined) => {
    const out: Record<string, string> = { ...labels };
    for (const key of Object.keys(matchLabels)) out[key] = shadowLabel(matchLabels[key]!);
    out[LABELS.track] = 'shadow';
    return out;
  };
  shadow.metadata = {
    ...shadow.metadata,
    name,
    labels: { ...shadow.metadata.labels, [LABELS.track]: 'shadow' },
  };
  delete (shadow.metadata as Any).resourceVersion;
  spec.replicas = replicas;
  spec.selector = { matchLabels: relabel(matchLabels) };
  spec.template.metadata = { ...spec.template.metadata, labels: relabel(spec.template.metadata?.labels) };
  return shadow;
}

/** The Service the mirror sends to: the stable Service's ports, selecting the shadow's pods. */
export function shadowService(service: KubeObject, shadow: KubeObject): KubeObject {
  const spec = service.spec as Any;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${service.metadata.name}-shadow`.slice(0, 63),
      namespace: service.metadata.namespace,
      labels: { [LABELS.track]: 'shadow' },
    },
    spec: {
      type: 'ClusterIP',
      selector: (shadow.spec as Any).selector.matchLabels,
      ports: ((spec.ports ?? []) as Any[]).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
      })),
    },
  };
}

const selects = (service: KubeObject, labels: Record<string, string>) => {
  const selector = (service.spec as Any)?.selector as Record<string, string> | undefined;
  return (
    selector !== undefined &&
    Object.keys(selector).length > 0 &&
    Object.entries(selector).every(([k, v]) => labels[k] === v)
  );
};

export const hostMatches = (host: unknown, service: string, namespace: string) =>
  typeof host === 'string' &&
  (host === service || host === `${service}.${namespace}` || host.startsWith(`${service}.${namespace}.svc`));

/**
 * An Istio VirtualService with `mirror` + `mirrorPercentage` on every HTTP route that sends to
 * `service`; without `mirror` (percent undefined) it is the VirtualService as the release has it.
 * https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export function withMirror(
  vs: KubeObject,
  service: string,
  target: string,
  percent: number | undefined,
): KubeObject {
  const copy = structuredClone(vs);
  const ns = vs.metadata.namespace ?? '';
  for (const route of ((copy.spec as Any)?.http ?? []) as Any[]) {
    const destinations = (route.route ?? []) as Any[];
    const main = destinations.find((d) => hostMatches(d.destination?.host, service, ns));
    if (!main) continue;
    if (percent === undefined) {
      delete route.mirror;
      delete route.mirrorPercentage;
      continue;
    }
    route.mirror = {
      host: target,
      ...(main.destination?.port ? { port: main.destination.port } : {}),
    };
    route.mirrorPercentage = { value: percent };
  }
  return copy;
}

/**
 * A Gateway API HTTPRoute with a `RequestMirror` filter on every rule that sends to `service`.
 * https://gateway-api.sigs.k8s.io/reference/spec/#httprequestmirrorfilter (`percent` from v1.2)
 */
export function withRequestMirror(
  route: KubeObject,
  service: string,
  target: string,
  percent: number | undefined,
): KubeObject {
  const copy = structuredClone(route);
  for (const rule of ((copy.spec as Any)?.rules ?? []) as Any[]) {
    const refs = (rule.backendRefs ?? []) as Any[];
    const main = refs.find((b) => b.name === service && (b.kind ?? 'Service') === 'Service');
    if (!main) continue;
    const filters = ((rule.filters ?? []) as Any[]).filter(
      (f) => !(f.type === 'RequestMirror' && f.requestMirror?.backendRef?.name === target),
    );
    if (percent !== undefined)
      filters.push({
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { name: target, ...(main.port !== undefined ? { port: main.port } : {}) },
          percent: Math.round(percent),
        },
      });
    if (filters.length > 0) rule.filters = filters;
    else delete rule.filters;
  }
  return copy;
}

/** Whether a VirtualService or HTTPRoute sends traffic to `service`. */
export const routesTo = (object: KubeObject, service: string) => {
  const ns = object.metadata.namespace ?? '';
  if (object.kind === 'VirtualService')
    return (((object.spec as Any)?.http ?? []) as Any[]).some((r) =>
      ((r.route ?? []) as Any[]).some((d) => hostMatches(d.destination?.host, service, ns)),
    );
  return (((object.spec as Any)?.rules ?? []) as Any[]).some((r) =>
    ((r.backendRefs ?? []) as Any[]).some((b) => b.name === service),
  );
};

export const TRAFFIC_KINDS = [
  ['networking.istio.io/v1', 'VirtualService'],
  ['networking.istio.io/v1beta1', 'VirtualService'],
  ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
] as const;

/**
 * The route in front of Service `service`: the release's own VirtualService or HTTPRoute that sends
 * to it (`declared`), else a live one; undefined when neither exists.
 */
export async function findRoute(
  cluster: ClusterClient,
  others: CanaryOptions['others'],
  namespace: string,
  service: string,
): Promise<{ route: KubeObject; declared: CanaryOptions['others'][number] | undefined } | undefined> {
  const declared = others.find(
    (o) =>
      (o.object.kind === 'VirtualService' || o.object.kind === 'HTTPRoute') && routesTo(o.object, service),
  );
  if (declared) return { route: declared.object, declared };
  for (const [apiVersion, kind] of TRAFFIC_KINDS) {
    if (!(await cluster.servesKind(apiVersion, kind))) continue;
    const route = (await cluster.list(apiVersion, kind, namespace)).find((o) => routesTo(o, service));
    if (route) return { route, declared: undefined };
  }
  return undefined;
}

/**
 * The route with `percent` % of the traffic it sends to `service` mirrored to `target` (Istio
 * `mirror`, Gateway API `RequestMirror`), or with that mirror taken out (`percent` undefined).
 */
export function mirrored(
  route: KubeObject,
  service: string,
  target: string,
  percent: number | undefined,
): KubeObject {
  return route.kind === 'VirtualService'
    ? withMirror(route, service, target, percent)
    : withRequestMirror(route, service, target, percent);
}

/**
 * A shadow release: the new template runs as `<name>-shadow` beside stable and gets a mirrored
 * share of live traffic (Istio `mirror`, or the Gateway API `RequestMirror` filter, whichever
 * routes to the service); its responses are discarded by the mesh or gateway. Over the window it
 * is compared with stable on p95 latency, error rate and the distribution of its predictions
 * (src/deploy/prediction.ts). A failed analysis, or too few predictions to judge, tears it down
 * (the mirror, its Deployment and Service); stable is never touched. A passed one is promoted:
 * straight to a full rollout, or to the canary steps (`rollout.shadow.promote: canary`).
 */
export async function runShadow(options: CanaryOptions): Promise<ShadowResult> {
  const { cluster, clock, manifest, namespace, stable, desired } = options;
  const rollout = manifest.spec.rollout ?? {};
  const config = rollout.shadow ?? {};
  const percent = config.mirrorPercent ?? 100;
  const durationMs = options.stepMs ?? (parseDurationSeconds(config.duration ?? '') ?? 300) * 1000;
  const sampleMs = options.sampleMs ?? (parseDurationSeconds(rollout.analysis?.interval ?? '') ?? 30) * 1000;
  const thresholds = thresholdsOf(manifest);
  const prometheusUrl = options.prometheusUrl ?? rollout.analysis?.prometheusUrl;
  const metrics = options.metrics ?? (prometheusUrl ? prometheusSource(prometheusUrl) : undefined);
  const name = stable.metadata.name;
  const stableRevision = revisionOf(stable);
  const samples: CanarySample[] = [];
  const warnings: string[] = [];
  const force = options.forceConflicts;
  const base = { samples, warnings, revision: stableRevision, applied: [] as AppliedChange[], next: [] };
  const refused = (message: string, next: string[] = []): ShadowResult => ({
    ...base,
    outcome: 'refused',
    message: `shadow refused: ${message}; nothing was changed`,
    next,
  });
  if (!metrics)
    return refused(
      'no Prometheus to judge it (pass --prometheus-url or set spec.rollout.analysis.prometheusUrl)',
      ['pass --prometheus-url or set spec.rollout.analysis.prometheusUrl'],
    );
  const analysis = new ReleaseAnalysis(metrics, manifest, namespace, sampleMs);
  const podRe = {
    shadow: `${escapeRe(`${name}-shadow`.slice(0, 63))}-.*`,
    stable: await stablePodPattern(cluster, stable),
  };
  try {
    await analysis.side(podRe.stable);
  } catch (error) {
    if (error instanceof NetworkError || error instanceof ClusterError)
      return refused(error.message, [
        'check --prometheus-url (or spec.rollout.analysis.prometheusUrl), then deploy again',
      ]);
    throw error;
  }

  // The Service in front of stable, and the route object that sends to it.
  const templateLabels = ((desired.spec as Any)?.template?.metadata?.labels ?? {}) as Record<string, string>;
  const liveServices = await cluster.list('v1', 'Service', namespace);
  const releaseServices = options.others.filter((o) => o.object.kind === 'Service').map((o) => o.object);
  const service = [...releaseServices, ...liveServices].find((s) => selects(s, templateLabels));
  if (!service)
    return refused(`no Service selects the pods of Deployment/${name}, so there is no traffic to mirror`);
  const svcName = service.metadata.name;
  const shadowObject = shadowDeployment(desired, config.replicas ?? 1);
  const shadowLabels = (shadowObject.spec as Any).template.metadata.labels as Record<string, string>;
  const leaking = [...releaseServices, ...liveServices].find((s) => selects(s, shadowLabels));
  if (leaking)
    return refused(
      `Service/${leaking.metadata.name} would also select the shadow's pods (labels ${JSON.stringify(shadowLabels)}), so the shadow would answer live requests`,
    );
  const found = await findRoute(cluster, options.others, namespace, svcName);
  if (!found)
    return refused(
      `no Istio VirtualService or Gateway API HTTPRoute routes to Service/${svcName}: a shadow needs one to mirror traffic`,
    );
  const { route, declared } = found;
  const target = `${svcName}-shadow`.slice(0, 63);
  const mirror: MirrorInfo = {
    kind: route.kind as MirrorInfo['kind'],
    name: route.metadata.name,
    percent,
    target,
    via: declared ? 'apply' : 'patch',
  };
  const setMirror = async (p: number | undefined) => {
    const object = mirrored(route, svcName, target, p);
    if (declared) await cluster.apply(object, { force });
    else await cluster.patch(refOf(route), { spec: object.spec });
  };
  const shadowSvc = shadowService(service, shadowObject);
  const shadowName = shadowObject.metadata.name;
  let mirrorOn = false;
  const removeShadow = async (why: string | undefined): Promise<{ removed: string[]; elapsedMs: number }> => {
    const t0 = clock.now();
    if (why) options.emit(`tearing the shadow down: ${why}`);
    const removed: string[] = [];
    // The mirror goes first: nothing is sent to a Service that is going away.
    if (mirrorOn && declared && !declared.before) {
      // The release brought the route: before it, there was none.
      await cluster.delete(refOf(route));
      removed.push(`${mirror.kind}/${mirror.name} (mirror)`);
    } else if (mirrorOn) {
      await setMirror(undefined);
      removed.push(`mirror in ${mirror.kind}/${mirror.name}`);
    }
    mirrorOn = false;
    await cluster.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: shadowName });
    await cluster.delete({ apiVersion: 'v1', kind: 'Service', namespace, name: shadowSvc.metadata.name });
    removed.push(`Deployment/${shadowName}`, `Service/${shadowSvc.metadata.name}`);
    return { removed, elapsedMs: clock.now() - t0 };
  };
  const tornDown = async (
    outcome: 'torn-down' | 'inconclusive' | 'failed',
    why: string,
  ): Promise<ShadowResult> => {
    const teardown = await removeShadow(why);
    const label = outcome === 'inconclusive' ? 'shadow not promoted' : 'shadow failed';
    return {
      ...base,
      outcome,
      mirror,
      teardown,
      message: `${label} (${why}); removed ${teardown.removed.join(', ')} in ${(teardown.elapsedMs / 1000).toFixed(1)} s; stable revision ${stableRevision} untouched`,
    };
  };

  // 1. The shadow comes up (no traffic yet), 2. the mirror is switched on.
  options.emit(`shadow ${shadowName} at ${config.replicas ?? 1} replica(s)`);
  await cluster.apply(shadowObject, { force: true });
  await cluster.apply(shadowSvc, { force: true });
  const ready = await waitForRollout({
    cluster,
    namespace,
    name: shadowName,
    clock,
    timeoutMs: options.timeoutMs,
    startupBudgetSeconds: startupBudgetSeconds(shadowObject, manifest.spec.serving),
    signal: options.signal,
    pollMs: 500,
    grace: options.grace,
  });
  if (ready.verdict.reason === 'Interrupted') return interrupted(base, mirror, shadowName);
  if (ready.verdict.state === 'failed')
    return tornDown('failed', `the shadow pods failed: ${ready.verdict.message}`);
  options.emit(`mirroring ${percent} % of ${mirror.kind}/${mirror.name}'s traffic to ${target}`);
  await setMirror(percent);
  mirrorOn = true;

  // 3. Analysis over the window.
  const started = clock.now();
  const series = new SampleSeries(analysis, thresholds, samples, options.emit);
  while (clock.now() - started < durationMs) {
    await clock.sleep(Math.min(sampleMs, Math.max(0, durationMs - (clock.now() - started))));
    if (options.signal?.aborted) return interrupted(base, mirror, shadowName);
    const sample = await series.take(
      {
        candidate: podRe.shadow,
        stable: podRe.stable,
        sinceSeconds: (clock.now() - started) / 1000,
        atMs: clock.now() - started,
        weight: percent,
      },
      'shadow sample',
    );
    if (sample.next !== 'continue') return tornDown('torn-down', sample.why);
  }
  if (series.judged === 0)
    return tornDown('inconclusive', 'no shadow metrics in Prometheus during the window');
  const notPassed = finalPredictionVerdict(
    series.lastPrediction,
    metrics.queryVector !== undefined,
    warnings,
  );
  if (notPassed) return tornDown('inconclusive', notPassed);

  // 4. Promote: the shadow goes away, then the release goes on as configured.
  const teardown = await removeShadow(undefined);
  const passed = `shadow passed ${samples.filter((s) => s.verdict === 'good').length} sample(s)`;
  if (config.promote === 'canary') {
    options.emit(`${passed}; promoting to a canary`);
    const canary = await runCanary(options);
    return {
      ...base,
      outcome:
        canary.outcome === 'promoted'
          ? 'promoted'
          : canary.outcome === 'interrupted'
            ? 'interrupted'
            : 'failed',
      mirror,
      teardown,
      canary,
      revision: canary.revision,
      applied: canary.applied,
      next: canary.next,
      warnings: [...warnings, ...canary.warnings],
      message: `${passed}; ${canary.message}`,
    };
  }
  options.emit(`${passed}; promoting: applying the release`);
  const promotion = await applyInOrder(cluster, [options.planned, ...options.others], { force });
  if (promotion.failure) {
    const undo = await undoChanges(cluster, promotion.applied);
    const putBack = putBackList(undo);
    return {
      ...base,
      outcome: 'failed',
      mirror,
      teardown,
      applied: promotion.applied,
      message: `${passed}, but applying ${promotion.failure.ref} failed (${promotion.failure.error.message}); put back ${putBack}`,
    };
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
  const revision = revisionOf(promoted.last?.raw);
  if (promoted.verdict.state !== 'complete')
    return {
      ...base,
      outcome: promoted.verdict.reason === 'Interrupted' ? 'interrupted' : 'failed',
      mirror,
      teardown,
      revision,
      applied: promotion.applied,
      next: [`mlready rollback ${name} --to-revision ${stableRevision}`],
      message: `${passed}, but the rollout of Deployment/${name} did not finish: ${promoted.verdict.message}`,
    };
  return {
    ...base,
    outcome: 'promoted',
    mirror,
    teardown,
    revision,
    applied: promotion.applied,
    message: `${passed} with ${percent} % of traffic mirrored; promoted to Deployment/${name} revision ${revision}`,
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function interrupted(
  base: Pick<ShadowResult, 'samples' | 'warnings' | 'revision' | 'applied'>,
  mirror: MirrorInfo,
  shadowName: string,
): ShadowResult {
  return {
    ...base,
    outcome: 'interrupted',
    mirror,
    message: `interrupted during the shadow analysis; ${shadowName} still runs and receives mirrored traffic`,
    next: [
      `remove the mirror from ${mirror.kind}/${mirror.name} and kubectl delete deployment,service ${shadowName} to abandon it`,
      'or run the same mlready deploy again',
    ],
  };
}
