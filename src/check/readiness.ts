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
  /** Rules of the section that judged something of this service. */
  rules: number;
  /** Of those, rules with no error or warning for this service. */
  passed: number;
  /** passed / rules, in percent; null when no rule of the section had anything to judge. */
  score: number | null;
  /** Why a section scores 0 % or nothing: its first finding, or what it had nothing to look at. */
  why?: string;
}

export interface Readiness {
  /** 0–3, or "unknown" when part of the service was not checked. */
  level: Level | 'unknown';
  title: string;
  sections: SectionScore[];
  /** Sections that keep the service from the next level (unchecked sections included). */
  heldBackBy: Section[];
  /** With level "unknown": the level the checked parts prove on their own. */
  checkedLevel?: Level;
  /** With level "unknown": the objects mlready could not read. */
  notChecked?: string[];
}

export interface ReadinessOptions {
  /** Ids of the rules that counted for this service; every rule when not given. */
  counted?: ReadonlySet<string>;
  /** Objects of the service that were not checked (unread kinds, unread parts). */
  notChecked?: readonly string[];
}

/**
 * A section is clean when at least one of its rules judged something and none of them reports an
 * error or a warning (info does not count). A section with nothing to judge is not clean: nothing
 * was shown, so nothing is proven, and it scores nothing rather than 100 %.
 */
export function computeReadiness(
  findings: readonly Finding[],
  rules: readonly RuleMeta[],
  options: ReadinessOptions = {},
): Readiness {
  // Scored for every service of a run: one pass over the catalogue, no lists per section.
  const failingIds = new Set<string>();
  for (const f of findings) if (f.severity !== 'info') failingIds.add(f.ruleId);
  const counted = options.counted;
  const bySection = rulesBySection(rules);
  const clean = new Set<Section>();
  const sections = SECTIONS.map((section): SectionScore => {
    let inSection = 0;
    let passed = 0;
    let firstRule: RuleMeta | undefined;
    for (const rule of bySection.get(section) ?? []) {
      if (counted !== undefined && !counted.has(rule.id)) continue;
      inSection++;
      if (!failingIds.has(rule.id)) passed++;
      else firstRule ??= rule;
    }
    const score = inSection === 0 ? null : Math.round((passed / inSection) * 100);
    if (inSection > 0 && passed === inSection) clean.add(section);
    // The reason a section scores 0 %: the finding of its first failing rule, in catalogue order.
    const why =
      score === null
        ? `nothing to judge: no ${section} rule applies to what the input holds`
        : score === 0
          ? findings.find((f) => f.severity !== 'info' && f.ruleId === firstRule?.id)?.message
          : undefined;
    // One shape for every score: `why` is undefined (left out of JSON) where there is none.
    return { section, rules: inSection, passed, score, why: why || undefined };
  });
  let level: Level = 0;
  let heldBackBy: Section[] = [];
  for (const step of LEVELS) {
    const blocking = step.sections.filter((s) => !clean.has(s));
    if (blocking.length > 0) {
      heldBackBy = blocking;
      break;
    }
    level = step.level;
  }
  if (options.notChecked && options.notChecked.length > 0) {
    return {
      level: 'unknown',
      title: 'unknown: not all of it was checked',
      sections,
      heldBackBy,
      checkedLevel: level,
      notChecked: [...options.notChecked],
    };
  }
  // The fields of the "unknown" answer, undefined: one shape for both answers.
  return {
    level,
    title: LEVEL_TITLES[level],
    sections,
    heldBackBy,
    checkedLevel: undefined,
    notChecked: undefined,
  };
}

/** The rules of each section, in catalogue order: the same list is scored for every service of a run. */
function rulesBySection(rules: readonly RuleMeta[]): ReadonlyMap<Section, readonly RuleMeta[]> {
  let bySection = sectionsByRules.get(rules);
  if (!bySection) {
    const map = new Map<Section, RuleMeta[]>();
    for (const rule of rules) {
      const list = map.get(rule.section);
      if (list) list.push(rule);
      else map.set(rule.section, [rule]);
    }
    sectionsByRules.set(rules, (bySection = map));
  }
  return bySection;
}

const sectionsByRules = new WeakMap<readonly RuleMeta[], ReadonlyMap<Section, readonly RuleMeta[]>>();
