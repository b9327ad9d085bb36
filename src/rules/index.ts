import type { Rule } from './rule.js';
import autoscaleOnMlMetric from './autoscale-on-ml-metric.js';
import blueGreenRoute from './blue-green-route.js';
import gracefulShutdown from './graceful-shutdown.js';
import ignoreWithoutReason from './ignore-without-reason.js';
import immutableModelConfig from './immutable-model-config.js';
import kedaPrometheusTrigger from './keda-prometheus-trigger.js';
import keepRevisionHistory from './keep-revision-history.js';
import livenessNotReadiness from './liveness-not-readiness.js';
import loadTestEvidence from './load-test-evidence.js';
import modelAwareReadinessProbe from './model-aware-readiness-probe.js';
import modelVersionLabel from './model-version-label.js';
import noCodeExecutionRisk from './no-code-execution-risk.js';
import noCommittedSecretData from './no-committed-secret-data.js';
import noFloatingImageTag from './no-floating-image-tag.js';
import noInstallAtStart from './no-install-at-start.js';
import noLiteralSecrets from './no-literal-secrets.js';
import noRemovedApiVersion from './no-removed-api-version.js';
import noSecretReuseAcrossEnvs from './no-secret-reuse-across-envs.js';
import noUnrenderedPlaceholder from './no-unrendered-placeholder.js';
import payloadLoggingOverHttps from './payload-logging-over-https.js';
import podSecurityContext from './pod-security-context.js';
import probePortExists from './probe-port-exists.js';
import progressDeadlineWithinBudget from './progress-deadline-within-budget.js';
import prometheusRuleShape from './prometheus-rule-shape.js';
import readOnlyModelStorage from './read-only-model-storage.js';
import replicaBounds from './replica-bounds.js';
import requireAutoscaler from './require-autoscaler.js';
import requireCpuMemoryLimits from './require-cpu-memory-limits.js';
import requireDevShm from './require-dev-shm.js';
import requireDriftDetection from './require-drift-detection.js';
import requireEndpointAuth from './require-endpoint-auth.js';
import requireEphemeralStorage from './require-ephemeral-storage.js';
import requireGpuLimit from './require-gpu-limit.js';
import requireLineage from './require-lineage.js';
import requireMetricsScrape from './require-metrics-scrape.js';
import requireModelMetrics from './require-model-metrics.js';
import requireNetworkPolicy from './require-network-policy.js';
import requirePdb from './require-pdb.js';
import requireReadinessProbe from './require-readiness-probe.js';
import requireRetrainingTrigger from './require-retraining-trigger.js';
import requireSloAlerts from './require-slo-alerts.js';
import resourcesMatchManifest from './resources-match-manifest.js';
import rollbackWithinBudget from './rollback-within-budget.js';
import shadowPredictionMetrics from './shadow-prediction-metrics.js';
import spreadReplicas from './spread-replicas.js';
import startupBudget from './startup-budget.js';
import unknownWorkloadKind from './unknown-workload-kind.js';
import validKubernetesObject from './valid-kubernetes-object.js';
import validTrafficSplit from './valid-traffic-split.js';
import versionedModelUri from './versioned-model-uri.js';

/** The rule catalogue: explicit and sorted by id, so the order of findings and docs is stable. */
export const RULES: ReadonlyMap<string, Rule> = new Map(
  [
    autoscaleOnMlMetric,
    blueGreenRoute,
    gracefulShutdown,
    ignoreWithoutReason,
    immutableModelConfig,
    kedaPrometheusTrigger,
    keepRevisionHistory,
    livenessNotReadiness,
    loadTestEvidence,
    modelAwareReadinessProbe,
    modelVersionLabel,
    noCodeExecutionRisk,
    noCommittedSecretData,
    noFloatingImageTag,
    noInstallAtStart,
    noLiteralSecrets,
    noRemovedApiVersion,
    noSecretReuseAcrossEnvs,
    noUnrenderedPlaceholder,
    payloadLoggingOverHttps,
    podSecurityContext,
    probePortExists,
    progressDeadlineWithinBudget,
    prometheusRuleShape,
    readOnlyModelStorage,
    replicaBounds,
    requireAutoscaler,
    requireCpuMemoryLimits,
    requireDevShm,
    requireDriftDetection,
    requireEndpointAuth,
    requireEphemeralStorage,
    requireGpuLimit,
    requireLineage,
    requireMetricsScrape,
    requireModelMetrics,
    requireNetworkPolicy,
    requirePdb,
    requireReadinessProbe,
    requireRetrainingTrigger,
    requireSloAlerts,
    resourcesMatchManifest,
    rollbackWithinBudget,
    shadowPredictionMetrics,
    spreadReplicas,
    startupBudget,
    unknownWorkloadKind,
    validKubernetesObject,
    validTrafficSplit,
    versionedModelUri,
  ].map((rule) => [rule.id, rule]),
);
