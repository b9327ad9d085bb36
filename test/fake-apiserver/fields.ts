/**
 * Field ownership for server-side apply, as structured-merge-diff tracks it: every leaf field is
 * a path of `f:<field>` segments, with `k:{...}` segments for items of keyed lists (containers
 * by name, ports by containerPort, mounts by mountPath) and other lists owned whole (atomic).
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/
 */

type Json = unknown;
type Obj = Record<string, Json>;

const KEYS = ['name', 'containerPort', 'mountPath', 'devicePath', 'ip'];

function listKey(items: Json[]): string | undefined {
  if (items.length === 0 || !items.every((i) => i && typeof i === 'object' && !Array.isArray(i)))
    return undefined;
  return KEYS.find((k) => items.every((i) => (i as Obj)[k] !== undefined));
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf paths (JSON-encoded segment arrays) → values, leaving out identity, status and server-set metadata. */
export function leaves(object: Obj): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (value: Json, path: string[]) => {
    if (isObj(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, `f:${k}`]);
    } else if (Array.isArray(value) && listKey(value)) {
      const key = listKey(value)!;
      for (const item of value as Obj[]) walk(item, [...path, `k:${JSON.stringify({ [key]: item[key] })}`]);
    } else {
      out.set(JSON.stringify(path), value);
    }
  };
  for (const [k, v] of Object.entries(object)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isObj(v)) {
      for (const m of ['labels', 'annotations'] as const)
        if (isObj(v[m])) walk(v[m], ['f:metadata', `f:${m}`]);
      continue;
    }
    walk(v, [`f:${k}`]);
  }
  return out;
}

function step(container: Json, segment: string): Json {
  if (segment.startsWith('f:')) return isObj(container) ? container[segment.slice(2)] : undefined;
  const [[key, want]] = Object.entries(JSON.parse(segment.slice(2)) as Obj) as [[string, Json]];
  return Array.isArray(container) ? container.find((i) => isObj(i) && i[key] === want) : undefined;
}

export function valueAt(object: Json, path: string): Json {
  let current = object;
  for (const segment of JSON.parse(path) as string[]) current = step(current, segment);
  return current;
}

/** Removes a leaf, then parents left empty by it. */
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
      const key = Object.keys(JSON.parse(segment.slice(2)) as Obj)[0];
      if (isObj(child) && Object.keys(child).every((k) => k === key)) parent.splice(parent.indexOf(child), 1);
    }
    if (!isEmpty(parent)) break;
  }
}

const isEmpty = (v: Json) =>
  (isObj(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

/** Merges an applied configuration into the live object: maps field by field, keyed lists item by item, other lists replaced. */
export function mergeInto(live: Obj, config: Obj): Obj {
  for (const [k, v] of Object.entries(config)) {
    const current = live[k];
    if (isObj(v) && isObj(current)) live[k] = mergeInto(current, v);
    else if (Array.isArray(v) && Array.isArray(current) && listKey(v) && listKey(current) === listKey(v)) {
      const key = listKey(v)!;
      const merged = [...current] as Obj[];
      for (const item of v as Obj[]) {
        const index = merged.findIndex((m) => m[key] === item[key]);
        if (index >= 0) merged[index] = mergeInto(structuredClone(merged[index]!), item);
        else merged.push(structuredClone(item));
      }
      live[k] = merged;
    } else live[k] = structuredClone(v);
  }
  return live;
}

/** FieldsV1 as the API serves it in metadata.managedFields. */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const path of paths) {
    let node = root;
    for (const segment of JSON.parse(path) as string[]) node = (node[segment] ??= {}) as Obj;
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
