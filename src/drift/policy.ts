import { UsageError } from '../errors.js';
import { DRIFT_DEFAULTS } from '../manifest/types.js';
import type { ModelManifest } from '../manifest/types.js';
import { DEFAULT_BINS, DEFAULT_MAX_CATEGORIES, MAX_BINS } from './profile.js';

/** Distances judged against warn/critical thresholds on large samples. */
export type DistanceMethod = 'psi' | 'ks' | 'js';
/** Every test a feature can be judged by: the distances, and Pearson's χ² test (a p-value). */
export type DriftMethod = DistanceMethod | 'chi2';
export const DRIFT_METHODS = ['chi2', 'js', 'ks', 'psi'] as const;

export interface FeatureRule {
  method?: DriftMethod | undefined;
  warn?: number | undefined;
  critical?: number | undefined;
}

/** Everything that turns measurements into verdicts (docs/drift.md, "Verdicts"). */
export interface DriftPolicy {
  /** The distance for features with enough rows. */
  method: DistanceMethod;
  warn: number;
  critical: number;
  /** Share of drifted features at which the dataset counts as drifted. */
  datasetShare: number;
  /** Fewer rows with a value than this: "insufficient data", never a verdict. */
  minRows: number;
  /** α of the small-sample tests (KS, χ²): p < α warns, p < α / (features tested) is critical. */
  significance: number;
  /** Thresholds on the increase of the missing rate (a share of rows, 0–1). */
  missing: { warn: number; critical: number };
  perFeature: Record<string, FeatureRule>;
}

export const POLICY_DEFAULTS = {
  method: 'psi' as DistanceMethod,
  datasetShare: 0.5,
  minRows: 100,
  significance: 0.05,
  missing: { warn: 0.05, critical: 0.2 },
} as const;

/** What the user asked for on the command line (already numbers); undefined means "not given". */
export interface PolicyFlags {
  method?: DriftMethod | undefined;
  warn?: number | undefined;
  critical?: number | undefined;
  datasetShare?: number | undefined;
  minRows?: number | undefined;
  significance?: number | undefined;
  missingWarn?: number | undefined;
  missingCritical?: number | undefined;
}

/** The policy from the flags over the manifest over the defaults, checked as a whole. */
export function resolvePolicy(flags: PolicyFlags, manifest: ModelManifest | undefined): DriftPolicy {
  const drift = manifest?.spec.monitoring?.drift;
  const declared = drift?.method;
  if (flags.method === 'chi2')
    throw new UsageError('--method chi2 is a test, not a distance: use it per feature in the manifest', {
      hint: 'monitoring.drift.perFeature.<feature>.method: chi2; --method takes psi, ks or js',
    });
  const method: DistanceMethod =
    flags.method ?? (declared === 'ks' || declared === 'js' || declared === 'psi' ? declared : 'psi');
  const defaults = DRIFT_DEFAULTS[method];
  const sameMethod = declared === undefined || declared === method;
  const policy: DriftPolicy = {
    method,
    warn: flags.warn ?? (sameMethod ? drift?.warn : undefined) ?? defaults.warn,
    critical: flags.critical ?? (sameMethod ? drift?.critical : undefined) ?? defaults.critical,
    datasetShare: flags.datasetShare ?? drift?.datasetShare ?? POLICY_DEFAULTS.datasetShare,
    minRows: flags.minRows ?? drift?.minRows ?? POLICY_DEFAULTS.minRows,
    significance: flags.significance ?? drift?.significance ?? POLICY_DEFAULTS.significance,
    missing: {
      warn: flags.missingWarn ?? drift?.missing?.warn ?? POLICY_DEFAULTS.missing.warn,
      critical: flags.missingCritical ?? drift?.missing?.critical ?? POLICY_DEFAULTS.missing.critical,
    },
    perFeature: { ...(drift?.perFeature ?? {}) },
  };
  checkPolicy(policy, flags);
  return policy;
}

