import { existsSync, readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isQuantity } from '../check/quantity.js';
import { redactText } from '../redact.js';
import { article, displayPath, pointerToPath, valueAt } from './schema-errors.js';
import { readTable, type Table } from './table-file.js';
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

/** Per type of schemas/kubernetes-fields.json: field codes (see scripts/kubernetes-fields.mjs), required fields, enums. */
interface FieldType {
  f: Record<string, string>;
  r?: string[];
  e?: Record<string, string[]>;
}

/** schemas/kubernetes-fields.json: its head holds `kinds` (apiVersion + kind → type), its entries the types. */
type FieldTable = Table<FieldType>;

export interface ModelClass {
  new (data: unknown): { validate(): void };
  readonly prototype: { readonly validate: (this: unknown) => void };
}

export interface AjvError {
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
/** By apiVersion, then kind: no key string is built per object. */
const models = new Map<string, Map<string, ModelClass | undefined>>();

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
  const coverage = kindShape(apiVersion, kind) ? 'fields' : crdModelFor(apiVersion, kind) ? 'types' : 'none';
  return { coverage, problems: [...kubernetesObjectProblems(value)] };
}

/**
 * validateKubernetesObject's problems alone, and one shared empty list for an object without any
 * (most of them): the rule asks for every object of the input, and a result object and a list
 * per object were most of what it allocated (issue 18).
 */
export function kubernetesObjectProblems(value: Record<string, unknown>): readonly ObjectProblem[] {
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  const entry = kindEntry(apiVersion, kind);
  const rootShape = entry.shape;
  if (rootShape) return fitsShape(value, rootShape) ? NO_PROBLEMS : shapeProblems(value, rootShape);
  if (entry.crd !== undefined && fitsCrd(value, entry.crd)) return NO_PROBLEMS;
  const Model = entry.model();
  return Model ? crdProblems(Model, value) : NO_PROBLEMS;
}

/** checkNode's problems of an object fitsShape did not pass, in path order. */
function shapeProblems(value: Record<string, unknown>, rootShape: Shape): readonly ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  checkNode(value, rootShape, [], problems);
  return sortedByPath(problems);
}

/** The validator's problems of a custom resource (none where it accepts it), in path order. */
function crdProblems(Model: ModelClass, value: Record<string, unknown>): readonly ObjectProblem[] {
  const errors = crdErrors(Model, value);
  return errors ? sortedByPath(describe(errors, value)) : NO_PROBLEMS;
}

function sortedByPath(problems: ObjectProblem[]): ObjectProblem[] {
  if (problems.length > 1) problems.sort((a, b) => displayPath(a.path).localeCompare(displayPath(b.path)));
  return problems;
}

/**
 * What validates one apiVersion + kind: a built-in kind's shape, or a custom resource's model and
 * the root of its table walk. One entry per kind, found with two Map lookups per object where
 * kindShape, crdModelFor and the table's root were three (each a function large enough to stay
 * unoptimized through the second run); built on the kind's first object, so a model is still
 * required only when its kind is in the input.
 */
class KindEntry {
  private loaded = false;
  private Model: ModelClass | undefined = undefined;
  constructor(
    readonly shape: Shape | undefined,
    /** The table's root for a custom resource whose validator was read into it (see crdTableRoot). */
    readonly crd: CrdNode | undefined,
    private readonly apiVersion: string,
    private readonly kind: string,
  ) {}

  /**
   * A custom resource's model, required when an object first needs its validator: where the table
   * proves every object of the kind valid, the validator's module (with its package's runtime, ~7 ms
   * of a `check examples/llm-chat` for a ServiceMonitor and a PrometheusRule) is never loaded.
   */
  model(): ModelClass | undefined {
    if (!this.loaded) {
      this.Model = crdModelFor(this.apiVersion, this.kind);
      this.loaded = true;
    }
    return this.Model;
  }
}

