import { asString } from '../../check/objects.js';
import { parseImage } from '../../check/image.js';
import type { ModelService } from '../../check/services.js';
import { containersOf, type ContainerRef } from '../../check/workloads.js';

export type RuntimeId = 'vllm' | 'tgi' | 'triton' | 'torchserve' | 'tfserving' | 'nim' | 'kserve' | 'custom';

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
  },
};

/** Metric names any runtime may scale on: queue depth, in-flight requests, latency. */
export const GENERIC_ML_METRICS = [
  /queue/i,
  /waiting/i,
  /pending/i,
  /inflight|in_flight|concurren/i,
  /latency|duration|ttft|time_to_first_token/i,
  /num_requests/i,
  /batch/i,
];

const IMAGE_PATTERNS: [RegExp, RuntimeId][] = [
  [/(^|\/)vllm(-openai)?$|(^|\/)vllm\//, 'vllm'],
  [/text-generation-inference/, 'tgi'],
  [/tritonserver/, 'triton'],
  [/torchserve/, 'torchserve'],
  [/tensorflow\/serving|tensorflow-serving/, 'tfserving'],
  [/^nvcr\.io\/nim\//, 'nim'],
  [
    /(^|\/)kserve\/(sklearnserver|xgbserver|lgbserver|huggingfaceserver|pmmlserver|paddleserver|custom-model)/,
    'kserve',
  ],
];

export function runtimeFromImage(image: string | undefined): RuntimeId | undefined {
  if (!image) return undefined;
  const repository = parseImage(image).repository.toLowerCase();
  return IMAGE_PATTERNS.find(([pattern]) => pattern.test(repository))?.[1];
}

/** The runtime of a serving container: the manifest's word, else the image, else the workload kind. */
export function runtimeOf(service: ModelService, ref?: ContainerRef): RuntimeProfile {
  const declared = service.manifest?.manifest.spec.serving.runtime;
  if (declared) return RUNTIMES[declared];
  const fromImage = runtimeFromImage(asString(ref?.container.image));
  if (fromImage) return RUNTIMES[fromImage];
  if (ref?.workload.kind === 'InferenceService') return RUNTIMES.kserve;
  for (const workload of service.workloads) {
    if (workload.kind === 'InferenceService') return RUNTIMES.kserve;
    for (const container of containersOf(workload)) {
      const id = runtimeFromImage(asString(container.container.image));
      if (id) return RUNTIMES[id];
    }
  }
  return RUNTIMES.custom;
}

/** Seconds the model takes to load: the manifest's expectedLoadSeconds, else the runtime default. */
export function expectedLoadSeconds(
  service: ModelService,
  runtime: RuntimeProfile,
): { seconds: number; source: string } {
  const declared = service.manifest?.manifest.spec.serving.expectedLoadSeconds;
  if (declared !== undefined) return { seconds: declared, source: 'serving.expectedLoadSeconds' };
  return { seconds: runtime.defaultLoadSeconds, source: `the ${runtime.title} default` };
}

/** Does an HTTP path match one of the runtime's ready paths ("*" = one segment)? */
export function matchesPath(path: string, patterns: readonly string[]): boolean {
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
    return regex.test(clean);
  });
}

/** The ready paths for this service: the manifest's declared endpoint for custom servers. */
export function readyPathsFor(service: ModelService, runtime: RuntimeProfile): string[] {
  const declared = service.manifest?.manifest.spec.serving.health?.ready;
  if (declared) return runtime.id === 'custom' ? [declared] : [...new Set([...runtime.readyPaths, declared])];
  return runtime.readyPaths;
}
