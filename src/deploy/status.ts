import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { ANNOTATIONS, LABELS } from './release.js';
import { ownedReplicaSets, revisionOf } from './observe.js';
import { readRecords } from './record.js';

type Any = Record<string, any>;

export interface ServingVersion {
  /** "Deployment/llm-chat" or "Deployment/llm-chat-canary" or "InferenceService/x (canary)" */
  workload: string;
  /** `shadow` gets mirrored copies only (its trafficPct is 0); `green` is a blue-green release's new version. */
  track: 'stable' | 'canary' | 'shadow' | 'green';
  revision: number | undefined;
  modelVersion: string | undefined;
  image: string | undefined;
  replicas: number;
  ready: number;
  /** Share of traffic in percent. */
  trafficPct: number;
  /** How the share was found: Istio weights, replica ratio, KServe canaryTrafficPercent. */
  source: 'istio' | 'replicas' | 'kserve';
}

export interface StatusResult {
  namespace: string;
  name: string;
  versions: ServingVersion[];
  rolloutInProgress: boolean;
  ready: boolean;
  /** A shadow release: the share of live requests mirrored to it, and by which object. */
  shadow?: { mirrorPct: number; via: string } | undefined;
  /** A blue-green release in progress: which side the Service sends traffic to. */
  blueGreen?:
    | {
        active: 'blue' | 'green';
        service: string | undefined;
        warmUntil: string | undefined;
        /** Before the switch: the share of live requests mirrored to green, and by which route. */
        mirror?: { mirrorPct: number; via: string } | undefined;
      }
    | undefined;
}

const imageOf = (template: Any) =>
  ((template?.spec?.containers ?? []) as Any[])[0]?.image as string | undefined;

