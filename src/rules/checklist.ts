/**
 * The production-readiness checklist, item by item, with the rules that check each one. The
 * README's checklist section and a test are built from it: every item names at least one rule,
 * and every rule serves at least one item.
 */
export const CHECKLIST: readonly { section: string; item: string; rules: readonly string[] }[] = [
  {
    section: 'Resources',
    item: 'CPU and memory requests and limits on every serving container; memory limit ≥ request',
    rules: ['require-cpu-memory-limits'],
  },
  {
    section: 'Resources',
    item: "Container resources agree with the manifest's resources",
    rules: ['resources-match-manifest'],
  },
  {
    section: 'Resources',
    item: "GPU runtimes put nvidia.com/gpu (or another vendor's resource) in limits; requests equal limits",
    rules: ['require-gpu-limit'],
  },
  {
    section: 'Resources',
    item: 'Multi-process GPU servers mount /dev/shm as an in-memory emptyDir (CPU servers are not asked to)',
    rules: ['require-dev-shm'],
  },
  {
    section: 'Resources',
    item: 'ephemeral-storage request and limit when weights are downloaded at start',
    rules: ['require-ephemeral-storage'],
  },
  {
    section: 'Health and startup',
    item: "A readiness probe on every serving container, on the runtime's model-ready endpoint",
    rules: ['require-readiness-probe', 'model-aware-readiness-probe'],
  },
  { section: 'Health and startup', item: 'Probe ports exist on the container', rules: ['probe-port-exists'] },
  {
    section: 'Health and startup',
    item: 'Liveness and readiness differ; liveness does not call the model-ready endpoint',
    rules: ['liveness-not-readiness'],
  },
  {
    section: 'Health and startup',
    item: 'Startup budget covers the expected model load time',
    rules: ['startup-budget'],
  },
  {
    section: 'Health and startup',
    item: 'Graceful shutdown: grace period ≥ longest request, preStop delay behind a Service',
    rules: ['graceful-shutdown'],
  },
  {
    section: 'Rollback under five minutes',
    item: 'A rollback fits the rollback budget (estimateRollbackTime, with the measured or estimated load time)',
    rules: ['rollback-within-budget'],
  },
  {
    section: 'Rollback under five minutes',
    item: 'Old ReplicaSets are kept; the progress deadline fits the budget',
    rules: ['keep-revision-history', 'progress-deadline-within-budget'],
  },
  {
    section: 'Rollback under five minutes',
    item: 'Images and model URIs are pinned, so rolling back rolls the model back',
    rules: ['no-floating-image-tag', 'versioned-model-uri'],
  },
  {
    section: 'Rollback under five minutes',
    item: 'Nothing is downloaded or installed at start (npx, npm exec, pip install, curl … | sh): what runs is what was built',
    rules: ['no-install-at-start'],
  },
  {
    section: 'Rollback under five minutes',
    item: 'Model configuration is immutable or content-hashed',
    rules: ['immutable-model-config'],
  },
  {
    section: 'Scaling and availability',
    item: 'An HPA or KEDA ScaledObject targets the serving workload, and its target exists',
    rules: ['require-autoscaler'],
  },
  {
    section: 'Scaling and availability',
    item: 'Autoscaling on ML metrics (queue depth, latency), not CPU alone',
    rules: ['autoscale-on-ml-metric'],
  },
  {
    section: 'Scaling and availability',
    item: 'minReplicas ≥ 2, maxReplicas > minReplicas, deliberate scale-to-zero, no replicas fighting the HPA',
    rules: ['replica-bounds'],
  },
  {
    section: 'Scaling and availability',
    item: 'A PodDisruptionBudget that selects the pods and protects something',
    rules: ['require-pdb'],
  },
  { section: 'Scaling and availability', item: 'Replicas spread across nodes', rules: ['spread-replicas'] },
  { section: 'Scaling and availability', item: 'No removed API versions', rules: ['no-removed-api-version'] },
  {
    section: 'Custom resources',
    item: 'Serving CRDs (KServe, KubeRay, LeaderWorkerSet, Seldon, NIM, Dynamo, BentoML, KAITO, KubeAI, Knative) are read through one workload model: resources, replicas, scale metric, model-aware probe, versioned model references',
    rules: [
      'require-cpu-memory-limits',
      'replica-bounds',
      'autoscale-on-ml-metric',
      'model-aware-readiness-probe',
      'versioned-model-uri',
    ],
  },
  {
    section: 'Resources',
    item: 'Resource limits proven under load: a recent, passing load-test report for this version, peak memory under the limit',
    rules: ['load-test-evidence'],
  },
  {
    section: 'Monitoring',
    item: 'Metrics are scraped (ServiceMonitor/PodMonitor on an existing port, or annotations) for every model-server workload; no dangling selectors',
    rules: ['require-metrics-scrape'],
  },
  {
    section: 'Monitoring',
    item: 'Latency histogram, prediction distribution and feature missing rates are exported',
    rules: ['require-model-metrics'],
  },
  {
    section: 'Monitoring',
    item: 'Alerts on p95 latency at the SLO, error rate and missing features, with for: and severity',
    rules: ['require-slo-alerts', 'prometheus-rule-shape'],
  },
  {
    section: 'Drift and retraining',
    item: 'Drift detection configured and alerted at PSI 0.1 warn / 0.25 critical (or an external monitor with routing)',
    rules: ['require-drift-detection'],
  },
  {
    section: 'Drift and retraining',
    item: 'A retraining trigger wired to the drift alert',
    rules: ['require-retraining-trigger'],
  },
  {
    section: 'Versioning and traffic',
    item: 'Pods carry the model version, equal to the manifest',
    rules: ['model-version-label'],
  },
  {
    section: 'Versioning and traffic',
    item: 'Traffic splits are valid and name known versions; canaries pause or analyse',
    rules: ['valid-traffic-split'],
  },
  {
    section: 'Versioning and traffic',
    item: 'A shadow that gets mirrored traffic is compared on what it predicts, not only on latency and errors',
    rules: ['shadow-prediction-metrics'],
  },
  {
    section: 'Versioning and traffic',
    item: 'A blue-green release is analysed on mirrored live traffic before the switch (a route in front of its Service)',
    rules: ['blue-green-route'],
  },
  {
    section: 'Secrets',
    item: 'No literal secrets anywhere; values always redacted',
    rules: ['no-literal-secrets'],
  },
  {
    section: 'Secrets',
    item: 'No committed Secret data; no secret name shared across environments',
    rules: ['no-committed-secret-data', 'no-secret-reuse-across-envs'],
  },
  {
    section: 'Access control',
    item: 'Exposed endpoints require authentication; admin ports stay inside; a NetworkPolicy',
    rules: ['require-endpoint-auth', 'require-network-policy'],
  },
  {
    section: 'Access control',
    item: 'Pods run as non-root, without privilege escalation, read-only root where possible',
    rules: ['pod-security-context'],
  },
  {
    section: 'Access control',
    item: 'No host access or code from the model repository: no privileged or host-namespace pods, --trust-remote-code only at a pinned commit, runtime adapter loading behind an API key',
    rules: ['no-code-execution-risk'],
  },
  {
    section: 'Access control',
    item: 'Shared model stores are mounted read-only, never from a hostPath',
    rules: ['read-only-model-storage'],
  },
  {
    section: 'Access control',
    item: 'Payload logging (KServe logger, Seldon request logging) goes over https',
    rules: ['payload-logging-over-https'],
  },
  {
    section: 'Scaling and availability',
    item: 'KEDA Prometheus triggers fail safe (ignoreNullValues: "false") and use no deprecated metricName',
    rules: ['keda-prometheus-trigger'],
  },
  {
    section: 'Lineage',
    item: 'Model version, dataset and version, training run, code commit and hyperparameters recorded',
    rules: ['require-lineage'],
  },
  {
    section: 'Hygiene',
    item: 'Every object is one the API server accepts, with no placeholder left unrendered',
    rules: ['valid-kubernetes-object', 'no-unrendered-placeholder'],
  },
  { section: 'Hygiene', item: 'Every ignore annotation carries a reason', rules: ['ignore-without-reason'] },
  {
    section: 'Hygiene',
    item: 'Every object that runs pods is of a kind mlready reads; any other is reported as not checked',
    rules: ['unknown-workload-kind'],
  },
];
