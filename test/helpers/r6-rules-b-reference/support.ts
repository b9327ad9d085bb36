/**
 * Support functions as they were on main (33ca9ad) before round 6 reshaped them for speed; the
 * reference rules beside this file use them, so each comparison covers the helper as well.
 */
import type { ModelService } from '../../../src/check/services.js';
import type { Workload } from '../../../src/workloads/model.js';
import { RUNTIMES } from '../../../src/rules/support/runtimes.js';

/** Does an HTTP path match one of the runtime's ready paths ("*" = one segment)? */
export function matchesPath(path: string, patterns: readonly string[]): boolean {
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  return patterns.some((pattern) => (READY_PATTERNS.get(pattern) ?? pathPattern(pattern)).test(clean));
}

function pathPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
}

const READY_PATTERNS = new Map(
  Object.values(RUNTIMES).flatMap((r) => r.readyPaths.map((p) => [p, pathPattern(p)] as const)),
);

/** Workloads judged as a running service (monitoring, drift, lineage, version labels). */
export function runningWorkloads(service: ModelService): Workload[] {
  return service.workloads.filter((w) => !w.batch && w.info.role !== 'runtime-template');
}