const kindEntries = new Map<string, Map<string, KindEntry>>();

/** Small so that it is optimized (and inlined) early; the first object of a kind takes newKindEntry. */
function kindEntry(apiVersion: string, kind: string): KindEntry {
  const known = kindEntries.get(apiVersion)?.get(kind);
  return known ?? newKindEntry(apiVersion, kind);
}

function newKindEntry(apiVersion: string, kind: string): KindEntry {
  const shape = kindShape(apiVersion, kind);
  let crd: CrdNode | undefined;
  if (!shape) {
    const source = crdSource(apiVersion, kind);
    crd = source ? crdTableRoot(apiVersion, kind, packageVersion(source.pkg, source.bundled)) : undefined;
  }
  const entry = new KindEntry(shape, crd, apiVersion, kind);
  let byKind = kindEntries.get(apiVersion);
  if (!byKind) kindEntries.set(apiVersion, (byKind = new Map<string, KindEntry>()));
  byKind.set(kind, entry);
  return entry;
}

const NO_PROBLEMS: readonly ObjectProblem[] = Object.freeze([]);

/**
 * Whether kubernetes-models' validator of this kind certainly accepts the value, by a walk of the
 * checks it makes (schemas/crd-shapes.json, read from its generated code by
 * scripts/crd-shapes.mjs). The validator's many small generated functions ran unoptimized through
 * the second run of a process (42 of its 70 ms in this rule, issue 18); this one walk is hot after
 * the first objects. false means "ask the validator": a failed check, a check the table could not
 * read, or a value the walk does not handle; the validator then gives every message as before.
 */
export function crdCertainlyValid(
  Model: ModelClass,
  apiVersion: string,
  kind: string,
  value: Record<string, unknown>,
): boolean {
  // Only validators bound by setValidateFunc are the functions the table was read from.
  if (!Object.hasOwn(Model.prototype, 'validate')) return false;
  const root = crdTableRoot(apiVersion, kind, modelVersions.get(Model));
  return root !== undefined && fitsCrd(value, root);
}

const CRD_SHAPES_FILE = new URL('../../schemas/crd-shapes.json', import.meta.url);

/** A validator function of the table, as read by scripts/crd-shapes.mjs (see its readBody). */
interface CrdShapeEntry {
  k: string;
  n?: number;
  r?: string[];
  p?: Record<string, number>;
  i?: number;
  e?: string[];
  /** An integer format checked on numbers: "int32" or "int64". */
  f?: string;
  /** A pattern strings must match: the source and flags Ajv built its RegExp with. */
  pt?: [string, string];
  /** A string's minimum length, in code points (Ajv's ucs2length). */
  ml?: number;
  to?: number;
  /** An anyOf's two schemas. */
  of?: [number, number];
}

/** What a CrdNode checks (the table's "k"). */
const CRD_ANY = 0;
const CRD_UNKNOWN = 1;
const CRD_OBJECT = 2;
const CRD_MAP = 3;
const CRD_LIST = 4;
const CRD_STRING = 5;
const CRD_BOOLEAN = 6;
const CRD_INTEGER = 7;
const CRD_NUMBER = 8;
const CRD_ENUM = 9;
const CRD_REF = 10;
const CRD_ANY_OF = 11;

const CRD_FORMS: Readonly<Record<string, number>> = {
  '*': CRD_ANY,
  o: CRD_OBJECT,
  m: CRD_MAP,
  a: CRD_LIST,
  s: CRD_STRING,
  b: CRD_BOOLEAN,
  i: CRD_INTEGER,
  f: CRD_NUMBER,
  e: CRD_ENUM,
  r: CRD_REF,
  '|': CRD_ANY_OF,
};

