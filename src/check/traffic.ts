import { selects } from '../workloads/selectors.js';
import {
  annotationsOf,
  asArray,
  asRecord,
  asString,
  getPath,
  labelsOf,
  stringMap,
  type K8sObject,
} from './objects.js';
import type { ModelService } from './services.js';

export interface TrafficShare {
  version: string;
  /** Percent of requests, 0–100. */
  share: number;
  /** Where the split comes from: VirtualService/x, HTTPRoute/y, InferenceService/z, replicas. */
  source: string;
  /**
   * A shadow's share: copies of that percentage of requests are mirrored to it (Istio `mirror`,
   * Gateway API `RequestMirror`) and its responses discarded. Not part of the served 100 %.
   */
  mirror?: true;
}

const VERSION_KEYS = ['mlready.dev/model-version', 'app.kubernetes.io/version', 'version'];

function versionOf(labels: Record<string, string>): string | undefined {
  for (const key of VERSION_KEYS) if (labels[key]) return labels[key];
  return undefined;
}

/** versionOf the object's labels and annotations as one map (an annotation wins), without merging them. */
function versionOfObject(object: K8sObject): string | undefined {
  const labels = labelsOf(object);
  const annotations = annotationsOf(object);
  for (const key of VERSION_KEYS) {
    const value = Object.hasOwn(annotations, key) ? annotations[key] : labels[key];
    if (value) return value;
  }
  return undefined;
}

/**
 * Which model version receives which share of traffic, as declared: Istio route weights (relative,
 * mapped to versions through DestinationRule subsets), Gateway API HTTPRoute backend weights,
 * a Seldon Experiment's candidate weights, a workload's own split (KServe canaryTrafficPercent,
 * Seldon predictors, Knative traffic), else replica counts of the serving workloads.
 */
export function trafficShares(service: ModelService): TrafficShare[] {
  const served =
    istioShares(service) ??
    httpRouteShares(service) ??
    experimentShares(service) ??
    declaredShares(service) ??
    replicaShares(service);
  // Most services mirror nothing: their served list is the answer as it is (a list of its own).
  const mirrors = mirrorShares(service);
  return mirrors.length === 0 ? served : [...served, ...mirrors];
}

/** A mirror in the service's routes: where it sends copies, what share, and from which object. */
export interface Mirror {
  from: K8sObject;
  path: (string | number)[];
  /** The Service (host's first label, or backendRef name) the copies go to. */
  target: string;
  percent: number;
}

/**
 * Mirrors declared in the service's routes: Istio `mirror` + `mirrorPercentage` (100 % without
 * it, as Istio defaults), Gateway API `RequestMirror` filters (`percent`, else `fraction`, else 100).
 */
export function mirrorsOf(service: ModelService): Mirror[] {
  const mirrors: Mirror[] = [];
  // Asked for every service of a run (the summary, a rule), and most have no route: indexed loops,
  // as for-of over the empty lists allocates an iterator while this runs unoptimized.
  const virtualServices = service.ofKind('VirtualService');
  const routes = service.ofKind('HTTPRoute');
  if (virtualServices.length === 0 && routes.length === 0) return mirrors;
  for (let v = 0; v < virtualServices.length; v++) {
    const vs = virtualServices[v]!;
    asArray(getPath(vs.raw, ['spec', 'http'])).forEach((route, ri) => {
      const r = asRecord(route);
      const host = asString(asRecord(r.mirror).host);
      if (!host) return;
      const pct = asRecord(r.mirrorPercentage).value;
      mirrors.push({
        from: vs,
        path: ['spec', 'http', ri, 'mirror'],
        target: host.split('.')[0]!,
        percent: typeof pct === 'number' ? pct : 100,
      });
    });
  }
  for (let r = 0; r < routes.length; r++) {
    const route = routes[r]!;
    asArray(getPath(route.raw, ['spec', 'rules'])).forEach((rule, ri) => {
      asArray(asRecord(rule).filters).forEach((filter, fi) => {
        const f = asRecord(filter);
        if (f.type !== 'RequestMirror') return;
        const m = asRecord(f.requestMirror);
        const fraction = asRecord(m.fraction);
        const percent =
          typeof m.percent === 'number'
            ? m.percent
            : typeof fraction.numerator === 'number'
              ? (100 * fraction.numerator) /
                (typeof fraction.denominator === 'number' ? fraction.denominator : 100)
              : 100;
        mirrors.push({
          from: route,
          path: ['spec', 'rules', ri, 'filters', fi],
          target: asString(asRecord(m.backendRef).name) ?? '?',
          percent,
        });
      });
    });
  }
  return mirrors;
}

