import type { K8sObject } from '../check/objects.js';
import type { KindInfo } from './kinds.js';
import type { Workload } from './model.js';

/** What a reader may look up beyond its own object: the other objects of the same input. */
export interface ReadContext {
  /** KServe ServingRuntimes and ClusterServingRuntimes of the input, for InferenceServices. */
  readonly servingRuntimes: readonly K8sObject[];
}

/**
 * Reads one kind into the workload model. One reader per kind (or family of kinds that share a
 * shape); adding a serving platform is one reader, its registry line and fixtures from its own
 * upstream examples.
 */
export interface WorkloadReader {
  /** Registry ids of the kinds this reader reads. */
  readonly ids: readonly string[];
  read(object: K8sObject, info: KindInfo, context: ReadContext): Workload;
}
