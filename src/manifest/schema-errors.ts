import type { ErrorObject } from 'ajv';
import { redactText } from '../redact.js';
import { detectSecret } from '../check/secrets.js';
import type { YamlPath } from './yaml.js';

export interface SchemaProblem {
  path: YamlPath;
  message: string;
  /** Point at the key rather than the value (unknown fields). */
  atKey?: boolean;
}

/** Turns ajv's errors into one sentence per problem, worded for a person, most specific first. */
export function describeSchemaErrors(errors: readonly ErrorObject[], root: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  // A type error on a path makes the other complaints about that same value noise.
  const typeErrorPaths = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const error of errors) {
    if (
      error.keyword !== 'type' &&
      typeErrorPaths.has(error.instancePath) &&
      error.keyword !== 'required' &&
      error.keyword !== 'additionalProperties'
    )
      continue;
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const problem = describe(error, root);
    const key = `${problem.path.join('.')}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describe(error: ErrorObject, root: unknown): SchemaProblem {
  const path = pointerToPath(error.instancePath);
  const where = displayPath(path);
  const got = describeValue(valueAt(root, path), path.at(-1));
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { path, message: `${where || 'the document'} is missing the required field "${missing}"` };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const suggestion = closest(extra, known);
      const hint = suggestion
        ? ` (did you mean "${suggestion}"?)`
        : known.length > 0
          ? ` (known fields: ${known.join(', ')})`
          : '';
      return {
        path: [...path, extra],
        atKey: true,
        message: `${where || 'the document'} has an unknown field "${extra}"${hint}`,
      };
    }
    case 'type':
      return { path, message: `${where} must be ${expectation(parent)}, got ${got}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion =
        typeof valueAt(root, path) === 'string' ? closest(String(valueAt(root, path)), allowed) : undefined;
      const choices = allowed.join(', ');
      const didYouMean = suggestion ? ` (did you mean "${suggestion}"?)` : '';
      return { path, message: `${where} must be one of ${choices}; got ${got}${didYouMean}` };
    }
    case 'const':
      return { path, message: `${where} must be ${JSON.stringify(params.allowedValue)}, got ${got}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `${where} must be ${expectation(parent)}, got ${got}` };
    case 'pattern': {
      const noun = nounPhrase(parent.description);
      return {
        path,
        message: noun
          ? `${where} must be ${noun}, got ${got}`
          : `${where} must match ${String(params.pattern)}, got ${got}`,
      };
    }
    case 'minLength':
      return { path, message: `${where} must not be empty` };
    case 'minItems':
      return { path, message: `${where} must have at least ${String(params.limit)} item(s)` };
    case 'uniqueItems':
      return {
        path,
        message: `${where} lists the same item twice (items ${String(params.j)} and ${String(params.i)})`,
      };
    default:
      return { path, message: `${where} ${error.message ?? 'is invalid'}` };
  }
}

/** "an integer ≥ 0", "a number between 0 and 1", "a string", … from the schema of the value. */
function expectation(schema: Record<string, unknown>): string {
  const type = schema.type;
  const types = Array.isArray(type) ? type.map(String) : typeof type === 'string' ? [type] : [];
  let noun = types.length === 0 ? 'a valid value' : types.map(article).join(' or ');
  const described = nounPhrase(schema.description);
  if (described && types.includes('string')) noun = described;
  const bounds: string[] = [];
  const min = schema.minimum;
  const max = schema.maximum;
  if (typeof min === 'number' && typeof max === 'number') bounds.push(`between ${min} and ${max}`);
  else {
    if (typeof min === 'number') bounds.push(`≥ ${min}`);
    if (typeof max === 'number') bounds.push(`≤ ${max}`);
  }
  if (typeof schema.exclusiveMinimum === 'number') bounds.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === 'number') bounds.push(`< ${schema.exclusiveMaximum}`);
  return [noun, ...bounds].join(' ');
}

/**
 * A schema description that reads as "a …" or "an …" can follow "must be"; one written as a
 * sentence ("The model's name, e.g. …") cannot, and is left out of the message.
 */
function nounPhrase(description: unknown): string | undefined {
  return typeof description === 'string' && /^an? /.test(description) ? description : undefined;
}

/** "an integer", "a mapping", "a list": a JSON Schema type as the noun a message uses. */
export function article(type: string): string {
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

/** A JSON pointer (`/spec/containers/0`) as a path of keys and indexes. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

export function displayPath(path: YamlPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/** The value at a path in parsed YAML; undefined where the path leaves it. */
export function valueAt(root: unknown, path: YamlPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * The offending value for a message, through the redaction gate: a schema error is often a secret
 * pasted into the wrong field, and the message goes to terminals, CI logs and saved reports.
 */
function describeValue(value: unknown, key: string | number | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const secret = detectSecret(value, typeof key === 'string' ? key : undefined);
    const safe = secret ? secret.redacted : redactText(value);
    return JSON.stringify(safe.length > 60 ? `${safe.slice(0, 57)}...` : safe);
  }
  return JSON.stringify(value) ?? 'nothing';
}

/** The candidate within edit distance 2 (or a third of the word), for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
