import { dirname } from 'node:path';
import type { KindId } from '../workloads/kinds.js';
import type { ContainerRef, Workload } from '../workloads/model.js';
import type { WorkloadSet } from '../workloads/registry.js';
import { compiledSelector, selects, selectsCompiled, type CompiledSelector } from '../workloads/selectors.js';
import {
  modelServerSignal,
  servingContainerOf,
  MODEL_LABEL,
  type ServingHints,
} from '../workloads/serving.js';
import {
  asArray,
  asRecord,
  asString,
  getPath,
  labelsOf,
  type K8sObject,
  type ManifestObject,
} from './objects.js';

/** One model service: the manifest (if any) with every object that belongs to it. */
export interface ModelService {
  readonly name: string;
  readonly manifest: ManifestObject | undefined;
  readonly objects: readonly K8sObject[];
  /** Every workload of the service mlready read (model servers and supporting workloads). */
  readonly workloads: readonly Workload[];
  /** Workloads that serve the model: the ones model-specific rules judge. */
  readonly modelServers: readonly Workload[];
  /** Redis, databases, gateways, demo apps, clients, batch jobs: general Kubernetes rules only. */
  readonly supporting: readonly Workload[];
  /** Objects of kinds mlready does not read that run pods: not checked. */
  readonly unread: readonly K8sObject[];
  /**
   * Objects by registry id ("Deployment", "KnativeService"), of up to four kinds. Named parameters,
   * not a rest list: rules ask ~100 000 times on a large input, and a rest list is an array per call
   * (4.6 MB a run on the bench) until the caller is optimized.
   */
  ofKind: OfKind;
  /** Why a workload counts as a model server, or undefined for a supporting workload. */
  modelServerReason(workload: Workload): string | undefined;
  /** The serving container of each pod template of a workload (of every workload when none is given). */
  servingContainers(workload?: Workload): readonly ContainerRef[];
  /** The workload read from an object, if it is one. */
  workloadOf(object: K8sObject): Workload | undefined;
}

/** Labels that tie an object to a model service by name, most specific first. */
const NAME_LABELS = [MODEL_LABEL, 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app'] as const;

class ServiceBuilder {
  readonly objects: K8sObject[] = [];
  /**
   * What building the service needs, kept as objects are placed instead of sorted out of `objects`
   * again (a WorkloadSet lookup per object): its workloads in placement order, each one's model-server
   * signal (read once, when it was placed), its unread objects and InferencePools.
   */
  readonly workloads: Workload[] = [];
  readonly signals: (string | undefined)[] = [];
  readonly unread: K8sObject[] = [];
  pools: K8sObject[] | undefined;
  /** The namespace every object shares so far (undefined is a namespace here), unless `mixed`. */
  private namespace: string | undefined;
  private mixed = false;
  constructor(
    readonly name: string,
    readonly manifest: ManifestObject | undefined,
    readonly anchorFile: string,
  ) {
    if (manifest) this.add(manifest);
  }

  add(object: K8sObject): void {
    if (this.objects.length === 0) this.namespace = object.namespace;
    else if (object.namespace !== this.namespace) this.mixed = true;
    this.objects.push(object);
  }

  /** A workload (or an unread object that runs pods), with its model-server signal. */
  addAnchor(object: K8sObject, workload: Workload | undefined, signal: string | undefined): void {
    this.add(object);
    if (workload) {
      this.workloads.push(workload);
      this.signals.push(signal);
    }
    if (object.type === 'Unread') this.unread.push(object);
  }

  /** Anything else. Only workloads and unread objects are anchors, so this is neither. */
  addOther(object: K8sObject): void {
    this.add(object);
    if (object.type === 'InferencePool' || object.type === 'InferencePoolAlpha')
      (this.pools ??= []).push(object);
  }

  /** Every object it holds is in this namespace (kept as objects are added, instead of asked of each). */
  allIn(namespace: string | undefined): boolean {
    return this.objects.length === 0 || (!this.mixed && this.namespace === namespace);
  }
}

/** Everything grouping needs to know about the input besides the objects. */
export interface GroupingContext {
  readonly workloads: WorkloadSet;
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
  context: GroupingContext,
): ModelService[] {
  const builders = objectList<ServiceBuilder>();
  for (const m of manifests) builders.push(new ServiceBuilder(m.manifest.metadata.name, m, m.source.file));
  const index = new GroupIndex();
  for (const builder of builders) index.addBuilder(builder);
  const anchors = objectList<K8sObject>();
  const anchorWorkloads = objectList<Workload | undefined>();
  const buckets: (K8sObject[] | undefined)[] = new Array<K8sObject[] | undefined>(ATTACH_ORDER.length);
  const unordered = objectList<K8sObject>();
  // Each phase is a function of its own: a long loop is optimized while it runs (on-stack
  // replacement), and code after it in the same function would deoptimize on first use in every run.
  sortForGrouping(objects, context.workloads, anchors, anchorWorkloads, buckets, unordered);
  placeAnchors(anchors, anchorWorkloads, builders, index);
  const orphan = placeOthers(concatenated(buckets, unordered), builders, index);
  if (orphan) builders.push(orphan);
  return buildServices(builders, context.workloads);
}

/**
 * One pass sorts the input: workloads (and unread pod-running objects) anchor services, each with its
 * workload read once here for the first phase; everything else waits in its kind's bucket, in input
 * order, for the second. Nothing after the loop: its on-stack-replaced code would deoptimize there in
 * every run. A bucket is made with its first object (`[o]`): a fresh `[]` starts as an array of small
 * integers, and the optimized push then deoptimizes on the first object of every run ("not a Smi").
 */
function sortForGrouping(
  objects: readonly K8sObject[],
  workloads: WorkloadSet,
  anchors: K8sObject[],
  anchorWorkloads: (Workload | undefined)[],
  buckets: (K8sObject[] | undefined)[],
  unordered: K8sObject[],
): void {
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    if (o.type === 'ModelService') continue;
    const workload = workloads.get(o);
    if (workload !== undefined || o.type === 'Unread') {
      anchors.push(o);
      anchorWorkloads.push(workload);
    } else {
      const rank = ATTACH_RANK.get(o.type);
      if (rank === undefined) unordered.push(o);
      else {
        const bucket = buckets[rank];
        if (bucket === undefined) buckets[rank] = [o];
        else bucket.push(o);
      }
    }
  }
}

