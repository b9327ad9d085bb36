import type { LoadedReport } from '../check/evidence.js';
import type { LoadedDeployRecord } from '../deploy/record-file.js';
import type { K8sObject } from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindId } from '../workloads/kinds.js';

export type Severity = 'error' | 'warning' | 'info';

/** In a rule's `kinds`: any workload, whatever its kind. */
export const ANY_WORKLOAD = 'workload';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Checklist sections; the readiness level is computed over them. */
export const SECTIONS = [
  'resources',
  'health',
  'rollout',
  'scaling',
  'monitoring',
  'drift',
  'security',
  'lineage',
] as const;
export type Section = (typeof SECTIONS)[number] | 'meta';

export interface RuleDocs {
  /** One line: what the rule checks. */
  summary: string;
  /** Why it matters in production. */
  why: string;
  /** How to fix a finding. */
  fix: string;
}

export interface Report {
  object: K8sObject;
  /** Path of the offending value inside the object, for file:line:column. */
  path: YamlPath;
  /** Names the object and the offending value. */
  message: string;
  /** A fix specific to this finding; the rule's docs.fix otherwise. */
  fix?: string;
  /**
   * This finding's severity when it differs from the rule's default (a milder or graver case of the
   * same rule). A severity set in .mlready.yaml still wins.
   */
  severity?: Severity;
}

/**
 * What a rule's check() is given. Valid only during that call: the engine reuses one context per rule
 * for every service of a run (110 000 calls on 2 000 services), so a rule reads what it needs at the
 * top of check() and never keeps the context, or its `report`, for later.
 */
export interface RuleContext {
  /**
   * The model service being checked: manifest and every object tied to it. Rules that apply to
   * model servers see a view without the supporting workloads (their Redis, their demo app).
   */
  readonly service: ModelService;
  /** Every service of the run, for rules that compare services (secrets reused across environments). */
  readonly services: readonly ModelService[];
  /** Options from config, merged over the rule's defaults. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Evidence found beside the service's manifest (or its workloads' files): load-test reports and
   * deploy records with measured start-up times.
   */
  readonly evidence: {
    readonly loadtests: readonly LoadedReport[];
    readonly deploys: readonly LoadedDeployRecord[];
    readonly maxAgeDays: number;
  };
  /** The time of the check (reports older than maxAgeDays are stale). */
  readonly now: Date;
  readonly report: (report: Report) => void;
}

/**
 * A check of the production-readiness checklist. One rule per file under src/rules/, whose
 * file name is the id; registered in src/rules/index.ts.
 */
export interface Rule {
  readonly id: string;
  /** Default severity; .mlready.yaml may override it or turn the rule off. */
  readonly severity: Severity;
  readonly section: Section;
  /**
   * What the rule judges: `model-servers` (model metrics, startup budget, drift, lineage, …) only
   * sees workloads recognised as model servers and runs only for services that have one or a
   * manifest; `workloads` (resources, probes, security, …) sees every workload.
   */
  readonly appliesTo: 'model-servers' | 'workloads';
  /**
   * Kinds the rule reads: registry ids (KindId), or ANY_WORKLOAD for any workload. A rule counts
   * toward its section's score for a service that holds one of them, or when it reports something.
   */
  readonly kinds: readonly KindId[];
  readonly docs: RuleDocs;
  readonly defaultOptions?: Readonly<Record<string, unknown>>;
  /** Called once per model service. Reports findings; never throws for bad user input. */
  check(context: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
