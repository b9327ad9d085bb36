import type { K8sObject } from '../check/objects.js';
import { coreReader } from './core.js';
import { knativeReader } from './knative.js';
import { inferenceServiceReader, servingRuntimeReader } from './kserve.js';
import { kubeRayReader } from './kuberay.js';
import { leaderWorkerSetReader } from './lws.js';
import type { Workload } from './model.js';
import { dynamoReader, nimServiceReader } from './nvidia.js';
import { bentoDeploymentReader, kaitoWorkspaceReader, kubeAIModelReader } from './operators.js';
import type { ReadContext, WorkloadReader } from './reader.js';
import { seldonDeploymentReader, seldonModelReader, seldonServerReader } from './seldon.js';

/** The readers, one per kind or family of kinds; explicit and sorted by the first id they read. */
const READERS: readonly WorkloadReader[] = [
  bentoDeploymentReader,
  servingRuntimeReader,
  coreReader,
  dynamoReader,
  inferenceServiceReader,
  kaitoWorkspaceReader,
  knativeReader,
  kubeAIModelReader,
  leaderWorkerSetReader,
  nimServiceReader,
  kubeRayReader,
  seldonDeploymentReader,
  seldonModelReader,
  seldonServerReader,
];

/** Registry id → its reader. */
export const WORKLOAD_READERS: ReadonlyMap<string, WorkloadReader> = new Map(
  READERS.flatMap((reader) => reader.ids.map((id) => [id, reader] as const)),
);

/** The workloads of one input, read once; KServe runtimes are resolved across the whole input. */
export interface WorkloadSet {
  get(object: K8sObject): Workload | undefined;
  /** ServingRuntimes that an InferenceService of the input runs on: checked as part of it. */
  readonly usedRuntimes: ReadonlySet<K8sObject>;
}

export function readWorkloads(objects: readonly K8sObject[]): WorkloadSet {
  const context: ReadContext = {
    servingRuntimes: objects.filter((o) => o.type === 'ServingRuntime' || o.type === 'ClusterServingRuntime'),
  };
  const usedRuntimes = new Set<K8sObject>();
  const workloads = readEach(objects, context, usedRuntimes);
  for (const runtime of context.servingRuntimes) {
    if (!usedRuntimes.has(runtime))
      workloads.set(runtime, servingRuntimeReader.read(runtime, runtime.info, context));
  }
  return new ReadWorkloads(workloads, usedRuntimes);
}

/**
 * Every object of a kind a reader reads, but ServingRuntimes (read with what runs on them), noting the
 * runtimes each workload is built from as it is read (no second pass over the map, no iterator per
 * workload). A function of its own: the loop is optimized while it runs (on-stack replacement), and
 * code after it in the same function would have no type feedback yet and deoptimize on first use, in
 * every run.
 */
function readEach(
  objects: readonly K8sObject[],
  context: ReadContext,
  usedRuntimes: Set<K8sObject>,
): Map<K8sObject, Workload> {
  const workloads = new Map<K8sObject, Workload>();
  for (let i = 0; i < objects.length; i++) {
    const object = objects[i]!;
    const reader = WORKLOAD_READERS.get(object.type);
    if (reader && object.type !== 'ServingRuntime' && object.type !== 'ClusterServingRuntime') {
      const workload = reader.read(object, object.info, context);
      workloads.set(object, workload);
      const builtFrom = workload.builtFrom;
      for (let j = 0; j < builtFrom.length; j++) usedRuntimes.add(builtFrom[j]!);
    }
  }
  return workloads;
}

/**
 * A class, not an object literal with a closure: `get` is then one function for every run, and the
 * code that calls it thousands of times a run is not deoptimized at each new run ("wrong call target").
 */
class ReadWorkloads implements WorkloadSet {
  constructor(
    private readonly workloads: ReadonlyMap<K8sObject, Workload>,
    readonly usedRuntimes: ReadonlySet<K8sObject>,
  ) {}

  get(object: K8sObject): Workload | undefined {
    return this.workloads.get(object);
  }
}