/**
 * The buckets in order, then the rest. Loops, not buckets.flat(): flat is a slow generic builtin,
 * and this is most objects of the run (a function of its own, after sortForGrouping's long loop).
 */
function concatenated(
  buckets: readonly (K8sObject[] | undefined)[],
  rest: readonly K8sObject[],
): K8sObject[] {
  const all = objectList<K8sObject>();
  for (let b = 0; b < buckets.length; b++) {
    const bucket = buckets[b];
    if (bucket !== undefined) for (let i = 0; i < bucket.length; i++) all.push(bucket[i]!);
  }
  for (let i = 0; i < rest.length; i++) all.push(rest[i]!);
  return all;
}

/** 1. Workloads anchor services: to a manifest by name label or directory, else their own. */
function placeAnchors(
  anchors: readonly K8sObject[],
  anchorWorkloads: readonly (Workload | undefined)[],
  builders: ServiceBuilder[],
  index: GroupIndex,
): void {
  const manifestCount = builders.length;
  for (let i = 0; i < anchors.length; i++) {
    const object = anchors[i]!;
    const workload = anchorWorkloads[i];
    const target =
      (manifestCount === 0 ? undefined : index.byName(object, workload, true)) ??
      index.nearestByDirectory(object, true) ??
      (manifestCount === 1 ? builders[0] : undefined) ??
      index.ownerOfReference(object);
    if (target) {
      index.placeAnchor(object, workload, target);
      continue;
    }
    // Without a manifest, workloads that share a name label (a stable and a canary Deployment)
    // form one service.
    const name = serviceNameFor(object, workload);
    const sibling = index.withoutManifest(name, object.namespace);
    if (sibling) index.placeAnchor(object, workload, sibling);
    else {
      const builder = new ServiceBuilder(name, undefined, object.source.file);
      builders.push(builder);
      index.addBuilder(builder, object.namespace);
      index.placeAnchor(object, workload, builder);
    }
  }
}

/**
 * 2. Everything else, by reference, in dependency order (ServiceMonitor after Service). Returns the
 * group of what nothing could be tied to, if anything.
 */
function placeOthers(
  others: readonly K8sObject[],
  builders: readonly ServiceBuilder[],
  index: GroupIndex,
): ServiceBuilder | undefined {
  let orphan: ServiceBuilder | undefined;
  for (const object of others) {
    const target =
      index.referencedOwner(object) ??
      index.byName(object, undefined, false) ??
      index.nearestByDirectory(object, false) ??
      (builders.length === 1 ? builders[0] : undefined);
    if (target) index.placeOther(object, target);
    else {
      orphan ??= new ServiceBuilder(UNATTACHED, undefined, object.source.file);
      index.placeOther(object, orphan);
    }
  }
  return orphan;
}

function buildServices(builders: readonly ServiceBuilder[], set: WorkloadSet): ModelService[] {
  const services = objectList<ModelService>();
  // The same answer for every service: one function per run, not one closure per service.
  const workloadOf = (object: K8sObject): Workload | undefined => set.get(object);
  for (let i = 0; i < builders.length; i++) services.push(buildService(builders[i]!, workloadOf));
  return services;
}

/** Kinds of the second phase of grouping, in the order they are attached (a ServiceMonitor after its Service). */
const ATTACH_ORDER: readonly KindId[] = [
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
const ATTACH_RANK: ReadonlyMap<string, number> = new Map(ATTACH_ORDER.map((id, i) => [id, i]));

/** The name of the group of objects that no workload of the input could be tied to. */
export const UNATTACHED = '(no workload)';

function buildService(
  builder: ServiceBuilder,
  workloadOf: (object: K8sObject) => Workload | undefined,
): ModelService {
  // Built for every service of a run, and kept small so V8 optimizes it early in the first run: the
  // lists come from the builder, and what most services never need is in functions of their own.
  const objects = builder.objects;
  const workloads = builder.workloads;
  const reasons = reasonsOf(builder);
  const modelServers: Workload[] = [];
  const supporting: Workload[] = [];
  for (let i = 0; i < workloads.length; i++) (reasons[i] ? modelServers : supporting).push(workloads[i]!);
  // Most services are all model servers (or all supporting): that list is the whole list as it is.
  const ordered =
    supporting.length === 0
      ? modelServers
      : modelServers.length === 0
        ? supporting
        : [...modelServers, ...supporting];
  return withServing(builder, workloads, reasons, ordered, modelServers, supporting, workloadOf, objects);
}

/**
 * Why each workload of the service serves a model (undefined: supporting), by the workload's position.
 * An array per service, not a Map.
 */
function reasonsOf(builder: ServiceBuilder): (string | undefined)[] {
  const workloads = builder.workloads;
  const signals = builder.signals;
  const manifest = builder.manifest;
  const reasons: (string | undefined)[] = new Array<string | undefined>(workloads.length);
  let undecided = 0;
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    const reason = w.batch ? undefined : (signals[i] ?? namedByManifest(w, manifest));
    reasons[i] = reason;
    if (!reason && !w.batch) undecided++;
  }
  // Each of the other reasons is given only to a long-running workload without one: none to give here.
  if (undecided > 0) refineReasons(workloads, reasons, builder.pools, manifest);
  return reasons;
}

/**
 * The reasons a workload's own signal does not give (a pool, a served image, the manifest), for a service
 * with a long-running workload that has none yet: each is given only to such a workload.
 */
