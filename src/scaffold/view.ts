import { DRIFT_DEFAULTS, driftDefaultsFor, toolingImageOf, type ModelManifest } from '../manifest/types.js';
import { parseDurationSeconds } from '../rules/support/scaling.js';
import { escapeKubernetesExpansion, quoteJson } from './escape.js';
import { PROFILES, type ScaffoldProfile } from './profiles.js';

export type Target = 'kubernetes' | 'kserve';
export type Canary = 'none' | 'istio';
export type Autoscaler = 'hpa' | 'keda';

export interface ScaffoldOptions {
  target: Target;
  canary: Canary;
  autoscaler: Autoscaler;
}

/** Everything the templates read. Built from the manifest alone; no I/O, no clock. */
export interface ScaffoldView {
  name: string;
  namespace: string | undefined;
  runtime: string;
  model: { name: string; version: string; uri: string | undefined; servedName: string };
  image: string;
  baseImage: string;
  port: number;
  metricsPort: number | undefined;
  metricsPortName: string;
  adminPort: number | undefined;
  labels: Record<string, string>;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  /** The server's arguments, for the Dockerfile's CMD. */
  args: string[];
  /** The same, escaped for Kubernetes' $(VAR) expansion, for container args. */
  containerArgs: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  resources: { requests: Record<string, string | number>; limits: Record<string, string | number> };
  gpus: number;
  gpuResource: string;
  gpuType: string | undefined;
  probes: { startup: unknown; readiness: unknown; liveness: unknown };
  shm: boolean;
  readOnlyRoot: boolean;
  weights: {
    mode: 'baked' | 'download' | 'volume';
    baked: boolean;
    pvc: boolean;
    emptyDir: boolean;
    dir: string;
    claim: string;
    fetch: FetchStep | undefined;
  };
  rollout: {
    maxSurge: number | string;
    maxUnavailable: number;
    progressDeadlineSeconds: number;
    budgetSeconds: number;
    fits: boolean;
  };
  terminationGracePeriodSeconds: number;
  scaling: {
    min: number;
    max: number;
    metric: string;
    target: number;
    targetText: string;
    query: string;
    concurrency: number;
  };
  slo: { p95Ms: number | undefined; errorRate: number };
  alerts: {
    groups: { records: string; slo: string; drift: string };
    names: { latency: string; errors: string; featureMissing: string; driftWarning: string };
    records: { predictionMean: string; featureMissing: string };
    predictionMeanExpr: string;
    featureMissingRecordExpr: string;
    driftWarnExpr: string;
    driftCriticalExpr: string;
    latencyExpr: string | undefined;
    latencyThreshold: number | undefined;
    errorExpr: string;
    featureMissingExpr: string;
    driftMetric: string;
    driftWarn: number;
    driftCritical: number;
    driftMethod: string;
    retrainAlert: string;
    retrainRoute: string | undefined;
  };
  metrics: { prediction: string; featureMissing: string; latency: string; errors: string };
  alertPrefix: string;
  /** Recording-rule prefix (a valid metric name). */
  recordPrefix: string;
  options: ScaffoldOptions;
  llm: boolean;
  expectedLoadSeconds: number;
  imagePullSeconds: number;
  /** Whether the weights are downloaded from the Hugging Face Hub by the serving image itself. */
  hfDownload: boolean;
  drift:
    | {
        jobName: string;
        features: string[];
        schedule: string;
        reference: string;
        current: string;
        currentFile: string;
        pushgateway: string;
        /** Init containers, in order: the reference profile, then the production sample. */
        fetch: FetchStep[];
        /** mlready's own image (spec.tooling.image, else a placeholder `check` flags). */
        image: string;
        command: string[];
        /** Exec-form arguments of `mlready drift`, escaped for Kubernetes' $(VAR) expansion. */
        args: string[];
        webhook:
          | { url: { name: string; key: string }; token: { name: string; key: string } | undefined }
          | undefined;
      }
    | undefined;
}