/** Which model versions serve which share of traffic now, and whether they are ready. */
export async function serviceStatus(
  cluster: ClusterClient,
  namespace: string,
  name: string,
): Promise<StatusResult> {
  const versions: ServingVersion[] = [];
  let inProgress = false;
  const isvc = (await cluster.servesKind('serving.kserve.io/v1beta1', 'InferenceService'))
    ? await cluster.get({
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        namespace,
        name,
      })
    : undefined;
  if (isvc) {
    const spec = isvc.spec as Any;
    const canaryPct = Number(spec?.predictor?.canaryTrafficPercent ?? 100);
    const traffic = ((isvc.status as Any)?.components?.predictor?.traffic ?? []) as Any[];
    const ready = ((isvc.status as Any)?.conditions ?? []).some(
      (c: Any) => c.type === 'Ready' && c.status === 'True',
    );
    const latest = traffic.find((t) => t.latestRevision) ?? { percent: canaryPct };
    const previous = traffic.find((t) => !t.latestRevision);
    versions.push({
      workload: `InferenceService/${name}`,
      track: canaryPct < 100 ? 'canary' : 'stable',
      revision: undefined,
      modelVersion: isvc.metadata.annotations?.[ANNOTATIONS.modelVersion],
      image: undefined,
      replicas: 0,
      ready: ready ? 1 : 0,
      trafficPct: Number(latest.percent ?? canaryPct),
      source: 'kserve',
    });
    if (previous)
      versions.push({
        workload: `InferenceService/${name} (previous)`,
        track: 'stable',
        revision: undefined,
        modelVersion: undefined,
        image: undefined,
        replicas: 0,
        ready: ready ? 1 : 0,
        trafficPct: Number(previous.percent ?? 100 - canaryPct),
        source: 'kserve',
      });
    return { namespace, name, versions, rolloutInProgress: canaryPct < 100, ready };
  }

  const workloads: { d: KubeObject; track: ServingVersion['track'] }[] = [];
  for (const [n, track] of [
    [name, 'stable'],
    [`${name}-canary`, 'canary'],
    [`${name}-shadow`, 'shadow'],
    [`${name}-green`, 'green'],
  ] as const) {
    const d = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: n });
    if (d) workloads.push({ d, track });
  }
  for (const { d, track } of workloads) {
    const sets = await ownedReplicaSets(cluster, d);
    const status = (d.status ?? {}) as Any;
    const revision = revisionOf(d);
    if (
      Number(status.observedGeneration ?? 0) < (d.metadata.generation ?? 0) ||
      Number(status.updatedReplicas ?? 0) < Number((d.spec as Any)?.replicas ?? 1) ||
      sets.filter((rs) => Number((rs.status as Any)?.replicas ?? 0) > 0).length > 1
    )
      inProgress = true;
    // Each ReplicaSet with pods is a version that takes traffic through the Service.
    for (const rs of sets) {
      const replicas = Number((rs.status as Any)?.replicas ?? 0);
      if (replicas === 0 && revisionOf(rs) !== revision) continue;
      versions.push({
        workload: `Deployment/${d.metadata.name}`,
        track,
        revision: revisionOf(rs),
        modelVersion:
          rs.metadata.annotations?.[ANNOTATIONS.modelVersion] ??
          (rs.spec as Any)?.template?.metadata?.labels?.[LABELS.modelVersion],
        image: imageOf((rs.spec as Any)?.template),
        replicas,
        ready: Number((rs.status as Any)?.readyReplicas ?? 0),
        trafficPct: 0,
        source: 'replicas',
      });
    }
  }
  const vs = await istioWeights(cluster, namespace, name);
  if (vs) {
    for (const track of ['stable', 'canary'] as const) {
      const group = versions.filter((v) => v.track === track);
      const readyTotal = group.reduce((n, v) => n + v.ready, 0);
      for (const v of group) {
        v.trafficPct = readyTotal > 0 ? (vs[track] * v.ready) / readyTotal : 0;
        v.source = 'istio';
      }
    }
  } else {
    // A shadow never serves (it gets copies); blue and green are not behind the Service together.
    const served = versions.filter((v) => v.track === 'stable' || v.track === 'canary');
    const readyTotal = served.reduce((n, v) => n + v.ready, 0);
    for (const v of served) v.trafficPct = readyTotal > 0 ? (100 * v.ready) / readyTotal : 0;
  }
  const green = workloads.find((w) => w.track === 'green')?.d;
  let blueGreen: StatusResult['blueGreen'];
  if (green) {
    const labels = ((green.spec as Any)?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const annotations = green.metadata.annotations ?? {};
    const greenService = annotations['mlready.dev/blue-green-green-service'];
    const switchedBy = annotations['mlready.dev/blue-green-service'] ?? '';
    // A Service that selects green's pods serves it, unless it is green's own Service behind a
    // route (then the route's weight on it says whether green serves).
    const selecting = (await cluster.list('v1', 'Service', namespace)).find((s) => {
      const selector = ((s.spec as Any)?.selector ?? {}) as Record<string, string>;
      return (
        s.metadata.name !== greenService &&
        Object.keys(selector).length > 0 &&
        Object.entries(selector).every(([k, v]) => labels[k] === v)
      );
    });
    const viaRoute =
      greenService && switchedBy.includes('/')
        ? await routeWeightTo(cluster, namespace, switchedBy, greenService)
        : 0;
    const service = selecting?.metadata.name ?? (viaRoute > 0 ? switchedBy : undefined);
    const active = service ? 'green' : 'blue';
    const group = versions.filter((v) => (active === 'green' ? v.track === 'green' : v.track === 'stable'));
    const readyTotal = group.reduce((n, v) => n + v.ready, 0);
    for (const v of versions) v.trafficPct = 0;
    for (const v of group) v.trafficPct = readyTotal > 0 ? (100 * v.ready) / readyTotal : 0;
    const mirror =
      active === 'blue' && greenService ? await mirrorShare(cluster, namespace, greenService) : undefined;
    blueGreen = {
      active,
      service,
      warmUntil: green.metadata.annotations?.['mlready.dev/blue-green-warm-until'],
      ...(mirror && mirror.mirrorPct > 0 ? { mirror } : {}),
    };
  }
  for (const v of versions) v.trafficPct = Math.round(v.trafficPct * 10) / 10;
  const shadow = workloads.some((w) => w.track === 'shadow')
    ? await mirrorShare(cluster, namespace, `${name}-shadow`)
    : undefined;
  const ready =
    workloads.length > 0 &&
    workloads.every(
      ({ d }) => Number((d.status as Any)?.availableReplicas ?? 0) >= Number((d.spec as Any)?.replicas ?? 1),
    );
  return { namespace, name, versions, rolloutInProgress: inProgress, ready, shadow, blueGreen };
}

/** The weight a blue-green route ("VirtualService/x" or "HTTPRoute/x") gives green's Service. */
async function routeWeightTo(
  cluster: ClusterClient,
  namespace: string,
  route: string,
  greenService: string,
): Promise<number> {
  const [kind, name] = route.split('/') as [string, string];
  const apiVersions =
    kind === 'HTTPRoute'
      ? ['gateway.networking.k8s.io/v1']
      : ['networking.istio.io/v1', 'networking.istio.io/v1beta1'];
  for (const apiVersion of apiVersions) {
    if (!(await cluster.servesKind(apiVersion, kind))) continue;
    const object = await cluster.get({ apiVersion, kind, namespace, name });
    if (!object) continue;
    const spec = (object.spec ?? {}) as Any;
    const weights =
      kind === 'HTTPRoute'
        ? ((spec.rules ?? []) as Any[]).flatMap((r) =>
            ((r.backendRefs ?? []) as Any[]).filter((b) => b.name === greenService).map((b) => b.weight ?? 1),
          )
        : ((spec.http ?? []) as Any[]).flatMap((r) =>
            ((r.route ?? []) as Any[])
              .filter((d) => String(d.destination?.host ?? '').split('.')[0] === greenService)
              .map((d) => d.weight ?? 100),
          );
    return Math.max(0, ...weights.map(Number));
  }
  return 0;
}

