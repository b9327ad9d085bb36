import { asString } from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import type { LoadedDeployRecord } from '../deploy/record-file.js';
import { modelRefsOf, modelRefsOfContainer } from '../workloads/model-refs.js';
import type { ContainerRef, ModelRef } from '../workloads/model.js';
import { runtimeOf, type RuntimeId, type RuntimeProfile } from '../rules/support/runtimes.js';
import { formatDuration } from '../rules/support/probes.js';
import {
  DEFAULT_BYTES_PER_PARAMETER,
  GPU_LOAD_BANDWIDTH,
  NETWORK_BANDWIDTH,
  RUNTIME_IMAGE_BYTES,
  RUNTIME_STARTUP_SECONDS,
  VLLM_EAGER_STARTUP_SECONDS,
} from './constants.js';
import { checkpointPrecision, shardsOf, tokensOf } from './model-flags.js';
import { formatBillions, modelSizeOf } from './model-size.js';
import { weightsOrigin } from './weights.js';
import { measuredLoadTime } from './measured.js';

/**
 * How much a load time can be trusted, weakest first. A finding resting on a runtime default is a
 * guess (warning); one resting on the model's size, a declared value or a measurement is evidence
 * (error).
 */
export type Confidence = 'runtime-default' | 'model-size' | 'declared' | 'measured';

export interface LoadTime {
  /** From the serving container's start to Ready: what a startup probe must allow. */
  readonly seconds: number;
  /** Spent before the container starts (an init container downloading storageUri). */
  readonly beforeStartSeconds: number;
  readonly confidence: Confidence;
  /** "~93s: 31 s for 3.1 GB weights from Hugging Face at 100 MB/s + 2 s GPU load + 60 s vLLM start-up" */
  readonly arithmetic: string;
  /** Short provenance: "measured 2m10s at release 7", "estimated for 1.5B in the name". */
  readonly source: string;
  /** Measurements that were not used, and why. */
  readonly notes: readonly string[];
}

/** What the estimate reads besides the service: saved deploy records and how old they may be. */
export interface EstimateEvidence {
  readonly deploys: readonly LoadedDeployRecord[];
  readonly maxAgeDays: number;
}

export interface EstimateContext {
  readonly service: ModelService;
  readonly evidence: EstimateEvidence;
  readonly now: Date;
}

/** Warning for a guess, error for evidence. */
export function severityFor(load: LoadTime): 'warning' | 'error' {
  return load.confidence === 'runtime-default' ? 'warning' : 'error';
}

/**
 * The one answer to "how long until this model server is ready", for every rule that needs it
 * (startup-budget, rollback-within-budget, progress-deadline-within-budget, replica-bounds'
 * scale-from-zero), so they never contradict each other. In order of trust:
 *
 *   1. a measurement: the newest deploy record (`mlready deploy --save`) for the same workload,
 *      model version and image, no older than maxAgeDays: its slowest pod's start → ready;
 *   2. serving.expectedLoadSeconds in mlready.yaml;
 *   3. the model's size: weights download (when they come over the network) + GPU load + the
 *      runtime's start-up, each term with its source;
 *   4. the runtime's default.
 */
export function estimateLoadTime(context: EstimateContext, ref: ContainerRef | undefined): LoadTime {
  // Four rules and the summary ask the same question of the same service in a run: answered once
  // per evidence (one per service and run), service view, container and time.
  const evidence = context.evidence;
  const key: object = ref ?? evidence;
  const time = context.now.getTime();
  if (hasMemo(evidence)) {
    // runCheck's evidence keeps its own answers: a short chain, searched in place.
    for (let k = evidence.estimates; k !== undefined; k = k.next)
      if (k.key === key && k.service === context.service && k.time === time) return k.load;
    if (evidence.estimated < MEMO_LIMIT) {
      const load = computeLoadTime(context, ref);
      evidence.estimates = { key, evidence, service: context.service, time, load, next: evidence.estimates };
      evidence.estimated++;
      return load;
    }
  }
  // Other evidence, and a service past MEMO_LIMIT answers: a table of the run's containers, each
  // with its few answers in a chain.
  const first = estimates.get(key);
  for (let k = first; k !== undefined; k = k.next)
    if (k.evidence === evidence && k.service === context.service && k.time === time) return k.load;
  const load = computeLoadTime(context, ref);
  estimates.set(key, { key, evidence, service: context.service, time, load, next: first });
  return load;
}

