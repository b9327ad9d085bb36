import { dirname } from 'node:path';
import { asArray, asRecord, asString, getPath, labelsOf, type K8sObject, type KnownKind, type ManifestObject } from './objects.js';
import { containersOf, isWorkload, podTemplateOf, selects } from './workloads.js';

/** One model service: the manifest (if any) with every object that belongs to it. */
export interface ModelService {
  readonly name: string;
  readonly manifest: ManifestObject | undefined;
  readonly objects: readonly K8sObject[];
  readonly workloads: readonly K8sObject[];
  ofKind(...kinds: KnownKind[]): K8sObject[];
}

/** Labels that tie an object to a model service by name, most specific first. */
const NAME_LABELS = ['mlready.dev/model', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app'] as const;

class ServiceBuilder {
  readonly objects: K8sObject[] = [];
  constructor(readonly name: string, readonly manifest: ManifestObject | undefined, readonly anchorFile: string) {
    if (manifest) this.objects.push(manifest);
  }
  get workloads(): K8sObject[] {
    return this.objects.filter(isWorkload);
  }
  build(): ModelService {
    const objects = [...this.objects];
    const workloads = objects.filter(isWorkload);
    return {
      name: this.name,
      manifest: this.manifest,
      objects,
      workloads,
      ofKind: (...kinds) => objects.filter((o) => kinds.includes(o.kind)),
    };
  }
}

/**
 * Groups objects into model services, so a rule sees the whole service (HPA → workload,
 * Service → pods, ServiceMonitor → Service, PrometheusRule → model). Objects are tied by
 * explicit references first, then by labels naming the model, then by directory.
 */
export function groupServices(objects: readonly K8sObject[], manifests: readonly ManifestObject[]): ModelService[] {
  const builders: ServiceBuilder[] = manifests.map((m) => new ServiceBuilder(m.manifest.metadata.name, m, m.source.file));
  const owner = new Map<K8sObject, ServiceBuilder>();
  const place = (object: K8sObject, builder: ServiceBuilder): void => {
    builder.objects.push(object);
    owner.set(object, builder);
  };
  const rest = objects.filter((o) => o.kind !== 'ModelService');

  // 1. Workloads anchor services: to a manifest by name label or directory, else their own.
  for (const workload of rest.filter(isWorkload)) {
    const byName = builders.find((b) => b.manifest && namesService(workload, b.name));
    const target = byName ?? nearestByDirectory(builders.filter((b) => b.manifest), workload) ?? singleManifest(builders);
    if (target) place(workload, target);
    else {
      const builder = new ServiceBuilder(serviceNameFor(workload), undefined, workload.source.file);
      builders.push(builder);
      place(workload, builder);
    }
  }

  // 2. Everything else, by reference, in dependency order (ServiceMonitor after Service).
  const order: KnownKind[] = ['Service', 'ConfigMap', 'Secret', 'HorizontalPodAutoscaler', 'ScaledObject', 'PodDisruptionBudget', 'NetworkPolicy', 'PodMonitor', 'ServingRuntime', 'ServiceMonitor', 'Ingress', 'VirtualService', 'DestinationRule', 'PrometheusRule'];
  const others = rest.filter((o) => !isWorkload(o)).sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  let orphan: ServiceBuilder | undefined;
  for (const object of others) {
    const referenced = referencedOwner(object, owner);
    const byName = builders.find((b) => namesService(object, b.name));
    const target = referenced ?? byName ?? nearestByDirectory(builders, object) ?? (builders.length === 1 ? builders[0] : undefined);
    if (target) place(object, target);
    else {
      orphan ??= new ServiceBuilder('(unattached)', undefined, object.source.file);
      place(object, orphan);
    }
  }
  if (orphan) builders.push(orphan);
  return builders.map((b) => b.build());
}

function serviceNameFor(workload: K8sObject): string {
  const labels = { ...labelsOf(workload), ...(podTemplateOf(workload)?.labels ?? {}) };
  for (const key of NAME_LABELS) if (labels[key]) return labels[key];
  return workload.name || workload.ref;
}

function namesService(object: K8sObject, name: string): boolean {
  const labels = { ...labelsOf(object), ...(podTemplateOf(object)?.labels ?? {}) };
  return NAME_LABELS.some((key) => labels[key] === name);
}

function singleManifest(builders: readonly ServiceBuilder[]): ServiceBuilder | undefined {
  const withManifest = builders.filter((b) => b.manifest);
  return withManifest.length === 1 ? withManifest[0] : undefined;
}

/** The service anchored in the object's directory or the nearest directory above it. */
function nearestByDirectory(builders: readonly ServiceBuilder[], object: K8sObject): ServiceBuilder | undefined {
  const objectDir = dirname(object.source.file);
  let best: ServiceBuilder | undefined;
  let bestDepth = -1;
  for (const builder of builders) {
    const dir = dirname(builder.anchorFile);
    const inside = dir === objectDir || dir === '.' || objectDir.startsWith(`${dir}/`);
    if (inside && dir.length > bestDepth) {
      best = builder;
      bestDepth = dir.length;
    }
  }
  return best;
}

function sameNamespace(a: K8sObject, b: K8sObject): boolean {
  return a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
}

function referencedOwner(object: K8sObject, owner: ReadonlyMap<K8sObject, ServiceBuilder>): ServiceBuilder | undefined {
  const placed = [...owner.keys()].filter((o) => sameNamespace(o, object));
  const workloads = placed.filter(isWorkload);
  const find = (predicate: (o: K8sObject) => boolean, among: readonly K8sObject[] = placed): ServiceBuilder | undefined => {
    const hit = among.find(predicate);
    return hit ? owner.get(hit) : undefined;
  };
  const podSelects = (selector: unknown) => (w: K8sObject) => selects(selector, podTemplateOf(w)?.labels ?? {});
  const spec = asRecord(object.raw.spec);
  switch (object.kind) {
    case 'Service':
      return find(podSelects(spec.selector), workloads);
    case 'PodDisruptionBudget':
    case 'PodMonitor':
      return find(podSelects(spec.selector), workloads);
    case 'NetworkPolicy':
      return find(podSelects(spec.podSelector), workloads);
    case 'HorizontalPodAutoscaler':
    case 'ScaledObject': {
      const target = asRecord(spec.scaleTargetRef);
      const kind = asString(target.kind) ?? 'Deployment';
      return find((w) => w.name === asString(target.name) && w.kind === kind, workloads);
    }
    case 'ServiceMonitor':
      return find((s) => s.kind === 'Service' && selects(spec.selector, labelsOf(s)));
    case 'ConfigMap':
    case 'Secret':
      return find((w) => referencedConfigNames(w).has(`${object.kind}/${object.name}`), workloads);
    case 'ServingRuntime':
      return find((w) => w.kind === 'InferenceService' && asString(getPath(w.raw, ['spec', 'predictor', 'model', 'runtime'])) === object.name, workloads);
    case 'VirtualService':
    case 'DestinationRule':
    case 'Ingress': {
      const hosts = backendHosts(object);
      return find((s) => s.kind === 'Service' && hosts.has(s.name));
    }
    default:
      return undefined;
  }
}

/** "ConfigMap/x" and "Secret/y" names a workload's pods mount or read. */
export function referencedConfigNames(workload: K8sObject): Set<string> {
  const names = new Set<string>();
  const template = podTemplateOf(workload);
  if (!template) return names;
  for (const volume of asArray(template.spec.volumes)) {
    const v = asRecord(volume);
    const cm = asString(asRecord(v.configMap).name);
    if (cm) names.add(`ConfigMap/${cm}`);
    const secret = asString(asRecord(v.secret).secretName);
    if (secret) names.add(`Secret/${secret}`);
    for (const source of asArray(asRecord(v.projected).sources)) {
      const s = asRecord(source);
      const pcm = asString(asRecord(s.configMap).name);
      if (pcm) names.add(`ConfigMap/${pcm}`);
      const ps = asString(asRecord(s.secret).name);
      if (ps) names.add(`Secret/${ps}`);
    }
  }
  for (const ref of containersOf(workload, { init: true })) {
    for (const env of asArray(ref.container.env)) {
      const from = asRecord(asRecord(env).valueFrom);
      const cm = asString(asRecord(from.configMapKeyRef).name);
      if (cm) names.add(`ConfigMap/${cm}`);
      const secret = asString(asRecord(from.secretKeyRef).name);
      if (secret) names.add(`Secret/${secret}`);
    }
    for (const envFrom of asArray(ref.container.envFrom)) {
      const e = asRecord(envFrom);
      const cm = asString(asRecord(e.configMapRef).name);
      if (cm) names.add(`ConfigMap/${cm}`);
      const secret = asString(asRecord(e.secretRef).name);
      if (secret) names.add(`Secret/${secret}`);
    }
  }
  return names;
}

/** Service names an Istio route, DestinationRule or Ingress sends traffic to (short names). */
function backendHosts(object: K8sObject): Set<string> {
  const hosts = new Set<string>();
  const short = (host: string | undefined) => host?.split('.')[0];
  const spec = asRecord(object.raw.spec);
  if (object.kind === 'DestinationRule') {
    const h = short(asString(spec.host));
    if (h) hosts.add(h);
  }
  if (object.kind === 'VirtualService') {
    for (const route of [...asArray(spec.http), ...asArray(spec.tcp), ...asArray(spec.tls)]) {
      for (const destination of asArray(asRecord(route).route)) {
        const h = short(asString(asRecord(asRecord(destination).destination).host));
        if (h) hosts.add(h);
      }
    }
  }
  if (object.kind === 'Ingress') {
    const add = (backend: unknown) => {
      const name = asString(asRecord(asRecord(backend).service).name);
      if (name) hosts.add(name);
    };
    add(spec.defaultBackend);
    for (const rule of asArray(spec.rules)) {
      for (const path of asArray(asRecord(asRecord(rule).http).paths)) add(asRecord(path).backend);
    }
  }
  return hosts;
}
