import type { Section, Severity } from '../rules/rule.js';
import type { SkippedDocument } from './objects.js';
import type { Readiness } from './readiness.js';
import type { TrafficShare } from './traffic.js';

export interface Finding {
  ruleId: string;
  severity: Severity;
  section: Section;
  /** Names the object and the offending value. */
  message: string;
  /** How to fix it. */
  fix: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** YAML path inside the object, e.g. spec.template.spec.containers[0].resources. */
  path: string;
  /** "Deployment/fraud-model" */
  object: string;
  /** The model service the object belongs to. */
  service: string;
}

/** Input that could not be checked: unreadable files, bad YAML, invalid manifests. Forces exit 2. */
export interface InputProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export interface ServiceSummary {
  name: string;
  manifest: string | undefined;
  objects: string[];
  /** Readiness level 0–3 and a score per checklist section. */
  readiness: Readiness;
  /** Which model version serves which share of traffic, as declared. */
  traffic: TrafficShare[];
}

export interface CheckSummary {
  files: number;
  objects: number;
  services: number;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  skipped: number;
  problems: number;
}

export interface RuleMeta {
  id: string;
  severity: Severity;
  section: Section;
  summary: string;
  why: string;
  fix: string;
}

export interface CheckResult {
  /** Findings to show, sorted by file, line, column and rule. */
  findings: Finding[];
  /** Findings silenced by mlready.dev/ignore annotations; counted, not shown. */
  suppressed: Finding[];
  problems: InputProblem[];
  skipped: SkippedDocument[];
  services: ServiceSummary[];
  /** Rules that ran, with their effective severity (for SARIF's tool.driver.rules). */
  rules: RuleMeta[];
  summary: CheckSummary;
}

export interface FailPolicy {
  failOn: 'error' | 'warning';
  /** Fail when there are more warnings than this, whatever failOn says. */
  maxWarnings?: number | undefined;
}

/** 0 clean, 1 findings at or above the fail level, 2 could not run (see src/cli/exit-codes.ts). */
export function exitCodeOf(result: CheckResult, policy: FailPolicy): 0 | 1 | 2 {
  if (result.problems.length > 0) return 2;
  const { errors, warnings } = result.summary;
  if (errors > 0) return 1;
  if (policy.failOn === 'warning' && warnings > 0) return 1;
  if (policy.maxWarnings !== undefined && warnings > policy.maxWarnings) return 1;
  return 0;
}