function refineReasons(
  workloads: readonly Workload[],
  reasons: (string | undefined)[],
  pools: readonly K8sObject[] | undefined,
  manifest: ManifestObject | undefined,
): void {
  if (pools !== undefined)
    for (let i = 0; i < workloads.length; i++) {
      const w = workloads[i]!;
      if (reasons[i] || w.batch) continue;
      const pool = pools.find((p) => w.templates.some((t) => selects(poolSelector(p), t.labels)));
      if (pool) reasons[i] = `selected by ${pool.ref}`;
    }
  // A shadow or canary of a model server runs the same image.
  const servingImages = new Map<unknown, Workload>();
  for (let i = 0; i < workloads.length; i++)
    if (reasons[i])
      for (const c of workloads[i]!.containers) servingImages.set(c.container.image, workloads[i]!);
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    if (reasons[i] || w.batch) continue;
    const twin = w.containers.map((c) => servingImages.get(c.container.image)).find((x) => x && x !== w);
    if (twin) reasons[i] = `runs the image of ${twin.object.ref}`;
  }
  // A manifest says the service serves a model: if nothing else names its server, every
  // long-running workload of the service is taken for one (never a false "nothing to judge").
  if (manifest && !reasons.some((r) => r)) {
    for (let i = 0; i < workloads.length; i++)
      if (!workloads[i]!.batch) reasons[i] = `in the service of ${manifest.ref}`;
  }
}

/** The service object, with the functions over its serving containers (each a closure over the service). */
function withServing(
  builder: ServiceBuilder,
  workloads: readonly Workload[],
  reasons: readonly (string | undefined)[],
  ordered: readonly Workload[],
  modelServers: readonly Workload[],
  supporting: readonly Workload[],
  workloadOf: (object: K8sObject) => Workload | undefined,
  objects: readonly K8sObject[],
): ModelService {
  // The hints matter only to pod templates of several containers: read on first need.
  let pickHints: ServingHints | undefined;
  const hints = () =>
    (pickHints ??= {
      ...servingHints(objects, builder.manifest),
      containerName: builder.manifest?.manifest.spec.serving.container,
    });
  // Rules ask for the same derived facts many times per service: each is computed once, here, and
  // kept by the workload's position (a workload of another service, if asked about, in a Map).
  const serving: (readonly ContainerRef[] | undefined)[] = new Array<readonly ContainerRef[] | undefined>(
    workloads.length,
  );
  let foreign: Map<Workload, readonly ContainerRef[]> | undefined;
  const servingOf = (w: Workload): readonly ContainerRef[] => {
    const i = positionOf(workloads, w);
    let refs = i >= 0 ? serving[i] : foreign?.get(w);
    if (!refs) {
      const list: ContainerRef[] = [];
      for (const t of w.templates) {
        const c = t.containers.length <= 1 ? t.containers[0] : servingContainerOf(t, hints());
        if (c) list.push(c);
      }
      refs = Object.freeze(list);
      if (i >= 0) serving[i] = refs;
      else (foreign ??= new Map<Workload, readonly ContainerRef[]>()).set(w, refs);
    }
    return refs;
  };
  let all: readonly ContainerRef[] | undefined;
  return serviceOf({
    name: builder.name,
    manifest: builder.manifest,
    objects,
    workloads: ordered,
    modelServers,
    supporting,
    unread: builder.unread,
    ofKind: kindIndex(objects),
    modelServerReason: (w) => {
      const i = positionOf(workloads, w);
      return i >= 0 ? reasons[i] : undefined;
    },
    servingContainers: (w) => (w ? servingOf(w) : (all ??= allServingOf(ordered, servingOf))),
    workloadOf,
  });
}

/**
 * A workload's position in its service's list: searched (a service has a few), with a Map kept on the
 * list for the rare service of many workloads so a question stays constant-time.
 */
function positionOf(workloads: readonly Workload[], w: Workload): number {
  if (workloads.length <= 16) return workloads.indexOf(w);
  let positions = positionsByList.get(workloads);
  if (!positions) {
    positions = new Map<Workload, number>();
    for (let i = 0; i < workloads.length; i++)
      if (!positions.has(workloads[i]!)) positions.set(workloads[i]!, i);
    positionsByList.set(workloads, positions);
  }
  return positions.get(w) ?? -1;
}

const positionsByList = new WeakMap<readonly Workload[], Map<Workload, number>>();

/**
 * Every workload's serving containers, in order, frozen: a single workload's list is that list, and
 * no flatMap (a slow builtin) for the others.
 */
function allServingOf(
  workloads: readonly Workload[],
  servingOf: (w: Workload) => readonly ContainerRef[],
): readonly ContainerRef[] {
  if (workloads.length === 1) return servingOf(workloads[0]!);
  const refs: ContainerRef[] = [];
  for (let i = 0; i < workloads.length; i++) {
    const list = servingOf(workloads[i]!);
    for (let j = 0; j < list.length; j++) refs.push(list[j]!);
  }
  return Object.freeze(refs);
}

/** A ModelService's fields, its functions as plain function values (closures that never read `this`). */
export interface ServiceFields {
  readonly name: string;
  readonly manifest: ManifestObject | undefined;
  readonly objects: readonly K8sObject[];
  readonly workloads: readonly Workload[];
  readonly modelServers: readonly Workload[];
  readonly supporting: readonly Workload[];
  readonly unread: readonly K8sObject[];
  readonly ofKind: OfKind;
  readonly modelServerReason: (workload: Workload) => string | undefined;
  readonly servingContainers: (workload?: Workload) => readonly ContainerRef[];
  readonly workloadOf: (object: K8sObject) => Workload | undefined;
}

/**
 * A service object made in one place with its fields in one order, whoever makes it (grouping, the
 * model-servers view): rules then see services of one shape, and their property reads stay
 * monomorphic instead of deoptimizing on a second shape ("wrong map").
 */
export function serviceOf(fields: ServiceFields): ModelService {
  return {
    name: fields.name,
    manifest: fields.manifest,
    objects: fields.objects,
    workloads: fields.workloads,
    modelServers: fields.modelServers,
    supporting: fields.supporting,
    unread: fields.unread,
    ofKind: fields.ofKind,
    modelServerReason: fields.modelServerReason,
    servingContainers: fields.servingContainers,
    workloadOf: fields.workloadOf,
  };
}