/** A container step in exec form: no shell, each value one argument. */
export interface FetchStep {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: ScaffoldView['env'];
}

const HOME_TMP = { name: 'HOME', value: '/tmp' };

/** Exec-form arguments: Kubernetes expands $(VAR) in command and args, so a literal `$` is doubled. */
const execForm = (args: readonly string[]) => args.map(escapeKubernetesExpansion);

/** Runtimes whose serving image carries huggingface-cli (the custom image gets it in requirements.txt). */
const HF_CLI_RUNTIMES = new Set(['vllm', 'tgi', 'custom']);

/** The weights directory inside the container. */
const MODEL_DIR = '/models/model';

export function buildView(manifest: ModelManifest, options: ScaffoldOptions): ScaffoldView {
  const spec = manifest.spec;
  const profile: ScaffoldProfile = PROFILES[spec.serving.runtime];
  const name = manifest.metadata.name;
  const version = spec.model.version;
  const port = spec.serving.port ?? profile.port;
  const gpus = spec.resources?.gpu ?? (profile.gpuByDefault ? 1 : 0);
  const gpuResource = spec.resources?.gpuResource ?? 'nvidia.com/gpu';
  const cpu = String(spec.resources?.cpu ?? profile.defaults.cpu);
  const memory = String(spec.resources?.memory ?? profile.defaults.memory);
  const load = spec.serving.expectedLoadSeconds ?? profile.defaults.expectedLoadSeconds;
  const pull = spec.serving.imagePullSeconds ?? profile.defaults.imagePullSeconds;
  const maxRequest = spec.serving.maxRequestSeconds ?? profile.defaults.maxRequestSeconds;
  const weightsMode = spec.serving.weights ?? 'volume';
  const servedName = name;
  const selector = { 'app.kubernetes.io/name': name };
  const labels = {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': 'mlready',
    'mlready.dev/model': name,
  };
  const podLabels = {
    ...selector,
    'mlready.dev/model': name,
    'mlready.dev/model-version': version,
    'mlready.dev/track': 'stable',
  };

  const resources = {
    requests: { cpu, memory, ...(gpus > 0 ? { [gpuResource]: gpus } : {}) } as Record<
      string,
      string | number
    >,
    limits: { cpu, memory, ...(gpus > 0 ? { [gpuResource]: gpus } : {}) } as Record<string, string | number>,
  };
  if (weightsMode === 'download') {
    resources.requests['ephemeral-storage'] = String(spec.resources?.ephemeralStorage ?? '50Gi');
    resources.limits['ephemeral-storage'] = String(spec.resources?.ephemeralStorage ?? '50Gi');
  }

  const readyPath = profile.readyPath.replace('{{model}}', servedName);
  const http = (path: string, extra: Record<string, number>) => ({
    httpGet: { path, port: 'http' },
    ...extra,
  });
  const readinessPeriod = 5;
  const probes = {
    // Startup covers the model load with margin; liveness only starts after it.
    startup: http(readyPath, {
      periodSeconds: 10,
      failureThreshold: Math.ceil(load / 10) + 6,
      timeoutSeconds: 5,
    }),
    readiness: http(readyPath, { periodSeconds: readinessPeriod, failureThreshold: 3, timeoutSeconds: 5 }),
    liveness: profile.livePath
      ? http(profile.livePath, { periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 })
      : { tcpSocket: { port: 'http' }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
  };

  // A rolling update sized to the rollback budget: as many pods per wave as the budget needs.
  const budgetSeconds = parseDurationSeconds(spec.rollout?.rollbackBudget ?? '5m') ?? 300;
  const min = spec.scaling?.minReplicas ?? 2;
  const max = Math.max(spec.scaling?.maxReplicas ?? min * 2, min + 1);
  const perWaveSeconds = pull + load + readinessPeriod;
  const waves = Math.max(1, Math.floor(budgetSeconds / perWaveSeconds));
  const perWave = Math.ceil(min / waves);
  const rollout = {
    maxSurge: perWave >= min ? '100%' : perWave,
    maxUnavailable: 0,
    progressDeadlineSeconds: budgetSeconds,
    budgetSeconds,
    fits: perWaveSeconds <= budgetSeconds,
  };

  const latency = profile.latencyMetric(servedName);
  const latencyName = spec.monitoring?.metrics?.latency ?? latency.name;
  const model = quoteJson(name);
  const latencySelector = spec.monitoring?.metrics?.latency ? `{model=${model}}` : latency.selector;
  const p95 = spec.slo?.latencyMs?.p95;
  const latencyThreshold = p95 === undefined ? undefined : latency.unit === 's' ? p95 / 1000 : p95;
  const drift = spec.monitoring?.drift;
  const method = drift?.method ?? 'psi';
  const driftDefaults = driftDefaultsFor(method) ?? DRIFT_DEFAULTS.psi;
  const metrics = {
    latency: latencyName,
    prediction: spec.monitoring?.metrics?.prediction ?? 'model_prediction_value',
    featureMissing: spec.monitoring?.metrics?.featureMissing ?? 'model_feature_missing_rate',
    errors: spec.monitoring?.metrics?.errors ?? 'model_inference_errors_total',
  };
  const latencyBuckets = `${latencyName}_bucket${latencySelector}`;
  const latencyP95 = `histogram_quantile(0.95, sum by (le) (rate(${latencyBuckets}[5m])))`;
  const errorSeries = `sum(rate(${metrics.errors}{model=${model}}[5m]))`;
  const requestSeries = `sum(rate(${latencyName}_count${latencySelector}[5m]))`;
  const errorRatio = spec.monitoring?.metrics?.errors
    ? `${errorSeries} / ${requestSeries}`
    : profile.errorRatio(servedName, name);
  const errorRateLimit = spec.slo?.errorRate ?? 0.01;
  const alertPrefix = name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const retrainAlert = spec.monitoring?.retraining?.onAlert ?? `${alertPrefix}DataDriftCritical`;
  const recordPrefix = name.replace(/-/g, '_');
  const driftMetric = spec.monitoring?.metrics?.drift ?? 'model_data_drift_score';
  const driftSelector = `${driftMetric}{model=${model}, method=${quoteJson(method)}}`;
  const driftWarn = drift?.warn ?? driftDefaults.warn;
  const driftCritical = drift?.critical ?? driftDefaults.critical;
  const hfDownload =
    weightsMode === 'download' &&
    (spec.model.uri?.startsWith('hf://') ?? false) &&
    HF_CLI_RUNTIMES.has(spec.serving.runtime);
  const image = spec.serving.image ?? profile.baseImage;
  const args = profile.args({
    modelDir: MODEL_DIR,
    servedName,
    port,
    tensorParallel: spec.serving.tensorParallel ?? Math.max(gpus, 1),
  });

  const env: ScaffoldView['env'] = [];
  if (spec.model.uri?.startsWith('hf://') && weightsMode !== 'baked') {
    env.push({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: `${name}-hf-token`, key: 'token', optional: true } },
    });
  }
  if (!profile.readOnlyRoot) env.push({ name: 'HOME', value: '/tmp' });

  return {
    name,
    namespace: manifest.metadata.namespace,
    runtime: spec.serving.runtime,
    model: { name: spec.model.name, version, uri: spec.model.uri, servedName },
    image,
    baseImage: profile.baseImage,
    port,
    metricsPort: profile.metricsPort,
    metricsPortName: profile.metricsPort ? 'metrics' : 'http',
    adminPort: profile.adminPort,
    labels,
    selector,
    podLabels,
    args,
    containerArgs: execForm(args),
    env,
    resources,
    gpus,
    gpuResource,
    gpuType: spec.resources?.gpuType,
    probes,
    shm: profile.shm,
    readOnlyRoot: profile.readOnlyRoot,
    weights: {
      mode: weightsMode,
      baked: weightsMode === 'baked',
      pvc: weightsMode === 'volume',
      emptyDir: weightsMode === 'download',
      dir: MODEL_DIR,
      claim: `${name}-weights-${version.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}`,
      fetch:
        weightsMode === 'download'
          ? fetchStep(spec.model.uri, hfDownload ? image : undefined, name)
          : undefined,
    },
    rollout,
    terminationGracePeriodSeconds: maxRequest + 20,
    scaling: scalingOf(spec.scaling, profile, min, max, name),
    slo: { p95Ms: p95, errorRate: spec.slo?.errorRate ?? 0.01 },
    alerts: {
      groups: { records: `${name}.records`, slo: `${name}.slo`, drift: `${name}.drift` },
      names: {
        latency: `${alertPrefix}LatencyP95High`,
        errors: `${alertPrefix}ErrorRateHigh`,
        featureMissing: `${alertPrefix}FeatureMissing`,
        driftWarning: `${alertPrefix}DataDriftWarning`,
      },
      records: {
        predictionMean: `${recordPrefix}:prediction_mean:1h`,
        featureMissing: `${recordPrefix}:feature_missing_rate:max`,
      },
      predictionMeanExpr:
        `sum(rate(${metrics.prediction}_sum{model=${model}}[1h])) / ` +
        `sum(rate(${metrics.prediction}_count{model=${model}}[1h]))`,
      featureMissingRecordExpr: `max by (feature) (${metrics.featureMissing}{model=${model}})`,
      driftWarnExpr: `max by (feature) (${driftSelector}) > ${driftWarn}`,
      driftCriticalExpr: `max by (feature) (${driftSelector}) > ${driftCritical}`,
      latencyExpr: latencyThreshold === undefined ? undefined : `${latencyP95} > ${latencyThreshold}`,
      latencyThreshold,
      errorExpr: `${errorRatio} > ${errorRateLimit}`,
      featureMissingExpr: `max by (feature) (${metrics.featureMissing}{model=${model}}) > 0.05`,
      driftMetric,
      driftWarn,
      driftCritical,
      driftMethod: method,
      retrainAlert,
      retrainRoute: drift?.alertRoute,
    },
    metrics,
    alertPrefix,
    recordPrefix,
    options,
    llm: profile.llm,
    expectedLoadSeconds: load,
    imagePullSeconds: pull,
    hfDownload,
    drift: drift?.features
      ? driftJob(manifest, { method, warn: driftWarn, critical: driftCritical })
      : undefined,
  };
}

