import {
  CoreV1Api,
  HttpMethod,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  type Configuration,
  type KubeConfig,
  type KubernetesObject,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { Agent } from 'node:http';
import { ClusterError, ConfigError } from '../errors.js';
import { redactText, redactUrl } from '../redact.js';
import { DEFAULT_RETRY, statusOf, withRetry, type RetryOptions } from './retry.js';
import {
  FIELD_MANAGER,
  type ClusterClient,
  type ClusterTarget,
  type KubeObject,
  type ListOptions,
  type ObjectRef,
  type WatchEvent,
  type WatchHandle,
} from './types.js';

/**
 * KubernetesObjectApi keeps its discovery lookup protected; mlready needs it to test for CRDs and to
 * build watch paths.
 */
class ObjectApi extends KubernetesObjectApi {
  async resourceOf(
    apiVersion: string,
    kind: string,
  ): Promise<{ name: string; namespaced: boolean } | undefined> {
    return this.resource(apiVersion, kind);
  }

  /**
   * Sends the object exactly as written. client-node's patch first runs the body through its typed
   * models (ObjectSerializer.serialize), which silently drops every field they do not know: a
   * field of a newer Kubernetes than client-node's models, or a misspelt one the API server would
   * refuse, vanished from the apply, and the deploy reported success. The request is otherwise
   * client-node's own (path from discovery, headers, query). Applies ask for strict field
   * validation, as kubectl apply does: an unknown field is an error, not a silent drop.
   */
  override async patch<T extends KubernetesObject>(
    spec: T,
    pretty?: string,
    dryRun?: string,
    fieldManager?: string,
    force?: boolean,
    patchStrategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
    options?: Configuration,
  ): Promise<T> {
    const config = options ?? this.configuration;
    const request = config.baseServer.makeRequestContext(
      await this.specUriPath(spec, 'patch'),
      HttpMethod.PATCH,
    );
    request.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    request.setHeaderParam('Content-Type', patchStrategy);
    if (pretty !== undefined) request.setQueryParam('pretty', pretty);
    if (dryRun !== undefined) request.setQueryParam('dryRun', dryRun);
    if (fieldManager !== undefined) request.setQueryParam('fieldManager', fieldManager);
    if (force !== undefined) request.setQueryParam('force', String(force));
    if (patchStrategy === PatchStrategy.ServerSideApply) request.setQueryParam('fieldValidation', 'Strict');
    request.setBody(JSON.stringify(spec));
    return this.requestPromise<T>(request, undefined, config);
  }

  /**
   * A successful answer as the JSON the API server sent. client-node would build typed model
   * objects from it (ObjectSerializer.deserialize, Dates included), which mlready only turned back
   * into plain JSON: both walks of every object took about 0.14 s of a deploy's 1.1 s of CPU (node
   * --cpu-prof, bench/deploy.js). Errors still go through client-node (ApiException, statusOf).
   */
  protected override async processResponse<T extends KubernetesObject>(
    response: ResponseContext,
    type?: string,
  ): Promise<T> {
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
      return super.processResponse<T>(response, type);
    return JSON.parse(await response.body.text()) as T;
  }
}

export interface NodeClientOptions {
  sleep: (ms: number) => Promise<void>;
  retry?: Partial<Omit<RetryOptions, 'sleep'>>;
  /** One line per API call and retry, for --debug. Never given bodies, headers or tokens. */
  debug?: (line: string) => void;
  now?: () => number;
}

/** The ClusterClient over @kubernetes/client-node. */
export function createNodeClusterClient(
  config: KubeConfig,
  target: ClusterTarget,
  options: NodeClientOptions,
): ClusterClient {
  reuseConnections(config);
  const objects = config.makeApiClient(ObjectApi);
  const core = config.makeApiClient(CoreV1Api);
  const now = options.now ?? Date.now;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry, sleep: options.sleep };

  // Every debug line passes the redaction gate: object names and API messages are data.
  const debug = options.debug ? (line: string) => options.debug!(redactText(line)) : undefined;

  async function call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const started = now();
    try {
      const result = await withRetry(operation, {
        ...retry,
        onRetry: (attempt, reason, delay) => debug?.(`${what}: ${reason}, retry ${attempt} in ${delay} ms`),
      });
      debug?.(`${what}: ok (${now() - started} ms)`);
      return result;
    } catch (error) {
      // A kubeconfig whose credentials cannot be renewed (oidc) is the user's to fix: exit 2, as said.
      if (error instanceof ConfigError) throw error;
      const wrapped = toClusterError(what, error, target);
      debug?.(`${what}: ${wrapped.status ?? 'failed'} (${now() - started} ms)`);
      throw wrapped;
    }
  }

  const describe = (ref: ObjectRef): string =>
    `${ref.kind}/${ref.name}${ref.namespace ? ` in namespace ${ref.namespace}` : ''}`;
  const header = (ref: ObjectRef) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace },
  });

  async function listWithVersion(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    listOptions: ListOptions,
  ) {
    const result = await call(`list ${kind}${namespace ? ` in namespace ${namespace}` : ''}`, () =>
      objects.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        listOptions.fieldSelector,
        listOptions.labelSelector,
      ),
    );
    return { items: result.items as KubeObject[], resourceVersion: result.metadata?.resourceVersion };
  }

  const client: ClusterClient = {
    target,
    async apply(object, applyOptions = {}) {
      const result = await call(
        `apply ${describe(refOf(object))}${applyOptions.dryRun ? ' (dry run)' : ''}`,
        () =>
          objects.patch(
            object as KubernetesObject,
            undefined,
            applyOptions.dryRun ? 'All' : undefined,
            applyOptions.fieldManager ?? FIELD_MANAGER,
            applyOptions.force ?? false,
            PatchStrategy.ServerSideApply,
          ),
      );
      return result as KubeObject;
    },
    async get(ref) {
      try {
        return (await call(`get ${describe(ref)}`, () => objects.read(header(ref)))) as KubeObject;
      } catch (error) {
        if (error instanceof ClusterError && error.status === 404) return undefined;
        throw error;
      }
    },
    async list(apiVersion, kind, namespace, listOptions: ListOptions = {}) {
      return (await listWithVersion(apiVersion, kind, namespace, listOptions)).items;
    },
    async patch(ref, patch) {
      // The patch's own metadata (annotations, labels) stays beside the name the request needs.
      const own = (patch as { metadata?: object }).metadata;
      const target = header(ref);
      const body = { ...(patch as object), ...target, metadata: { ...own, ...target.metadata } };
      return (await call(`patch ${describe(ref)}`, () =>
        objects.patch(
          body as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          PatchStrategy.MergePatch,
        ),
      )) as KubeObject;
    },
    async delete(ref) {
      try {
        await call(`delete ${describe(ref)}`, () =>
          objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background'),
        );
      } catch (error) {
        if (error instanceof ClusterError && error.status === 404) return;
        throw error;
      }
    },
    async servesKind(apiVersion, kind) {
      try {
        return (
          (await call(`discover ${apiVersion}`, () => objects.resourceOf(apiVersion, kind))) !== undefined
        );
      } catch (error) {
        if (error instanceof ClusterError && error.status === 404) return false;
        throw error;
      }
    },
    async podLogs(namespace, pod, container, tailLines) {
      return call(`logs pod/${pod}`, () =>
        core.readNamespacedPodLog({ name: pod, namespace, container, tailLines }),
      );
    },
    watch(apiVersion, kind, namespace, listOptions, onEvent) {
      return startWatch({
        config,
        objects,
        apiVersion,
        kind,
        namespace,
        listOptions,
        onEvent,
        list: listWithVersion,
        retry,
        debug,
      });
    },
  };
  return client;
}