/**
 * `ofKind` over an index built on first use: objects by registry id, in input order. The lists are
 * shared between calls and frozen, so a caller that sorts or appends fails loudly instead of
 * changing what the next rule sees.
 */
export function kindIndex(objects: readonly K8sObject[]): OfKind {
  // Made for every service of a run: what few services need (several kinds' lists) is made on need.
  let index: KindLists | undefined;
  return (a, b, c, d) => {
    index ??= new KindLists(objects);
    if (b === undefined) return index.of(a);
    return index.ofSeveral(c === undefined ? [a, b] : d === undefined ? [a, b, c] : [a, b, c, d]);
  };
}

/** ModelService.ofKind: the objects of one to four kinds, in input order. */
export type OfKind = (a: KindId, b?: KindId, c?: KindId, d?: KindId) => readonly K8sObject[];

const NO_OBJECTS: readonly K8sObject[] = Object.freeze([]);

/**
 * A service's objects by registry id, each list frozen (shared by every rule that asks). The ids in
 * an array searched in order, not a Map: a service holds a handful of kinds (at most one per
 * registry id), and a Map per service cost more to build than these searches.
 */
class KindLists {
  /** The distinct ids, and each one's objects, in the first `count` slots (sized for the worst case). */
  private readonly kinds: KindId[];
  private readonly lists: K8sObject[][];
  private readonly count: number;
  /** Lists of several kinds, by the ids joined, made on first need. */
  private several: Map<string, readonly K8sObject[]> | undefined;

  constructor(private readonly objects: readonly K8sObject[]) {
    // Exact-size arrays filled by index: pushing onto `[]` reserves 17 slots, for a handful used.
    const kinds = new Array<KindId>(objects.length);
    const lists = new Array<K8sObject[]>(objects.length);
    let count = 0;
    let last = -1;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      // Objects of a kind often come together: the last kind is tried first.
      let k = last;
      if (k < 0 || kinds[k] !== o.type) for (k = 0; k < count && kinds[k] !== o.type; k++);
      if (k === count) {
        kinds[count] = o.type;
        lists[count++] = [o];
      } else lists[k]!.push(o);
      last = k;
    }
    for (let k = 0; k < count; k++) Object.freeze(lists[k]);
    this.kinds = kinds;
    this.lists = lists;
    this.count = count;
  }

  of(id: KindId): readonly K8sObject[] {
    const kinds = this.kinds;
    for (let k = 0; k < this.count; k++) if (kinds[k] === id) return this.lists[k]!;
    return NO_OBJECTS;
  }

  /** Several kinds: most services hold one of them at most, whose list is then the answer as it is. */
  ofSeveral(ids: readonly KindId[]): readonly K8sObject[] {
    let only: readonly K8sObject[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const list = this.of(ids[i]!);
      if (list.length === 0) continue;
      if (only !== undefined) return this.union(ids);
      only = list;
    }
    return only ?? NO_OBJECTS;
  }

  /** The call sites name a few fixed lists, so each answer is kept by its list. */
  private union(ids: readonly KindId[]): readonly K8sObject[] {
    const key = ids.join(' ');
    this.several ??= new Map<string, readonly K8sObject[]>();
    let list = this.several.get(key);
    if (!list)
      this.several.set(key, (list = Object.freeze(this.objects.filter((o) => ids.includes(o.type)))));
    return list;
  }
}

/** Ports a Service or InferencePool of the service sends traffic to. */
function servingHints(objects: readonly K8sObject[], manifest: ManifestObject | undefined): ServingHints {
  const ports = new Set<string | number>();
  for (const o of objects) {
    if (o.type === 'Service')
      for (const p of asArray(getPath(o.raw, ['spec', 'ports'])).map(asRecord)) {
        const target = p.targetPort ?? p.port;
        if (typeof target === 'number' || typeof target === 'string') ports.add(target);
      }
    if (o.type === 'InferencePool' || o.type === 'InferencePoolAlpha') {
      const port =
        getPath(o.raw, ['spec', 'targetPortNumber']) ?? getPath(o.raw, ['spec', 'targetPorts', 0, 'number']);
      if (typeof port === 'number') ports.add(port);
    }
  }
  const port = manifest?.manifest.spec.serving.port;
  if (port !== undefined) ports.add(port);
  return { targetPorts: ports };
}

/** The manifest names the workload by its name label or its image. */
function namedByManifest(workload: Workload, manifest: ManifestObject | undefined): string | undefined {
  if (!manifest) return undefined;
  const spec = manifest.manifest.spec;
  const names = nameLabelValues(workload.object, workload);
  if (
    names.includes(manifest.manifest.metadata.name) ||
    workload.object.name === manifest.manifest.metadata.name
  )
    return `named by ${manifest.ref}`;
  if (spec.serving.image && workload.containers.some((c) => c.container.image === spec.serving.image))
    return `runs the image of ${manifest.ref}`;
  if (spec.serving.container && workload.containers.some((c) => c.name === spec.serving.container))
    return `runs the container ${manifest.ref} names`;
  return undefined;
}

/** An InferencePool's selector: a plain map in v1alpha2, matchLabels in v1. */
function poolSelector(pool: K8sObject): unknown {
  return getPath(pool.raw, ['spec', 'selector']);
}

/** Label values an object (and its pod templates) carries that can name a service. */
function nameLabelValues(object: K8sObject, workload: Workload | undefined): readonly string[] {
  const values: string[] = [];
  for (let k = 0; k < NAME_LABELS.length; k++) {
    const value = nameLabel(object, workload, NAME_LABELS[k]!);
    if (value !== undefined) values.push(value);
  }
  return values;
}

/**
 * The value of one name label: the last template that sets it wins, then the object's own, as one
 * merged map would say. Read where asked (a few lookups), not kept per object in a WeakMap: most
 * objects are asked once, and each WeakMap entry cost more than the lookups it saved. The object's
 * own labels are read only when no template has the label (a workload's usually has).
 */
function nameLabel(object: K8sObject, workload: Workload | undefined, key: string): string | undefined {
  if (workload !== undefined) {
    const templates = workload.templates;
    for (let i = templates.length - 1; i >= 0; i--) {
      const value = templates[i]!.labels[key];
      if (value !== undefined) return value;
    }
  }
  return labelsOf(object)[key];
}