function mirrorShares(service: ModelService): readonly TrafficShare[] {
  // A loop, not map(): map() inlined in optimized code makes its empty list of another elements kind
  // than the builtin's, and trafficShares (reading its length for every service) deoptimized on it.
  const mirrors = mirrorsOf(service);
  if (mirrors.length === 0) return NO_SHARES;
  const shares: TrafficShare[] = [];
  for (const m of mirrors)
    shares.push({
      version: backendVersion(service, { name: m.target }),
      share: round(m.percent),
      source: `${m.from.ref} (mirror)`,
      mirror: true,
    });
  return shares;
}

/** trafficShares' answer for no mirrors: read for its length only, never returned. */
const NO_SHARES: readonly TrafficShare[] = Object.freeze([]);

function istioShares(service: ModelService): TrafficShare[] | undefined {
  // Asked for every service: without a VirtualService there is no route to read, nor a subset table to build.
  const virtualServices = service.ofKind('VirtualService');
  if (virtualServices.length === 0) return undefined;
  const subsets = new Map<string, string>();
  for (const rule of service.ofKind('DestinationRule')) {
    for (const subset of asArray(getPath(rule.raw, ['spec', 'subsets']))) {
      const s = asRecord(subset);
      const name = asString(s.name);
      if (name) subsets.set(name, versionOf(stringMap(s.labels)) ?? name);
    }
  }
  for (const vs of virtualServices) {
    for (const route of asArray(getPath(vs.raw, ['spec', 'http']))) {
      const destinations = asArray(asRecord(route).route).map(asRecord);
      const split = weighted(
        destinations.map((d) => {
          const subset = asString(asRecord(d.destination).subset);
          return {
            version:
              (subset && subsets.get(subset)) ?? subset ?? asString(asRecord(d.destination).host) ?? '?',
            weight: d.weight,
          };
        }),
        vs,
      );
      if (split) return split;
    }
  }
  return undefined;
}

function httpRouteShares(service: ModelService): TrafficShare[] | undefined {
  for (const route of service.ofKind('HTTPRoute')) {
    for (const rule of asArray(getPath(route.raw, ['spec', 'rules']))) {
      const backends = asArray(asRecord(rule).backendRefs).map(asRecord);
      if (backends.length < 2) continue;
      const split = weighted(
        backends.map((b) => ({ version: backendVersion(service, b), weight: b.weight ?? 1 })),
        route,
      );
      if (split) return split;
    }
  }
  return undefined;
}

/** The version of the pods a route's backend (Service or InferencePool) selects, else its name. */
function backendVersion(service: ModelService, backend: Record<string, unknown>): string {
  const name = asString(backend.name) ?? '?';
  const kind = asString(backend.kind) ?? 'Service';
  const target = service.objects.find((o) => o.kind === kind && o.name === name);
  const selector = target ? getPath(target.raw, ['spec', 'selector']) : undefined;
  for (const w of service.workloads)
    for (const t of w.templates)
      if (selector && selects(selector, t.labels) && versionOf(t.labels)) return versionOf(t.labels)!;
  return name;
}

