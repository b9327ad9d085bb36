import { existsSync, readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactText } from '../redact.js';
import { article, displayPath, pointerToPath, valueAt } from './schema-errors.js';
import type { YamlPath } from './yaml.js';

/** Something the API server would reject, at a path inside the object. */
export interface ObjectProblem {
  path: YamlPath;
  message: string;
}

/**
 * Custom resources whose schemas an npm package ships (kubernetes-models by Tommy Chen, MIT:
 * generated from each project's published CRDs).
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
  /** Per type: field codes (see scripts/kubernetes-fields.mjs), required fields, enums. */
  types: Record<string, { f: Record<string, string>; r?: string[]; e?: Record<string, string[]> }>;
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
/**
 * One CommonJS file per custom resource kind with kubernetes-models' runtime linked in, written
 * by scripts/bundle.mjs beside the compiled code (dist/crd/): a third of the time of requiring the
 * package's 65 modules. Absent when running from src/; the packages are required then.
 */
const BUNDLED_CRDS = new URL('../crd/', import.meta.url);
let fieldTable: FieldTable | undefined;
const models = new Map<string, ModelClass | undefined>();

/**
 * Validates a Kubernetes object as the API server would: unknown fields, wrong types, bad
 * quantities, missing required fields, values outside an enum, label and annotation values that
 * are not strings. Built-in kinds are read against schemas/kubernetes-fields.json (generated from a
 * real kube-apiserver); custom resources against kubernetes-models' validators, loaded only for
 * the kinds present.
 */
export function validateKubernetesObject(value: Record<string, unknown>): {
  /** "fields": a built-in kind, every field checked; "types": a custom resource; "none": no schema. */
  coverage: 'none' | 'types' | 'fields';
  problems: ObjectProblem[];
} {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  const rootType = fields().kinds[`${apiVersion} ${kind}`];
  const problems: ObjectProblem[] = [];
  if (rootType) {
    problems.push(...checkAgainstTable(value, rootType));
  } else {
    const Model = crdModelFor(apiVersion, kind);
    if (!Model) return { coverage: 'none', problems };
    try {
      new Model(value).validate();
    } catch (error) {
      const errors = (error as { errors?: AjvError[] }).errors;
      if (!Array.isArray(errors)) throw error;
      problems.push(...describe(errors, value));
    }
  }
  if (problems.length > 1) problems.sort((a, b) => displayPath(a.path).localeCompare(displayPath(b.path)));
  return { coverage: rootType ? 'fields' : 'types', problems };
}

function fields(): FieldTable {
  fieldTable ??= JSON.parse(readFileSync(FIELDS_FILE, 'utf8')) as FieldTable;
  return fieldTable;
}