/** One validator function of the table, compiled on first use (children linked when first reached). */
class CrdNode {
  /** An object's properties (a Map: no answer from Object.prototype), a list's or map's item, a reference's target. */
  fields: Map<string, CrdNode> | undefined = undefined;
  required: readonly string[] = [];
  item: CrdNode | undefined = undefined;
  allowed: readonly string[] | undefined = undefined;
  /** Only integers within int32 (ajv-formats' int32), or only integers (its int64). */
  int32 = false;
  int64 = false;
  pattern: RegExp | undefined = undefined;
  /** A string's minimum length in code points (0: none). */
  minLength = 0;
  /** An anyOf's second schema (item holds the first). */
  second: CrdNode | undefined = undefined;
  constructor(
    readonly form: number,
    /** null passes the type check (null still fails an enum, as in the validator). */
    readonly nullable: boolean,
  ) {}
}

/** schemas/crd-shapes.json: its head holds `packages` and `kinds`, its entries the nodes. */
let crdTable:
  | { packages: Record<string, string>; kinds: Record<string, number>; nodes: Table<CrdShapeEntry> }
  | undefined;
let crdNodes: (CrdNode | undefined)[] = [];
/** By apiVersion, then kind, like the models. */
const crdRoots = new Map<string, Map<string, CrdNode | undefined>>();

/**
 * The table's root for a kind, where the table was read from `version` of the package its model
 * is (or would be) loaded from: a newer validator may check what the table does not know. The
 * table holds only kinds whose module binds its own validate function (scripts/crd-shapes.mjs), so
 * a root also says that the model has a validator.
 */
function crdTableRoot(apiVersion: string, kind: string, version: string | undefined): CrdNode | undefined {
  let byKind = crdRoots.get(apiVersion);
  if (byKind) {
    const known = byKind.get(kind);
    if (known !== undefined || byKind.has(kind)) return known;
  }
  if (!crdTable) {
    const table = readTable<CrdShapeEntry>(
      existsSync(CRD_SHAPES_FILE)
        ? readFileSync(CRD_SHAPES_FILE, 'utf8')
        : '{"packages":{},"kinds":{},"nodes":[]}',
      'nodes',
    );
    crdTable = {
      packages: table.head.packages as Record<string, string>,
      kinds: table.head.kinds as Record<string, number>,
      nodes: table,
    };
    crdNodes = new Array<CrdNode | undefined>(table.size);
  }
  const key = `${apiVersion} ${kind}`;
  const pkg = CRD_PACKAGES[apiVersion.slice(0, Math.max(0, apiVersion.indexOf('/')))];
  const sameVersion =
    pkg !== undefined &&
    version !== undefined &&
    Object.hasOwn(crdTable.packages, pkg) &&
    crdTable.packages[pkg] === version;
  const id = sameVersion && Object.hasOwn(crdTable.kinds, key) ? crdTable.kinds[key] : undefined;
  const root = id === undefined ? undefined : crdNode(id);
  if (!byKind) crdRoots.set(apiVersion, (byKind = new Map<string, CrdNode | undefined>()));
  byKind.set(kind, root);
  return root;
}

/** The compiled node of a table entry, with every node it reaches (the graph may hold cycles). */
function crdNode(id: number): CrdNode {
  const known = crdNodes[id];
  if (known) return known;
  const entry = crdTable!.nodes.entry(id)!;
  // A kind or a format the walk does not know: left to the validator.
  const knownFormat = entry.f === undefined || entry.f === 'int32' || entry.f === 'int64';
  const form = knownFormat && Object.hasOwn(CRD_FORMS, entry.k) ? CRD_FORMS[entry.k]! : CRD_UNKNOWN;
  const node = new CrdNode(form, entry.n === 1 || form === CRD_ANY);
  crdNodes[id] = node;
  node.required = entry.r ?? [];
  node.allowed = entry.e;
  node.int32 = entry.f === 'int32';
  node.int64 = entry.f === 'int64';
  // Built as the validator's module builds it (RegExp(source, flags)): the same engine answers.
  if (entry.pt) node.pattern = new RegExp(entry.pt[0], entry.pt[1]);
  if (entry.ml !== undefined) node.minLength = entry.ml;
  if (entry.p) {
    const fields = new Map<string, CrdNode>();
    for (const name of Object.keys(entry.p)) fields.set(name, crdNode(entry.p[name]!));
    node.fields = fields;
  } else if (form === CRD_OBJECT) node.fields = new Map();
  if (entry.i !== undefined) node.item = crdNode(entry.i);
  if (entry.to !== undefined) node.item = crdNode(entry.to);
  if (entry.of !== undefined) {
    node.item = crdNode(entry.of[0]);
    node.second = crdNode(entry.of[1]);
  }
  return node;
}

