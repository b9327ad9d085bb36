import { annotationsOf, type K8sObject } from './objects.js';

export const IGNORE_ANNOTATION = 'mlready.dev/ignore';
export const IGNORE_REASON_ANNOTATION = 'mlready.dev/ignore-reason';

/** Rule ids an object opts out of with its mlready.dev/ignore annotation. */
export function ignoredRules(object: K8sObject): ReadonlySet<string> {
  // Asked for every finding: read once per object.
  let ids = ignoredByObject.get(object);
  if (!ids) {
    const value = annotationsOf(object)[IGNORE_ANNOTATION];
    ids = value
      ? new Set(
          value
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        )
      : NONE;
    ignoredByObject.set(object, ids);
  }
  return ids;
}

const NONE: ReadonlySet<string> = new Set();
const ignoredByObject = new WeakMap<K8sObject, ReadonlySet<string>>();
