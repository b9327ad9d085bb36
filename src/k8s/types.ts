/**
 * The narrow seam between mlready and a Kubernetes cluster. Deploy logic talks to this interface
 * only; `node-client.ts` implements it with @kubernetes/client-node, tests also drive that real
 * implementation against a loopback API server. Keeping it small (generic objects, not typed
 * clients per kind) keeps the fake honest and the deploy code independent of the client library.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion?: string; kind: string; name: string; uid: string; controller?: boolean }[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ApplyOptions {
  /** Ask the API server to validate and compute the result without persisting it (dryRun=All). */
  dryRun?: boolean;
  /** Take ownership of fields another field manager owns instead of failing with a conflict. */
  force?: boolean;
  /** The field manager, when not `mlready` (the replicas handover uses its own, see docs/deploy.md). */
  fieldManager?: string;
}

/** A change seen on a watch. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface WatchHandle {
  stop: () => void;
}

/** Where the client points, without any credential. */
export interface ClusterTarget {
  context: string;
  server: string;
  namespace: string;
}

/**
 * Everything mlready needs from a cluster. Errors are `ClusterError`s whose message is safe to
 * print (no tokens, no request bodies); transient failures (5xx, 429, connection resets) are
 * retried inside the implementation with backoff.
 */
export interface ClusterClient {
  readonly target: ClusterTarget;
  /** Server-side apply with field manager `mlready` (or `options.fieldManager`). */
  apply: (object: KubeObject, options?: ApplyOptions) => Promise<KubeObject>;
  get: (ref: ObjectRef) => Promise<KubeObject | undefined>;
  list: (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options?: ListOptions,
  ) => Promise<KubeObject[]>;
  /** JSON merge patch (RFC 7386). */
  patch: (ref: ObjectRef, patch: unknown) => Promise<KubeObject>;
  /** Deletes; a missing object is not an error. */
  delete: (ref: ObjectRef) => Promise<void>;
  /** Whether the API server serves this kind (built in, or a CRD that is installed). */
  servesKind: (apiVersion: string, kind: string) => Promise<boolean>;
  /** The last lines a container logged. */
  podLogs: (
    namespace: string,
    pod: string,
    container: string | undefined,
    tailLines: number,
  ) => Promise<string>;
  /**
   * Calls `onEvent` for every change of the matching objects until stopped. Disconnects are
   * resumed from the last resourceVersion seen; an expired version (410) re-lists.
   */
  watch: (
    apiVersion: string,
    kind: string,
    namespace: string,
    options: ListOptions,
    onEvent: (event: WatchEvent) => void,
  ) => WatchHandle;
}

export const FIELD_MANAGER = 'mlready';
/**
 * Applies `spec.replicas` alone, once, when mlready finds it owns that field from an older release
 * but the release no longer sets it: the documented way to hand a field to an autoscaler
 * without the API server resetting it to its default.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#transferring-ownership
 */
export const HANDOVER_FIELD_MANAGER = 'mlready-handover';
