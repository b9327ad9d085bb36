import type { ModelService } from '../../check/services.js';
import { DEFAULT_METRICS } from '../../manifest/types.js';
import type { ContainerRef } from '../../workloads/model.js';
import { runtimeOfContainer, type RuntimeId } from '../../workloads/runtime.js';

export type { RuntimeId } from '../../workloads/runtime.js';
export { runtimeFromImage } from '../../workloads/runtime.js';

export interface RuntimeProfile {
  id: RuntimeId;
  title: string;
  /** Large language model server: slow loads, long requests, streaming. */
  llm: boolean;
  /**
   * HTTP paths that prove the model is loaded and can serve ("*" matches one path segment, e.g. a
   * model name). Empty for custom servers without a declared ready endpoint: any HTTP path then.
   */
  readyPaths: string[];
  /** What liveness should call instead: an endpoint that proves the process, not the model. */
  livenessHint: string;
  /** Seconds from start until the model serves, when the manifest does not say (documented defaults). */
  defaultLoadSeconds: number;
  /** Seconds to pull the image on a cold node, when the manifest does not say. */
  defaultPullSeconds: number;
  /** Queue or latency metrics an autoscaler should follow. */
  scalingMetrics: string[];
  /**
   * Metrics the server exports itself, from its documentation: the request latency histogram,
   * time to first token for LLM servers, and the counter that shows failed requests.
   */
  metrics: { latency: string[]; ttft: string[]; errors: string[] };
}

/**
 * What mlready knows about each runtime. Load and pull defaults are deliberately pessimistic:
 * LLM images are 8–15 GB and an 8B model takes minutes to load onto a GPU.
 */
export const RUNTIMES: Readonly<Record<RuntimeId, RuntimeProfile>> = {
  custom: {
    id: 'custom',
    title: 'custom server',
    llm: false,
    readyPaths: [],
    livenessHint: 'a liveness path of its own (e.g. /health/live)',
    defaultLoadSeconds: 60,
    defaultPullSeconds: 30,
    scalingMetrics: ['inference_queue_depth', 'model_inflight_requests'],
    metrics: { latency: [DEFAULT_METRICS.latency], ttft: [], errors: [DEFAULT_METRICS.errors] },
  },
  kserve: {
    id: 'kserve',
    title: 'KServe model server',
    llm: false,
    readyPaths: ['/v2/health/ready', '/v2/models/*/ready', '/v1/models/*'],
    livenessHint: '/v2/health/live',
    defaultLoadSeconds: 60,
    defaultPullSeconds: 60,
    scalingMetrics: ['inference_queue_depth', 'concurrency', 'rps'],
    metrics: { latency: ['request_predict_seconds'], ttft: [], errors: [] },
  },
  nim: {
    id: 'nim',
    title: 'NVIDIA NIM',
    llm: true,
    readyPaths: ['/v1/health/ready'],
    livenessHint: '/v1/health/live',
    defaultLoadSeconds: 300,
    defaultPullSeconds: 180,
    scalingMetrics: ['num_requests_waiting', 'num_requests_running', 'time_to_first_token_seconds'],
    metrics: {
      latency: ['e2e_request_latency_seconds'],
      ttft: ['time_to_first_token_seconds'],
      errors: ['request_failure_total'],
    },
  },
  tfserving: {
    id: 'tfserving',
    title: 'TensorFlow Serving',
    llm: false,
    readyPaths: ['/v1/models/*'],
    livenessHint: 'a tcpSocket probe on the gRPC port 8500',
    defaultLoadSeconds: 60,
    defaultPullSeconds: 30,
    scalingMetrics: [':tensorflow:serving:request_latency', ':tensorflow:serving:request_count'],
    metrics: {
      latency: [':tensorflow:serving:request_latency'],
      ttft: [],
      errors: [':tensorflow:serving:request_count'],
    },
  },
  tgi: {
    id: 'tgi',
    title: 'Text Generation Inference',
    llm: true,
    readyPaths: ['/health'],
    livenessHint: 'a tcpSocket probe or /info',
    defaultLoadSeconds: 300,
    defaultPullSeconds: 120,
    scalingMetrics: ['tgi_queue_size', 'tgi_batch_current_size', 'tgi_request_queue_duration'],
    metrics: { latency: ['tgi_request_duration'], ttft: [], errors: ['tgi_request_failure'] },
  },
  torchserve: {
    id: 'torchserve',
    title: 'TorchServe',
    llm: false,
    readyPaths: ['/ping', '/models/*'],
    livenessHint: 'a tcpSocket probe on the inference port',
    defaultLoadSeconds: 120,
    defaultPullSeconds: 60,
    scalingMetrics: ['ts_queue_latency_microseconds', 'QueueTime', 'ts_inference_latency_microseconds'],
    metrics: { latency: ['ts_inference_latency_microseconds'], ttft: [], errors: ['Requests5XX'] },
  },
  triton: {
    id: 'triton',
    title: 'Triton Inference Server',
    llm: false,
    readyPaths: ['/v2/health/ready', '/v2/models/*/ready'],
    livenessHint: '/v2/health/live',
    defaultLoadSeconds: 120,
    defaultPullSeconds: 120,
    scalingMetrics: ['nv_inference_queue_duration_us', 'nv_inference_pending_request_count'],
    metrics: {
      latency: ['nv_inference_request_duration_us'],
      ttft: [],
      errors: ['nv_inference_request_failure'],
    },
  },
  mlserver: {
    id: 'mlserver',
    title: 'MLServer',
    llm: false,
    readyPaths: ['/v2/health/ready', '/v2/models/*/ready'],
    livenessHint: '/v2/health/live',
    defaultLoadSeconds: 60,
    defaultPullSeconds: 60,
    scalingMetrics: ['model_infer_request_duration'],
    metrics: {
      latency: ['model_infer_request_duration'],
      ttft: [],
      errors: ['model_infer_request_failure'],
    },
  },
  ray: {
    id: 'ray',
    title: 'Ray Serve',
    llm: false,
    readyPaths: ['/-/healthz', '/-/routes'],
    livenessHint: 'the probe KubeRay injects',
    defaultLoadSeconds: 120,
    defaultPullSeconds: 180,
    scalingMetrics: ['ray_serve_num_ongoing_http_requests', 'ray_serve_deployment_queued_queries'],
    metrics: {
      latency: ['ray_serve_http_request_latency_ms', 'ray_serve_deployment_processing_latency_ms'],
      ttft: [],
      errors: ['ray_serve_num_http_error_requests'],
    },
  },
  sglang: {
    id: 'sglang',
    title: 'SGLang',
    llm: true,
    readyPaths: ['/health', '/health_generate', '/v1/models'],
    livenessHint: '/health',
    defaultLoadSeconds: 300,
    defaultPullSeconds: 120,
    scalingMetrics: ['sglang:num_queue_reqs', 'sglang:num_running_reqs'],
    metrics: {
      latency: ['sglang:e2e_request_latency_seconds'],
      ttft: ['sglang:time_to_first_token_seconds'],
      errors: [],
    },
  },
  vllm: {
    id: 'vllm',
    title: 'vLLM',
    llm: true,
    readyPaths: ['/health', '/v1/models'],
    livenessHint: '/health',
    defaultLoadSeconds: 300,
    defaultPullSeconds: 120,
    scalingMetrics: [
      'vllm:num_requests_waiting',
      'vllm:num_requests_running',
      'vllm:time_to_first_token_seconds',
      'vllm:gpu_cache_usage_perc',
    ],
    metrics: {
      latency: ['vllm:e2e_request_latency_seconds'],
      ttft: ['vllm:time_to_first_token_seconds'],
      errors: [],
    },
  },
};

