import type { Rule } from './rule.js';
import autoscaleOnMlMetric from './autoscale-on-ml-metric.js';
import gracefulShutdown from './graceful-shutdown.js';
import ignoreWithoutReason from './ignore-without-reason.js';
import immutableModelConfig from './immutable-model-config.js';
import keepRevisionHistory from './keep-revision-history.js';
import livenessNotReadiness from './liveness-not-readiness.js';
import modelAwareReadinessProbe from './model-aware-readiness-probe.js';
import noFloatingImageTag from './no-floating-image-tag.js';
import noRemovedApiVersion from './no-removed-api-version.js';
import probePortExists from './probe-port-exists.js';
import progressDeadlineWithinBudget from './progress-deadline-within-budget.js';
import replicaBounds from './replica-bounds.js';
import requireAutoscaler from './require-autoscaler.js';
import requireCpuMemoryLimits from './require-cpu-memory-limits.js';
import requireDevShm from './require-dev-shm.js';
import requireEphemeralStorage from './require-ephemeral-storage.js';
import requireGpuLimit from './require-gpu-limit.js';
import requirePdb from './require-pdb.js';
import requireReadinessProbe from './require-readiness-probe.js';
import resourcesMatchManifest from './resources-match-manifest.js';
import rollbackWithinBudget from './rollback-within-budget.js';
import spreadReplicas from './spread-replicas.js';
import startupBudget from './startup-budget.js';
import versionedModelUri from './versioned-model-uri.js';

/** The rule catalogue: explicit and sorted by id, so the order of findings and docs is stable. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [
    autoscaleOnMlMetric,
    gracefulShutdown,
    ignoreWithoutReason,
    immutableModelConfig,
    keepRevisionHistory,
    livenessNotReadiness,
    modelAwareReadinessProbe,
    noFloatingImageTag,
    noRemovedApiVersion,
    probePortExists,
    progressDeadlineWithinBudget,
    replicaBounds,
    requireAutoscaler,
    requireCpuMemoryLimits,
    requireDevShm,
    requireEphemeralStorage,
    requireGpuLimit,
    requirePdb,
    requireReadinessProbe,
    resourcesMatchManifest,
    rollbackWithinBudget,
    spreadReplicas,
    startupBudget,
    versionedModelUri,
  ].map((rule) => [rule.id, rule]),
);

export function getRule(id: string): Rule | undefined {
  return RULES.get(id);
}
