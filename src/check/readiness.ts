import { SECTIONS, type Section } from '../rules/rule.js';
import type { Finding, RuleMeta } from './result.js';

export type Level = 0 | 1 | 2 | 3;

/**
 * The sections each level needs clean, cumulatively. Like Google's ML Test Score, the weakest
 * section bounds the level: a service with perfect monitoring but unversioned models is level 0.
 *   1 versioned and reproducible: resources, lineage, security
 *   2 automated deploy with tested rollback and canary: + health, rollout, scaling
 *   3 automated monitoring, drift alerts and retraining: + monitoring, drift
 */
export const LEVELS: readonly { level: Exclude<Level, 0>; title: string; sections: readonly Section[] }[] = [
  { level: 1, title: 'versioned and reproducible', sections: ['resources', 'lineage', 'security'] },
  { level: 2, title: 'automated deploy with tested rollback', sections: ['health', 'rollout', 'scaling'] },
  { level: 3, title: 'automated monitoring, drift alerts and retraining', sections: ['monitoring', 'drift'] },
];

export const LEVEL_TITLES: Record<Level, string> = {
  0: 'manual',
  1: LEVELS[0]!.title,
  2: LEVELS[1]!.title,
  3: LEVELS[2]!.title,
};

export interface SectionScore {
  section: Section;
  /** Rules of the section that ran. */
  rules: number;
  /** Of those, rules with no error or warning for this service. */
  passed: number;
  /** passed / rules, in percent (100 when no rule ran). */
  score: number;
}

export interface Readiness {
  level: Level;
  title: string;
  sections: SectionScore[];
  /** Sections that keep the service from the next level. */
  heldBackBy: Section[];
}

/** A section is clean when none of its rules reports an error or a warning (info does not count). */
export function computeReadiness(findings: readonly Finding[], rules: readonly RuleMeta[]): Readiness {
  const failing = new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.ruleId));
  const sections = SECTIONS.map((section): SectionScore => {
    const inSection = rules.filter((r) => r.section === section);
    const passed = inSection.filter((r) => !failing.has(r.id)).length;
    return {
      section,
      rules: inSection.length,
      passed,
      score: inSection.length === 0 ? 100 : Math.round((passed / inSection.length) * 100),
    };
  });
  const clean = (section: Section) =>
    sections.find((s) => s.section === section)!.passed ===
    sections.find((s) => s.section === section)!.rules;
  let level: Level = 0;
  let heldBackBy: Section[] = [];
  for (const step of LEVELS) {
    const blocking = step.sections.filter((s) => !clean(s));
    if (blocking.length > 0) {
      heldBackBy = blocking;
      break;
    }
    level = step.level;
  }
  return { level, title: LEVEL_TITLES[level], sections, heldBackBy };
}
