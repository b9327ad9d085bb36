/**
 * Reading server-side apply's field ownership (metadata.managedFields, FieldsV1) — what client-go's
 * `managedfields.ExtractInto` does: the part of a live object that one field manager applied.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 *
 * FieldsV1 is a tree of `f:<field>` (a map field), `k:{"name":"x"}` (an item of an associative
 * list, by its keys), `v:<json>` (an item of a set), `i:<n>` (a list index) and `.` (the node
 * itself is owned). A leaf `{}` owns the whole value below it (an atomic list or map, a scalar).
 */
import type { KubeObject } from './types.js';

type Json = unknown;
type Obj = Record<string, Json>;

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: Obj;
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function managedFieldsOf(object: KubeObject | undefined): ManagedFieldsEntry[] {
  const entries = object?.metadata.managedFields;
  return Array.isArray(entries) ? (entries as ManagedFieldsEntry[]) : [];
}

function matchesKey(item: Json, segment: string): boolean {
  if (!isObj(item)) return false;
  let want: Obj;
  try {
    want = JSON.parse(segment.slice(2)) as Obj;
  } catch {
    return false;
  }
  return Object.entries(want).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
}

/** The value of `live` restricted to the fields of one FieldsV1 node. */
function extractNode(live: Json, fields: Obj): Json {
  const children = Object.keys(fields).filter((k) => k !== '.');
  if (children.length === 0) return structuredClone(live);
  if (Array.isArray(live)) {
    const out: Json[] = [];
    for (const segment of children) {
      const sub = fields[segment];
      let item: Json;
      if (segment.startsWith('k:')) item = live.find((i) => matchesKey(i, segment));
      else if (segment.startsWith('v:')) {
        const want = segment.slice(2);
        item = live.find((i) => JSON.stringify(i) === want);
      } else if (segment.startsWith('i:')) item = live[Number(segment.slice(2))];
      if (item === undefined) continue;
      if (segment.startsWith('v:')) {
        out.push(structuredClone(item));
        continue;
      }
      const extracted = extractNode(item, isObj(sub) ? sub : {});
      // An associative-list item always carries its key fields, owned or not.
      if (segment.startsWith('k:') && isObj(extracted) && isObj(item)) {
        const keys = JSON.parse(segment.slice(2)) as Obj;
        out.push({ ...keys, ...extracted });
      } else out.push(extracted);
    }
    return out;
  }
  if (!isObj(live)) return structuredClone(live);
  const out: Obj = {};
  for (const segment of children) {
    if (!segment.startsWith('f:')) continue;
    const name = segment.slice(2);
    if (!(name in live)) continue;
    const sub = fields[segment];
    out[name] = extractNode(live[name], isObj(sub) ? sub : {});
  }
  return out;
}

/**
 * The applied configuration a field manager owns in `live`: apiVersion, kind, name and namespace,
 * plus exactly the fields its managedFields entry (operation Apply by default) lists. Applying
 * the result again with the same manager changes nothing; it is how a release is restored
 * without taking over fields that other managers (an HPA, a mesh injector, kubectl) own.
 */
export function extractOwned(
  live: KubeObject,
  manager: string,
  operation: 'Apply' | 'Update' = 'Apply',
): KubeObject {
  const entry = managedFieldsOf(live).find(
    (e) => e.manager === manager && e.operation === operation && !e.subresource,
  );
  const base: KubeObject = {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: {
      name: live.metadata.name,
      ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}),
    },
  };
  if (!entry?.fieldsV1) return base;
  const { metadata, ...rest } = live;
  const extracted = extractNode({ ...rest, metadata }, entry.fieldsV1) as Obj;
  const extractedMeta = isObj(extracted.metadata) ? extracted.metadata : {};
  const out: KubeObject = { ...extracted, ...base };
  for (const key of ['labels', 'annotations'] as const)
    if (isObj(extractedMeta[key])) out.metadata[key] = extractedMeta[key] as Record<string, string>;
  delete (out as Obj).status;
  return out;
}

/** Whether a field manager (any operation, any subresource) owns the field at `path`. */
export function owners(live: KubeObject | undefined, path: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of managedFieldsOf(live)) {
    let node: Json = entry.fieldsV1;
    for (const field of path) node = isObj(node) ? node[`f:${field}`] : undefined;
    if (node !== undefined && entry.manager) out.add(entry.manager);
  }
  return [...out];
}

/** Whether `manager` (with this operation, on the main resource) owns the field at `path`. */
export function ownsField(
  live: KubeObject | undefined,
  manager: string,
  path: readonly string[],
  operation: 'Apply' | 'Update' = 'Apply',
): boolean {
  return managedFieldsOf(live).some((entry) => {
    if (entry.manager !== manager || entry.operation !== operation || entry.subresource) return false;
    let node: Json = entry.fieldsV1;
    for (const field of path) node = isObj(node) ? node[`f:${field}`] : undefined;
    return node !== undefined;
  });
}
