import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { redactText } from '../redact.js';
import { displayPath } from './schema-errors.js';
import type { YamlPath } from './yaml.js';

/** Something the API server would reject, at a path inside the object. */
export interface ObjectProblem {
  path: YamlPath;
  message: string;
}

/** Which schemas exist for an object: none, types only, or types and every field name. */
export type Coverage = 'none' | 'types' | 'fields';

/**
 * Custom resources whose schemas an npm package ships (kubernetes-models, Apache-2.0 / MIT:
 * generated from each project's published CRDs). Built-in kinds come from kubernetes-models.
 */
const CRD_PACKAGES: Readonly<Record<string, string>> = {
  'extensions.istio.io': '@kubernetes-models/istio',
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'telemetry.istio.io': '@kubernetes-models/istio',
};

interface FieldTable {
  source: string;
  kinds: Record<string, string>;
  types: Record<string, Record<string, string>>;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

const require = createRequire(import.meta.url);
const FIELDS_FILE = new URL('../../schemas/kubernetes-fields.json', import.meta.url);
let fieldTable: FieldTable | undefined;
const models = new Map<string, ModelClass | undefined>();

/**
 * Validates a Kubernetes object as the API server would: wrong types, bad quantities, missing
 * required fields, label and annotation values that are not strings (kubernetes-models' compiled
 * OpenAPI validators, loaded only for the kinds present), and fields the kind does not have (the
 * field table generated from a real kube-apiserver, schemas/kubernetes-fields.json).
 */
export function validateKubernetesObject(value: Record<string, unknown>): {
  coverage: Coverage;
  problems: ObjectProblem[];
} {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  const Model = modelFor(apiVersion, kind);
  const rootType = fields().kinds[`${apiVersion} ${kind}`];
  if (!Model && !rootType) return { coverage: 'none', problems: [] };
  const problems: ObjectProblem[] = [];
  if (rootType) problems.push(...unknownFields(value, rootType));
  if (Model) {
    try {
      new Model(value).validate();
    } catch (error) {
      const errors = (error as { errors?: AjvError[] }).errors;
      if (!Array.isArray(errors)) throw error;
      problems.push(...describe(errors, value));
    }
  }
  problems.sort((a, b) => displayPath(a.path).localeCompare(displayPath(b.path)));
  return { coverage: rootType ? 'fields' : 'types', problems };
}

function fields(): FieldTable {
  fieldTable ??= JSON.parse(readFileSync(FIELDS_FILE, 'utf8')) as FieldTable;
  return fieldTable;
}

/** The kubernetes-models class of apiVersion + kind, required on first use (sync, cached). */
function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const key = `${apiVersion} ${kind}`;
  if (models.has(key)) return models.get(key);
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  let model: ModelClass | undefined;
  // Only names Kubernetes allows reach require(): no path can be built from input.
  if (/^[A-Z][A-Za-z0-9]*$/.test(kind) && /^v[0-9a-z]+$/.test(version) && /^[a-z0-9.-]*$/.test(group)) {
    const builtIn = group === '' || Object.hasOwn(fields().kinds, key);
    const pkg = builtIn ? 'kubernetes-models' : CRD_PACKAGES[group];
    if (pkg) {
      try {
        const module = require(`${pkg}/${group ? `${group}/` : ''}${version}/${kind}`) as Record<
          string,
          unknown
        >;
        model = typeof module[kind] === 'function' ? (module[kind] as ModelClass) : undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // No model for this version of the kind (a newer or older API than the package knows).
        if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
      }
    }
  }
  models.set(key, model);
  return model;
}

/** Walks the object along the field table, without recursion; every field the kind lacks is a problem. */
function unknownFields(root: Record<string, unknown>, rootType: string): ObjectProblem[] {
  const { types } = fields();
  const problems: ObjectProblem[] = [];
  const stack: { value: unknown; code: string; path: (string | number)[] }[] = [
    { value: root, code: rootType, path: [] },
  ];
  while (stack.length > 0) {
    const { value, code, path } = stack.pop()!;
    if (code === '' || code === '*' || value === null || typeof value !== 'object') continue;
    if (code.startsWith('[')) {
      if (Array.isArray(value))
        value.forEach((item, i) => stack.push({ value: item, code: code.slice(1), path: [...path, i] }));
      continue;
    }
    if (Array.isArray(value)) continue; // a type error, reported by the validator
    if (code.startsWith('{')) {
      for (const [key, item] of Object.entries(value))
        stack.push({ value: item, code: code.slice(1), path: [...path, key] });
      continue;
    }
    const known = types[code];
    if (!known) continue;
    for (const [key, item] of Object.entries(value)) {
      const field = known[key];
      if (field === undefined) {
        const where = displayPath(path);
        problems.push({
          path: [...path, key],
          message: `${where || 'the object'} has an unknown field "${key}"${suggest(key, Object.keys(known))}`,
        });
      } else {
        stack.push({ value: item, code: field, path: [...path, key] });
      }
    }
  }
  return problems;
}

function suggest(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const match = known.find((k) => k.toLowerCase() === lower || editDistanceOne(k, key));
  return match ? ` (did you mean "${match}"?)` : '';
}

function editDistanceOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, skip: number) => x.slice(i + skip);
  return (
    rest(a, 1) === rest(b, 1) ||
    rest(a, 1) === rest(b, 0) ||
    rest(a, 0) === rest(b, 1) ||
    (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, 2) === rest(b, 2))
  );
}

const QUANTITY_FORMATS = new Set(['quantity']);

/** One message per path, worded for a person: a format beats a type, which beats a failed oneOf. */
function describe(errors: readonly AjvError[], root: unknown): ObjectProblem[] {
  const byPath = new Map<string, AjvError[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath);
    if (list) list.push(error);
    else byPath.set(error.instancePath, [error]);
  }
  const problems: ObjectProblem[] = [];
  for (const [pointer, list] of byPath) {
    const path = pointerToPath(pointer);
    const where = displayPath(path) || 'the object';
    const got = describeValue(valueAt(root, path));
    for (const error of list.filter((e) => e.keyword === 'required'))
      problems.push({
        path,
        message: `${where} is missing the required field "${String(error.params.missingProperty)}"`,
      });
    const format = list.find((e) => e.keyword === 'format');
    const enumError = list.find((e) => e.keyword === 'enum');
    const types = list.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
    if (format) {
      const name = String(format.params.format);
      const expected = QUANTITY_FORMATS.has(name)
        ? 'a Kubernetes quantity such as 500m, 2 or 16Gi'
        : name === 'int-or-string'
          ? 'an integer or a string'
          : `a value of format "${name}"`;
      problems.push({ path, message: `${where} must be ${expected}, got ${got}` });
    } else if (enumError) {
      const allowed = (enumError.params.allowedValues as unknown[]).map(String).join(', ');
      problems.push({ path, message: `${where} must be one of ${allowed}; got ${got}` });
    } else if (types.length > 0) {
      const expected = [...new Set(types)].map(article).join(' or ');
      problems.push({ path, message: `${where} must be ${expected}, got ${got}` });
    } else {
      for (const error of list) {
        if (['required', 'oneOf', 'anyOf', 'allOf', 'if'].includes(error.keyword)) continue;
        problems.push({ path, message: `${where} ${error.message ?? 'is invalid'}` });
      }
    }
  }
  return problems;
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    default:
      return `a ${type}`;
  }
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** The offending value, redacted: a wrongly typed value is often a credential in the wrong place. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const safe = redactText(value);
    return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
  }
  return JSON.stringify(value) ?? 'nothing';
}
