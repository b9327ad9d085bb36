import { dirname } from 'node:path';
import type { KindId } from '../../src/workloads/kinds.js';
import type { Workload } from '../../src/workloads/model.js';
import type { WorkloadSet } from '../../src/workloads/registry.js';
import { firstSelectorLabel, selects } from '../../src/workloads/selectors.js';
import { modelServerSignal, MODEL_LABEL } from '../../src/workloads/serving.js';
// The helpers that read references out of one object did not change with the label index: the reference
// shares them, and pins only the grouping itself.
import { backendRefs, referencedConfigNames, seldonModelNames } from '../../src/check/services.js';
import {
  asRecord,
  asString,
  getPath,
  labelsOf,
  type K8sObject,
  type ManifestObject,
} from '../../src/check/objects.js';

/** Labels that tie an object to a model service by name, most specific first. */
const NAME_LABELS = [MODEL_LABEL, 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app'] as const;

class ServiceBuilder {
  readonly objects: K8sObject[] = [];
  constructor(
    readonly name: string,
    readonly manifest: ManifestObject | undefined,
    readonly anchorFile: string,
  ) {
    if (manifest) this.objects.push(manifest);
  }
}

/** Everything grouping needs to know about the input besides the objects. */
export interface GroupingContext {
  readonly workloads: WorkloadSet;
}

/**
 * main's grouping (1b74546) before the label index, kept as the reference the indexed grouping is
 * compared against: it tests candidates one by one, so it is slow but plainly right.
 *
 * Groups objects into model services, so a rule sees the whole service (HPA → workload,
 * Service → pods, ServiceMonitor → Service, PrometheusRule → model). Objects are tied by
 * explicit references first, then by labels naming the model, then by directory. Lookups go
 * through indexes so grouping stays linear in the number of objects.
 */
export function referenceGroupServices(
  objects: readonly K8sObject[],
  manifests: readonly ManifestObject[],
  context: GroupingContext,
): { name: string; objects: K8sObject[] }[] {
  const builders: ServiceBuilder[] = manifests.map(
    (m) => new ServiceBuilder(m.manifest.metadata.name, m, m.source.file),
  );
  const index = new GroupIndex(context.workloads);
  for (const builder of builders) index.addBuilder(builder);
  const manifestCount = builders.length;
  const rest = objects.filter((o) => o.type !== 'ModelService');
  const anchors = rest.filter((o) => context.workloads.get(o) !== undefined || o.type === 'Unread');

  // 1. Workloads anchor services: to a manifest by name label or directory, else their own.
  for (const workload of anchors) {
    const target =
      index.byName(workload, true) ??
      index.nearestByDirectory(workload, true) ??
      (manifestCount === 1 ? builders[0] : undefined) ??
      index.ownerOfReference(workload);
    // Without a manifest, workloads that share a name label (a stable and a canary Deployment)
    // form one service.
    const name = index.serviceNameFor(workload);
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
  const order: KindId[] = [
    'ServingRuntime',
    'ClusterServingRuntime',
    'Service',
    'ConfigMap',
    'Secret',
    'HorizontalPodAutoscaler',
    'ScaledObject',
    'PodAutoscaler',
    'PodDisruptionBudget',
    'NetworkPolicy',
    'PodMonitor',
    'PodMonitoring',
    'ClusterPodMonitoring',
    'AuthorizationPolicy',
    'RequestAuthentication',
    'InferencePool',
    'InferencePoolAlpha',
    'SeldonPipeline',
    'SeldonExperiment',
    'ServiceMonitor',
    'Ingress',
    'VirtualService',
    'DestinationRule',
    'HTTPRoute',
    'PrometheusRule',
  ];
  const rank = (o: K8sObject) => {
    const i = order.indexOf(o.type);
    return i < 0 ? order.length : i;
  };
  const anchored = new Set(anchors);
  const others = rest.filter((o) => !anchored.has(o)).sort((a, b) => rank(a) - rank(b));
  let orphan: ServiceBuilder | undefined;
  for (const object of others) {
    const target =
      index.referencedOwner(object) ??
      index.byName(object, false) ??
      index.nearestByDirectory(object, false) ??
      (builders.length === 1 ? builders[0] : undefined);
    if (target) index.place(object, target);
    else {
      orphan ??= new ServiceBuilder('(no workload)', undefined, object.source.file);
      index.place(object, orphan);
    }
  }
  if (orphan) builders.push(orphan);
  return builders.map((b) => ({ name: b.name, objects: [...b.objects] }));
}

/** Label values an object (and its pod templates) carries that can name a service. */
function nameLabelValues(object: K8sObject, workload: Workload | undefined): readonly string[] {
  // Asked several times per object while grouping (its service's name, by-name lookups, the manifest).
  const known = nameLabelsByObject.get(object);
  if (known && known.workload === workload) return known.values;
  const own = labelsOf(object);
  const templates = workload?.templates ?? [];
  const values: string[] = [];
  for (const key of NAME_LABELS) {
    // The last template that sets the label wins, then the object's own, as one merged map would say.
    let value: string | undefined;
    for (let i = templates.length - 1; i >= 0 && value === undefined; i--) value = templates[i]!.labels[key];
    value ??= own[key];
    if (value !== undefined) values.push(value);
  }
  nameLabelsByObject.set(object, { workload, values });
  return values;
}

const nameLabelsByObject = new WeakMap<
  K8sObject,
  { readonly workload: Workload | undefined; readonly values: readonly string[] }
>();

class GroupIndex {
  private readonly owner = new Map<K8sObject, ServiceBuilder>();
  private readonly buildersByName = new Map<string, ServiceBuilder[]>();
  private readonly buildersByDir = new Map<string, ServiceBuilder[]>();
  /** "key=value" → placed workloads whose pod templates carry that label. */
  private readonly workloadsByLabel = new Map<string, K8sObject[]>();
  /** "Kind/name" → placed workloads (for scaleTargetRef, Seldon model names, HTTPRoute pools). */
  private readonly workloadsByRef = new Map<string, K8sObject>();
  private readonly servicesByLabel = new Map<string, K8sObject[]>();
  /** Service and InferencePool names, for routes. */
  private readonly backendsByName = new Map<string, K8sObject[]>();
  private readonly configOwners = new Map<string, K8sObject>();
  private readonly runtimeUsers = new Map<K8sObject, K8sObject>();
  /** Per directory, the first service with a workload that says by itself it serves a model. */
  private readonly modelBuildersByDir = new Map<string, ServiceBuilder>();

  /** dirname() of every file and directory asked about: the same few paths, thousands of times. */
  private readonly dirs = new Map<string, string>();

  constructor(private readonly workloads: WorkloadSet) {}

  private dirname(path: string): string {
    let dir = this.dirs.get(path);
    if (dir === undefined) this.dirs.set(path, (dir = dirname(path)));
    return dir;
  }

  addBuilder(builder: ServiceBuilder): void {
    push(this.buildersByName, builder.name, builder);
    push(this.buildersByDir, this.dirname(builder.anchorFile), builder);
  }

  serviceNameFor(object: K8sObject): string {
    return nameLabelValues(object, this.workloads.get(object))[0] ?? (object.name || object.ref);
  }

  place(object: K8sObject, builder: ServiceBuilder): void {
    builder.objects.push(object);
    this.owner.set(object, builder);
    const workload = this.workloads.get(object);
    if (workload && modelServerSignal(workload) !== undefined) {
      const dir = this.dirname(builder.anchorFile);
      if (!this.modelBuildersByDir.has(dir)) this.modelBuildersByDir.set(dir, builder);
    }
    if (workload) {
      for (const template of workload.templates)
        for (const [key, value] of Object.entries(template.labels))
          if (this.workloadsByLabel.get(`${key}=${value}`)?.at(-1) !== object)
            push(this.workloadsByLabel, `${key}=${value}`, object);
      for (const source of workload.builtFrom)
        if (!this.runtimeUsers.has(source)) this.runtimeUsers.set(source, object);
      for (const ref of referencedConfigNames(workload))
        if (!this.configOwners.has(ref)) this.configOwners.set(ref, object);
    }
    if (workload || object.type === 'Unread') {
      const key = `${object.kind}/${object.name}`;
      if (!this.workloadsByRef.has(key)) this.workloadsByRef.set(key, object);
    }
    if (object.type === 'Service') {
      for (const [key, value] of Object.entries(labelsOf(object)))
        push(this.servicesByLabel, `${key}=${value}`, object);
      push(this.backendsByName, `Service/${object.name}`, object);
    }
    if (object.type === 'InferencePool' || object.type === 'InferencePoolAlpha')
      push(this.backendsByName, `InferencePool/${object.name}`, object);
  }

  /** Manifest-less services of this name. */
  withoutManifest(name: string): ServiceBuilder[] {
    return (this.buildersByName.get(name) ?? []).filter((b) => !b.manifest);
  }

  /** The service a name label of the object names; `withManifest` limits it to manifest-anchored ones. */
  byName(object: K8sObject, withManifest: boolean): ServiceBuilder | undefined {
    for (const value of nameLabelValues(object, this.workloads.get(object))) {
      const hit = this.buildersByName.get(value)?.find((b) => !withManifest || b.manifest);
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * The service anchored in the object's directory or the nearest directory above it; among
   * several, one with a model server (monitors and alerts belong to the model, not its Redis).
   */
  nearestByDirectory(object: K8sObject, withManifest: boolean): ServiceBuilder | undefined {
    let dir = this.dirname(object.source.file);
    for (;;) {
      const candidates = this.buildersByDir.get(dir) ?? [];
      const hit = withManifest
        ? candidates.find((b) => b.manifest)
        : (candidates.find((b) => b.manifest) ?? this.modelBuildersByDir.get(dir) ?? candidates[0]);
      if (hit) return hit;
      const parent = this.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }

  /** A workload that belongs with another workload it names (a Seldon Model on its Server). */
  ownerOfReference(object: K8sObject): ServiceBuilder | undefined {
    if (object.type === 'SeldonModel') {
      const server = asString(getPath(object.raw, ['spec', 'server']));
      const hit = server ? this.workloadsByRef.get(`Server/${server}`) : undefined;
      return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
    }
    return undefined;
  }

  referencedOwner(object: K8sObject): ServiceBuilder | undefined {
    const spec = asRecord(object.raw.spec);
    const ownerOf = (hit: K8sObject | undefined) => (hit ? this.owner.get(hit) : undefined);
    const byTemplateLabels = (selector: unknown) => ownerOf(this.selectedWorkload(selector, object));
    switch (object.type) {
      case 'ServingRuntime':
      case 'ClusterServingRuntime':
        return ownerOf(this.runtimeUsers.get(object));
      case 'Service':
      case 'PodDisruptionBudget':
      case 'PodMonitor':
      case 'PodMonitoring':
      case 'ClusterPodMonitoring':
      case 'AuthorizationPolicy':
      case 'RequestAuthentication':
      case 'InferencePool':
      case 'InferencePoolAlpha':
        return byTemplateLabels(spec.selector);
      case 'NetworkPolicy':
        return byTemplateLabels(spec.podSelector);
      case 'HorizontalPodAutoscaler':
      case 'ScaledObject':
      case 'PodAutoscaler': {
        const target = asRecord(spec.scaleTargetRef);
        const hit = this.workloadsByRef.get(
          `${asString(target.kind) ?? 'Deployment'}/${asString(target.name) ?? ''}`,
        );
        return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
      }
      case 'ServiceMonitor':
        return ownerOf(this.selected(this.servicesByLabel, spec.selector, object, (o) => [labelsOf(o)]));
      case 'ConfigMap':
      case 'Secret': {
        const hit = this.configOwners.get(`${object.kind}/${object.name}`);
        return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
      }
      case 'SeldonPipeline':
      case 'SeldonExperiment':
        for (const model of seldonModelNames(object)) {
          const hit = this.workloadsByRef.get(`Model/${model}`);
          if (hit && sameNamespace(hit, object)) return this.owner.get(hit);
        }
        return undefined;
      case 'VirtualService':
      case 'DestinationRule':
      case 'Ingress':
      case 'HTTPRoute':
        for (const backend of backendRefs(object)) {
          const hit = this.backendsByName.get(backend)?.find((s) => sameNamespace(s, object));
          if (hit) return this.owner.get(hit);
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /** The first placed workload whose pod templates the selector selects. */
  private selectedWorkload(selector: unknown, from: K8sObject): K8sObject | undefined {
    return this.selected(this.workloadsByLabel, selector, from, (w) =>
      (this.workloads.get(w)?.templates ?? []).map((t) => t.labels),
    );
  }

  /** The first indexed object the selector selects: candidates come from one of its labels. */
  private selected(
    index: Map<string, K8sObject[]>,
    selector: unknown,
    from: K8sObject,
    labelSets: (o: K8sObject) => Record<string, string>[],
  ): K8sObject | undefined {
    const first = firstSelectorLabel(selector);
    const candidates = first
      ? (index.get(`${first[0]}=${first[1]}`) ?? [])
      : [...new Set([...index.values()].flat())];
    return candidates.find(
      (candidate) =>
        sameNamespace(candidate, from) && labelSets(candidate).some((labels) => selects(selector, labels)),
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