/**
 * Room on an evidence object for the estimates made with it. runCheck makes one evidence object per
 * service and run, and every rule that asks about the service passes it on: its answers are kept
 * there instead of in a WeakMap entry per container and run (a set and lookups per service in every
 * run, and entries the garbage collector must visit).
 */
export interface EstimateMemo {
  /** The answers so far, newest first. */
  estimates: KnownLoad | undefined;
  /** How many answers the chain holds (at most MEMO_LIMIT). */
  estimated: number;
}

function hasMemo(evidence: EstimateEvidence): evidence is EstimateEvidence & EstimateMemo {
  return 'estimated' in evidence;
}

/**
 * Answers kept on one evidence object: a service has a container or two (and two views); one with
 * thousands of workloads would make the chain's search quadratic, so past this the WeakMap answers.
 */
export const MEMO_LIMIT = 16;

export interface KnownLoad {
  /** The container asked about (the evidence, for none). */
  readonly key: object;
  readonly evidence: EstimateEvidence;
  readonly service: ModelService;
  readonly time: number;
  readonly load: LoadTime;
  /** The answer asked before: for the same key with other evidence, view or time (the WeakMap's chain), or any other (a memo's). */
  readonly next: KnownLoad | undefined;
}

/** Keyed by the container (or, for none, the evidence): objects of one run, gone with it. */
const estimates = new WeakMap<object, KnownLoad>();

function computeLoadTime(context: EstimateContext, ref: ContainerRef | undefined): LoadTime {
  const { service } = context;
  const runtime = runtimeOf(service, ref);
  const measured = measuredLoadTime(context, ref);
  if (measured.load) return { ...measured.load, notes: measured.notes };
  const notes = measured.notes;
  const declared = service.manifest?.manifest.spec.serving.expectedLoadSeconds;
  if (declared !== undefined) {
    return {
      seconds: declared,
      beforeStartSeconds: 0,
      confidence: 'declared',
      arithmetic: `${formatDuration(declared)} (serving.expectedLoadSeconds)`,
      source: 'serving.expectedLoadSeconds',
      notes,
    };
  }
  const sized = ref && SIZED_RUNTIMES.has(runtime.id) ? fromModelSize(service, ref, runtime) : undefined;
  if (sized) return { ...sized, notes };
  const texts = defaultTexts(runtime);
  return {
    seconds: runtime.defaultLoadSeconds,
    beforeStartSeconds: 0,
    confidence: 'runtime-default',
    arithmetic: texts.arithmetic,
    source: texts.source,
    notes,
  };
}

/**
 * A runtime default's texts, the same for every service of that runtime: made once per runtime
 * profile (a constant of the runtime table, not of the input), not once per service and run.
 */
function defaultTexts(runtime: RuntimeProfile): { arithmetic: string; source: string } {
  let texts = DEFAULT_TEXTS.get(runtime);
  if (!texts) {
    texts = {
      arithmetic: `${formatDuration(runtime.defaultLoadSeconds)} (the ${runtime.title} default; model size unknown)`,
      source: `the ${runtime.title} default`,
    };
    DEFAULT_TEXTS.set(runtime, texts);
  }
  return texts;
}

const DEFAULT_TEXTS = new WeakMap<RuntimeProfile, { arithmetic: string; source: string }>();

/**
 * Runtimes known to load the weights they are named at start-up. A custom image that names a
 * model (a simulator, a gateway) may load nothing, so its size proves nothing about its start-up.
 */
const SIZED_RUNTIMES = new Set<RuntimeId>(['vllm', 'tgi', 'sglang', 'nim', 'kserve', 'ray']);

/** The models a serving container loads: its own flags and env, then its workload's fields (no adapters). */
export function modelRefsFor(service: ModelService, ref: ContainerRef): ModelRef[] {
  // Asked for every sized serving container of a run: one list, no filtered copies or spread.
  // A LoRA adapter is megabytes beside the base model: it does not size the start-up.
  const refs: ModelRef[] = [];
  const own = modelRefsOfContainer(ref);
  for (let i = 0; i < own.length; i++) if (own[i]!.source !== 'lora') refs.push(own[i]!);
  const owned = refs.length;
  const workload = service.workloadOf(ref.workload);
  if (!workload) return refs;
  const fromKind = modelRefsOf(workload);
  for (let i = 0; i < fromKind.length; i++) {
    const m = fromKind[i]!;
    if (m.source === 'lora' || (m.container !== undefined && m.container !== ref)) continue;
    if (!ownedIncludes(refs, owned, m)) refs.push(m);
  }
  return refs;
}

