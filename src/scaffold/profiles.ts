import type { Runtime } from '../manifest/types.js';

/** How the scaffold runs each runtime: image, ports, probe endpoints, metrics, and init defaults. */
export interface ScaffoldProfile {
  runtime: Runtime;
  /** Pinned base image for the Dockerfile and the default serving image. */
  baseImage: string;
  /** HTTP port the server listens on. */
  port: number;
  /** Port serving /metrics, when not the HTTP port. */
  metricsPort?: number;
  /** Management port kept inside the cluster (never in the Service). */
  adminPort?: number;
  readyPath: string;
  /** Liveness: an HTTP path, or undefined for a tcpSocket probe on the HTTP port. */
  livePath: string | undefined;
  protocol: 'openai' | 'kserve-v2' | 'http-json' | 'tfserving' | 'torchserve';
  /** The metric the HPA scales on, and its per-pod target. */
  scalingMetric: string;
  scalingTarget: number;
  /** Latency histogram for the SLO alert, and its unit. */
  latencyMetric: (model: string) => { name: string; selector: string; unit: 's' | 'ms' };
  /** PromQL for the error ratio. */
  errorRatio: (model: string, service: string) => string;
  llm: boolean;
  gpuByDefault: boolean;
  /** Defaults `mlready init` proposes (seconds). */
  defaults: {
    expectedLoadSeconds: number;
    imagePullSeconds: number;
    maxRequestSeconds: number;
    cpu: string;
    memory: string;
    p95Ms: number;
  };
  /** Needs /dev/shm as an in-memory emptyDir. */
  shm: boolean;
  /** Can run with a read-only root filesystem (caches on emptyDirs). */
  readOnlyRoot: boolean;
  /** Container args, given where the weights are mounted. */
  args: (v: { modelDir: string; servedName: string; port: number; tensorParallel: number }) => string[];
}

const modelMetrics = (name: string) => (model: string) => ({
  name,
  selector: `{model="${model}"}`,
  unit: 's' as const,
});
const genericErrors = (model: string) => {
  const errors = `sum(rate(model_inference_errors_total{model="${model}"}[5m]))`;
  const requests = `sum(rate(model_inference_duration_seconds_count{model="${model}"}[5m]))`;
  return `${errors} / ${requests}`;
};

