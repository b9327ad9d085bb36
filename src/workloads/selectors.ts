import { asArray, asRecord, asString, stringMap } from '../check/objects.js';

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
  for (const [key, value] of matchLabels) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values } of expressions) {
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
  const result: CompiledSelector = {
    matchLabels: Object.entries(stringMap(isStructured ? record.matchLabels : record)),
    expressions: (isStructured ? asArray(record.matchExpressions) : []).map((raw) => {
      const expression = asRecord(raw);
      return {
        key: asString(expression.key) ?? '',
        operator: expression.operator,
        values: asArray(expression.values).map(String),
      };
    }),
    first: firstSelectorLabel(selector),
  };
  if (cacheable) compiledSelectors.set(selector, result);
  return result;
}

const compiledSelectors = new WeakMap<object, CompiledSelector>();

/** The first label of a selector, to look candidates up by. */
export function firstSelectorLabel(selector: unknown): [string, string] | undefined {
  const record = asRecord(selector);
  const structured = 'matchLabels' in record || 'matchExpressions' in record;
  const first = Object.entries(asRecord(structured ? record.matchLabels : record))[0];
  return first ? [first[0], String(first[1])] : undefined;
}