/** The name of the service a workload without a manifest anchors: its first name label, else its own name. */
function serviceNameFor(object: K8sObject, workload: Workload | undefined): string {
  for (let k = 0; k < NAME_LABELS.length; k++) {
    const value = nameLabel(object, workload, NAME_LABELS[k]!);
    if (value !== undefined) return value;
  }
  return object.name || object.ref;
}

class GroupIndex {
  private readonly owner = new Map<K8sObject, ServiceBuilder>();
  private readonly buildersByName = new Map<string, ServiceBuilder>();
  private readonly manifestBuildersByName = new Map<string, ServiceBuilder>();
  /** Manifest-less services by name and by the namespace of their first workload, oldest first. */
  private readonly siblingsByName = new Map<string | undefined, Map<string, ServiceBuilder[]>>();
  private readonly buildersByDir = new Map<string, ServiceBuilder>();
  private readonly manifestBuildersByDir = new Map<string, ServiceBuilder>();
  /** Placed workloads by the labels of their pod templates. */
  private readonly workloadsByLabel = new LabelIndex();
  /**
   * Kind → name → the first placed workload (for scaleTargetRef, Seldon model names): two lookups
   * instead of a "Kind/name" string built, flattened and hashed per object and per question.
   */
  private readonly workloadsByRef = new Map<string, Map<string, K8sObject>>();
  /** Placed Services by their own labels (for ServiceMonitors). */
  private readonly servicesByLabel = new LabelIndex();
  /** Service and InferencePool names, for routes. */
  private readonly backendsByName = new Map<string, K8sObject[]>();
  /** Services and InferencePools in placement order; the first `backendsRead` of them are in backendsByName. */
  private readonly backends = objectList<K8sObject>();
  private backendsRead = 0;
  private readonly configOwners = new Map<string, K8sObject>();
  /** Workloads in placement order; the first `configsRead` of them are in configOwners. */
  private readonly placedWorkloads = objectList<Workload>();
  private configsRead = 0;
  private readonly runtimeUsers = new Map<K8sObject, K8sObject>();
  /** Per directory, the first service with a workload that says by itself it serves a model. */
  private readonly modelBuildersByDir = new Map<string, ServiceBuilder>();

  /** dirname() of every file and directory asked about: the same few paths, thousands of times. */
  private readonly dirs = new Map<string, string>();

  private dirname(path: string): string {
    let dir = this.dirs.get(path);
    if (dir === undefined) this.dirs.set(path, (dir = dirname(path)));
    return dir;
  }

  /**
   * Registers a service. Lookups by name and directory want the first service (or the first with a
   * manifest) of a name or directory: kept as such, so no lookup walks a list of thousands.
   */
  addBuilder(builder: ServiceBuilder, namespace?: string): void {
    const dir = this.dirname(builder.anchorFile);
    setFirst(this.buildersByName, builder.name, builder);
    setFirst(this.buildersByDir, dir, builder);
    if (builder.manifest) {
      setFirst(this.manifestBuildersByName, builder.name, builder);
      setFirst(this.manifestBuildersByDir, dir, builder);
      return;
    }
    // By namespace, then name: a Map per namespace (a few), not one per service name (thousands).
    let byName = this.siblingsByName.get(namespace);
    if (!byName) this.siblingsByName.set(namespace, (byName = new Map<string, ServiceBuilder[]>()));
    push(byName, builder.name, builder);
  }

  /** Places a workload (or an unread object that runs pods): the first phase. */
  placeAnchor(object: K8sObject, workload: Workload | undefined, builder: ServiceBuilder): void {
    // The signal is read here, once per workload, and kept by the builder for the model servers.
    const signal = workload ? modelServerSignal(workload) : undefined;
    builder.addAnchor(object, workload, signal);
    this.owner.set(object, builder);
    if (workload) {
      if (signal !== undefined) setFirst(this.modelBuildersByDir, this.dirname(builder.anchorFile), builder);
      this.workloadsByLabel.add(object, workload.templates);
      const builtFrom = workload.builtFrom;
      for (let i = 0; i < builtFrom.length; i++) setFirst(this.runtimeUsers, builtFrom[i]!, object);
      this.placedWorkloads.push(workload);
    }
    let byName = this.workloadsByRef.get(object.kind);
    if (!byName) this.workloadsByRef.set(object.kind, (byName = new Map<string, K8sObject>()));
    setFirst(byName, object.name, object);
  }

  /**
   * Places anything else: the second phase. Only Services and InferencePools are looked up again
   * (as backends and by their labels), so only they get an owner entry.
   */
  placeOther(object: K8sObject, builder: ServiceBuilder): void {
    builder.addOther(object);
    if (object.type === 'Service') {
      this.owner.set(object, builder);
      this.servicesByLabel.add(object, [{ labels: labelsOf(object) }]);
      this.addBackend(object);
    } else if (object.type === 'InferencePool' || object.type === 'InferencePoolAlpha') {
      this.owner.set(object, builder);
      this.addBackend(object);
    }
  }

  private addBackend(object: K8sObject): void {
    this.backends.push(object);
  }

  /**
   * The placed Services and InferencePools of a "Service/x" or "InferencePool/y" a route names. The
   * index is brought up to date on each question (most inputs have no route to place), in placement
   * order, so the answers are those of an index kept as each backend was placed.
   */
  private backendsNamed(ref: string): readonly K8sObject[] | undefined {
    for (; this.backendsRead < this.backends.length; this.backendsRead++) {
      const backend = this.backends[this.backendsRead]!;
      const kind = backend.type === 'Service' ? 'Service' : 'InferencePool';
      push(this.backendsByName, `${kind}/${backend.name}`, backend);
    }
    return this.backendsByName.get(ref);
  }