/**
 * An init step that fetches weights at a pinned revision, by URI scheme. Exec form: the URI is one
 * argument, never shell text. `hfImage` is the serving image when it carries huggingface-cli.
 */
function fetchStep(
  uri: string | undefined,
  hfImage: string | undefined,
  name: string,
): FetchStep | undefined {
  if (!uri) return undefined;
  const hf = /^hf:\/\/([^@]+)@(.+)$/s.exec(uri);
  if (hf) {
    const [, repo, revision] = hf as unknown as [string, string, string];
    const env = [
      HOME_TMP,
      { name: 'HF_HOME', value: '/tmp/hf' },
      {
        name: 'HF_TOKEN',
        valueFrom: { secretKeyRef: { name: `${name}-hf-token`, key: 'token', optional: true } },
      },
    ];
    if (hfImage)
      return {
        name: 'fetch-weights',
        image: hfImage,
        command: execForm([
          'huggingface-cli',
          'download',
          repo,
          '--revision',
          revision,
          '--local-dir',
          MODEL_DIR,
        ]),
        args: [],
        env,
      };
    // No image at hand carries huggingface-cli: install it, with the values as positional
    // parameters of a fixed script (never pasted into it). check warns about the install.
    return {
      name: 'fetch-weights',
      image: 'python:3.12.7-slim-bookworm',
      command: ['sh', '-c'],
      args: execForm([
        'pip install --no-cache-dir huggingface_hub==0.26.2 && exec huggingface-cli download "$1" --revision "$2" --local-dir "$3"',
        'fetch-weights',
        repo,
        revision,
        MODEL_DIR,
      ]),
      env,
    };
  }
  if (uri.startsWith('s3://'))
    return {
      name: 'fetch-weights',
      image: 'amazon/aws-cli:2.17.0',
      command: execForm(['aws', 's3', 'sync', uri, MODEL_DIR]),
      args: [],
      env: [HOME_TMP],
    };
  if (uri.startsWith('gs://'))
    return {
      name: 'fetch-weights',
      image: 'google/cloud-sdk:492.0.0-slim',
      command: execForm(['gcloud', 'storage', 'cp', '-r', `${uri}*`, MODEL_DIR]),
      args: [],
      env: [HOME_TMP],
    };
  return undefined;
}