interface WatchContext {
  config: KubeConfig;
  objects: ObjectApi;
  list: (
    apiVersion: string,
    kind: string,
    namespace: string,
    options: ListOptions,
  ) => Promise<{ items: KubeObject[]; resourceVersion: string | undefined }>;
  apiVersion: string;
  kind: string;
  namespace: string;
  listOptions: ListOptions;
  onEvent: (event: WatchEvent) => void;
  retry: RetryOptions;
  debug: ((line: string) => void) | undefined;
}

/**
 * List, then watch from the list's resourceVersion; on a disconnect, watch again from the last
 * version seen (so no change is missed or replayed); on 410 Gone, list again. The same loop as
 * client-go's reflector, without its cache.
 */
function startWatch(context: WatchContext): WatchHandle {
  let stopped = false;
  let abort: AbortController | undefined;
  let resourceVersion: string | undefined;
  let failures = 0;
  const watcher = new Watch(context.config);

  const relist = async (): Promise<void> => {
    const list = await context.list(context.apiVersion, context.kind, context.namespace, context.listOptions);
    resourceVersion = list.resourceVersion;
    for (const object of list.items) context.onEvent({ type: 'ADDED', object });
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        if (resourceVersion === undefined) await relist();
        const resource = await context.objects.resourceOf(context.apiVersion, context.kind);
        if (!resource)
          throw new ClusterError(`the API server does not serve ${context.kind} (${context.apiVersion})`);
        const base = context.apiVersion.includes('/')
          ? `/apis/${context.apiVersion}`
          : `/api/${context.apiVersion}`;
        const path = `${base}/namespaces/${context.namespace}/${resource.name}`;
        let gone = false;
        await new Promise<void>((resolve) => {
          void watcher
            .watch(
              path,
              {
                resourceVersion,
                allowWatchBookmarks: true,
                fieldSelector: context.listOptions.fieldSelector,
                labelSelector: context.listOptions.labelSelector,
              },
              (type: string, object: KubeObject & { code?: number }) => {
                failures = 0;
                if (type === 'ERROR') {
                  if (object.code === 410) gone = true;
                  return;
                }
                if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion;
                if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
                  context.onEvent({ type, object });
              },
              (error: unknown) => {
                if (error && !stopped) {
                  const reason = error instanceof Error ? error.message.split('\n')[0] : 'error';
                  context.debug?.(`watch ${context.kind}: disconnected (${reason}), resuming`);
                }
                resolve();
              },
            )
            .then((controller) => {
              abort = controller;
              if (stopped) controller.abort();
            });
        });
        if (gone) resourceVersion = undefined;
      } catch (error) {
        // Credentials that cannot be renewed will not come back by retrying.
        if (error instanceof ConfigError) return;
        failures++;
        if (statusOf(error) !== undefined && statusOf(error)! < 500 && statusOf(error) !== 429) return;
        context.debug?.(
          `watch ${context.kind}: ${error instanceof Error ? error.message.split('\n')[0] : 'failed'}`,
        );
      }
      if (!stopped && failures > 0)
        await context.retry.sleep(
          Math.min(context.retry.maxMs, context.retry.baseMs * 2 ** Math.min(failures, 6)),
        );
    }
  };
  void loop();
  return {
    stop: () => {
      stopped = true;
      abort?.abort();
    },
  };
}

