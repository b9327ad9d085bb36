import type { RuntimeId } from '../workloads/runtime.js';

/**
 * Every constant an estimate uses, with where it comes from. docs/estimates.md lists the same
 * numbers with their sources; a test keeps the two in step.
 */
export interface Constant {
  readonly value: number;
  /** Shown in a finding's arithmetic: "Hugging Face at 100 MB/s". */
  readonly source: string;
}

/** Bytes per second when weights or images come over the network. */
export const NETWORK_BANDWIDTH: Constant = {
  value: 100e6,
  source: 'mlready default network bandwidth (docs/estimates.md)',
};

/** Bytes per second per GPU when safetensors are read from local disk onto the GPU. */
export const GPU_LOAD_BANDWIDTH: Constant = {
  value: 2e9,
  source: 'mlready default disk-to-GPU rate (docs/estimates.md)',
};

/** Bytes per parameter of a checkpoint without a quantization hint: fp16/bf16, as published. */
export const DEFAULT_BYTES_PER_PARAMETER = 2;

/**
 * Seconds a runtime spends after the weights are on the GPU before it answers ready: CUDA graph
 * capture, torch.compile, warm-up. Sources in docs/estimates.md.
 */
export const RUNTIME_STARTUP_SECONDS: Readonly<Record<RuntimeId, number>> = {
  custom: 10,
  kserve: 10,
  mlserver: 10,
  nim: 60,
  ray: 30,
  sglang: 60,
  tfserving: 10,
  tgi: 30,
  torchserve: 20,
  triton: 20,
  vllm: 60,
};

/** vLLM with --enforce-eager skips torch.compile and CUDA graph capture. */
export const VLLM_EAGER_STARTUP_SECONDS = 15;

/**
 * Compressed sizes of runtime images (what a cold node pulls), in bytes. Sources in
 * docs/estimates.md; runtimes without a published size keep the runtime's pull default.
 */
export const RUNTIME_IMAGE_BYTES: Readonly<Partial<Record<RuntimeId, number>>> = {
  vllm: 9e9,
  tgi: 5e9,
  triton: 8e9,
  nim: 12e9,
  sglang: 10e9,
  torchserve: 2e9,
};