/** Metric names any runtime may scale on: queue depth, in-flight requests, latency. */
export const GENERIC_ML_METRICS = [
  /queue/i,
  /waiting/i,
  /pending/i,
  /inflight|in_flight|concurren/i,
  /latency|duration|ttft|time_to_first_token/i,
  /kv_cache|cache_usage/i,
  /num_requests/i,
  /batch/i,
];

/**
 * The runtime of a serving container: the manifest's word, else the container's image, command or
 * kind, else that of any serving container of the service.
 */
export function runtimeOf(service: ModelService, ref?: ContainerRef): RuntimeProfile {
  const declared = service.manifest?.manifest.spec.serving.runtime;
  if (declared) return RUNTIMES[declared];
  const own = ref ? runtimeOfContainer(ref) : undefined;
  if (own) return RUNTIMES[own];
  // Asked ~20 000 times a run (rules and the load-time estimate), mostly for a service whose one
  // serving container is `ref` itself: its answer is known, so it is not looked up again; an index
  // loop, as for-of makes an iterator result per step until the caller is optimized.
  const containers = service.servingContainers();
  for (let i = 0; i < containers.length; i++) {
    const container = containers[i]!;
    if (container === ref) continue;
    const id = runtimeOfContainer(container);
    if (id) return RUNTIMES[id];
  }
  return RUNTIMES.custom;
}

/** The runtimes of the service's serving containers (the manifest's when it says). */
export function runtimesOf(service: ModelService): RuntimeProfile[] {
  const declared = service.manifest?.manifest.spec.serving.runtime;
  if (declared) return [RUNTIMES[declared]];
  const ids = new Set(service.servingContainers().map((c) => runtimeOfContainer(c) ?? 'custom'));
  return ids.size === 0 ? [RUNTIMES.custom] : [...ids].map((id) => RUNTIMES[id]);
}

/** Does an HTTP path match one of the runtime's ready paths ("*" = one segment)? */
export function matchesPath(path: string, patterns: readonly string[]): boolean {
  // Asked for every readiness probe of a run: the query and trailing slashes are cut only where
  // there are some, and a pattern without "*" is the path itself (its pattern is ^path$).
  const query = path.indexOf('?');
  let clean = query < 0 ? path : path.slice(0, query);
  if (clean.endsWith('/')) clean = clean.replace(TRAILING_SLASHES, '');
  if (clean === '') clean = '/';
  for (let i = 0; i < patterns.length; i++) {
    const pattern = patterns[i]!;
    if (
      !pattern.includes('*')
        ? pattern === clean
        : (READY_PATTERNS.get(pattern) ?? pathPattern(pattern)).test(clean)
    )
      return true;
  }
  return false;
}

const TRAILING_SLASHES = /\/+$/;

function pathPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
}

/** The runtimes' ready paths are constants: compiled once, not per probe (a declared path is compiled when asked). */
const READY_PATTERNS = new Map(
  Object.values(RUNTIMES).flatMap((r) => r.readyPaths.map((p) => [p, pathPattern(p)] as const)),
);

/** The ready paths for this service: the manifest's declared endpoint for custom servers. */
export function readyPathsFor(service: ModelService, runtime: RuntimeProfile): string[] {
  const declared = service.manifest?.manifest.spec.serving.health?.ready;
  if (declared) return runtime.id === 'custom' ? [declared] : [...new Set([...runtime.readyPaths, declared])];
  return runtime.readyPaths;
}
