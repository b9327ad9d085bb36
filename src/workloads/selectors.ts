import { asArray, asRecord, asString } from '../check/objects.js';

/**
 * Does a label selector select these labels? Reads `matchLabels`/`matchExpressions` and the plain
 * map a Service uses; an empty selector selects nothing here (it is almost always a mistake).
 */
export function selects(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  return selectsCompiled(compiledSelector(selector), labels);
}

/** `selects` for a selector already compiled (grouping tests one selector against many label sets). */
export function selectsCompiled(
  { matchLabels, expressions }: CompiledSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (matchLabels.length === 0 && expressions.length === 0) return false;
  // Index loops: grouping asks this of thousands of label sets per run, and an array iterator
  // that is not optimized away costs more than the lookups.
  for (let i = 0; i < matchLabels.length; i++) {
    const pair = matchLabels[i]!;
    if (labels[pair[0]] !== pair[1]) return false;
  }
  for (let i = 0; i < expressions.length; i++) {
    const { key, operator, values } = expressions[i]!;
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export interface CompiledSelector {
  readonly matchLabels: readonly (readonly [string, string])[];
  readonly expressions: readonly { key: string; operator: unknown; values: readonly string[] }[];
  /** The first label as written, its value as a string even when it is not one (firstSelectorLabel). */
  readonly first: readonly [string, string] | undefined;
}

/**
 * A selector read once: grouping and several rules test the same selector against many label sets.
 * Kept per selector object (the parsed YAML is not changed after it is read).
 */
export function compiledSelector(selector: unknown): CompiledSelector {
  const cacheable = typeof selector === 'object' && selector !== null;
  const known = cacheable ? compiledSelectors.get(selector) : undefined;
  if (known) return known;
  const record = asRecord(selector);
  const isStructured = 'matchLabels' in record || 'matchExpressions' in record;
  // One pass over the labels' keys gives matchLabels (what stringMap keeps, in its order) and the
  // first label as written: no copy of the map and no [key, value] pair per entry of a copy.
  const labels = asRecord(isStructured ? record.matchLabels : record);
  const keys = Object.keys(labels);
  const matchLabels: (readonly [string, string])[] = [];
  let first: readonly [string, string] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const raw = labels[key];
    const value = asString(raw);
    // stringMap assigns each key to a fresh object, where `__proto__` sets no own property.
    const pair = value !== undefined && key !== '__proto__' ? ([key, value] as const) : undefined;
    if (pair) matchLabels.push(pair);
    if (i === 0) first = pair ?? [key, String(raw)];
  }
  const rawExpressions = isStructured ? asArray(record.matchExpressions) : NO_EXPRESSIONS;
  const result: CompiledSelector = {
    matchLabels,
    expressions:
      rawExpressions.length === 0
        ? NO_EXPRESSIONS
        : rawExpressions.map((raw) => {
            const expression = asRecord(raw);
            return {
              key: asString(expression.key) ?? '',
              operator: expression.operator,
              values: asArray(expression.values).map(String),
            };
          }),
    first,
  };
  if (cacheable) compiledSelectors.set(selector, result);
  return result;
}

const NO_EXPRESSIONS: readonly never[] = Object.freeze([]);

const compiledSelectors = new WeakMap<object, CompiledSelector>();

/** The first label of a selector, to look candidates up by. */
export function firstSelectorLabel(selector: unknown): [string, string] | undefined {
  const record = asRecord(selector);
  const structured = 'matchLabels' in record || 'matchExpressions' in record;
  const first = Object.entries(asRecord(structured ? record.matchLabels : record))[0];
  return first ? [first[0], String(first[1])] : undefined;
}