  /**
   * The first placed workload that mounts or reads this "ConfigMap/x" or "Secret/y". The workloads'
   * references are read on the first question (most inputs have no ConfigMap or Secret to place),
   * in placement order, so the first reader wins as if each were indexed when placed.
   */
  private configOwner(ref: string): K8sObject | undefined {
    for (; this.configsRead < this.placedWorkloads.length; this.configsRead++) {
      const workload = this.placedWorkloads[this.configsRead]!;
      for (const name of referencedConfigNames(workload)) setFirst(this.configOwners, name, workload.object);
    }
    return this.configOwners.get(ref);
  }

  /**
   * The oldest manifest-less service of this name whose objects are all in this namespace. A service
   * is listed under the namespace of its first workload; it may have taken in another since (a Seldon
   * Model on a Server), so the candidate is asked.
   */
  withoutManifest(name: string, namespace: string | undefined): ServiceBuilder | undefined {
    return this.siblingsByName
      .get(namespace)
      ?.get(name)
      ?.find((b) => b.allIn(namespace));
  }

  /** The service a name label of the object names; `withManifest` limits it to manifest-anchored ones. */
  byName(
    object: K8sObject,
    workload: Workload | undefined,
    withManifest: boolean,
  ): ServiceBuilder | undefined {
    const byName = withManifest ? this.manifestBuildersByName : this.buildersByName;
    if (byName.size === 0) return undefined;
    for (let k = 0; k < NAME_LABELS.length; k++) {
      const value = nameLabel(object, workload, NAME_LABELS[k]!);
      const hit = value !== undefined ? byName.get(value) : undefined;
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * The service anchored in the object's directory or the nearest directory above it; among
   * several, one with a model server (monitors and alerts belong to the model, not its Redis).
   */
  nearestByDirectory(object: K8sObject, withManifest: boolean): ServiceBuilder | undefined {
    if ((withManifest ? this.manifestBuildersByDir : this.buildersByDir).size === 0) return undefined;
    let dir = this.dirname(object.source.file);
    for (;;) {
      const hit = withManifest
        ? this.manifestBuildersByDir.get(dir)
        : (this.manifestBuildersByDir.get(dir) ??
          this.modelBuildersByDir.get(dir) ??
          this.buildersByDir.get(dir));
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
      const hit = server !== undefined ? this.workloadByRef('Server', server) : undefined;
      return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
    }
    return undefined;
  }

  /** The first placed workload of this kind and name (what "Kind/name" named). */
  private workloadByRef(kind: string, name: string): K8sObject | undefined {
    return this.workloadsByRef.get(kind)?.get(name);
  }

  private ownerOf(hit: K8sObject | undefined): ServiceBuilder | undefined {
    return hit ? this.owner.get(hit) : undefined;
  }

  /**
   * The service of what the object names or selects. Kept short (each case one call), so V8 optimizes it
   * early in the first run: it runs for most objects of a run, and a long body stays in the baseline tier
   * for a run or two.
   */
  referencedOwner(object: K8sObject): ServiceBuilder | undefined {
    switch (object.type) {
      case 'ServingRuntime':
      case 'ClusterServingRuntime':
        return this.ownerOf(this.runtimeUsers.get(object));
      case 'Service':
      case 'PodDisruptionBudget':
      case 'PodMonitor':
      case 'PodMonitoring':
      case 'ClusterPodMonitoring':
      case 'AuthorizationPolicy':
      case 'RequestAuthentication':
      case 'InferencePool':
      case 'InferencePoolAlpha':
        return this.ownerOf(this.workloadsByLabel.firstSelected(specField(object, 'selector'), object));
      case 'NetworkPolicy':
        return this.ownerOf(this.workloadsByLabel.firstSelected(specField(object, 'podSelector'), object));
      case 'HorizontalPodAutoscaler':
      case 'ScaledObject':
      case 'PodAutoscaler':
        return this.scaleTargetOwner(object);
      case 'ServiceMonitor':
        return this.ownerOf(this.servicesByLabel.firstSelected(specField(object, 'selector'), object));
      case 'ConfigMap':
      case 'Secret':
        return this.configReaderOwner(object);
      case 'SeldonPipeline':
      case 'SeldonExperiment':
        return this.seldonModelOwner(object);
      case 'VirtualService':
      case 'DestinationRule':
      case 'Ingress':
      case 'HTTPRoute':
        return this.backendOwner(object);
      default:
        return undefined;
    }
  }

  /** The service of the workload an autoscaler's scaleTargetRef names. */
  private scaleTargetOwner(object: K8sObject): ServiceBuilder | undefined {
    const target = asRecord(specField(object, 'scaleTargetRef'));
    const hit = this.workloadByRef(asString(target.kind) ?? 'Deployment', asString(target.name) ?? '');
    return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
  }

  /** The service of the first workload that mounts or reads this ConfigMap or Secret. */
  private configReaderOwner(object: K8sObject): ServiceBuilder | undefined {
    const hit = this.configOwner(`${object.kind}/${object.name}`);
    return hit && sameNamespace(hit, object) ? this.owner.get(hit) : undefined;
  }

  /** The service of the first Seldon Model a Pipeline or Experiment names. */
  private seldonModelOwner(object: K8sObject): ServiceBuilder | undefined {
    for (const model of seldonModelNames(object)) {
      const hit = this.workloadByRef('Model', model);
      if (hit && sameNamespace(hit, object)) return this.owner.get(hit);
    }
    return undefined;
  }

  /** The service of the first backend a route, DestinationRule or Ingress sends traffic to. */
  private backendOwner(object: K8sObject): ServiceBuilder | undefined {
    for (const backend of backendRefs(object)) {
      const hit = this.backendsNamed(backend)?.find((s) => sameNamespace(s, object));
      if (hit) return this.owner.get(hit);
    }
    return undefined;
  }
}

/** What carries labels for grouping: a workload's pod templates, or a Service as one such entry. */
type Labelled = readonly { readonly labels: Readonly<Record<string, string>> }[];

/**
 * Placed objects by the labels they carry (a workload: each pod template's; a Service: its own), in
 * the order they were placed. A selector is matched by looking its labels up: only the objects that
 * carry its rarest label are tested, never every object against every selector. Objects are kept by
 * their placement number: the lists are arrays of small integers (no pointers for the collector), and
 * an object's labels are read from a parallel array instead of a Map per object.
 */
class LabelIndex {
  /** Every object added, in placement order, and what carries its labels (its templates). */
  private readonly placed = objectList<K8sObject>();
  private readonly carriers = objectList<Labelled>();
  /**
   * label key → value → placement numbers of the objects carrying it, ascending. A key is indexed
   * when a selector first asks for it (selectors use one or two keys; workloads carry versions,
   * hashes, teams…), then kept up to date as objects are added.
   */
  private readonly byLabel = new Map<string, Map<string, number[]>>();
  /** byLabel's keys and maps in arrays, for `add` to walk without a Map iterator and entry pairs. */
  private readonly indexedKeys = objectList<string>();
  private readonly indexedMaps = objectList<Map<string, number[]>>();
  private scan: { readonly order: readonly number[]; readonly rank: readonly number[] } | undefined;

  add(object: K8sObject, carriers: Labelled): void {
    const n = this.placed.length;
    this.placed.push(object);
    this.carriers.push(carriers);
    for (let i = 0; i < this.indexedKeys.length; i++)
      indexKey(this.indexedMaps[i]!, this.indexedKeys[i]!, n, carriers);
    this.scan = undefined;
  }

  /** The placement numbers of the objects carrying key=value, ascending; undefined when none does. */
  private list(key: string, value: string): readonly number[] | undefined {
    let byValue = this.byLabel.get(key);
    if (!byValue) {
      byValue = new Map<string, number[]>();
      for (let n = 0; n < this.placed.length; n++) indexKey(byValue, key, n, this.carriers[n]!);
      this.byLabel.set(key, byValue);
      this.indexedKeys.push(key);
      this.indexedMaps.push(byValue);
    }
    return byValue.get(value);
  }

  /** The first placed object in the namespace of `from` that the selector selects. */
  firstSelected(selector: unknown, from: K8sObject): K8sObject | undefined {
    const compiled = compiledSelector(selector);
    const { matchLabels, expressions, first } = compiled;
    if (matchLabels.length === 0 && expressions.length === 0) return undefined; // selects nothing
    // The selector's first label as written (even a value that is not a string, which no label has).
    if (first) {
      let candidates = this.list(first[0], first[1]);
      if (!candidates) return undefined;
      // Every label of matchLabels must be carried, so any of their lists holds every match, in
      // placement order: the shortest is searched. The first label is matchLabels' first pair
      // itself when it is one (compiledSelector shares it), and its list is the one just read.
      if (matchLabels[0] === first)
        for (let i = 1; i < matchLabels.length; i++) {
          const list = this.list(matchLabels[i]![0], matchLabels[i]![1]);
          if (!list) return undefined;
          if (list.length < candidates.length) candidates = list;
        }
      for (let i = 0; i < candidates.length; i++)
        if (this.selectedBy(candidates[i]!, compiled, from)) return this.placed[candidates[i]!];
      return undefined;
    }
    return this.firstByExpressions(compiled, from);
  }

  /**
   * matchExpressions only: an `In` narrows the candidates to the objects with one of its values;
   * else every object is tried. Either way the first in scan order wins.
   */
  private firstByExpressions(compiled: CompiledSelector, from: K8sObject): K8sObject | undefined {
    const scan = this.scanOrder();
    const narrowing = compiled.expressions.find((e) => e.operator === 'In');
    if (!narrowing) {
      const n = scan.order.find((candidate) => this.selectedBy(candidate, compiled, from));
      return n === undefined ? undefined : this.placed[n];
    }
    let best: number | undefined;
    let bestRank = Infinity;
    for (const value of new Set(narrowing.values))
      for (const candidate of this.list(narrowing.key, value) ?? []) {
        const rank = scan.rank[candidate]!;
        if (rank < bestRank && this.selectedBy(candidate, compiled, from)) {
          best = candidate;
          bestRank = rank;
        }
      }
    return best === undefined ? undefined : this.placed[best];
  }

  /** Is the object placed n-th in the namespace of `from`, with a label set the selector selects? */
  private selectedBy(n: number, compiled: CompiledSelector, from: K8sObject): boolean {
    if (!sameNamespace(this.placed[n]!, from)) return false;
    const carriers = this.carriers[n]!;
    for (let i = 0; i < carriers.length; i++) if (selectsCompiled(compiled, carriers[i]!.labels)) return true;
    return false;
  }

  /**
   * Each object once, where it first appears when the lists of every label (key=value) are walked
   * in the order each label was first seen: the order main's one flat index gave. `rank` is each
   * placement number's position in that order.
   */
  private scanOrder(): { readonly order: readonly number[]; readonly rank: readonly number[] } {
    if (!this.scan) {
      const lists: number[][] = [];
      const byLabel = new Map<string, Map<string, number[]>>();
      for (let n = 0; n < this.placed.length; n++)
        for (const { labels } of this.carriers[n]!)
          for (const key of Object.keys(labels)) {
            let byValue = byLabel.get(key);
            if (!byValue) byLabel.set(key, (byValue = new Map<string, number[]>()));
            const list = byValue.get(labels[key]!);
            if (!list) {
              const created = [n];
              byValue.set(labels[key]!, created);
              lists.push(created);
            } else if (list[list.length - 1] !== n) list.push(n);
          }
      const rank: number[] = new Array<number>(this.placed.length).fill(-1);
      const order: number[] = [];
      for (const list of lists)
        for (const n of list)
          if (rank[n] === -1) {
            rank[n] = order.length;
            order.push(n);
          }
      this.scan = { order, rank };
    }
    return this.scan;
  }
}

/** Adds the object placed n-th to the lists of one label key, once per value its label sets give the key. */
function indexKey(byValue: Map<string, number[]>, key: string, n: number, carriers: Labelled): void {
  for (let i = 0; i < carriers.length; i++) {
    const labels = carriers[i]!.labels;
    if (!Object.hasOwn(labels, key)) continue;
    const value = labels[key]!;
    const list = byValue.get(value);
    if (!list) byValue.set(value, [n]);
    else if (list[list.length - 1] !== n) list.push(n);
  }
}

/**
 * A fresh empty array of the elements kind of arrays of objects. A `[]` starts as an array of small
 * integers and changes kind on its first object; code that runs once per run (grouping's phases, the
 * indexes' fields) has no allocation site that learns this, so the optimized push of its first object
 * deoptimized in every run ("not a Smi"). A copy of an emptied array of objects keeps that kind.
 */
function objectList<T>(): T[] {
  return OBJECT_LIST.slice() as T[];
}

const OBJECT_LIST: unknown[] = [null];
OBJECT_LIST.length = 0;

/** Keeps the first value set for a key. */
function setFirst<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A field of the object's spec (undefined when the spec is not a mapping). */
function specField(object: K8sObject, key: string): unknown {
  return asRecord(object.raw.spec)[key];
}

function sameNamespace(a: K8sObject, b: K8sObject): boolean {
  return a.namespace === undefined || b.namespace === undefined || a.namespace === b.namespace;
}

/** Model names a Seldon Pipeline (steps) or Experiment (candidates, mirror) refers to. */
export function seldonModelNames(object: K8sObject): string[] {
  const spec = asRecord(object.raw.spec);
  if (object.type === 'SeldonPipeline')
    return asArray(spec.steps)
      .map((s) => asString(asRecord(s).name))
      .filter((n): n is string => n !== undefined);
  return [
    asString(spec.default),
    ...asArray(spec.candidates).map((c) => asString(asRecord(c).name) ?? asString(asRecord(c).modelName)),
    asString(asRecord(spec.mirror).name) ?? asString(asRecord(spec.mirror).modelName),
  ].filter((n): n is string => n !== undefined);
}

/**
 * "ConfigMap/x" and "Secret/y" the workload's pods mount (volumes, projected sources) or read
 * (env valueFrom, envFrom), in the order they are written. Most workloads reference none: they get
 * one shared empty set, and the loops are indexed (for-of allocates an iterator result per item
 * until the caller is optimized: ~2 MB a run on the bench).
 */
export function referencedConfigNames(workload: Workload): ReadonlySet<string> {
  let names: Set<string> | undefined;
  const templates = workload.templates;
  for (let t = 0; t < templates.length; t++) {
    const template = templates[t]!;
    const volumes = template.spec.volumes;
    if (Array.isArray(volumes))
      for (let i = 0; i < volumes.length; i++) {
        const v = asRecord(volumes[i]);
        names = withName(names, 'ConfigMap/', asRecord(v.configMap).name);
        names = withName(names, 'Secret/', asRecord(v.secret).secretName);
        const sources = asRecord(v.projected).sources;
        if (Array.isArray(sources))
          for (let j = 0; j < sources.length; j++) {
            const source = asRecord(sources[j]);
            names = withName(names, 'ConfigMap/', asRecord(source.configMap).name);
            names = withName(names, 'Secret/', asRecord(source.secret).name);
          }
      }
    names = containerConfigNames(template.containers, names);
    names = containerConfigNames(template.initContainers, names);
  }
  return names ?? NO_NAMES;
}

/** The names the containers read from their environment (valueFrom, envFrom), added to `names`. */
function containerConfigNames(
  list: readonly ContainerRef[],
  names: Set<string> | undefined,
): Set<string> | undefined {
  for (let i = 0; i < list.length; i++) {
    const container = list[i]!.container;
    const env = container.env;
    if (Array.isArray(env))
      for (let j = 0; j < env.length; j++) {
        const from = asRecord(asRecord(env[j]).valueFrom);
        names = withName(names, 'ConfigMap/', asRecord(from.configMapKeyRef).name);
        names = withName(names, 'Secret/', asRecord(from.secretKeyRef).name);
      }
    const envFrom = container.envFrom;
    if (Array.isArray(envFrom))
      for (let j = 0; j < envFrom.length; j++) {
        const e = asRecord(envFrom[j]);
        names = withName(names, 'ConfigMap/', asRecord(e.configMapRef).name);
        names = withName(names, 'Secret/', asRecord(e.secretRef).name);
      }
  }
  return names;
}

/** `names` with "<prefix><name>" added where the name reads as a non-empty string (made on the first one). */
function withName(names: Set<string> | undefined, prefix: string, name: unknown): Set<string> | undefined {
  const text = asString(name);
  if (!text) return names;
  return (names ?? new Set<string>()).add(`${prefix}${text}`);
}

const NO_NAMES: ReadonlySet<string> = new Set<string>();

/** "Service/name" and "InferencePool/name" a route, DestinationRule or Ingress sends traffic to. */
export function backendRefs(object: K8sObject): Set<string> {
  const refs = new Set<string>();
  const short = (host: string | undefined) => host?.split('.')[0];
  const spec = asRecord(object.raw.spec);
  if (object.type === 'DestinationRule') {
    const h = short(asString(spec.host));
    if (h) refs.add(`Service/${h}`);
  }
  if (object.type === 'VirtualService') {
    for (const route of [...asArray(spec.http), ...asArray(spec.tcp), ...asArray(spec.tls)]) {
      for (const destination of asArray(asRecord(route).route)) {
        const h = short(asString(asRecord(asRecord(destination).destination).host));
        if (h) refs.add(`Service/${h}`);
      }
    }
  }
  if (object.type === 'HTTPRoute') {
    for (const rule of asArray(spec.rules)) {
      for (const backend of asArray(asRecord(rule).backendRefs).map(asRecord)) {
        const name = asString(backend.name);
        if (name) refs.add(`${asString(backend.kind) ?? 'Service'}/${name}`);
      }
    }
  }
  if (object.type === 'Ingress') {
    const add = (backend: unknown) => {
      const name = asString(asRecord(asRecord(backend).service).name);
      if (name) refs.add(`Service/${name}`);
    };
    add(spec.defaultBackend);
    for (const rule of asArray(spec.rules)) {
      for (const path of asArray(asRecord(asRecord(rule).http).paths)) add(asRecord(path).backend);
    }
  }
  return refs;
}