/** The kubernetes-models class of a custom resource's apiVersion + kind, required on first use. */
function crdModelFor(apiVersion: string, kind: string): ModelClass | undefined {
  const key = `${apiVersion} ${kind}`;
  if (models.has(key)) return models.get(key);
  const slash = apiVersion.indexOf('/');
  const group = apiVersion.slice(0, Math.max(0, slash));
  const version = apiVersion.slice(slash + 1);
  const pkg = CRD_PACKAGES[group];
  let model: ModelClass | undefined;
  // Only names Kubernetes allows reach require(): no path can be built from input.
  if (pkg && /^[A-Z][A-Za-z0-9]*$/.test(kind) && /^v[0-9a-z]+$/.test(version)) {
    try {
      const bundled = fileURLToPath(new URL(`${pkg}/${group}/${version}/${kind}.cjs`, BUNDLED_CRDS));
      if (!existsSync(bundled)) deferRe2(pkg);
      const module = require(existsSync(bundled) ? bundled : `${pkg}/${group}/${version}/${kind}`) as Record<
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
  models.set(key, model);
  return model;
}

interface Re2 {
  test(text: string): boolean;
}

/**
 * kubernetes-models' validators build their Go-syntax patterns (PrometheusRule's `(?i)…`) with
 * re2-wasm when their module loads, and compiling its WebAssembly cost ~100 ms of every `check`
 * that reads a PrometheusRule (issue 18). Its copy of `@kubernetes-models/validate/runtime/re2`
 * is put in the require cache as a class that loads re2-wasm on the first test, so the cost is
 * paid only when such a field is there to check.
 */
function deferRe2(pkg: string): void {
  let id: string;
  try {
    const pkgRequire = createRequire(require.resolve(`${pkg}/package.json`));
    id = createRequire(pkgRequire.resolve('@kubernetes-models/validate')).resolve(
      '@kubernetes-models/validate/runtime/re2',
    );
  } catch {
    return; // a layout this does not know: the package loads its own re2 as it always did
  }
  if (require.cache[id]) return;
  const load = (): new (source: string, flags: string) => Re2 =>
    (createRequire(id)('re2-wasm') as { RE2: new (source: string, flags: string) => Re2 }).RE2;
  class LazyRe2 implements Re2 {
    #compiled: Re2 | undefined;
    constructor(
      readonly source: string,
      readonly flags: string,
    ) {}
    test(text: string): boolean {
      this.#compiled ??= new (load())(this.source, this.flags);
      return this.#compiled.test(text);
    }
  }
  const module = new Module(id);
  module.filename = id;
  module.paths = [dirname(id)];
  module.loaded = true;
  module.exports = { __esModule: true, default: LazyRe2 };
  require.cache[id] = module;
}

const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks one scalar against its code; a message, or undefined when it fits. */
function scalarProblem(code: string, value: unknown, path: YamlPath): string | undefined {
  const expected = scalarExpected(code, value);
  // Described only for a message: redacting every string of every object cost ~10 % of a large check.
  return expected === undefined
    ? undefined
    : `${displayPath(path) || 'the object'} must be ${expected}, got ${describeValue(value)}`;
}

/** What a scalar of this code must be, when the value is not that; undefined when it fits. */
function scalarExpected(code: string, value: unknown): string | undefined {
  switch (code) {
    case 's':
    case 't':
      return typeof value === 'string' ? undefined : 'a string';
    case 'i':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'an integer';
    case 'n':
      return typeof value === 'number' ? undefined : 'a number';
    case 'b':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    case 'x':
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'string'
        ? undefined
        : 'an integer or a string';
    case 'q':
      return (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && QUANTITY.test(value.trim()))
        ? undefined
        : 'a Kubernetes quantity such as 500m, 2 or 16Gi';
    case 'B':
      return typeof value === 'string' && BASE64.test(value.replace(/\s/g, ''))
        ? undefined
        : 'base64-encoded data (stringData takes plain text)';
    default:
      return undefined;
  }
}

/**
 * Walks the object along the field table: unknown fields, wrong types, missing required fields,
 * values outside an enum. A null value is an unset field, as the API server reads it.
 */
function checkAgainstTable(root: Record<string, unknown>, rootType: string): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  checkNode(root, rootType, [], fields().types, problems);
  return problems;
}

/**
 * One node and, depth first, its children in reverse order (the order of the explicit stack this
 * replaced, so problems come out as before). The path is one array shared down the walk, copied
 * only into a problem: most values have none. Depth is bounded by the YAML reader's depth limit.
 */
function checkNode(
  value: unknown,
  code: string,
  path: (string | number)[],
  types: FieldTable['types'],
  problems: ObjectProblem[],
): void {
  if (code === '' || code === '*' || value === null || value === undefined) return;
  if (code.length === 1) {
    const message = scalarProblem(code, value, path);
    if (message) problems.push({ path: [...path], message });
    return;
  }
  if (code.startsWith('[')) {
    if (!Array.isArray(value))
      problems.push({
        path: [...path],
        message: `${where(path)} must be a list, got ${describeValue(value)}`,
      });
    else {
      const itemCode = code.slice(1);
      for (let i = value.length - 1; i >= 0; i--) {
        path.push(i);
        checkNode(value[i], itemCode, path, types, problems);
        path.pop();
      }
    }
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({
      path: [...path],
      message: `${where(path)} must be a mapping, got ${describeValue(value)}`,
    });
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (code.startsWith('{')) {
    const itemCode = code.slice(1);
    for (let i = keys.length - 1; i >= 0; i--) {
      path.push(keys[i]!);
      checkNode(record[keys[i]!], itemCode, path, types, problems);
      path.pop();
    }
    return;
  }
  const type = types[code];
  if (!type) return;
  for (const required of type.r ?? []) {
    if (record[required] === undefined || record[required] === null)
      problems.push({
        path: [...path],
        message: `${where(path)} is missing the required field "${required}"`,
      });
  }
  // Problems at this level come first, in key order; then the children, last key first.
  const children: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const field = type.f[key];
    if (field === undefined) {
      problems.push({
        path: [...path, key],
        message: `${where(path)} has an unknown field "${key}"${suggest(key, Object.keys(type.f))}`,
      });
      continue;
    }
    const allowed = type.e?.[key];
    if (allowed && typeof item === 'string' && !allowed.includes(item)) {
      problems.push({
        path: [...path, key],
        message: `${displayPath([...path, key])} must be one of ${allowed.join(', ')}; got ${describeValue(item)}`,
      });
      continue;
    }
    children.push(i);
  }
  for (let c = children.length - 1; c >= 0; c--) {
    const key = keys[children[c]!]!;
    path.push(key);
    checkNode(record[key], type.f[key]!, path, types, problems);
    path.pop();
  }
}

function where(path: YamlPath): string {
  return displayPath(path) || 'the object';
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
