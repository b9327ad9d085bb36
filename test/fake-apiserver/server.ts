import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { Controllers, type PodBehaviour } from './controllers.js';
import {
  ATOMIC_LISTS,
  BUILT_IN_LISTS,
  deleteAt,
  leaves,
  mergeInto,
  mergePatch,
  toFieldsV1,
  valueAt,
  type ListTypes,
} from './fields.js';
import { BUILT_IN, CRDS, groupVersion, type ResourceInfo } from './resources.js';
import { fieldLookup, matches, parseSelector } from './selectors.js';
import { managerId, Store, type Manager, type Obj } from './store.js';

type Any = Record<string, any>;

export interface FakeApiServerOptions {
  key: string;
  cert: string;
  /** The bearer token clients must present. */
  token: string;
  namespaces?: string[];
  /** CRD sets to serve: prometheus-operator, istio, keda, kserve. */
  crds?: (keyof typeof CRDS)[];
  nodes?: { name: string; gpus: number; labels?: Record<string, string> }[];
  /** How long a deleted pod stays terminating (deletionTimestamp set, still on its node), in ms. */
  podTerminationMs?: number;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  /** Only requests that are (true) or are not (false) dry runs. */
  dryRun?: boolean;
  /** An HTTP status to answer with, or 'reset' to destroy the connection. */
  action: number | 'reset';
  times: number;
  /** The Status message (and reason) to answer with, e.g. one that echoes request headers. */
  message?: string;
  reason?: string;
}

/** What an admission check sees of a write (as a webhook or a ValidatingAdmissionPolicy would). */
export interface AdmissionRequest {
  method: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  dryRun: boolean;
  fieldManager: string | undefined;
  object: Any | undefined;
}

/** Refuses a write with an HTTP status and message, or lets it through (undefined). */
export type AdmissionCheck = (
  request: AdmissionRequest,
) => { code: number; reason: string; message: string } | undefined;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  status: number;
  /** The request body as received (for the tests of what the client sends). */
  body?: string;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: Any = {},
  ) {
    super(message);
  }
}

/**
 * A loopback Kubernetes API server over HTTPS with the semantics `mlready deploy` relies on:
 * discovery, generation/observedGeneration, the status subresource, server-side apply with
 * field managers and 409 conflicts, JSON merge patch, dry runs, watches that resume from a
 * resourceVersion (410 Gone when too old), Events, pod logs, and a Deployment controller that
 * keeps ReplicaSets with revision annotations. Faults are injected per request.
 */
export class FakeApiServer {
  readonly store = new Store();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Admission checks run on every write, dry runs included (they see `dryRun`). */
  readonly admission: AdmissionCheck[] = [];
  private readonly resources: ResourceInfo[];
  private readonly server: Server;
  private readonly controllers: Controllers;
  private readonly watches = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly behaviours: {
    match: (image: string) => boolean;
    behaviour: PodBehaviour;
    logs: string[];
  }[] = [];
  private readonly logsByPod = new Map<string, string[]>();
  url = '';

