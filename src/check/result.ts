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
  /**
   * model: it has a model server (or a manifest); template: only KServe serving runtimes, judged on
   * their containers (readiness is judged on the InferenceServices that use them); supporting: only
   * supporting workloads (Redis, a
   * demo app); not-checked: its only workloads are of kinds mlready does not read; no-workload:
   * routes, policies or alerts without the workload they belong to.
   */
  role: 'model' | 'template' | 'supporting' | 'not-checked' | 'no-workload';
  /** Model servers, each with why it counts as one. */
  modelServers: { object: string; reason: string }[];
  /** Long-running workloads that do not serve the model (Redis, a gateway, a demo app, a client). */
  supportingWorkloads: string[];
  /** Jobs and CronJobs: batch inference, downloads, drift runs. */
  batchJobs: string[];
  /** Objects that run pods but were not checked (unread kinds, unread parts). */
  notChecked: string[];
  /** Readiness level 0–3 (or "unknown") and a score per checklist section; none without a model server. */
  readiness: Readiness | undefined;
  /** Why the service has no readiness level. */
  missing?: string;
  /** Which model version serves which share of traffic, as declared. */
  traffic: TrafficShare[];
  /**
   * How long the model server takes from container start to ready, as every budget rule used it:
   * measured (a deploy record), declared, estimated from the model's size, or a runtime default.
   */
  loadTime?: {
    seconds: number;
    confidence: 'runtime-default' | 'model-size' | 'declared' | 'measured';
    source: string;
    arithmetic: string;
    /** Deploy records passed over, and why (stale, another image or model version). */
    notes: string[];
  };
}

export interface CheckSummary {
  files: number;
  objects: number;
  /** Services with a model server (or a manifest). */
  services: number;
  supportingWorkloads: number;
  /** Objects that run pods but were not checked. */
  notChecked: number;
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
