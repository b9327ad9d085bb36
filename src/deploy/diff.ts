import type { KubeObject } from '../k8s/types.js';

const IGNORED = new Set([
  'status',
  'metadata.managedFields',
  'metadata.resourceVersion',
  'metadata.uid',
  'metadata.generation',
  'metadata.creationTimestamp',
]);

/**
 * What a dry run would change, as "path: old → new" lines. Secret and ConfigMap values are never
 * shown, only which keys change: a dry run's output ends up in CI logs.
 */
export function describeChanges(before: KubeObject | undefined, after: KubeObject, limit = 20): string[] {
  if (!before) return [];
  const hide = after.kind === 'Secret';
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (IGNORED.has(path) || out.length >= limit) return;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
        walk(
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
          path ? `${path}.${key}` : key,
        );
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => walk(item, b[i], `${path}[${i}]`));
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (hide && (path.startsWith('data.') || path.startsWith('stringData.'))) out.push(`${path}: changed`);
    else out.push(`${path}: ${show(a)} → ${show(b)}`);
  };
  walk(before, after, '');
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