/**
 * The share of live requests mirrored to a shadow: Istio `mirrorPercentage` (100 when absent, as
 * Istio defaults it) or the Gateway API `RequestMirror` filter's `percent`; 0 when nothing mirrors.
 */
async function mirrorShare(
  cluster: ClusterClient,
  namespace: string,
  shadowService: string,
): Promise<{ mirrorPct: number; via: string }> {
  const kinds = [
    ['networking.istio.io/v1', 'VirtualService'],
    ['networking.istio.io/v1beta1', 'VirtualService'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ] as const;
  for (const [apiVersion, kind] of kinds) {
    if (!(await cluster.servesKind(apiVersion, kind))) continue;
    for (const o of await cluster.list(apiVersion, kind, namespace)) {
      const spec = (o.spec ?? {}) as Any;
      const routes = (kind === 'VirtualService' ? spec.http : spec.rules) ?? [];
      for (const r of routes as Any[]) {
        if (kind === 'VirtualService' && String(r.mirror?.host ?? '').split('.')[0] === shadowService)
          return { mirrorPct: Number(r.mirrorPercentage?.value ?? 100), via: `${kind}/${o.metadata.name}` };
        const filter = ((r.filters ?? []) as Any[]).find(
          (f) => f.type === 'RequestMirror' && f.requestMirror?.backendRef?.name === shadowService,
        );
        if (filter)
          return {
            mirrorPct: Number(filter.requestMirror.percent ?? 100),
            via: `${kind}/${o.metadata.name}`,
          };
      }
    }
  }
  return { mirrorPct: 0, via: 'nothing mirrors to it' };
}

async function istioWeights(
  cluster: ClusterClient,
  namespace: string,
  name: string,
): Promise<{ stable: number; canary: number } | undefined> {
  for (const apiVersion of ['networking.istio.io/v1', 'networking.istio.io/v1beta1']) {
    if (!(await cluster.servesKind(apiVersion, 'VirtualService'))) continue;
    for (const vs of await cluster.list(apiVersion, 'VirtualService', namespace)) {
      const routes = (((vs.spec as Any)?.http ?? []) as Any[]).flatMap((r) => (r.route ?? []) as Any[]);
      if (!JSON.stringify(vs.spec).includes(name)) continue;
      const weight = (subset: string) =>
        routes.filter((d) => d.destination?.subset === subset).reduce((n, d) => n + Number(d.weight ?? 0), 0);
      if (routes.some((d) => d.destination?.subset === 'canary'))
        return { stable: weight('stable'), canary: weight('canary') };
    }
  }
  return undefined;
}

export interface HistoryEntry {
  revision: number;
  /** Numbers this revision had before rollbacks renumbered it (deployment.kubernetes.io/revision-history). */
  formerRevisions: number[];
  current: boolean;
  modelVersion: string | undefined;
  changeCause: string | undefined;
  image: string | undefined;
  createdAt: string | undefined;
  replicas: number;
  /** pod-template-hash: the key of the release record. */
  templateHash: string | undefined;
  /** What mlready recorded for this template: deployed, failed, or nothing (not deployed by mlready). */
  outcome: 'deployed' | 'failed' | undefined;
}

/** Revisions of the Deployment with their model versions, images and change causes, newest first. */
export async function deploymentHistory(
  cluster: ClusterClient,
  namespace: string,
  name: string,
): Promise<HistoryEntry[] | undefined> {
  const d = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
  if (!d) return undefined;
  const current = revisionOf(d);
  const records = await readRecords(cluster, namespace, name);
  return (await ownedReplicaSets(cluster, d)).map((rs) => {
    const hash = rs.metadata.labels?.['pod-template-hash'];
    return {
      revision: revisionOf(rs),
      formerRevisions: (rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'] ?? '')
        .split(',')
        .filter(Boolean)
        .map(Number),
      current: revisionOf(rs) === current,
      modelVersion:
        rs.metadata.annotations?.[ANNOTATIONS.modelVersion] ??
        (rs.spec as Any)?.template?.metadata?.labels?.[LABELS.modelVersion],
      changeCause: rs.metadata.annotations?.[ANNOTATIONS.changeCause],
      image: imageOf((rs.spec as Any)?.template),
      createdAt: rs.metadata.creationTimestamp,
      replicas: Number((rs.status as Any)?.replicas ?? 0),
      templateHash: hash,
      outcome: hash ? records.get(hash)?.record.outcome : undefined,
    };
  });
}