function scalingOf(
  scaling: ModelManifest['spec']['scaling'],
  profile: ScaffoldProfile,
  min: number,
  max: number,
  name: string,
): ScaffoldView['scaling'] {
  const metric = scaling?.metric ?? profile.scalingMetric;
  const target = scaling?.target ?? profile.scalingTarget;
  return {
    min,
    max,
    metric,
    target,
    targetText: String(target),
    query: `avg(${metric}{app_kubernetes_io_name="${name}"})`,
    concurrency: profile.llm ? 16 : 32,
  };
}

/**
 * The drift CronJob: fetch the saved profile and a production sample, run `mlready drift` from
 * mlready's own image, push, trigger retraining. Every step is exec form.
 */
function driftJob(
  manifest: ModelManifest,
  thresholds: { method: string; warn: number; critical: number },
): NonNullable<ScaffoldView['drift']> {
  const { name } = manifest.metadata;
  const { version } = manifest.spec.model;
  const drift = manifest.spec.monitoring!.drift!;
  const reference = drift.reference ?? `s3://mlready-drift/${name}/${version}/reference-profile.json`;
  const current = drift.current ?? `s3://mlready-drift/${name}/current/sample.parquet`;
  const ext = /\.(csv|tsv|jsonl|ndjson|json|parquet)$/.exec(current)?.[1] ?? 'parquet';
  const currentFile = `/data/current.${ext}`;
  const referenceFile = '/data/reference-profile.json';
  const image =
    reference.startsWith('gs://') || current.startsWith('gs://')
      ? 'google/cloud-sdk:492.0.0-slim'
      : 'amazon/aws-cli:2.17.0';
  const copy = (step: string, uri: string, to: string): FetchStep => ({
    name: step,
    image,
    command: execForm(
      uri.startsWith('gs://')
        ? ['gcloud', 'storage', 'cp', uri, to]
        : uri.startsWith('s3://')
          ? ['aws', 's3', 'cp', uri, to]
          : ['cp', uri, to],
    ),
    args: [],
    env: [HOME_TMP],
  });
  const retraining = manifest.spec.monitoring?.retraining;
  const webhook =
    retraining?.trigger === 'webhook' && retraining.webhook?.urlSecretRef
      ? { url: retraining.webhook.urlSecretRef, token: retraining.webhook.tokenSecretRef }
      : undefined;
  const features = drift.features ?? [];
  const pushgateway = drift.pushgateway ?? 'http://prometheus-pushgateway.monitoring.svc:9091';
  return {
    jobName: `${name}-drift`,
    features,
    schedule: drift.schedule ?? '0 * * * *',
    reference,
    current,
    currentFile,
    pushgateway,
    fetch: [copy('fetch-reference', reference, referenceFile), copy('fetch-current', current, currentFile)],
    image: toolingImageOf(manifest),
    command: ['mlready'],
    args: execForm([
      'drift',
      '--reference',
      referenceFile,
      '--current',
      currentFile,
      '--model',
      name,
      '--features',
      features.join(','),
      '--method',
      thresholds.method,
      '--warn',
      String(thresholds.warn),
      '--critical',
      String(thresholds.critical),
      '--push',
      pushgateway,
      ...(webhook ? ['--on-critical', 'env:RETRAINING_WEBHOOK_URL'] : []),
    ]),
    webhook,
  };
}
