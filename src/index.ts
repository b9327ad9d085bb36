/**
 * mlready as a library: the functions behind the commands, without the CLI. Each takes plain
 * options and returns a result; none prints or exits.
 */
export { runCheck, type CheckOptions } from './check/run-check.js';
export { exitCodeOf, type CheckResult, type Finding, type FailPolicy } from './check/result.js';
export { defaultConfig, findConfig, loadConfig, type Config } from './check/config.js';
export { computeReadiness, type Readiness } from './check/readiness.js';
export { trafficShares, type TrafficShare } from './check/traffic.js';
export { FORMATTERS, type Formatter, type FormatOptions } from './formatters/index.js';
export { RULES } from './rules/index.js';
export { defineRule, type Rule, type RuleContext, type Severity, type Section } from './rules/rule.js';
export { estimateRollbackTime, type RollbackEstimate } from './rules/support/rollback.js';
export { loadManifest, parseManifest } from './manifest/load.js';
export type { ModelManifest } from './manifest/types.js';
export { loadTemplates, renderScaffold, type RenderedFile } from './scaffold/render.js';
export { planWrites, writeScaffold } from './scaffold/write.js';
export { buildManifest, defaultAnswers, type InitAnswers } from './scaffold/init.js';
export { createProfile, runDrift, type DriftOptions } from './drift/run-drift.js';
export { compare as compareDrift, type DriftReport } from './drift/compare.js';
export { runLoadtest, sloFromManifest, type LoadtestOptions } from './loadtest/loadtest.js';
export { parseSlo, type Threshold } from './loadtest/slo.js';
export { rolloutStatus, type RolloutObservation, type RolloutVerdict } from './deploy/rollout-status.js';
export { planRollback, type RollbackPlan } from './deploy/rollback-plan.js';
export { loadDeployRecords, type LoadedDeployRecord } from './deploy/record-file.js';
export type { DeployRecord, PodTiming } from './deploy/record.js';
export { MlreadyError, UsageError, ConfigError, InputError, NetworkError, ClusterError } from './errors.js';
