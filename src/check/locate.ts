import { displayPath } from '../manifest/schema-errors.js';
import type { YamlPath } from '../manifest/yaml.js';
import { ignoredRules } from './ignore.js';
import type { K8sObject } from './objects.js';

/** What the findings of one object share: its ignore annotation, and the paths found so far. */
export interface ObjectFindings {
  readonly ignored: ReadonlySet<string>;
  /** The paths kept so far, newest first (a chain: no list per object). */
  first: Located | undefined;
  /** How many paths the chain holds (at most KEPT_PATHS). */
  kept: number;
}

/** One path of an object that has a finding: its position and display form, worked out once. */
export interface Located {
  /** A copy: rules may reuse their path array after reporting. */
  readonly path: YamlPath;
  readonly display: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly ignored: ReadonlySet<string>;
  readonly next: Located | undefined;
}

/**
 * A finding's position, display path and the object's ignored rules. Rules report the same path of
 * the same object again and again (17 486 findings at 7 086 paths on a large input: a container's
 * resources, a workload's metadata, for several rules each), and a position is the same answer for
 * the same path of the same document: it is resolved once per object and path of a run.
 */
export function locate(located: Map<K8sObject, ObjectFindings>, object: K8sObject, path: YamlPath): Located {
  let known = located.get(object);
  if (known === undefined)
    located.set(object, (known = { ignored: ignoredRules(object), first: undefined, kept: 0 }));
  for (let at = known.first; at !== undefined; at = at.next) if (samePath(at.path, path)) return at;
  // An object with findings at thousands of paths (one per env var, one per key) would make this
  // search quadratic: past KEPT_PATHS paths, a new path is resolved without being kept.
  const keep = known.kept < KEPT_PATHS;
  const position = object.source.positionOf(path);
  const found: Located = {
    path: path.slice(),
    display: displayPath(path),
    line: position.line,
    column: position.column,
    endLine: position.endLine,
    endColumn: position.endColumn,
    ignored: known.ignored,
    next: keep ? known.first : undefined,
  };
  if (keep) {
    known.first = found;
    known.kept++;
  }
  return found;
}

/**
 * Paths kept per object: rules report a few paths of an object again and again (its metadata, a
 * container's resources); more than this are one-off paths, where keeping them only costs searches.
 */
export const KEPT_PATHS = 32;

function samePath(a: YamlPath, b: YamlPath): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
