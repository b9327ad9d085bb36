import { dirname } from 'node:path';
import {
  asArray,
  asRecord,
  asString,
  getPath,
  labelsOf,
  type K8sObject,
  type KnownKind,
  type ManifestObject,
} from './objects.js';
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
const NAME_LABELS = [
  'mlready.dev/model',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app',
] as const;

class ServiceBuilder {
  readonly objects: K8sObject[] = [];
  constructor(
    readonly name: string,
    readonly manifest: ManifestObject | undefined,
    readonly anchorFile: string,
  ) {
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
 * explicit references first, then by labels naming the model, then by directory. Lookups go
 * through indexes so grouping stays linear in the number of objects.
 */
export function groupServices(
  objects: readonly K8sObject[],
  manifests: readonly ManifestObject[],
): ModelService[] {
  const builders: ServiceBuilder[] = manifests.map(
    (m) => new ServiceBuilder(m.manifest.metadata.name, m, m.source.file),
  );
  const index = new GroupIndex();
  for (const builder of builders) index.addBuilder(builder);
  const manifestCount = builders.length;
  const rest = objects.filter((o) => o.kind !== 'ModelService');

  // 1. Workloads anchor services: to a manifest by name label or directory, else their own.
  for (const workload of rest.filter(isWorkload)) {
    const target =
      index.byName(workload, true) ??
      index.nearestByDirectory(workload, true) ??
      (manifestCount === 1 ? builders[0] : undefined);
    // Without a manifest, workloads that share a name label (a stable and a canary Deployment)
    // form one service.
    const name = serviceNameFor(workload);
    const sibling = target
      ? undefined
      : index.withoutManifest(name).find((b) => b.objects.every((o) => o.namespace === workload.namespace));
    if (target ?? sibling) index.place(workload, (target ?? sibling)!);
    else {
      const builder = new ServiceBuilder(name, undefined, workload.source.file);
      builders.push(builder);
      index.addBuilder(builder);
      index.place(workload, builder);
    }
  }

  // 2. Everything else, by reference, in dependency order (ServiceMonitor after Service).
  const order: KnownKind[] = [
    'Service',
    'ConfigMap',
    'Secret',
    'HorizontalPodAutoscaler',
    'ScaledObject',
    'PodDisruptionBudget',
    'NetworkPolicy',
    'PodMonitor',
    'AuthorizationPolicy',
    'RequestAuthentication',
    'ServingRuntime',
    'ServiceMonitor',
    'Ingress',
    'VirtualService',
    'DestinationRule',
    'PrometheusRule',
  ];
  const others = rest
    .filter((o) => !isWorkload(o))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  let orphan: ServiceBuilder | undefined;
  for (const object of others) {
    const target =
      index.referencedOwner(object) ??
      index.byName(object, false) ??
      index.nearestByDirectory(object, false) ??
      (builders.length === 1 ? builders[0] : undefined);
    if (target) index.place(object, target);
    else {
      orphan ??= new ServiceBuilder('(unattached)', undefined, object.source.file);
      index.place(object, orphan);
    }
  }
  if (orphan) builders.push(orphan);
  return builders.map((b) => b.build());
}

/** Label keys and values an object (and its pod template) carries that can name a service. */
function nameLabelValues(object: K8sObject): string[] {
  const labels = { ...labelsOf(object), ...(podTemplateOf(object)?.labels ?? {}) };
  return NAME_LABELS.map((key) => labels[key]).filter((v): v is string => v !== undefined);
}

function serviceNameFor(workload: K8sObject): string {
  return nameLabelValues(workload)[0] ?? (workload.name || workload.ref);
}

class GroupIndex {
  private readonly owner = new Map<K8sObject, ServiceBuilder>();
  private readonly buildersByName = new Map<string, ServiceBuilder[]>();
  private readonly buildersByDir = new Map<string, ServiceBuilder[]>();
  /** "key=value" → placed workloads whose pod template carries that label. */
  private readonly workloadsByLabel = new Map<string, K8sObject[]>();
  private readonly workloadsByRef = new Map<string, K8sObject>();
  private readonly servicesByLabel = new Map<string, K8sObject[]>();
  private readonly servicesByName = new Map<string, K8sObject[]>();
  private readonly configOwners = new Map<string, K8sObject>();

  addBuilder(builder: ServiceBuilder): void {
    push(this.buildersByName, builder.name, builder);
    push(this.buildersByDir, dirname(builder.anchorFile), builder);
  }

  place(object: K8sObject, builder: ServiceBuilder): void {
    builder.objects.push(object);
    this.owner.set(object, builder);
    if (isWorkload(object)) {
      for (const [key, value] of Object.entries(podTemplateOf(object)?.labels ?? {}))
        push(this.workloadsByLabel, `${key}=${value}`, object);
      if (!this.workloadsByRef.has(`${object.kind}/${object.name}`))
        this.workloadsByRef.set(`${object.kind}/${object.name}`, object);
      for (const ref of referencedConfigNames(object))
        if (!this.configOwners.has(ref)) this.configOwners.set(ref, object);
    }
    if (object.kind === 'Service') {
      for (const [key, value] of Object.entries(labelsOf(object)))
        push(this.servicesByLabel, `${key}=${value}`, object);
      push(this.servicesByName, object.name, object);
    }
  }

  /** Manifest-less services of this name. */
  withoutManifest(name: string): ServiceBuilder[] {
    return (this.buildersByName.get(name) ?? []).filter((b) => !b.manifest);
  }

  /** The service a name label of the object names; `withManifest` limits it to manifest-anchored ones. */
  byName(object: K8sObject, withManifest: boolean): ServiceBuilder | undefined {
    for (const value of nameLabelValues(object)) {
      const hit = this.buildersByName.get(value)?.find((b) => !withManifest || b.manifest);
      if (hit) return hit;
    }
    return undefined;
  }

  /** The service anchored in the object's directory or the nearest directory above it. */
  nearestByDirectory(object: K8sObject, withManifest: boolean): ServiceBuilder | undefined {
    let dir = dirname(object.source.file);
    for (;;) {
      const hit = this.buildersByDir.get(dir)?.find((b) => !withManifest || b.manifest);
      if (hit) return hit;
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }

  referencedOwner(object: K8sObject): ServiceBuilder | undefined {
    const spec = asRecord(object.raw.spec);
    const ownerOf = (hit: K8sObject | undefined) => (hit ? this.owner.get(hit) : undefined);
    switch (object.kind) {
      case 'Service':
        return ownerOf(
          this.selected(this.workloadsByLabel, spec.selector, object, (w) => podTemplateOf(w)?.labels ?? {}),
        );
      case 'PodDisruptionBudget':
      case 'PodMonitor':
      case 'AuthorizationPolicy':
      case 'RequestAuthentication':
        return ownerOf(
          this.selected(this.workloadsByLabel, spec.selector, object, (w) => podTemplateOf(w)?.labels ?? {}),
        );
      case 'NetworkPolicy':
        return ownerOf(
          this.selected(
            this.workloadsByLabel,
            spec.podSelector,
            object,
            (w) => podTemplateOf(w)?.labels ?? {},
          ),
        );
      case 'HorizontalPodAutoscaler':
      case 'ScaledObject': {
        const target = asRecord(spec.scaleTargetRef);
        const hit = this.workloadsByRef.get(
          `${asString(target.kind) ?? 'Deployment'}/${asString(target.name) ?? ''}`,
        );
        return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
      }
      case 'ServiceMonitor':
        return ownerOf(this.selected(this.servicesByLabel, spec.selector, object, labelsOf));
      case 'ConfigMap':
      case 'Secret': {
        const hit = this.configOwners.get(`${object.kind}/${object.name}`);
        return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
      }
      case 'ServingRuntime':
        for (const [ref, workload] of this.workloadsByRef) {
          if (
            ref.startsWith('InferenceService/') &&
            asString(getPath(workload.raw, ['spec', 'predictor', 'model', 'runtime'])) === object.name
          )
            return this.owner.get(workload);
        }
        return undefined;
      case 'VirtualService':
      case 'DestinationRule':
      case 'Ingress':
        for (const host of backendHosts(object)) {
          const hit = this.servicesByName.get(host)?.find((s) => sameNamespace(s, object));
          if (hit) return this.owner.get(hit);
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /** The first indexed object the selector selects: candidates come from one of its labels. */
  private selected(
    index: Map<string, K8sObject[]>,
    selector: unknown,
    from: K8sObject,
    labels: (o: K8sObject) => Record<string, string>,
  ): K8sObject | undefined {
    const record = asRecord(selector);
    const structured = 'matchLabels' in record || 'matchExpressions' in record;
    const first = Object.entries(asRecord(structured ? record.matchLabels : record))[0];
    const candidates = first
      ? (index.get(`${first[0]}=${String(first[1])}`) ?? [])
      : [...new Set([...index.values()].flat())];
    return candidates.find(
      (candidate) => sameNamespace(candidate, from) && selects(selector, labels(candidate)),
    );
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sameNamespace(a: K8sObject, b: K8sObject): boolean {
  return a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
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