/**
 * Whether the validator certainly accepts the value: every check of the node and of the nodes its
 * values reach passes, each written as the generated code makes it (a property is read only when
 * it is not undefined, a list's and a map's every value is, `number` means finite). An undefined
 * value, an own "__proto__" key or an object of another prototype is left to the validator (its
 * copy of the value would differ), as is every node the table could not read.
 */
/**
 * A string's length as Ajv's ucs2length counts it (a surrogate pair once, a lone surrogate once),
 * counted only up to `enough`: a code point is at most two code units, so a string of 2 × enough
 * units or more needs no count.
 */
function codePoints(text: string, enough: number): number {
  if (text.length >= 2 * enough) return enough;
  let count = 0;
  for (let i = 0; i < text.length && count < enough; i++, count++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if ((next & 0xfc00) === 0xdc00) i++;
    }
  }
  return count;
}

function fitsCrd(value: unknown, node: CrdNode): boolean {
  // Either schema of an anyOf (an int-or-string: an integer, or a string); null included.
  if (node.form === CRD_ANY_OF) return fitsCrd(value, node.item!) || fitsCrd(value, node.second!);
  if (value === null) {
    if (node.form === CRD_REF && !node.nullable) return fitsCrd(value, node.item!);
    return node.nullable && node.allowed === undefined && node.form !== CRD_UNKNOWN;
  }
  switch (node.form) {
    case CRD_ANY:
      return value !== undefined;
    case CRD_STRING:
      return (
        typeof value === 'string' &&
        (node.minLength === 0 || codePoints(value, node.minLength) >= node.minLength) &&
        (node.allowed === undefined || node.allowed.includes(value)) &&
        (node.pattern === undefined || node.pattern.test(value))
      );
    case CRD_BOOLEAN:
      return typeof value === 'boolean' && node.allowed === undefined && node.pattern === undefined;
    case CRD_INTEGER:
    case CRD_NUMBER:
      return typeof value === 'number' && fitsCrdNumber(value, node);
    case CRD_ENUM:
      return typeof value === 'string' && node.allowed!.includes(value);
    case CRD_REF:
      return fitsCrd(value, node.item!);
    case CRD_LIST: {
      if (!Array.isArray(value)) return false;
      const item = node.item!;
      for (let i = 0; i < value.length; i++) if (!fitsCrd(value[i], item)) return false;
      return true;
    }
    case CRD_OBJECT:
      return fitsCrdObject(value, node);
    case CRD_MAP: {
      if (!isPlainRecord(value)) return false;
      const record = value as Record<string, unknown>;
      const item = node.item!;
      for (const key in record) if (key === '__proto__' || !fitsCrd(record[key], item)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** A number against an integer or number node: its type, its format, no enum (strings only). */
function fitsCrdNumber(value: number, node: CrdNode): boolean {
  if (node.allowed !== undefined || node.pattern !== undefined || !Number.isFinite(value)) return false;
  if (node.form === CRD_INTEGER || node.int64) {
    if (!Number.isInteger(value)) return false;
  }
  return !node.int32 || (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** fitsCrd for an object of properties: required ones present, each property present fits. */
function fitsCrdObject(value: unknown, node: CrdNode): boolean {
  if (!isPlainRecord(value)) return false;
  const record = value as Record<string, unknown>;
  const required = node.required;
  for (let i = 0; i < required.length; i++) if (record[required[i]!] === undefined) return false;
  const fields = node.fields!;
  for (const key in record) {
    const field = fields.get(key);
    if (field === undefined) {
      if (key === '__proto__') return false;
      continue; // the validator does not read fields its schema does not name
    }
    const item = record[key];
    if (item !== undefined && !fitsCrd(item, field)) return false;
  }
  return true;
}

/** A mapping as the YAML readers build it: the validator's copy of it equals it. */
function isPlainRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * ajv's errors for a custom resource, or undefined when it is valid. kubernetes-models' validate()
 * first copies the whole object into a new model (dropping undefined values); validating the parsed
 * value in place finds the same when it holds nothing that copy would change, without building a
 * second copy of every custom resource of the input. Whatever fails, or holds such a value, is
 * validated through the model as before, so every message and its order stay the package's.
 */
export function crdErrors(
  Model: ModelClass,
  value: Record<string, unknown>,
  /** false: through the model only (tests compare both ways). */
  allowInPlace = true,
): AjvError[] | undefined {
  // Only validators bound by setValidateFunc read nothing from `this` but the data (istio's read
  // a schema id from the model's prototype).
  const inPlace = Object.hasOwn(Model.prototype, 'validate') ? Model.prototype.validate : undefined;
  if (allowInPlace && inPlace && copiesAsIs(value, 0)) {
    try {
      inPlace.call(value);
      return undefined;
    } catch (error) {
      if (!Array.isArray((error as { errors?: unknown }).errors)) throw error;
    }
  }
  try {
    new Model(value).validate();
    return undefined;
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors;
  }
}

/**
 * Whether kubernetes-models' copy of the value (base's setDefinedProps) would equal it: no
 * undefined value and no own "__proto__" key (which the copy would turn into a prototype). The
 * YAML readers give neither in practice; the walk costs a fraction of the copy it saves.
 */
function copiesAsIs(value: unknown, depth: number): boolean {
  if (value === undefined || depth > MAX_COPY_DEPTH) return false;
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!copiesAsIs(value[i], depth + 1)) return false;
    return true;
  }
  if (Object.hasOwn(value, '__proto__')) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!copiesAsIs(record[key], depth + 1)) return false;
  return true;
}

/** Deeper than any parsed document may be (see MAX_NESTING_DEPTH in yaml.ts): the model's copy then. */
const MAX_COPY_DEPTH = 1000;

function fields(): FieldTable {
  fieldTable ??= readTable<FieldType>(readFileSync(FIELDS_FILE, 'utf8'), 'types');
  return fieldTable;
}

/**
 * Where a custom resource's model would be required from: its package, the module to require, and whether
 * that is the validator bundled under dist/crd/ (else the package's own). Undefined where no package holds
 * the apiVersion's group, or the kind or version is not a name Kubernetes allows: no path is ever
 * built from input.
 */
function crdSource(
  apiVersion: string,
  kind: string,
): { pkg: string; module: string; bundled: boolean } | undefined {
  const slash = apiVersion.indexOf('/');
  const group = apiVersion.slice(0, Math.max(0, slash));
  const version = apiVersion.slice(slash + 1);
  const pkg = CRD_PACKAGES[group];
  if (!pkg || !/^[A-Z][A-Za-z0-9]*$/.test(kind) || !/^v[0-9a-z]+$/.test(version)) return undefined;
  const file = fileURLToPath(new URL(`${pkg}/${group}/${version}/${kind}.cjs`, BUNDLED_CRDS));
  return existsSync(file)
    ? { pkg, module: file, bundled: true }
    : { pkg, module: `${pkg}/${group}/${version}/${kind}`, bundled: false };
}

/** The kubernetes-models class of a custom resource's apiVersion + kind, required on first use. */
export function crdModelFor(apiVersion: string, kind: string): ModelClass | undefined {
  let byKind = models.get(apiVersion);
  if (byKind) {
    // One lookup for a kind with a model (the common case); has() only tells "none" from "not yet".
    const known = byKind.get(kind);
    if (known !== undefined || byKind.has(kind)) return known;
  }
  const source = crdSource(apiVersion, kind);
  let model: ModelClass | undefined;
  if (source) {
    const { pkg, bundled } = source;
    try {
      if (!bundled) deferRe2(pkg);
      const module = require(source.module) as Record<string, unknown>;
      model = typeof module[kind] === 'function' ? (module[kind] as ModelClass) : undefined;
      if (model) modelVersions.set(model, packageVersion(pkg, bundled));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No model for this version of the kind (a newer or older API than the package knows).
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    }
  }
  if (!byKind) models.set(apiVersion, (byKind = new Map<string, ModelClass | undefined>()));
  byKind.set(kind, model);
  return model;
}

/** The package version each loaded model came from (dist/crd/'s version.json, or the package's). */
const modelVersions = new Map<ModelClass, string | undefined>();
/** packageVersion's answers, by package and source ("bundled" or "package"). */
const packageVersions = new Map<string, string | undefined>();

function packageVersion(pkg: string, bundled: boolean): string | undefined {
  const key = `${bundled ? 'bundled' : 'package'} ${pkg}`;
  if (packageVersions.has(key)) return packageVersions.get(key);
  let answer: string | undefined;
  try {
    const file = bundled
      ? new URL(`${pkg}/version.json`, BUNDLED_CRDS)
      : require.resolve(`${pkg}/package.json`);
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    answer = typeof version === 'string' ? version : undefined;
  } catch {
    answer = undefined; // unknown: the validator checks every object of the kind
  }
  packageVersions.set(key, answer);
  return answer;
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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Checks one scalar against its kind; a message, or undefined when it fits. */
function scalarProblem(scalar: number, value: unknown, path: YamlPath): string | undefined {
  // Described only for a message: redacting every string of every object cost ~10 % of a large check.
  return fitsScalar(scalar, value)
    ? undefined
    : `${displayPath(path) || 'the object'} must be ${SCALAR_EXPECTED[scalar]}, got ${describeValue(value)}`;
}

/** The scalar kinds of the table's one-letter codes, numbered so a check switches on a small integer. */
const STRING = 0;
const INTEGER = 1;
const NUMBER = 2;
const BOOLEAN = 3;
const INT_OR_STRING = 4;
const QUANTITY = 5;
const BASE64_DATA = 6;
/** A code the table does not define: any value fits. */
const ANY_SCALAR = 7;

const SCALAR_KINDS: Readonly<Record<string, number>> = {
  s: STRING,
  t: STRING,
  i: INTEGER,
  n: NUMBER,
  b: BOOLEAN,
  x: INT_OR_STRING,
  q: QUANTITY,
  B: BASE64_DATA,
};

/** What a scalar of each kind must be, for the message when it is not. */
const SCALAR_EXPECTED: readonly string[] = [
  'a string',
  'an integer',
  'a number',
  'a boolean',
  'an integer or a string',
  'a Kubernetes quantity such as 500m, 2 or 16Gi',
  'base64-encoded data (stringData takes plain text)',
];

/** Whether a (non-null) value is a scalar of this kind. */
function fitsScalar(scalar: number, value: unknown): boolean {
  switch (scalar) {
    case STRING:
      return typeof value === 'string';
    case INTEGER:
      return typeof value === 'number' && Number.isInteger(value);
    case NUMBER:
      return typeof value === 'number';
    case BOOLEAN:
      return typeof value === 'boolean';
    case INT_OR_STRING:
      return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'string';
    case QUANTITY:
      return (
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && isQuantity(value.trim()))
      );
    case BASE64_DATA:
      return typeof value === 'string' && BASE64.test(value.replace(/\s/g, ''));
    default:
      return true;
  }
}

/** What a field code of the table (see scripts/kubernetes-fields.mjs) asks of a value. */
const ANYTHING = 0;
const SCALAR = 1;
const LIST = 2;
const MAP = 3;
const TYPED = 4;

/**
 * A field code compiled once, on first use, into a node of a graph that checkNode walks: the walk
 * then parses no code and slices no string per value (10 000 objects a run, ~60 values each). A
 * typed mapping reads its type from the table on its first visit. Map lookups also answer only
 * the table's own fields, where the table's plain objects answered "constructor" and "toString"
 * from Object.prototype (an unknown field "toString" crashed the walk).
 */
class Shape {
  /** A list's or map's item. */
  item: Shape | undefined = undefined;
  /** A typed mapping's fields and required fields; fields stays undefined for a type the table lacks. */
  fields: Map<string, Field> | undefined = undefined;
  names: readonly string[] = [];
  required: readonly string[] = [];
  read = false;
  constructor(
    readonly form: number,
    /** The scalar's code, or the type's name. */
    readonly code: string,
    /** A scalar's kind (STRING, INTEGER, …). */
    readonly scalar: number,
  ) {}
}

/**
 * A field of a typed mapping: its shape, and the values its enum allows (undefined: no enum). One
 * lookup per key answers both, where a second map of enums was asked for every key.
 */
class Field {
  constructor(
    readonly shape: Shape,
    readonly allowed: readonly string[] | undefined,
  ) {}
}

const shapes = new Map<string, Shape>();
let kindShapes: Map<string, Map<string, Shape>> | undefined;

/** The root shape of a built-in kind, by apiVersion then kind (no key string built per object). */
function kindShape(apiVersion: string, kind: string): Shape | undefined {
  if (!kindShapes) {
    kindShapes = new Map();
    for (const [key, type] of Object.entries(fields().head.kinds as Record<string, string>)) {
      const space = key.indexOf(' ');
      const byKind = kindShapes.get(key.slice(0, space)) ?? new Map<string, Shape>();
      kindShapes.set(key.slice(0, space), byKind);
      byKind.set(key.slice(space + 1), shapeOf(type));
    }
  }
  return kindShapes.get(apiVersion)?.get(kind);
}

function shapeOf(code: string): Shape {
  let shape = shapes.get(code);
  if (shape) return shape;
  if (code === '' || code === '*') shape = new Shape(ANYTHING, code, ANY_SCALAR);
  else if (code.length === 1)
    shape = new Shape(SCALAR, code, Object.hasOwn(SCALAR_KINDS, code) ? SCALAR_KINDS[code]! : ANY_SCALAR);
  else if (code.startsWith('[') || code.startsWith('{')) {
    shape = new Shape(code.startsWith('[') ? LIST : MAP, code, ANY_SCALAR);
    shape.item = shapeOf(code.slice(1));
  } else shape = new Shape(TYPED, code, ANY_SCALAR);
  shapes.set(code, shape);
  return shape;
}

/** A typed mapping's fields, read from the table on the first visit. */
function readType(shape: Shape): void {
  shape.read = true;
  const type = fields().entry(shape.code);
  if (!type) return;
  const enums = type.e;
  shape.names = Object.keys(type.f);
  shape.fields = new Map(
    shape.names.map((name) => [
      name,
      new Field(shapeOf(type.f[name]!), enums && Object.hasOwn(enums, name) ? enums[name] : undefined),
    ]),
  );
  shape.required = type.r ?? [];
}

/**
 * Whether checkNode would find nothing: the same walk without a path, messages, key lists or any
 * other allocation, for the common case of an object without problems (checkNode walks the
 * others). It may answer false where checkNode finds nothing (an inherited enumerable key), never
 * true where checkNode finds something.
 */
function fitsShape(value: unknown, shape: Shape): boolean {
  if (shape.form === ANYTHING || value === null || value === undefined) return true;
  if (shape.form === SCALAR) return fitsScalar(shape.scalar, value);
  if (shape.form === LIST) {
    if (!Array.isArray(value)) return false;
    const item = shape.item!;
    for (let i = 0; i < value.length; i++) if (!fitsItem(value[i], item)) return false;
    return true;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (shape.form === MAP) {
    const item = shape.item!;
    for (const key in record) if (!fitsItem(record[key], item)) return false;
    return true;
  }
  if (!shape.read) readType(shape);
  const fields = shape.fields;
  if (!fields) return true;
  const required = shape.required;
  for (let i = 0; i < required.length; i++) {
    const field = record[required[i]!];
    if (field === undefined || field === null) return false;
  }
  for (const key in record) {
    const field = fields.get(key);
    if (field === undefined) return false;
    const item = record[key];
    const allowed = field.allowed;
    if (allowed !== undefined && typeof item === 'string' && !allowed.includes(item)) return false;
    if (!fitsItem(item, field.shape)) return false;
  }
  return true;
}

/**
 * fitsShape for one value of a list, a map or a field: a scalar (most values: names, labels,
 * quantities) is checked here, without a call and the tests of fitsShape's other forms.
 */
function fitsItem(value: unknown, shape: Shape): boolean {
  if (shape.form === SCALAR) return value === null || value === undefined || fitsScalar(shape.scalar, value);
  return fitsShape(value, shape);
}

/**
 * Walks the object along the field table: unknown fields, wrong types, missing required fields,
 * values outside an enum. A null value is an unset field, as the API server reads it.
 *
 * One node and, depth first, its children in reverse order (the order of the explicit stack this
 * replaced, so problems come out as before). The path is one array shared down the walk, copied
 * only into a problem: most values have none. Depth is bounded by the YAML reader's depth limit.
 */
function checkNode(value: unknown, shape: Shape, path: (string | number)[], problems: ObjectProblem[]): void {
  if (shape.form === ANYTHING || value === null || value === undefined) return;
  if (shape.form === SCALAR) {
    const message = scalarProblem(shape.scalar, value, path);
    if (message) problems.push({ path: [...path], message });
    return;
  }
  if (shape.form === LIST) {
    if (!Array.isArray(value))
      problems.push({
        path: [...path],
        message: `${where(path)} must be a list, got ${describeValue(value)}`,
      });
    else {
      for (let i = value.length - 1; i >= 0; i--) {
        path.push(i);
        checkNode(value[i], shape.item!, path, problems);
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
  if (shape.form === MAP) {
    for (let i = keys.length - 1; i >= 0; i--) {
      path.push(keys[i]!);
      checkNode(record[keys[i]!], shape.item!, path, problems);
      path.pop();
    }
    return;
  }
  if (!shape.read) readType(shape);
  const fields = shape.fields;
  if (!fields) return;
  for (const required of shape.required) {
    if (record[required] === undefined || record[required] === null)
      problems.push({
        path: [...path],
        message: `${where(path)} is missing the required field "${required}"`,
      });
  }
  // Problems at this level come first, in key order; then the children, last key first. One pass
  // from the last key: this level's problems are put in front of the children's, in key order.
  const first = problems.length;
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const item = record[key];
    const field = fields.get(key);
    if (field === undefined) {
      problems.splice(first, 0, {
        path: [...path, key],
        message: `${where(path)} has an unknown field "${key}"${suggest(key, shape.names)}`,
      });
      continue;
    }
    const allowed = field.allowed;
    if (allowed && typeof item === 'string' && !allowed.includes(item)) {
      problems.splice(first, 0, {
        path: [...path, key],
        message: `${displayPath([...path, key])} must be one of ${allowed.join(', ')}; got ${describeValue(item)}`,
      });
      continue;
    }
    path.push(key);
    checkNode(item, field.shape, path, problems);
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
