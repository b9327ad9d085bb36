import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactText } from '../../src/redact.js';
import { displayPath } from '../../src/manifest/schema-errors.js';
import type { YamlPath } from '../../src/manifest/yaml.js';
import { ROOT } from './yaml-corpus.js';

/**
 * The walk of schemas/kubernetes-fields.json as src/manifest/kubernetes-schema.ts did it before its
 * field codes were compiled into shapes (main 1b74546): the oracle that proves the compiled walk
 * finds the same problems, with the same messages, in the same order. Only own fields of the
 * table count here (the old walk also took "toString" and "constructor" from Object.prototype, and
 * crashed or let them pass: test/kubernetes-schema.test.ts covers that bug on its own).
 */
interface FieldTable {
  kinds: Record<string, string>;
  types: Record<string, { f: Record<string, string>; r?: string[]; e?: Record<string, string[]> }>;
}

const table = JSON.parse(readFileSync(join(ROOT, 'schemas/kubernetes-fields.json'), 'utf8')) as FieldTable;

export interface ReferenceProblem {
  path: YamlPath;
  message: string;
}

/** The problems of a built-in kind, or undefined for a kind the table lacks. */
export function referenceProblems(value: Record<string, unknown>): ReferenceProblem[] | undefined {
  const root = table.kinds[`${String(value.apiVersion)} ${String(value.kind)}`];
  if (!root) return undefined;
  const problems: ReferenceProblem[] = [];
  checkNode(value, root, [], problems);
  if (problems.length > 1) problems.sort((a, b) => displayPath(a.path).localeCompare(displayPath(b.path)));
  return problems;
}

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record && Object.hasOwn(record, key) ? record[key] : undefined;

function checkNode(value: unknown, code: string, path: (string | number)[], problems: ReferenceProblem[]) {
  if (code === '' || code === '*' || value === null || value === undefined) return;
  if (code.length === 1) {
    const expected = scalarExpected(code, value);
    if (expected !== undefined)
      problems.push({
        path: [...path],
        message: `${displayPath(path) || 'the object'} must be ${expected}, got ${describeValue(value)}`,
      });
    return;
  }
  if (code.startsWith('[')) {
    if (!Array.isArray(value))
      problems.push({
        path: [...path],
        message: `${where(path)} must be a list, got ${describeValue(value)}`,
      });
    else
      for (let i = value.length - 1; i >= 0; i--) {
        path.push(i);
        checkNode(value[i], code.slice(1), path, problems);
        path.pop();
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
    for (let i = keys.length - 1; i >= 0; i--) {
      path.push(keys[i]!);
      checkNode(record[keys[i]!], code.slice(1), path, problems);
      path.pop();
    }
    return;
  }
  const type = own(table.types, code);
  if (!type) return;
  for (const required of type.r ?? [])
    if (record[required] === undefined || record[required] === null)
      problems.push({
        path: [...path],
        message: `${where(path)} is missing the required field "${required}"`,
      });
  const children: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = record[key];
    const field = own(type.f, key);
    if (field === undefined) {
      problems.push({
        path: [...path, key],
        message: `${where(path)} has an unknown field "${key}"${suggest(key, Object.keys(type.f))}`,
      });
      continue;
    }
    const allowed = own(type.e, key);
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
    checkNode(record[key], type.f[key]!, path, problems);
    path.pop();
  }
}

const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

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