/**
 * client-node 1.x builds a new https.Agent for every request, so every API call pays a TCP and TLS
 * handshake and re-parses the CA (a third of a deploy's CPU time, measured with --cpu-prof). One
 * keep-alive agent per TLS configuration reuses the connections, as kubectl does. createAgent is
 * internal to KubeConfig: when a client-node version lacks it, requests simply go on unshared.
 * Idle keep-alive sockets are unref'd by Node, so they never keep the process alive.
 */
function reuseConnections(config: KubeConfig): void {
  type CreateAgent = (cluster: unknown, options: Record<string, unknown>) => Agent;
  const target = config as unknown as { createAgent?: CreateAgent };
  const original = target.createAgent;
  if (typeof original !== 'function') return;
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = JSON.stringify([cluster, options]);
    let agent = agents.get(key);
    if (!agent) {
      agent = original.call(config, cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: object.metadata.namespace,
  };
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/**
 * A client-node failure as a ClusterError whose message is safe to print: only the API's Status
 * `message`, through the redaction gate (an API server or proxy may echo request headers in it),
 * never other parts of the body, headers or the request.
 */
export function toClusterError(what: string, error: unknown, target: ClusterTarget): ClusterError {
  if (error instanceof ClusterError) return error;
  const status = statusOf(error);
  const server = redactUrl(target.server);
  const context = target.context ? `context "${target.context}"` : 'the kubeconfig (it names no context)';
  if (status !== undefined) {
    const body = parseBody((error as { body?: unknown }).body);
    const message = redactText(
      typeof body?.message === 'string' ? body.message : `HTTP ${status}${reasonPhrase(status)}`,
    );
    const hint =
      status === 401
        ? `the API server at ${server} did not accept the credentials of ${context} (expired token?)`
        : status === 403
          ? 'the credentials are not allowed to do this (RBAC); ask for the role or use another --context'
          : status === 409 && body?.reason === 'Conflict' && body.details?.causes?.some((c) => c.field)
            ? 'another field manager owns these fields: remove them from the manifest, or take them over with --force-conflicts'
            : undefined;
    return new ClusterError(`${what}: ${message}`, {
      status,
      reason: typeof body?.reason === 'string' ? body.reason : undefined,
      causes: body?.details?.causes?.map((c) => ({
        field: c.field,
        message: c.message === undefined ? undefined : redactText(c.message),
      })),
      hint,
    });
  }
  const text = redactText(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
  return new ClusterError(`${what}: cannot reach the API server at ${server} (${text})`, {
    unreachable: true,
    hint: target.context
      ? `check that context "${target.context}" points at a running cluster (kubectl --context ${target.context} get --raw /readyz)`
      : 'check the server of the kubeconfig, or pick a context with --context',
  });
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    401: ' Unauthorized',
    403: ' Forbidden',
    404: ' Not Found',
    500: ' Internal Server Error',
    502: ' Bad Gateway',
    503: ' Service Unavailable',
  };
  return phrases[status] ?? '';
}

function parseBody(body: unknown): StatusBody | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? body : undefined;
}