function experimentShares(service: ModelService): TrafficShare[] | undefined {
  for (const experiment of service.ofKind('SeldonExperiment')) {
    const candidates = asArray(getPath(experiment.raw, ['spec', 'candidates'])).map(asRecord);
    const split = weighted(
      candidates.map((c) => ({
        version: asString(c.name) ?? asString(c.modelName) ?? '?',
        weight: c.weight,
      })),
      experiment,
    );
    if (split) return split;
  }
  return undefined;
}

function declaredShares(service: ModelService): TrafficShare[] | undefined {
  for (const workload of service.workloads) {
    if (workload.traffic.length === 0 && workload.info.id !== 'InferenceService') continue;
    if (workload.info.id === 'InferenceService') {
      const version = versionOfObject(workload.object) ?? 'latest';
      const canary = workload.traffic.find((t) => t.target === 'latest');
      if (canary && canary.percent < 100)
        return [
          { version, share: canary.percent, source: workload.object.ref },
          { version: 'previous', share: round(100 - canary.percent), source: workload.object.ref },
        ];
      return [{ version, share: 100, source: workload.object.ref }];
    }
    const total = workload.traffic.reduce((a, t) => a + t.percent, 0);
    if (total > 0)
      return workload.traffic.map((t) => ({
        version: t.target,
        share: round((t.percent / total) * 100),
        source: workload.object.ref,
      }));
  }
  return undefined;
}

/** Serving workloads behind the same Service share by replicas. */
function replicaShares(service: ModelService): TrafficShare[] {
  // Asked for every service of a run: one pass. Most services run one version, kept in locals; the
  // others go in two short parallel lists, in the order they first appear.
  const svc = service.ofKind('Service')[0];
  const selector = svc ? getPath(svc.raw, SELECTOR_PATH) : undefined;
  let firstVersion: string | undefined;
  let firstReplicas = 0;
  let versions: string[] | undefined;
  let replicas: number[] | undefined;
  let total = 0;
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    if (w.batch || w.templates.length === 0) continue;
    if (svc && !selectsATemplate(selector, w.templates)) continue;
    const version =
      versionOf(w.templates[0]!.labels) ?? service.manifest?.manifest.spec.model.version ?? 'unversioned';
    const count = Math.max(1, w.replicas.count ?? 1);
    total += count;
    if (firstVersion === undefined || version === firstVersion) {
      firstVersion = version;
      firstReplicas += count;
      continue;
    }
    versions ??= [];
    replicas ??= [];
    const at = versions.indexOf(version);
    if (at < 0) {
      versions.push(version);
      replicas.push(count);
    } else replicas[at]! += count;
  }
  if (firstVersion === undefined) return [];
  const shares: TrafficShare[] = [
    { version: firstVersion, share: round((firstReplicas / total) * 100), source: 'replicas' },
  ];
  if (versions && replicas)
    for (let i = 0; i < versions.length; i++)
      shares.push({ version: versions[i]!, share: round((replicas[i]! / total) * 100), source: 'replicas' });
  return shares;
}

/** Does the selector select one of the templates? A loop: no closure per workload. */
function selectsATemplate(
  selector: unknown,
  templates: readonly { labels: Record<string, string> }[],
): boolean {
  for (let i = 0; i < templates.length; i++) if (selects(selector, templates[i]!.labels)) return true;
  return false;
}

const SELECTOR_PATH = ['spec', 'selector'];

/** Relative weights as percentages; a single unweighted destination gets everything. */
function weighted(
  entries: { version: string; weight: unknown }[],
  from: K8sObject,
): TrafficShare[] | undefined {
  if (entries.length === 0) return undefined;
  const weights = entries.map((e) =>
    typeof e.weight === 'number' ? e.weight : entries.length === 1 ? 100 : 0,
  );
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  return entries.map((e, i) => ({
    version: e.version,
    share: round((weights[i]! / total) * 100),
    source: from.ref,
  }));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
