import { annotationsOf, type K8sObject } from './objects.js';

export const IGNORE_ANNOTATION = 'mlready.dev/ignore';
export const IGNORE_REASON_ANNOTATION = 'mlready.dev/ignore-reason';

/** Rule ids an object opts out of with its mlready.dev/ignore annotation. */
export function ignoredRules(object: K8sObject): Set<string> {
  const value = annotationsOf(object)[IGNORE_ANNOTATION];
  if (!value) return new Set();
  return new Set(
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  );
}