  constructor(private readonly options: FakeApiServerOptions) {
    this.resources = [...BUILT_IN, ...(options.crds ?? []).flatMap((c) => CRDS[c] ?? [])];
    this.server = createServer(
      { key: options.key, cert: options.cert },
      (req, res) => void this.handle(req, res),
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.controllers = new Controllers({
      store: this.store,
      info: (kind) => this.infoOfKind(kind),
      behaviourOf: (pod) => this.behaviourOf(pod),
      event: (involved, reason, message, type, source) =>
        this.recordEvent(involved, reason, message, type, source),
      now: () => Date.now(),
      podTerminationMs: options.podTerminationMs ?? 50,
    });
    for (const ns of ['default', 'kube-system', ...(options.namespaces ?? [])]) {
      this.store.put(this.infoOfKind('Namespace'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
        spec: {},
        status: { phase: 'Active' },
      });
    }
    for (const node of options.nodes ?? [{ name: 'gpu-node-1', gpus: 8 }]) {
      this.store.put(this.infoOfKind('Node'), {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: node.name,
          labels: {
            'kubernetes.io/hostname': node.name,
            'nvidia.com/gpu.product': 'nvidia-l4',
            ...node.labels,
          },
        },
        spec: {},
        status: {
          allocatable: { cpu: '48', memory: '192Gi', 'nvidia.com/gpu': String(node.gpus) },
          capacity: { cpu: '48', memory: '192Gi', 'nvidia.com/gpu': String(node.gpus) },
        },
      });
    }
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.url = `https://127.0.0.1:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    this.controllers.close();
    for (const res of this.watches) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts the pods whose image matches (exact string, or a test on the image). */
  onImage(image: string | ((image: string) => boolean), behaviour: PodBehaviour, logs: string[] = []): void {
    const match = typeof image === 'string' ? (i: string) => i === image : image;
    this.behaviours.unshift({ match, behaviour, logs });
  }

  /** Ends every open watch stream, as an API server restart or a load balancer idle timeout does. */
  dropWatches(): number {
    const n = this.watches.size;
    for (const res of this.watches) res.destroy();
    this.watches.clear();
    return n;
  }

  /** The stored object, or undefined. */
  object(kind: string, namespace: string | undefined, name: string): Any | undefined {
    return structuredClone(this.store.get(this.infoOfKind(kind), namespace, name)?.object);
  }

  /** "manager:operation" (and ":subresource") of every field manager of an object. */
  managers(kind: string, namespace: string | undefined, name: string): string[] {
    return [
      ...(this.store.get(this.infoOfKind(kind), namespace, name)?.managers ?? new Map<string, Manager>()),
    ].map(([, v]) => `${v.manager}:${v.operation}${v.subresource ? `:${v.subresource}` : ''}`);
  }

  /** The dotted paths ("spec.replicas") a manager owns, for assertions on ownership. */
  ownedBy(kind: string, namespace: string | undefined, name: string, manager: string): string[] {
    const entries = [...(this.store.get(this.infoOfKind(kind), namespace, name)?.managers.values() ?? [])];
    return entries
      .filter((m) => m.manager === manager)
      .flatMap((m) => [...m.paths])
      .map((p) =>
        (JSON.parse(p) as string[])
          .map((s) => (s.startsWith('f:') ? `.${s.slice(2)}` : `[${s.slice(2)}]`))
          .join('')
          .slice(1),
      )
      .sort();
  }

  objects(kind: string, namespace?: string): Any[] {
    return this.store.list(this.infoOfKind(kind), namespace).map((s) => structuredClone(s.object) as Any);
  }

  /** A write by another client (kubectl edit, helm): an Update operation owned by `manager`. */
  update(manager: string, kind: string, namespace: string, name: string, patch: Any): void {
    const info = this.infoOfKind(kind);
    const stored = this.store.get(info, namespace, name);
    if (!stored) throw new Error(`${kind}/${name} not found`);
    const next = mergePatch(stored.object, patch) as Obj;
    this.commit(info, stored.object, next, manager, 'Update', false);
  }

  /**
   * A write of spec.replicas through the scale subresource, as the HPA controller and `kubectl
   * scale` make it. As a v1.32 API server does: when someone owned spec.replicas, they lose it
   * and `manager` (subresource "scale") owns the new count; when nobody did, nobody does after.
   */
  scale(manager: string, namespace: string, name: string, replicas: number): void {
    this.writeScale(this.infoOfKind('Deployment'), namespace, name, replicas, manager, false);
  }

  private writeScale(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    replicas: number,
    manager: string,
    dryRun: boolean,
  ): Any {
    const stored = this.store.get(info, namespace, name);
    if (!stored) throw notFound(info, name);
    const next = structuredClone(stored.object) as Any;
    const changed = next.spec?.replicas !== replicas;
    next.spec = { ...next.spec, replicas };
    const managers = this.copyManagers(stored.managers);
    const path = JSON.stringify(['f:spec', 'f:replicas']);
    const owned = [...managers.values()].some((m) => m.paths.has(path));
    if (changed && owned) {
      for (const m of managers.values()) m.paths.delete(path);
      managers.set(managerId(manager, 'Update', 'scale'), {
        manager,
        operation: 'Update',
        subresource: 'scale',
        apiVersion: 'autoscaling/v1',
        time: new Date().toISOString(),
        paths: new Set([path]),
      });
      for (const [id, m] of managers) if (m.paths.size === 0) managers.delete(id);
    }
    const saved = this.commit(info, stored.object, next as Obj, manager, 'Update', false, dryRun, managers);
    return this.scaleOf(saved);
  }

  private scaleOf(object: Any): Any {
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      spec: { replicas: object.spec?.replicas ?? 1 },
      status: { replicas: object.status?.replicas ?? 0 },
    };
  }

  private copyManagers(from: Map<string, Manager> | undefined): Map<string, Manager> {
    return new Map(
      [...(from ?? new Map<string, Manager>())].map(([k, v]) => [k, { ...v, paths: new Set(v.paths) }]),
    );
  }

  private listTypes(info: ResourceInfo): ListTypes {
    return info.crd ? ATOMIC_LISTS : BUILT_IN_LISTS;
  }

  infoOfKind(kind: string): ResourceInfo {
    const info = this.resources.find((r) => r.kind === kind);
    if (!info) throw new Error(`kind ${kind} not served`);
    return info;
  }

  private behaviourOf(pod: Obj): { behaviour: PodBehaviour; logs: string[] } {
    const images = (((pod as Any).spec?.containers ?? []) as Any[]).map((c) => String(c.image));
    const found = this.behaviours.find((b) => images.some((i) => b.match(i)));
    const result = found
      ? { behaviour: found.behaviour, logs: found.logs }
      : {
          behaviour: { type: 'ready' } as PodBehaviour,
          logs: ['INFO model loaded', 'INFO serving on :8000'],
        };
    this.logsByPod.set(`${pod.metadata.namespace}/${pod.metadata.name}`, result.logs);
    return result;
  }

  private recordEvent(
    involved: Obj,
    reason: string,
    message: string,
    type: 'Normal' | 'Warning' = 'Normal',
    source = 'kubelet',
  ): void {
    const now = new Date().toISOString();
    this.store.put(this.infoOfKind('Event'), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${involved.metadata.name}.${randomUUID().slice(0, 8)}`,
        namespace: involved.metadata.namespace ?? 'default',
      },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        namespace: involved.metadata.namespace,
        uid: involved.metadata.uid,
      },
      reason,
      message,
      type,
      source: { component: source },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      contentType: req.headers['content-type'],
      status: 0,
    };
    this.requests.push(record);
    const fault = this.faults.find(
      (f) =>
        f.times > 0 &&
        (!f.method || f.method === req.method) &&
        (!f.path || f.path.test(url.pathname)) &&
        (f.dryRun === undefined || f.dryRun === (query.dryRun === 'All')) &&
        !(query.watch && f.path === undefined),
    );
    if (fault) {
      fault.times--;
      if (fault.action === 'reset') {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      record.status = fault.action;
      this.send(
        res,
        fault.action,
        status(
          fault.action,
          fault.reason ?? (fault.action === 503 ? 'ServiceUnavailable' : 'InternalError'),
          fault.message ?? 'the server is currently unable to handle the request',
        ),
      );
      return;
    }
    try {
      if (req.headers.authorization !== `Bearer ${this.options.token}`)
        throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      const body = await readBody(req);
      record.body = body;
      const result = this.route(
        req.method ?? 'GET',
        url.pathname,
        query,
        req.headers['content-type'] ?? '',
        body,
        res,
      );
      if (result === 'streaming') {
        record.status = 200;
        return;
      }
      record.status = result.code;
      if (typeof result.body === 'string') {
        res.writeHead(result.code, { 'content-type': 'text/plain' });
        res.end(result.body);
      } else this.send(res, result.code, result.body);
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 'InternalError', String(error));
      record.status = e.code;
      this.send(res, e.code, status(e.code, e.reason, e.message, e.details));
    }
  }

  private admit(
    method: string,
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    dryRun: boolean,
    fieldManager: string | undefined,
    object: Any | undefined,
  ): void {
    for (const check of this.admission) {
      const refusal = check({ method, kind: info.kind, namespace, name, dryRun, fieldManager, object });
      if (refusal) throw new HttpError(refusal.code, refusal.reason, refusal.message);
    }
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    contentType: string,
    body: string,
    res: ServerResponse,
  ): { code: number; body: unknown } | 'streaming' {
    if (path === '/version')
      return { code: 200, body: { major: '1', minor: '31', gitVersion: 'v1.31.0-fake' } };
    if (path === '/api') return { code: 200, body: { kind: 'APIVersions', versions: ['v1'] } };
    if (path === '/apis') {
      const groups = [...new Set(this.resources.filter((r) => r.group).map((r) => r.group))];
      return {
        code: 200,
        body: {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: groups.map((name) => ({
            name,
            versions: [...new Set(this.resources.filter((r) => r.group === name).map((r) => r.version))].map(
              (version) => ({ groupVersion: `${name}/${version}`, version }),
            ),
          })),
        },
      };
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
    if (!m) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const group = m[2] ?? '';
    const version = m[1] ?? m[3]!;
    const served = this.resources.filter((r) => r.group === group && r.version === version);
    if (served.length === 0)
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const rest = (m[4] ?? '').split('/').filter(Boolean);
    if (rest.length === 0) {
      return {
        code: 200,
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: group ? `${group}/${version}` : version,
          resources: served.map((r) => ({
            name: r.plural,
            singularName: r.kind.toLowerCase(),
            namespaced: r.namespaced,
            kind: r.kind,
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          })),
        },
      };
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest.splice(0, 2);
    }
    const [plural, name, sub] = rest;
    const info = served.find((r) => r.plural === plural);
    if (!info) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (namespace && !this.store.get(this.infoOfKind('Namespace'), undefined, namespace)) {
      if (method !== 'GET')
        throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`, {
          name: namespace,
          kind: 'namespaces',
        });
    }
    const dryRun = query.dryRun === 'All';
    if (!name) {
      if (method === 'GET' && (query.watch === 'true' || query.watch === '1'))
        return this.watch(info, namespace, query, res);
      if (method === 'GET') return { code: 200, body: this.list(info, namespace, query) };
      if (method === 'POST') {
        const created = parseBody(body, contentType) as Obj;
        this.admit(
          method,
          info,
          namespace,
          created.metadata?.name ?? '',
          dryRun,
          query.fieldManager,
          created,
        );
        return {
          code: 201,
          body: this.create(
            info,
            namespace,
            parseBody(body, contentType) as Obj,
            query.fieldManager ?? 'unknown',
            dryRun,
          ),
        };
      }
      throw new HttpError(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    }
    if (sub === 'log' && info.kind === 'Pod') {
      const pod = this.store.get(info, namespace, name);
      if (!pod) throw notFound(info, name);
      const lines = this.logsByPod.get(`${namespace}/${name}`) ?? [];
      const tail = query.tailLines ? lines.slice(-Number(query.tailLines)) : lines;
      return { code: 200, body: tail.map((l) => `${l}\n`).join('') };
    }
    if (sub === 'scale' && info.kind === 'Deployment') {
      const target = this.store.get(info, namespace, name);
      if (!target) throw notFound(info, name);
      if (method === 'GET') return { code: 200, body: this.scaleOf(target.object) };
      if (method !== 'PUT' && method !== 'PATCH')
        throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method');
      const patch = parseBody(body, contentType);
      const replicas = Number(patch.spec?.replicas);
      if (!Number.isInteger(replicas) || replicas < 0)
        throw new HttpError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas`);
      this.admit(method, info, namespace, name, dryRun, query.fieldManager, target.object);
      return {
        code: 200,
        body: this.writeScale(info, namespace, name, replicas, query.fieldManager ?? 'unknown', dryRun),
      };
    }
    if (sub && sub !== 'status')
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const stored = this.store.get(info, namespace, name);
    if (method !== 'GET')
      this.admit(
        method,
        info,
        namespace,
        name,
        dryRun,
        query.fieldManager,
        method === 'DELETE' ? stored?.object : parseBody(body, contentType),
      );
    switch (method) {
      case 'GET':
        if (!stored) throw notFound(info, name);
        return { code: 200, body: this.present(stored.object, stored.managers) };
      case 'DELETE': {
        if (!stored) throw notFound(info, name);
        if (!dryRun) this.deleteCascading(info, namespace, name);
        return {
          code: 200,
          body: { ...status(200, '', ''), status: 'Success', details: { name, kind: info.plural } },
        };
      }
      case 'PUT': {
        if (!stored) throw notFound(info, name);
        const next = parseBody(body, contentType) as Obj;
        if (
          next.metadata?.resourceVersion &&
          next.metadata.resourceVersion !== stored.object.metadata.resourceVersion
        ) {
          throw new HttpError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${info.plural}${info.group ? `.${info.group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            { name, kind: info.plural },
          );
        }
        return {
          code: 200,
          body: this.commit(
            info,
            stored.object,
            next,
            query.fieldManager ?? 'unknown',
            'Update',
            sub === 'status',
            dryRun,
          ),
        };
      }
      case 'PATCH': {
        const patch = parseBody(body, contentType);
        if (contentType.startsWith('application/apply-patch')) {
          return {
            code: stored ? 200 : 201,
            body: this.apply(
              info,
              namespace,
              name,
              patch as Obj,
              query.fieldManager,
              query.force === 'true',
              dryRun,
              sub === 'status',
            ),
          };
        }
        if (!stored) throw notFound(info, name);
        if (
          !contentType.startsWith('application/merge-patch+json') &&
          !contentType.startsWith('application/strategic-merge-patch+json')
        ) {
          throw new HttpError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
          );
        }
        const next = mergePatch(stored.object, patch) as Obj;
        return {
          code: 200,
          body: this.commit(
            info,
            stored.object,
            next,
            query.fieldManager ?? 'unknown',
            'Update',
            sub === 'status',
            dryRun,
          ),
        };
      }
      default:
        throw new HttpError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
    }
  }

  private list(info: ResourceInfo, namespace: string | undefined, query: Record<string, string>): Any {
    const items = this.store
      .list(info, namespace)
      .map((s) => s.object)
      .filter((o) => this.selected(o, query))
      .map((o) => this.present(o, this.store.get(info, o.metadata.namespace, o.metadata.name)!.managers));
    return {
      apiVersion: groupVersion(info),
      kind: `${info.kind}List`,
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items,
    };
  }

  private selected(object: Obj, query: Record<string, string>): boolean {
    const labels = object.metadata.labels ?? {};
    return (
      matches(parseSelector(query.labelSelector), (k) => labels[k]) &&
      matches(parseSelector(query.fieldSelector), fieldLookup(object))
    );
  }

  private watch(
    info: ResourceInfo,
    namespace: string | undefined,
    query: Record<string, string>,
    res: ServerResponse,
  ): 'streaming' {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const fits = (event: { info: ResourceInfo; object: Obj }) =>
      event.info.plural === info.plural &&
      event.info.group === info.group &&
      (!namespace || event.object.metadata.namespace === namespace) &&
      this.selected(event.object, query);
    const from = query.resourceVersion ? Number(query.resourceVersion) : 0;
    if (!from) {
      for (const s of this.store.list(info, namespace))
        if (this.selected(s.object, query)) write('ADDED', this.present(s.object, s.managers));
    } else {
      const oldest = this.store.history[0]?.rv ?? this.store.resourceVersion;
      if (from < oldest - 1) {
        write('ERROR', status(410, 'Expired', `too old resource version: ${from} (${oldest - 1})`));
        res.end();
        return 'streaming';
      }
      for (const e of this.store.history) if (e.rv > from && fits(e)) write(e.type, e.object);
    }
    this.watches.add(res);
    const unsubscribe = this.store.subscribe((e) => {
      if (fits(e)) write(e.type, e.object);
    });
    const timeout = setTimeout(() => res.end(), Number(query.timeoutSeconds ?? 1800) * 1000);
    res.on('close', () => {
      clearTimeout(timeout);
      unsubscribe();
      this.watches.delete(res);
    });
    return 'streaming';
  }

  private create(
    info: ResourceInfo,
    namespace: string | undefined,
    object: Obj,
    manager: string,
    dryRun: boolean,
  ): Any {
    this.validate(info, namespace, object.metadata?.name ?? '', object);
    if (this.store.get(info, namespace, object.metadata.name)) {
      throw new HttpError(
        409,
        'AlreadyExists',
        `${info.plural}${info.group ? `.${info.group}` : ''} "${object.metadata.name}" already exists`,
        { name: object.metadata.name, kind: info.plural },
      );
    }
    return this.commit(
      info,
      undefined,
      { ...object, metadata: { ...object.metadata, namespace: info.namespaced ? namespace : undefined } },
      manager,
      'Update',
      false,
      dryRun,
    );
  }

  /** Server-side apply: merge the configuration, own its fields, refuse to take others' fields unless forced. */
  private apply(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    config: Obj,
    manager: string | undefined,
    force: boolean,
    dryRun: boolean,
    statusOnly: boolean,
  ): Any {
    if (!manager)
      throw new HttpError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    this.validate(info, namespace, name, config);
    const stored = this.store.get(info, namespace, name);
    const live = structuredClone(
      stored?.object ?? {
        apiVersion: config.apiVersion,
        kind: config.kind,
        metadata: { name, namespace: info.namespaced ? namespace : undefined },
      },
    );
    const managers = this.copyManagers(stored?.managers);
    const lists = this.listTypes(info);
    const applied = leaves(config, lists);
    const mine = managerId(manager, 'Apply');
    const conflicts: { id: string; manager: string; field: string }[] = [];
    for (const [path, value] of applied) {
      for (const [id, owned] of managers) {
        if (id === mine || !owned.paths.has(path)) continue;
        if (JSON.stringify(valueAt(live, path)) !== JSON.stringify(value))
          conflicts.push({ id, manager: owned.manager, field: path });
      }
    }
    if (conflicts.length > 0 && !force) {
      const dotted = (p: string) =>
        (JSON.parse(p) as string[])
          .map((s) => (s.startsWith('f:') ? `.${s.slice(2)}` : `[${s.slice(2)}]`))
          .join('');
      const causes = conflicts.map((c) => ({
        type: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${config.apiVersion}`,
        field: dotted(c.field),
      }));
      throw new HttpError(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${causes.map((c) => `${c.message}: ${c.field}`).join('\n')}`,
        { name, group: info.group, kind: info.plural, causes },
      );
    }
    for (const c of conflicts) managers.get(c.id)?.paths.delete(c.field);
    const previous = managers.get(mine)?.paths ?? new Set<string>();
    for (const path of previous) {
      if (applied.has(path)) continue;
      if ([...managers].some(([id, owned]) => id !== mine && owned.paths.has(path))) continue;
      deleteAt(live, path);
    }
    const { metadata: configMeta, ...configRest } = config;
    const next = mergeInto(live, configRest, lists) as Obj;
    next.metadata = {
      ...live.metadata,
      labels: mergeInto(live.metadata.labels ?? {}, configMeta.labels ?? {}, lists) as Record<string, string>,
      annotations: mergeInto(live.metadata.annotations ?? {}, configMeta.annotations ?? {}, lists) as Record<
        string,
        string
      >,
    };
    if (Object.keys(next.metadata.labels!).length === 0) delete next.metadata.labels;
    if (Object.keys(next.metadata.annotations!).length === 0) delete next.metadata.annotations;
    managers.set(mine, {
      manager,
      operation: 'Apply',
      apiVersion: config.apiVersion,
      time: new Date().toISOString(),
      paths: new Set(applied.keys()),
    });
    for (const [id, m] of managers) if (m.paths.size === 0) managers.delete(id);
    return this.commit(info, stored?.object, next, manager, 'Apply', statusOnly, dryRun, managers);
  }

  /** Stores a write: status-subresource rules, generation, defaults, field ownership for updates. */
  private commit(
    info: ResourceInfo,
    before: Obj | undefined,
    next: Obj,
    manager: string,
    operation: 'Apply' | 'Update',
    statusOnly: boolean,
    dryRun = false,
    applyManagers?: Map<string, Manager>,
  ): Any {
    const result = structuredClone(next) as Any;
    if (before && info.status) {
      if (statusOnly) {
        const { status: s } = result;
        Object.assign(result, structuredClone(before), { status: s });
      } else result.status = structuredClone((before as Any).status);
    }
    if (before) {
      result.metadata = {
        ...result.metadata,
        uid: before.metadata.uid,
        creationTimestamp: before.metadata.creationTimestamp,
        generation: before.metadata.generation,
      };
      const specOf = (o: Any) =>
        JSON.stringify(
          Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status')),
        );
      if (specOf(result) !== specOf(before))
        result.metadata.generation = (before.metadata.generation ?? 1) + 1;
    } else {
      result.metadata.generation = 1;
      if (info.status) result.status ??= {};
    }
    delete result.metadata.managedFields;
    applyDefaults(info, result);
    let managers = applyManagers;
    if (!managers) {
      const stored = before
        ? this.store.get(info, before.metadata.namespace, before.metadata.name)
        : undefined;
      managers = this.copyManagers(stored?.managers);
      const lists = this.listTypes(info);
      const old = before ? leaves(before, lists) : new Map();
      const changed = [...leaves(result, lists)]
        .filter(([p, v]) => JSON.stringify(old.get(p)) !== JSON.stringify(v))
        .map(([p]) => p);
      if (changed.length > 0 && !statusOnly) {
        for (const [, owned] of managers) for (const p of changed) owned.paths.delete(p);
        const id = managerId(manager, 'Update');
        const mine = managers.get(id) ?? {
          manager,
          operation,
          apiVersion: result.apiVersion,
          time: '',
          paths: new Set<string>(),
        };
        for (const p of changed) mine.paths.add(p);
        managers.set(id, { ...mine, operation: 'Update', time: new Date().toISOString() });
        for (const [key, m] of managers) if (m.paths.size === 0) managers.delete(key);
      }
    }
    if (dryRun)
      return this.present(
        {
          ...result,
          metadata: {
            ...result.metadata,
            resourceVersion: before?.metadata.resourceVersion,
            uid: before?.metadata.uid ?? randomUUID(),
          },
        } as Obj,
        managers,
      );
    // A write that changes nothing (object and field ownership alike) is not stored: no new
    // resourceVersion, no watch event, as the API server skips no-op updates and applies.
    if (before) {
      const stored = this.store.get(info, before.metadata.namespace, before.metadata.name);
      const comparable = (o: Any) =>
        JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: '' } });
      const owners = (m: Map<string, Manager> | undefined) =>
        JSON.stringify([...(m ?? new Map<string, Manager>())].map(([id, v]) => [id, [...v.paths].sort()]));
      if (comparable(before) === comparable(result) && owners(stored?.managers) === owners(managers))
        return this.present(before, stored?.managers ?? managers);
    }
    const saved = this.store.put(info, result as Obj, managers);
    return this.present(saved, managers);
  }

  private validate(info: ResourceInfo, namespace: string | undefined, name: string, object: Obj): void {
    if (object.apiVersion !== groupVersion(info) || object.kind !== info.kind) {
      throw new HttpError(
        400,
        'BadRequest',
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${groupVersion(info)})`,
      );
    }
    if (!object.metadata?.name || object.metadata.name !== name)
      throw new HttpError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
      throw new HttpError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (info.kind === 'Deployment') {
      const spec = (object as Any).spec ?? {};
      const selector = spec.selector?.matchLabels ?? {};
      const labels = spec.template?.metadata?.labels ?? {};
      if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
        throw new HttpError(
          422,
          'Invalid',
          `Deployment.apps "${name}" is invalid: spec.template.metadata.labels: Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
          {
            name,
            group: 'apps',
            kind: 'Deployment',
            causes: [{ type: 'FieldValueInvalid', field: 'spec.template.metadata.labels' }],
          },
        );
      }
    }
  }

  private deleteCascading(info: ResourceInfo, namespace: string | undefined, name: string): void {
    if (info.kind === 'Pod') {
      this.controllers.terminatePod(namespace ?? 'default', name);
      return;
    }
    const removed = this.store.remove(info, namespace, name);
    if (!removed) return;
    for (const s of this.store.all()) {
      if (s.object.metadata.ownerReferences?.some((o) => o.uid === removed.metadata.uid))
        this.deleteCascading(s.info, s.object.metadata.namespace, s.object.metadata.name);
    }
  }

  private present(object: Obj, managers: Map<string, Manager>): Any {
    const out = structuredClone(object) as Any;
    out.metadata.managedFields = [...managers.values()].map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      time: m.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(m.paths),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
    return out;
  }
}

function applyDefaults(info: ResourceInfo, object: Any): void {
  if (info.kind === 'Deployment') {
    const spec = (object.spec ??= {});
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  }
}

function status(code: number, reason: string, message: string, details?: Any): Any {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details && Object.keys(details).length > 0 ? { details } : {}),
    code,
  };
}

function notFound(info: ResourceInfo, name: string): HttpError {
  return new HttpError(
    404,
    'NotFound',
    `${info.plural}${info.group ? `.${info.group}` : ''} "${name}" not found`,
    { name, group: info.group, kind: info.plural },
  );
}

function parseBody(body: string, contentType: string): Any {
  try {
    return (contentType.includes('yaml') ? parseYaml(body) : JSON.parse(body)) as Any;
  } catch {
    throw new HttpError(400, 'BadRequest', 'the request body could not be decoded');
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
