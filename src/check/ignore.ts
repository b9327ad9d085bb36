import { annotationsOf, type K8sObject } from './objects.js';

export const IGNORE_ANNOTATION = 'mlready.dev/ignore';
export const IGNORE_REASON_ANNOTATION = 'mlready.dev/ignore-reason';

/**
 * Rule ids an object opts out of with its mlready.dev/ignore annotation. Not memoized here: `locate`
 * asks once per object with findings and run, and keeps the answer with the object's other findings
 * (a WeakMap entry per object cost a set and a lookup per object in every run).
 */
export function ignoredRules(object: K8sObject): ReadonlySet<string> {
  const value = annotationsOf(object)[IGNORE_ANNOTATION];
  if (!value) return NONE;
  return new Set(
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  );
}

const NONE: ReadonlySet<string> = new Set();
