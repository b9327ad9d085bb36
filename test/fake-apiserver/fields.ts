/**
 * Field ownership for server-side apply, as structured-merge-diff tracks it: every leaf field is
 * a path of `f:<field>` segments, with `k:{...}` segments for items of associative lists (keyed by
 * the fields the API schema names: containers by name, ports by containerPort and protocol, …),
 * `v:<value>` segments for items of sets (finalizers), and other lists owned whole (atomic). A
 * CRD without list types in its schema (Istio's, the Prometheus Operator's) has atomic lists
 * only: `spec.http` of a VirtualService is one field.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy
 */

type Json = unknown;
type Obj = Record<string, Json>;

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** How the lists of one kind merge, by the list's field name (and its items, for `ports`). */
export type ListTypes = (field: string, items: readonly Json[]) => ListType;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAP_LISTS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  conditions: ['type'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  resourceClaims: ['name'],
};

/** The associative lists and sets of the built-in kinds (k8s.io/api's `+listType` markers). */
export const BUILT_IN_LISTS: ListTypes = (field, items) => {
  if (field === 'finalizers') return { type: 'set' };
  if (field === 'ports') {
    const container = items.some((i) => isObj(i) && i.containerPort !== undefined);
    return { type: 'map', keys: container ? ['containerPort', 'protocol'] : ['port', 'protocol'] };
  }
  const keys = MAP_LISTS[field];
  return keys ? { type: 'map', keys } : { type: 'atomic' };
};

/** A CRD whose schema declares no list types: every list is atomic. */
export const ATOMIC_LISTS: ListTypes = (field) =>
  field === 'finalizers' ? { type: 'set' } : { type: 'atomic' };

/** The `k:` segment of a map-list item: its key fields that are set. */
function itemKey(item: Obj, keys: readonly string[]): string {
  return `k:${JSON.stringify(Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])))}`;
}

function matchesKey(item: Json, segment: string): boolean {
  if (!isObj(item)) return false;
  const want = JSON.parse(segment.slice(2)) as Obj;
  return Object.entries(want).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
}

/** Leaf paths (JSON-encoded segment arrays) → values, leaving out identity, status and server-set metadata. */
export function leaves(object: Obj, lists: ListTypes): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (value: Json, path: string[], field: string) => {
    if (isObj(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, `f:${k}`], k);
      return;
    }
    if (Array.isArray(value) && value.length > 0) {
      const type = lists(field, value);
      if (type.type === 'set') {
        for (const item of value) out.set(JSON.stringify([...path, `v:${JSON.stringify(item)}`]), item);
        return;
      }
      if (type.type === 'map' && value.every(isObj)) {
        for (const item of value) walk(item, [...path, itemKey(item, type.keys)], field);
        return;
      }
    }
    out.set(JSON.stringify(path), value);
  };
  for (const [k, v] of Object.entries(object)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isObj(v)) {
      for (const m of ['labels', 'annotations'] as const)
        if (isObj(v[m])) walk(v[m], ['f:metadata', `f:${m}`], m);
      if (Array.isArray(v.finalizers)) walk(v.finalizers, ['f:metadata', 'f:finalizers'], 'finalizers');
      continue;
    }
    walk(v, [`f:${k}`], k);
  }
  return out;
}

function step(container: Json, segment: string): Json {
  if (segment.startsWith('f:')) return isObj(container) ? container[segment.slice(2)] : undefined;
  if (!Array.isArray(container)) return undefined;
  if (segment.startsWith('v:')) {
    const want = segment.slice(2);
    return container.find((i) => JSON.stringify(i) === want);
  }
  return container.find((i) => matchesKey(i, segment));
}

export function valueAt(object: Json, path: string): Json {
  let current = object;
  for (const segment of JSON.parse(path) as string[]) current = step(current, segment);
  return current;
}

/** Removes a leaf, then parents left empty by it (a map-list item left with its key fields only goes too). */
export function deleteAt(object: Obj, path: string): void {
  const segments = JSON.parse(path) as string[];
  const chain: Json[] = [object];
  for (const s of segments.slice(0, -1)) chain.push(step(chain[chain.length - 1], s));
  for (let i = segments.length - 1; i >= 0; i--) {
    const parent = chain[i];
    const segment = segments[i]!;
    if (segment.startsWith('f:') && isObj(parent)) {
      const child = parent[segment.slice(2)];
      if (i === segments.length - 1 || isEmpty(child)) delete parent[segment.slice(2)];
    } else if (Array.isArray(parent)) {
      const child = step(parent, segment);
      if (segment.startsWith('v:')) parent.splice(parent.indexOf(child), 1);
      else {
        const keys = Object.keys(JSON.parse(segment.slice(2)) as Obj);
        if (isObj(child) && Object.keys(child).every((k) => keys.includes(k)))
          parent.splice(parent.indexOf(child), 1);
      }
    }
    if (!isEmpty(parent)) break;
  }
}

const isEmpty = (v: Json) =>
  (isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

/**
 * Merges an applied configuration into the live object: maps field by field, map-lists item by
 * item, sets by value, atomic lists replaced whole.
 */
export function mergeInto(live: Obj, config: Obj, lists: ListTypes): Obj {
  for (const [k, v] of Object.entries(config)) {
    const current = live[k];
    if (isObj(v) && isObj(current)) live[k] = mergeInto(current, v, lists);
    else if (Array.isArray(v) && Array.isArray(current)) {
      const type = lists(k, [...current, ...v]);
      if (type.type === 'set') live[k] = [...current, ...v.filter((x) => !current.includes(x))];
      else if (type.type === 'map' && v.every(isObj) && current.every(isObj)) {
        const merged = [...current] as Obj[];
        for (const item of v) {
          const key = itemKey(item, type.keys);
          const index = merged.findIndex((m) => matchesKey(m, key));
          if (index >= 0) merged[index] = mergeInto(structuredClone(merged[index]!), item, lists);
          else merged.push(structuredClone(item));
        }
        live[k] = merged;
      } else live[k] = structuredClone(v);
    } else live[k] = structuredClone(v);
  }
  return live;
}

/** FieldsV1 as the API serves it in metadata.managedFields (with `.` on the items a manager owns). */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const path of paths) {
    let node = root;
    for (const segment of JSON.parse(path) as string[]) {
      node = (node[segment] ??= {}) as Obj;
      if (segment.startsWith('k:')) node['.'] ??= {};
    }
  }
  return root;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObj(patch)) return structuredClone(patch);
  const result: Obj = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}
