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
  /**
   * The same as `counted`, by position (runCheck's form: one flag array for every service of a run
   * instead of a Set per service): rule `rules[i]` counted when `countedFlags[countedOffset + i]` is
   * not 0. Read instead of `counted` when given.
   */
  countedFlags?: Uint8Array;
  /** Where this service's flags start in `countedFlags` (0 when not given). */
  countedOffset?: number;
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
  // Scored for every service of a run: no Set, closure or list per section; the rules' positions in
  // the catalogue stand for their ids (one flag per rule, in a small typed array).
  const catalogue = catalogueOf(rules);
  // The catalogue's scratch flags, cleared: computeReadiness never runs inside itself.
  const failing = catalogue.failing;
  failing.fill(0);
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.severity === 'info') continue;
    const index = catalogue.indexById.get(f.ruleId);
    if (index !== undefined) for (let j = 0; j < index.length; j++) failing[index[j]!] = 1;
  }
  const counted = options.counted;
  const flags = options.countedFlags;
  const offset = options.countedOffset ?? 0;
  const sections: SectionScore[] = [];
  let clean = 0;
  for (let s = 0; s < SECTIONS.length; s++) {
    const inThisSection = catalogue.bySection[s]!;
    // The rules' loop in a small function of its own: V8 optimizes it within the first services of a
    // run, where this function, larger and reset at times between runs, runs unoptimized for longer.
    const inSection =
      flags !== undefined
        ? countByFlags(inThisSection, flags, offset, catalogue)
        : countBySet(inThisSection, rules, counted, catalogue);
    const passed = catalogue.passed;
    const score = inSection === 0 ? null : Math.round((passed / inSection) * 100);
    if (inSection > 0 && passed === inSection) clean |= 1 << s;
    // The reason a section scores 0 %: the finding of its first failing rule, in catalogue order
    // (at 0 % every rule that counted fails, so that is the first that counted).
    const why =
      score === null
        ? NOTHING_TO_JUDGE[s]
        : score === 0
          ? firstFailing(findings, rules[firstCounted(inThisSection, flags, offset, counted, rules)]!.id)
          : undefined;
    // One shape for every score: `why` is undefined (left out of JSON) where there is none.
    sections.push({ section: SECTIONS[s]!, rules: inSection, passed, score, why: why || undefined });
  }
  let level: Level = 0;
  let heldBackBy: Section[] = [];
  for (let i = 0; i < LEVELS.length; i++) {
    const step = LEVELS[i]!;
    if ((clean & LEVEL_MASKS[i]!) !== LEVEL_MASKS[i]) {
      heldBackBy = [];
      for (let j = 0; j < step.sections.length; j++)
        if ((clean & LEVEL_SECTION_BITS[i]![j]!) === 0) heldBackBy.push(step.sections[j]!);
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

/**
 * How many of a section's rules (`at`, positions in the catalogue) counted for the service, by its
 * flags; how many of those passed goes to `catalogue.passed`.
 */
function countByFlags(
  at: readonly number[],
  flags: Uint8Array,
  offset: number,
  catalogue: Catalogue,
): number {
  const failing = catalogue.failing;
  let inSection = 0;
  let passed = 0;
  for (let j = 0; j < at.length; j++) {
    const rule = at[j]!;
    if (flags[offset + rule] === 0) continue;
    inSection++;
    if (failing[rule] === 0) passed++;
  }
  catalogue.passed = passed;
  return inSection;
}

/** countByFlags for rules counted by id (every rule when `counted` is not given). */
function countBySet(
  at: readonly number[],
  rules: readonly RuleMeta[],
  counted: ReadonlySet<string> | undefined,
  catalogue: Catalogue,
): number {
  const failing = catalogue.failing;
  let inSection = 0;
  let passed = 0;
  for (let j = 0; j < at.length; j++) {
    const rule = at[j]!;
    if (counted !== undefined && !counted.has(rules[rule]!.id)) continue;
    inSection++;
    if (failing[rule] === 0) passed++;
  }
  catalogue.passed = passed;
  return inSection;
}

/** The catalogue position of the first of a section's rules that counted (the section has one). */
function firstCounted(
  at: readonly number[],
  flags: Uint8Array | undefined,
  offset: number,
  counted: ReadonlySet<string> | undefined,
  rules: readonly RuleMeta[],
): number {
  for (let j = 0; j < at.length; j++) {
    const rule = at[j]!;
    if (
      flags !== undefined ? flags[offset + rule] !== 0 : counted === undefined || counted.has(rules[rule]!.id)
    )
      return rule;
  }
  return -1;
}

/** The message of the first error or warning of a rule. */
function firstFailing(findings: readonly Finding[], ruleId: string): string | undefined {
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i]!;
    if (f.severity !== 'info' && f.ruleId === ruleId) return f.message;
  }
  return undefined;
}

/** A rule list's positions: by id (a list: an id may be listed twice) and by section, in catalogue order. */
interface Catalogue {
  readonly indexById: ReadonlyMap<string, readonly number[]>;
  /** Per section of SECTIONS (same order), the positions of its rules. */
  readonly bySection: readonly (readonly number[])[];
  /** Scratch: which rules have an error or warning for the service being scored. */
  readonly failing: Uint8Array;
  /** Scratch: how many of a section's counted rules passed (countByFlags' second answer). */
  passed: number;
}

/**
 * Works out a rule list's positions ahead of computeReadiness: runCheck calls it once per run, so
 * computeReadiness, optimized in an earlier run, does not deoptimize on the run's first service
 * (its building path has no type feedback there).
 */
export function prepareReadiness(rules: readonly RuleMeta[]): void {
  catalogueOf(rules);
}

/** The same rule list is scored for every service of a run: its positions are worked out once. */
function catalogueOf(rules: readonly RuleMeta[]): Catalogue {
  let catalogue = catalogues.get(rules);
  if (!catalogue) {
    const indexById = new Map<string, number[]>();
    const bySection: number[][] = SECTIONS.map(() => []);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const list = indexById.get(rule.id);
      if (list) list.push(i);
      else indexById.set(rule.id, [i]);
      const s = sectionIndex(rule.section);
      if (s >= 0) bySection[s]!.push(i);
    }
    catalogues.set(
      rules,
      (catalogue = { indexById, bySection, failing: new Uint8Array(rules.length), passed: 0 }),
    );
  }
  return catalogue;
}

/** A section's position in SECTIONS; -1 for 'meta'. */
function sectionIndex(section: Section): number {
  return (SECTIONS as readonly Section[]).indexOf(section);
}

/** A section's bit in a set of sections held as a number. */
function sectionBit(section: Section): number {
  return 1 << sectionIndex(section);
}

/** Each level's sections as bits: a level is reached when all of its bits are clean. */
const LEVEL_MASKS: readonly number[] = LEVELS.map((step) =>
  step.sections.reduce((mask, s) => mask | sectionBit(s), 0),
);

/** Each level's sections' bits, in the order of its sections. */
const LEVEL_SECTION_BITS: readonly (readonly number[])[] = LEVELS.map((step) =>
  step.sections.map(sectionBit),
);

/** Why a section scores nothing, per section of SECTIONS: the same text for every service of a run. */
const NOTHING_TO_JUDGE: readonly string[] = SECTIONS.map(
  (section) => `nothing to judge: no ${section} rule applies to what the input holds`,
);

const catalogues = new WeakMap<readonly RuleMeta[], Catalogue>();
