import type { Rule } from './rule.js';
import ignoreWithoutReason from './ignore-without-reason.js';
import noFloatingImageTag from './no-floating-image-tag.js';
import requireCpuMemoryLimits from './require-cpu-memory-limits.js';
import requireReadinessProbe from './require-readiness-probe.js';

/** The rule catalogue: explicit and sorted by id, so the order of findings and docs is stable. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [
    ignoreWithoutReason,
    noFloatingImageTag,
    requireCpuMemoryLimits,
    requireReadinessProbe,
  ].map((rule) => [rule.id, rule]),
);

export function getRule(id: string): Rule | undefined {
  return RULES.get(id);
}