/** Strict checks with a message that names the option: every mistake is a usage error (exit 2). */
function checkPolicy(policy: DriftPolicy, flags: PolicyFlags): void {
  const from = (flag: unknown, name: string, key: string) =>
    flag !== undefined ? `--${name}` : `monitoring.drift.${key}`;
  const warnName = from(flags.warn, 'warn', 'warn');
  const criticalName = from(flags.critical, 'critical', 'critical');
  checkThreshold(policy.method, policy.warn, warnName);
  checkThreshold(policy.method, policy.critical, criticalName);
  if (policy.warn > policy.critical)
    throw new UsageError(
      `${warnName} (${policy.warn}) is above ${criticalName} (${policy.critical}): a warning must come before critical`,
    );
  const share = from(flags.datasetShare, 'dataset-share', 'datasetShare');
  if (!(policy.datasetShare > 0 && policy.datasetShare <= 1))
    throw new UsageError(`${share} must be a share above 0 and at most 1, got ${policy.datasetShare}`);
  const minRows = from(flags.minRows, 'min-rows', 'minRows');
  if (!Number.isInteger(policy.minRows) || policy.minRows < 1 || policy.minRows > 1e9)
    throw new UsageError(`${minRows} must be a whole number from 1 to 1e9, got ${policy.minRows}`);
  const alpha = from(flags.significance, 'significance', 'significance');
  if (!(policy.significance > 0 && policy.significance <= 0.5))
    throw new UsageError(
      `${alpha} must be a probability above 0 and at most 0.5, got ${policy.significance}`,
    );
  const missingWarn = from(flags.missingWarn, 'missing-warn', 'missing.warn');
  const missingCritical = from(flags.missingCritical, 'missing-critical', 'missing.critical');
  for (const [name, value] of [
    [missingWarn, policy.missing.warn],
    [missingCritical, policy.missing.critical],
  ] as const) {
    if (!(value >= 0 && value <= 1))
      throw new UsageError(`${name} must be a share of rows from 0 to 1, got ${value}`);
  }
  if (policy.missing.warn > policy.missing.critical)
    throw new UsageError(
      `${missingWarn} (${policy.missing.warn}) is above ${missingCritical} (${policy.missing.critical})`,
    );
  for (const [feature, rule] of Object.entries(policy.perFeature)) {
    const name = `monitoring.drift.perFeature.${feature}`;
    const method = rule.method ?? policy.method;
    if (method !== 'chi2') {
      if (rule.warn !== undefined) checkThreshold(method, rule.warn, `${name}.warn`);
      if (rule.critical !== undefined) checkThreshold(method, rule.critical, `${name}.critical`);
    }
    const limits = thresholdsFor(policy, feature, method);
    if (limits.warn > limits.critical)
      throw new UsageError(`${name}: warn (${limits.warn}) is above critical (${limits.critical})`);
  }
}

function checkThreshold(method: DriftMethod, value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`${name} must be a number ≥ 0, got ${value}`);
  if ((method === 'ks' || method === 'js') && value > 1)
    throw new UsageError(
      `${name} must be at most 1 for ${method.toUpperCase()} (a distance between 0 and 1), got ${value}`,
    );
}

/**
 * The warn/critical thresholds of a distance for one feature: its rule, the policy, or the method's
 * defaults.
 */
export function thresholdsFor(
  policy: DriftPolicy,
  feature: string,
  method: DriftMethod,
): { warn: number; critical: number } {
  const rule = policy.perFeature[feature];
  const base =
    method === 'chi2'
      ? { warn: policy.significance, critical: policy.significance }
      : method === policy.method
        ? { warn: policy.warn, critical: policy.critical }
        : DRIFT_DEFAULTS[method];
  const sameRuleMethod = rule?.method === undefined || rule.method === method;
  return {
    warn: (sameRuleMethod ? rule?.warn : undefined) ?? base.warn,
    critical: (sameRuleMethod ? rule?.critical : undefined) ?? base.critical,
  };
}

/** Options of the profile step, checked: bins and the category cap. */
export function checkProfileOptions(options: {
  bins?: number | undefined;
  maxCategories?: number | undefined;
}): {
  bins: number;
  maxCategories: number;
} {
  const bins = options.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(bins) || bins < 2 || bins > MAX_BINS)
    throw new UsageError(`--bins must be a whole number from 2 to ${MAX_BINS}, got ${bins}`, {
      hint: 'PSI is usually measured over 10 quantile bins',
    });
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!Number.isInteger(maxCategories) || maxCategories < 1 || maxCategories > 100_000)
    throw new UsageError(`--max-categories must be a whole number from 1 to 100000, got ${maxCategories}`);
  return { bins, maxCategories };
}
