/**
 * The implementations that round 6 (issue 18) replaced with faster ones, as they were on main 33ca9ad:
 * the tests in r6-engine-*.test.ts compare the new code against these on the repository's fixtures.
 */
import {
  LEVELS,
  LEVEL_TITLES,
  type Level,
  type Readiness,
  type SectionScore,
} from '../../src/check/readiness.js';
import type { Finding, RuleMeta } from '../../src/check/result.js';
import { SECTIONS, type Section } from '../../src/rules/rule.js';
import { formatBillions, type ModelSize } from '../../src/estimate/model-size.js';
import { getPath } from '../../src/check/objects.js';
import type { ModelService } from '../../src/check/services.js';
import { selects } from '../../src/workloads/selectors.js';

/** computeReadiness with a Set of counted rule ids, as on main. */
export function referenceReadiness(
  findings: readonly Finding[],
  rules: readonly RuleMeta[],
  options: { counted?: ReadonlySet<string>; notChecked?: readonly string[] } = {},
): Readiness {
  const failingIds = new Set<string>();
  for (const f of findings) if (f.severity !== 'info') failingIds.add(f.ruleId);
  const counted = options.counted;
  const bySection = new Map<Section, RuleMeta[]>();
  for (const rule of rules) {
    const list = bySection.get(rule.section);
    if (list) list.push(rule);
    else bySection.set(rule.section, [rule]);
  }
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
    const why =
      score === null
        ? `nothing to judge: no ${section} rule applies to what the input holds`
        : score === 0
          ? findings.find((f) => f.severity !== 'info' && f.ruleId === firstRule?.id)?.message
          : undefined;
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
  if (options.notChecked && options.notChecked.length > 0)
    return {
      level: 'unknown',
      title: 'unknown: not all of it was checked',
      sections,
      heldBackBy,
      checkedLevel: level,
      notChecked: [...options.notChecked],
    };
  return {
    level,
    title: LEVEL_TITLES[level],
    sections,
    heldBackBy,
    checkedLevel: undefined,
    notChecked: undefined,
  };
}

/** modelSizeOf as on main (a test per family, then matchAll). */
const FAMILIES: readonly { pattern: RegExp; billions: number; name: string }[] = [
  { pattern: /mixtral-8x22b/i, billions: 141, name: 'Mixtral 8x22B' },
  { pattern: /mixtral-8x7b/i, billions: 46.7, name: 'Mixtral 8x7B' },
  { pattern: /distilbert/i, billions: 0.066, name: 'DistilBERT' },
  { pattern: /bert-large/i, billions: 0.34, name: 'BERT large' },
  { pattern: /bert-base/i, billions: 0.11, name: 'BERT base' },
  { pattern: /all-minilm-l6/i, billions: 0.0227, name: 'all-MiniLM-L6' },
  { pattern: /gpt2-xl/i, billions: 1.5, name: 'GPT-2 XL' },
  { pattern: /gpt2-large/i, billions: 0.774, name: 'GPT-2 large' },
  { pattern: /gpt2-medium/i, billions: 0.355, name: 'GPT-2 medium' },
  { pattern: /(^|\/)gpt2$/i, billions: 0.124, name: 'GPT-2' },
  { pattern: /t5-small/i, billions: 0.06, name: 'T5 small' },
  { pattern: /t5-base/i, billions: 0.22, name: 'T5 base' },
  { pattern: /t5-large/i, billions: 0.77, name: 'T5 large' },
  { pattern: /phi-2/i, billions: 2.7, name: 'Phi-2' },
  { pattern: /phi-3(\.5)?-mini/i, billions: 3.8, name: 'Phi-3 mini' },
  { pattern: /phi-3-small/i, billions: 7, name: 'Phi-3 small' },
  { pattern: /phi-3-medium/i, billions: 14, name: 'Phi-3 medium' },
  { pattern: /gpt-j/i, billions: 6, name: 'GPT-J' },
  { pattern: /(^|\/)bloom$/i, billions: 176, name: 'BLOOM' },
  { pattern: /(^|\/)falcon-?180/i, billions: 180, name: 'Falcon 180B' },
];

/** `8x7B`, `1.5B`, `7b`, `70B`, `135M`, `560m` between separators (not `A3B` or `v1.5`). */
const SIZE_PATTERN = /(?:^|[-_/.:])(?:(\d+)x)?(\d+(?:\.\d+)?)([bBmM])(?=$|[-_/.:])/g;
export function referenceModelSize(reference: string): ModelSize | undefined {
  const family = FAMILIES.find((f) => f.pattern.test(reference));
  if (family)
    return {
      billions: family.billions,
      source: `${family.name}: ${formatBillions(family.billions)} parameters (model card)`,
    };
  let best: { billions: number; text: string } | undefined;
  for (const match of reference.matchAll(SIZE_PATTERN)) {
    const experts = match[1] ? Number(match[1]) : 1;
    const unit = match[3]!.toLowerCase() === 'b' ? 1 : 1e-3;
    const billions = experts * Number(match[2]) * unit;
    if (!best || billions > best.billions) best = { billions, text: match[0].replace(/^[-_/.:]/, '') };
  }
  return best ? { billions: best.billions, source: `${best.text} in the name` } : undefined;
}

/** trafficShares' replica split, as on main (filter, map, reduce and a Map per service). */
export function referenceReplicaShares(
  service: ModelService,
): { version: string; share: number; source: string }[] {
  const workloads = service.workloads.filter((w) => !w.batch && w.templates.length > 0);
  const svc = service.ofKind('Service')[0];
  const behind = svc
    ? workloads.filter((w) =>
        w.templates.some((t) => selects(getPath(svc.raw, ['spec', 'selector']), t.labels)),
      )
    : workloads;
  const versionOf = (labels: Record<string, string>) => {
    for (const key of ['mlready.dev/model-version', 'app.kubernetes.io/version', 'version'])
      if (labels[key]) return labels[key];
    return undefined;
  };
  const counted = behind.map((w) => ({
    version:
      versionOf(w.templates[0]?.labels ?? {}) ??
      service.manifest?.manifest.spec.model.version ??
      'unversioned',
    replicas: Math.max(1, w.replicas.count ?? 1),
  }));
  const total = counted.reduce((a, c) => a + c.replicas, 0);
  const byVersion = new Map<string, number>();
  for (const c of counted) byVersion.set(c.version, (byVersion.get(c.version) ?? 0) + c.replicas);
  return [...byVersion].map(([version, replicas]) => ({
    version,
    share: Math.round((replicas / total) * 100 * 10) / 10,
    source: 'replicas',
  }));
}
