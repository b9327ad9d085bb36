/** TypeScript view of schemas/mlready.schema.json. Keep the two in step. */
export type Runtime = 'vllm' | 'tgi' | 'triton' | 'torchserve' | 'tfserving' | 'custom';
export type Protocol = 'openai' | 'kserve-v2' | 'http-json' | 'tfserving' | 'torchserve';

export interface SecretRef {
  name: string;
  key: string;
}

export interface ModelManifest {
  apiVersion: 'mlready.dev/v1';
  kind: 'ModelService';
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: ManifestSpec;
}

export interface ManifestSpec {
  model: {
    name: string;
    version: string;
    uri?: string;
    framework?: string;
    lineage?: {
      dataset?: string;
      datasetVersion?: string;
      trainingRun?: string;
      codeCommit?: string;
      hyperparameters?: string;
    };
  };
  serving: {
    runtime: Runtime;
    image?: string;
    container?: string;
    port?: number;
    protocol?: Protocol;
    health?: { live?: string; ready?: string };
    expectedLoadSeconds?: number;
    imagePullSeconds?: number;
    maxRequestSeconds?: number;
    tensorParallel?: number;
    weights?: 'baked' | 'download' | 'volume';
  };
  resources?: {
    cpu?: string | number;
    memory?: string | number;
    gpu?: number;
    gpuType?: string;
    gpuResource?: string;
    ephemeralStorage?: string | number;
    /** Price of one replica's serving hardware per hour, for loadtest's cost per 1 000 requests. */
    costPerHour?: number;
  };
  scaling?: { minReplicas?: number; maxReplicas?: number; metric?: string; target?: number };
  slo?: {
    latencyMs?: { p50?: number; p95?: number; p99?: number };
    errorRate?: number;
    ttftMs?: number;
    tpotMs?: number;
  };
  monitoring?: {
    metrics?: {
      latency?: string;
      prediction?: string;
      featureMissing?: string;
      drift?: string;
      errors?: string;
    };
    drift?: {
      method?: 'psi' | 'ks' | 'js' | 'wasserstein' | 'chi2';
      features?: string[];
      prediction?: string;
      warn?: number;
      critical?: number;
      datasetShare?: number;
      /** Fewer current rows with a value than this: "insufficient data" (default 100). */
      minRows?: number;
      /** α of the small-sample tests (default 0.05). */
      significance?: number;
      /** Thresholds on the increase of the missing rate, a share of rows (default 0.05 / 0.2). */
      missing?: { warn?: number; critical?: number };
      /** Per-feature test and thresholds, overriding the choice by sample size. */
      perFeature?: Record<
        string,
        { method?: 'psi' | 'ks' | 'js' | 'chi2'; warn?: number; critical?: number }
      >;
      schedule?: string;
      reference?: string;
      current?: string;
      pushgateway?: string;
      alertRoute?: string;
      external?: { provider: string; alertRoute?: string };
    };
    retraining?: {
      trigger: 'webhook' | 'argo-workflows' | 'kubeflow' | 'airflow';
      webhook?: { urlSecretRef?: SecretRef; tokenSecretRef?: SecretRef };
      pipeline?: string;
      onAlert?: string;
    };
  };
  rollout?: {
    strategy?: 'rolling' | 'canary' | 'shadow' | 'blue-green';
    rollbackBudget?: string;
    canary?: { steps?: number[]; stepDuration?: string; mode?: 'istio' | 'replicas' };
    /** A `<name>-shadow` Deployment that receives a mirrored share of live traffic (responses discarded). */
    shadow?: { mirrorPercent?: number; duration?: string; replicas?: number; promote?: 'full' | 'canary' };
    /** Blue-green: the analysis on mirrored traffic before the switch, and how long blue stays warm after it. */
    blueGreen?: { warmWindow?: string; preSwitchWindow?: string; mirrorPercent?: number };
    analysis?: {
      prometheusUrl?: string;
      maxLatencyIncreasePct?: number;
      maxErrorRate?: number;
      consecutiveFailures?: number;
      interval?: string;
      /** Prediction-distribution divergence between the new version and stable (src/deploy/prediction.ts). */
      prediction?: { method?: 'psi' | 'js'; warn?: number; critical?: number; minSamples?: number };
    };
  };
  security?: {
    auth?: { type: 'oidc' | 'api-key' | 'mtls' | 'istio' | 'oauth2-proxy' | 'none'; secretRef?: SecretRef };
    secrets?: SecretRef[];
  };
  /** mlready's own image, for the jobs that run mlready in the cluster (drift CronJob, load-test Job). */
  tooling?: { image?: string };
}

/**
 * The image the scaffolded jobs run until spec.tooling.image names a pinned mlready image. It has no
 * tag and its registry can never resolve (.invalid, RFC 2606), so `check` flags it and a pull fails.
 */
export const TOOLING_IMAGE_PLACEHOLDER = 'set-spec.tooling.image.invalid/mlready';

export function toolingImageOf(manifest: ModelManifest): string {
  return manifest.spec.tooling?.image ?? TOOLING_IMAGE_PLACEHOLDER;
}

/** Metric names the monitoring rules, drift exporter and templates agree on. */
export const DEFAULT_METRICS = {
  latency: 'model_inference_duration_seconds',
  prediction: 'model_prediction_value',
  featureMissing: 'model_feature_missing_rate',
  drift: 'model_data_drift_score',
  errors: 'model_inference_errors_total',
} as const;

export const DEFAULT_ROLLBACK_BUDGET_SECONDS = 300;

/** Default drift thresholds per method (PSI's 0.1 / 0.25 are the industry convention). */
export const DRIFT_DEFAULTS: Readonly<Record<'psi' | 'ks' | 'js', { warn: number; critical: number }>> = {
  psi: { warn: 0.1, critical: 0.25 },
  ks: { warn: 0.1, critical: 0.2 },
  js: { warn: 0.1, critical: 0.2 },
};

/** The defaults of a drift method, or undefined for methods without agreed thresholds (wasserstein, chi2). */
export function driftDefaultsFor(method: string): { warn: number; critical: number } | undefined {
  return Object.hasOwn(DRIFT_DEFAULTS, method)
    ? DRIFT_DEFAULTS[method as keyof typeof DRIFT_DEFAULTS]
    : undefined;
}