export const PROFILES: Readonly<Record<Runtime, ScaffoldProfile>> = {
  custom: {
    runtime: 'custom',
    baseImage: 'python:3.12.7-slim-bookworm',
    port: 8080,
    readyPath: '/health/ready',
    livePath: '/health/live',
    protocol: 'http-json',
    scalingMetric: 'model_inflight_requests',
    scalingTarget: 8,
    latencyMetric: modelMetrics('model_inference_duration_seconds'),
    errorRatio: genericErrors,
    llm: false,
    gpuByDefault: false,
    defaults: {
      expectedLoadSeconds: 30,
      imagePullSeconds: 20,
      maxRequestSeconds: 30,
      cpu: '2',
      memory: '4Gi',
      p95Ms: 200,
    },
    shm: false,
    readOnlyRoot: true,
    args: () => [],
  },
  tfserving: {
    runtime: 'tfserving',
    baseImage: 'tensorflow/serving:2.17.0',
    port: 8501,
    readyPath: '/v1/models/{{model}}',
    livePath: undefined,
    protocol: 'tfserving',
    scalingMetric: 'model_inflight_requests',
    scalingTarget: 16,
    latencyMetric: modelMetrics('model_inference_duration_seconds'),
    errorRatio: genericErrors,
    llm: false,
    gpuByDefault: false,
    defaults: {
      expectedLoadSeconds: 30,
      imagePullSeconds: 30,
      maxRequestSeconds: 30,
      cpu: '4',
      memory: '8Gi',
      p95Ms: 100,
    },
    shm: false,
    readOnlyRoot: true,
    args: (v) => [
      `--model_name=${v.servedName}`,
      `--model_base_path=${v.modelDir}`,
      `--rest_api_port=${v.port}`,
      '--port=8500',
    ],
  },
  tgi: {
    runtime: 'tgi',
    baseImage: 'ghcr.io/huggingface/text-generation-inference:2.4.0',
    port: 8080,
    readyPath: '/health',
    livePath: undefined,
    protocol: 'openai',
    scalingMetric: 'tgi_queue_size',
    scalingTarget: 8,
    latencyMetric: () => ({ name: 'tgi_request_duration', selector: '', unit: 's' }),
    errorRatio: () => 'sum(rate(tgi_request_failure[5m])) / sum(rate(tgi_request_count[5m]))',
    llm: true,
    gpuByDefault: true,
    defaults: {
      expectedLoadSeconds: 180,
      imagePullSeconds: 60,
      maxRequestSeconds: 120,
      cpu: '8',
      memory: '48Gi',
      p95Ms: 4000,
    },
    shm: true,
    readOnlyRoot: false,
    args: (v) => [`--model-id=${v.modelDir}`, `--port=${v.port}`, `--num-shard=${v.tensorParallel}`],
  },
  torchserve: {
    runtime: 'torchserve',
    baseImage: 'pytorch/torchserve:0.12.0-gpu',
    port: 8080,
    metricsPort: 8082,
    adminPort: 8081,
    readyPath: '/ping',
    livePath: undefined,
    protocol: 'torchserve',
    scalingMetric: 'ts_queue_latency_microseconds',
    scalingTarget: 50000,
    latencyMetric: modelMetrics('model_inference_duration_seconds'),
    errorRatio: genericErrors,
    llm: false,
    gpuByDefault: true,
    defaults: {
      expectedLoadSeconds: 60,
      imagePullSeconds: 45,
      maxRequestSeconds: 30,
      cpu: '4',
      memory: '16Gi',
      p95Ms: 150,
    },
    shm: true,
    readOnlyRoot: false,
    args: (v) => [
      'torchserve',
      '--foreground',
      '--model-store',
      v.modelDir,
      '--models',
      `${v.servedName}=${v.servedName}.mar`,
      '--disable-token-auth',
    ],
  },
  triton: {
    runtime: 'triton',
    baseImage: 'nvcr.io/nvidia/tritonserver:24.08-py3',
    port: 8000,
    metricsPort: 8002,
    readyPath: '/v2/health/ready',
    livePath: '/v2/health/live',
    protocol: 'kserve-v2',
    scalingMetric: 'nv_inference_queue_duration_us',
    scalingTarget: 20000,
    latencyMetric: modelMetrics('model_inference_duration_seconds'),
    errorRatio: (model) => {
      const failures = `sum(rate(nv_inference_request_failure{model="${model}"}[5m]))`;
      const requests = `sum(rate(nv_inference_count{model="${model}"}[5m]))`;
      return `${failures} / ${requests}`;
    },
    llm: false,
    gpuByDefault: true,
    defaults: {
      expectedLoadSeconds: 90,
      imagePullSeconds: 60,
      maxRequestSeconds: 30,
      cpu: '4',
      memory: '16Gi',
      p95Ms: 100,
    },
    shm: true,
    readOnlyRoot: false,
    args: (v) => [
      'tritonserver',
      `--model-repository=${v.modelDir}`,
      '--strict-readiness=true',
      `--http-port=${v.port}`,
      '--metrics-port=8002',
      '--exit-timeout-secs=30',
    ],
  },
  vllm: {
    runtime: 'vllm',
    baseImage: 'vllm/vllm-openai:v0.6.3',
    port: 8000,
    readyPath: '/v1/models',
    livePath: '/health',
    protocol: 'openai',
    scalingMetric: 'vllm:num_requests_waiting',
    scalingTarget: 8,
    latencyMetric: (model) => ({
      name: 'vllm:e2e_request_latency_seconds',
      selector: `{model_name="${model}"}`,
      unit: 's',
    }),
    errorRatio: (model) => {
      const aborted = `sum(rate(vllm:request_success_total{model_name="${model}", finished_reason="abort"}[5m]))`;
      const finished = `sum(rate(vllm:request_success_total{model_name="${model}"}[5m]))`;
      return `${aborted} / ${finished}`;
    },
    llm: true,
    gpuByDefault: true,
    defaults: {
      expectedLoadSeconds: 180,
      imagePullSeconds: 60,
      maxRequestSeconds: 120,
      cpu: '8',
      memory: '48Gi',
      p95Ms: 4000,
    },
    shm: true,
    readOnlyRoot: false,
    args: (v) => [
      `--model=${v.modelDir}`,
      `--served-model-name=${v.servedName}`,
      `--port=${v.port}`,
      `--tensor-parallel-size=${v.tensorParallel}`,
    ],
  },
};

export const RUNTIME_NAMES = Object.keys(PROFILES).sort() as Runtime[];