/** Is `m` among the first `owned` refs (the container's own)? */
function ownedIncludes(refs: readonly ModelRef[], owned: number, m: ModelRef): boolean {
  for (let i = 0; i < owned; i++) if (refs[i] === m) return true;
  return false;
}

function fromModelSize(
  service: ModelService,
  ref: ContainerRef,
  runtime: RuntimeProfile,
): Omit<LoadTime, 'notes'> | undefined {
  for (const model of modelRefsFor(service, ref)) {
    const size = modelSizeOf(model.reference);
    if (!size) continue;
    const precision = checkpointPrecision(ref, model.reference);
    const bytesPerParameter = precision?.bytes ?? DEFAULT_BYTES_PER_PARAMETER;
    const bytes = size.billions * 1e9 * bytesPerParameter;
    const gb = formatGigabytes(bytes);
    const origin = weightsOrigin(model.reference, ref);
    const terms: string[] = [];
    let downloadSeconds = 0;
    if (origin.network) {
      downloadSeconds = bytes / NETWORK_BANDWIDTH.value;
      terms.push(
        `${round(downloadSeconds)} s for ${gb} weights from ${origin.network} at ${NETWORK_BANDWIDTH.value / 1e6} MB/s`,
      );
    }
    const shards = shardsOf(ref);
    const gpuSeconds = bytes / (GPU_LOAD_BANDWIDTH.value * shards.count);
    terms.push(`${round(gpuSeconds)} s GPU load (${GPU_LOAD_BANDWIDTH.value / 1e9} GB/s × ${shards.source})`);
    const eager = runtime.id === 'vllm' && tokensOf(ref).includes('--enforce-eager');
    const startup = eager ? VLLM_EAGER_STARTUP_SECONDS : RUNTIME_STARTUP_SECONDS[runtime.id];
    terms.push(`${startup} s ${runtime.title} start-up${eager ? ' (--enforce-eager)' : ''}`);
    // KServe's storage initializer downloads storageUri in an init container, before the server starts.
    const beforeStart = model.source === 'storageUri' ? downloadSeconds : 0;
    const seconds = Math.round(downloadSeconds - beforeStart + gpuSeconds + startup);
    const what = `${formatBillions(size.billions)} parameters (${size.source}) × ${bytesPerParameter} bytes${precision ? ` (${precision.source})` : ' (fp16/bf16)'} = ${gb}`;
    const where = origin.local ? `, weights ${origin.local}` : '';
    const initNote =
      beforeStart > 0 ? ` (the download runs in KServe's storage initializer, before the server starts)` : '';
    return {
      seconds,
      beforeStartSeconds: Math.round(beforeStart),
      confidence: 'model-size',
      arithmetic: `~${formatDuration(seconds + beforeStart)}: ${terms.join(' + ')}; ${what}${where}${initNote}`,
      source: `estimated for ${model.reference}`,
    };
  }
  return undefined;
}

/** Seconds a cold node takes to pull the serving image, from the table of runtime image sizes. */
export function estimatePullTime(
  service: ModelService,
  ref: ContainerRef | undefined,
): { seconds: number; text: string } {
  const declared = service.manifest?.manifest.spec.serving.imagePullSeconds;
  if (declared !== undefined)
    return { seconds: declared, text: `${declared} s pull (serving.imagePullSeconds)` };
  const runtime = runtimeOf(service, ref);
  const bytes = RUNTIME_IMAGE_BYTES[runtime.id];
  if (bytes === undefined)
    return {
      seconds: runtime.defaultPullSeconds,
      text: `${runtime.defaultPullSeconds} s pull (${runtime.title} default)`,
    };
  const seconds = Math.round(bytes / NETWORK_BANDWIDTH.value);
  return {
    seconds,
    text: `${seconds} s pull (${formatGigabytes(bytes)} ${runtime.title} image at ${NETWORK_BANDWIDTH.value / 1e6} MB/s)`,
  };
}

export function imageOf(service: ModelService, ref: ContainerRef | undefined): string | undefined {
  return service.manifest?.manifest.spec.serving.image ?? (ref ? asString(ref.container.image) : undefined);
}

function formatGigabytes(bytes: number): string {
  return `${Number((bytes / 1e9).toPrecision(bytes >= 1e11 ? 3 : 2))} GB`;
}

function round(seconds: number): number {
  return seconds >= 10 ? Math.round(seconds) : Math.round(seconds * 10) / 10;
}
