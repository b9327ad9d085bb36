import { asArray, asRecord, asString, stringMap } from '../check/objects.js';

/**
 * Does a label selector select these labels? Reads `matchLabels`/`matchExpressions` and the plain
 * map a Service uses; an empty selector selects nothing here (it is almost always a mistake).
 */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const record = asRecord(selector);
  const isStructured = 'matchLabels' in record || 'matchExpressions' in record;
  const matchLabels = stringMap(isStructured ? record.matchLabels : record);
  const expressions = isStructured ? asArray(record.matchExpressions) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const raw of expressions) {
    const expression = asRecord(raw);
    const key = asString(expression.key) ?? '';
    const values = asArray(expression.values).map(String);
    const has = Object.hasOwn(labels, key);
    switch (expression.operator) {
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

/** The first label of a selector, to look candidates up by. */
export function firstSelectorLabel(selector: unknown): [string, string] | undefined {
  const record = asRecord(selector);
  const structured = 'matchLabels' in record || 'matchExpressions' in record;
  const first = Object.entries(asRecord(structured ? record.matchLabels : record))[0];
  return first ? [first[0], String(first[1])] : undefined;
}
