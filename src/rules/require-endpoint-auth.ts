import {
  asArray,
  asRecord,
  asString,
  annotationsOf,
  getPath,
  show,
  type K8sObject,
} from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import type { Workload } from '../workloads/model.js';
import { selects } from '../workloads/selectors.js';
import type { YamlPath } from '../manifest/yaml.js';
import { defineRule, type RuleContext } from './rule.js';

/** Ports that administer a model server (load/unload models, change workers), never for the outside. */
const ADMIN_PORTS: Record<number, string> = {
  8081: 'TorchServe management API',
  7071: 'TorchServe gRPC management API',
  8265: 'Ray dashboard',
  5000: 'MLflow tracking server',
};

/** Service or container port names that say the port administers something. */
const ADMIN_NAME = /(^|[-_])(management|admin)($|[-_])/i;

/** Route paths that serve metrics or administer the model server (TorchServe, Triton, Ray). */
const ADMIN_PATH = /^\/(metrics|v2\/repository|models|management|admin|api\/jobs|api\/serve)(\/|$)/;

const TRITON_MODEL_CONTROL = 'Triton model control API (--model-control-mode=explicit)';

/** Ingress annotations that put authentication in front of the backend. */
const INGRESS_AUTH =
  /^(nginx\.ingress\.kubernetes\.io\/auth-(url|type|tls-secret)|alb\.ingress\.kubernetes\.io\/auth-type|traefik\.ingress\.kubernetes\.io\/router\.middlewares|konghq\.com\/plugins|ingress\.kubernetes\.io\/auth-type|haproxy\.org\/auth-type|gloo\.solo\.io\/.*auth)/;

export default defineRule({
  id: 'require-endpoint-auth',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'security',
  kinds: [
    'Service',
    'Ingress',
    'VirtualService',
    'HTTPRoute',
    'AuthorizationPolicy',
    'RequestAuthentication',
    'ModelService',
  ],
  docs: {
    summary:
      'A model endpoint exposed outside the cluster (LoadBalancer, NodePort, Ingress, gateway route) requires authentication, and admin ports, metrics and management paths are never exposed.',
    why:
      'An open inference endpoint is a free GPU for anyone who finds it, a way to extract the model by querying it, ' +
      "and for LLMs a prompt-injection target with your system prompt and tools. TorchServe's management port " +
      '(8081) can register a model archive from a URL, which is remote code execution; Triton started with ' +
      "--model-control-mode=explicit loads and unloads models on any caller's request on its inference ports; " +
      'the Ray dashboard (8265) submits jobs. A VirtualService or HTTPRoute on every host ("*") that routes ' +
      '/metrics or a management path hands them to the world.',
    fix:
      'Put authentication in front: an Istio RequestAuthentication + AuthorizationPolicy, ingress auth annotations ' +
      '(nginx auth-url, ALB auth-type), an auth proxy such as oauth2-proxy in the pod, and record it in ' +
      'mlready.yaml security.auth. Keep management ports on a ClusterIP Service or not exposed at all, route ' +
      'only the inference paths from a gateway, and scrape /metrics from inside the cluster.',
  },
  check({ service, report }) {
    // Most services expose nothing (ClusterIP Services only): a small loop that V8 optimizes early
    // says so, and the reading below runs only for the rest (issue 18).
    if (!exposesAnything(service)) return;
    // Asked only where something is exposed (a LoadBalancer, an Ingress, a route), which most
    // services are not: hasAuth reads every container's image.
    let auth: boolean | undefined;
    const authenticated = () => (auth ??= hasAuth(service));
    for (const svc of service.ofKind('Service')) {
      const type = asString(getPath(svc.raw, ['spec', 'type'])) ?? 'ClusterIP';
      if (type !== 'LoadBalancer' && type !== 'NodePort') continue;
      if (!authenticated()) {
        const selected = selectedWorkloads(service, svc);
        const supporting = selected.length > 0 && selected.every((w) => !service.modelServerReason(w));
        const what = supporting ? selected.map((w) => w.object.ref).join(', ') : 'the model';
        report({
          object: svc,
          path: ['spec', 'type'],
          message: `${svc.ref} exposes ${what} as ${type} with no authentication in front of it`,
        });
      }
      asArray(getPath(svc.raw, ['spec', 'ports'])).forEach((p, i) => {
        const admin = adminPort(service, svc, asRecord(p));
        if (admin)
          report({
            object: svc,
            path: ['spec', 'ports', i],
            message: `${svc.ref} exposes the ${admin} outside the cluster (${type})`,
          });
      });
    }
    for (const ingress of service.ofKind('Ingress')) {
      const annotated = Object.keys(annotationsOf(ingress)).some((k) => INGRESS_AUTH.test(k));
      if (!annotated && !authenticated()) {
        report({
          object: ingress,
          path: ['spec'],
          message: `${ingress.ref} routes outside traffic to the model with no authentication (no auth annotation, AuthorizationPolicy or auth proxy)`,
        });
      }
      for (const backend of ingressBackends(ingress)) reportAdminBackend(service, ingress, backend, report);
    }
    for (const route of gatewayRoutes(service)) {
      for (const backend of route.backends) reportAdminBackend(service, route.object, backend, report);
      if (route.anyHost)
        for (const match of route.paths) {
          if (!ADMIN_PATH.test(match.value)) continue;
          report({
            object: route.object,
            path: match.path,
            message: `${route.object.ref} routes "${match.value}" from a gateway on every host (${route.hostField}), open to anyone who reaches the gateway`,
          });
        }
      const annotated = Object.keys(annotationsOf(route.object)).some((k) => INGRESS_AUTH.test(k));
      if (!annotated && !authenticated())
        report({
          object: route.object,
          path: route.publicPath,
          message: `${route.object.ref} routes outside traffic from a gateway with no authentication (no RequestAuthentication with an AuthorizationPolicy, auth annotation or auth proxy)`,
        });
    }
  },
});

/**
 * Could the service report anything: a LoadBalancer or NodePort Service, an Ingress, a
 * VirtualService or an HTTPRoute (the kinds check reads; without them it reports nothing).
 */
function exposesAnything(service: ModelService): boolean {
  const objects = service.objects;
  for (let i = 0; i < objects.length; i++) {
    const object = objects[i]!;
    const type = object.type;
    if (type === 'Ingress' || type === 'VirtualService' || type === 'HTTPRoute') return true;
    if (type === 'Service') {
      const serviceType = asString(getPath(object.raw, SPEC_TYPE));
      if (serviceType === 'LoadBalancer' || serviceType === 'NodePort') return true;
    }
  }
  return false;
}

const SPEC_TYPE = ['spec', 'type'];

/** A route's target: a Service by name, and the Service port it names (number or name), if any. */
interface Backend {
  readonly service: string;
  /** The Service's namespace when the route names one (Istio host, backendRef namespace). */
  readonly namespace?: string | undefined;
  readonly port: string | number | undefined;
  readonly path: YamlPath;
}

/** A VirtualService bound to a gateway or an HTTPRoute attached to one: traffic from outside the mesh. */
interface GatewayRoute {
  readonly object: K8sObject;
  /** Where the route is attached to a gateway. */
  readonly publicPath: YamlPath;
  /** The route answers every host name: `hosts: ["*"]`, or an HTTPRoute without hostnames. */
  readonly anyHost: boolean;
  readonly hostField: string;
  readonly paths: { value: string; path: YamlPath }[];
  readonly backends: Backend[];
}

function ingressBackends(ingress: K8sObject): Backend[] {
  const backends: Backend[] = [];
  const add = (backend: unknown, path: YamlPath) => {
    const svc = asRecord(asRecord(backend).service);
    const name = asString(svc.name);
    const port = asRecord(svc.port);
    const number = port.number;
    if (name)
      backends.push({ service: name, port: typeof number === 'number' ? number : asString(port.name), path });
  };
  add(getPath(ingress.raw, ['spec', 'defaultBackend']), ['spec', 'defaultBackend']);
  asArray(getPath(ingress.raw, ['spec', 'rules'])).forEach((rule, r) =>
    asArray(getPath(rule, ['http', 'paths'])).forEach((p, i) =>
      add(asRecord(p).backend, ['spec', 'rules', r, 'http', 'paths', i, 'backend']),
    ),
  );
  return backends;
}

/** The Service a mesh host names: `name`, `name.namespace`, `name.namespace.svc[.cluster.local]`. */
function serviceOfHost(host: string): { name: string; namespace?: string | undefined } | undefined {
  const parts = host.split('.');
  if (parts[0] && (parts.length <= 2 || parts[2] === 'svc')) return { name: parts[0], namespace: parts[1] };
  return undefined;
}

function gatewayRoutes(service: ModelService): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  for (const vs of service.ofKind('VirtualService')) {
    const gateways = asArray(getPath(vs.raw, ['spec', 'gateways'])).map(asString);
    // Without gateways (or with only "mesh") a VirtualService steers traffic inside the mesh.
    if (!gateways.some((g) => g && g !== 'mesh')) continue;
    const hosts = asArray(getPath(vs.raw, ['spec', 'hosts'])).map(asString);
    const paths: GatewayRoute['paths'] = [];
    const backends: Backend[] = [];
    asArray(getPath(vs.raw, ['spec', 'http'])).forEach((http, h) => {
      asArray(asRecord(http).match).forEach((m, j) => {
        const uri = asRecord(asRecord(m).uri);
        for (const key of ['exact', 'prefix', 'regex']) {
          const value = asString(uri[key]);
          if (value) paths.push({ value, path: ['spec', 'http', h, 'match', j, 'uri', key] });
        }
      });
      asArray(asRecord(http).route).forEach((r, k) => {
        const destination = asRecord(asRecord(r).destination);
        const target = serviceOfHost(asString(destination.host) ?? '');
        const port = asRecord(destination.port).number;
        if (target)
          backends.push({
            service: target.name,
            namespace: target.namespace,
            port: typeof port === 'number' ? port : undefined,
            path: ['spec', 'http', h, 'route', k, 'destination'],
          });
      });
    });
    routes.push({
      object: vs,
      publicPath: ['spec', 'gateways'],
      anyHost: hosts.includes('*'),
      hostField: 'hosts "*"',
      paths,
      backends,
    });
  }
  for (const route of service.ofKind('HTTPRoute')) {
    // Attached to a Gateway (the default parent kind); a Service parent is mesh routing (GAMMA).
    const parents = asArray(getPath(route.raw, ['spec', 'parentRefs'])).map(asRecord);
    if (!parents.some((p) => (asString(p.kind) ?? 'Gateway') === 'Gateway')) continue;
    const hostnames = asArray(getPath(route.raw, ['spec', 'hostnames'])).map(asString);
    const paths: GatewayRoute['paths'] = [];
    const backends: Backend[] = [];
    asArray(getPath(route.raw, ['spec', 'rules'])).forEach((rule, r) => {
      asArray(asRecord(rule).matches).forEach((m, j) => {
        const value = asString(asRecord(asRecord(m).path).value);
        if (value) paths.push({ value, path: ['spec', 'rules', r, 'matches', j, 'path', 'value'] });
      });
      asArray(asRecord(rule).backendRefs).forEach((b, k) => {
        const ref = asRecord(b);
        const kind = asString(ref.kind) ?? 'Service';
        const name = asString(ref.name);
        if (kind === 'Service' && name)
          backends.push({
            service: name,
            namespace: asString(ref.namespace),
            port: typeof ref.port === 'number' ? ref.port : undefined,
            path: ['spec', 'rules', r, 'backendRefs', k],
          });
      });
    });
    routes.push({
      object: route,
      publicPath: ['spec', 'parentRefs'],
      anyHost: hostnames.length === 0 || hostnames.includes('*'),
      hostField: hostnames.length === 0 ? 'no hostnames' : 'hostnames "*"',
      paths,
      backends,
    });
  }
  return routes;
}

/** Reports a route whose backend is an admin port of a Service of the input (route → Service → pod). */
function reportAdminBackend(
  service: ModelService,
  route: K8sObject,
  backend: Backend,
  report: RuleContext['report'],
): void {
  // Objects without a namespace land in the one they are applied to: they match any.
  const namespace = backend.namespace ?? route.namespace;
  const svc = service
    .ofKind('Service')
    .find(
      (s) =>
        s.name === backend.service &&
        (namespace === undefined || s.namespace === undefined || s.namespace === namespace),
    );
  if (!svc) return;
  const ports = asArray(getPath(svc.raw, ['spec', 'ports'])).map(asRecord);
  const port =
    backend.port === undefined
      ? ports.length === 1
        ? ports[0]
        : undefined
      : ports.find((p) => p.port === backend.port || p.name === backend.port);
  const admin = port && adminPort(service, svc, port);
  if (admin)
    report({
      object: route,
      path: backend.path,
      message: `${route.ref} routes outside traffic to the ${admin} (${svc.ref} port ${show(port.port)})`,
    });
}

function hasAuth(service: ModelService): boolean {
  const declared = service.manifest?.manifest.spec.security?.auth?.type;
  if (declared && declared !== 'none') return true;
  if (service.ofKind('RequestAuthentication').length > 0 && service.ofKind('AuthorizationPolicy').length > 0)
    return true;
  return service.workloads.some((w) =>
    w.containers.some((c) =>
      /oauth2-proxy|auth-proxy|envoy-auth|pomerium|keycloak-gatekeeper/.test(
        asString(c.container.image) ?? '',
      ),
    ),
  );
}

/**
 * The admin API a Service port reaches: by its name (`management`, `admin`), or via its targetPort
 * (number or the container's port name) to a known admin port or a Triton in explicit model control.
 */
function adminPort(service: ModelService, svc: K8sObject, port: Record<string, unknown>): string | undefined {
  const name = asString(port.name);
  if (name && ADMIN_NAME.test(name)) return `port named "${name}"`;
  const target = port.targetPort ?? port.port;
  for (const workload of selectedWorkloads(service, svc)) {
    for (const ref of workload.containers) {
      const triton = tritonModelControlPorts(ref.container);
      if (typeof target === 'number' && triton.has(target)) return TRITON_MODEL_CONTROL;
      for (const cp of asArray(ref.container.ports).map(asRecord)) {
        if (cp.name !== target || typeof cp.containerPort !== 'number') continue;
        if (ADMIN_PORTS[cp.containerPort]) return ADMIN_PORTS[cp.containerPort];
        if (triton.has(cp.containerPort)) return TRITON_MODEL_CONTROL;
        if (typeof cp.name === 'string' && ADMIN_NAME.test(cp.name))
          return `container port named "${cp.name}"`;
      }
    }
  }
  return typeof target === 'number' ? ADMIN_PORTS[target] : undefined;
}

/**
 * The HTTP and gRPC ports of a Triton server started with --model-control-mode=explicit, where
 * POST /v2/repository/models/<m>/load (and its gRPC twin) loads whatever the caller names.
 */
function tritonModelControlPorts(container: Record<string, unknown>): Set<number> {
  const tokens = [...asArray(container.command), ...asArray(container.args)]
    .map(String)
    .flatMap((arg) => arg.split(/\s+/).filter(Boolean));
  const value = (flag: string): string | undefined => {
    const i = tokens.findIndex((t) => t === flag || t.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return tokens[i]!.includes('=') ? tokens[i]!.slice(flag.length + 1) : tokens[i + 1];
  };
  if (value('--model-control-mode')?.replace(/^['"]|['"]$/g, '') !== 'explicit') return new Set();
  return new Set([Number(value('--http-port') ?? 8000), Number(value('--grpc-port') ?? 8001)]);
}

/** The workloads whose pods a Service selects. */
function selectedWorkloads(service: ModelService, svc: K8sObject): Workload[] {
  const selector = getPath(svc.raw, ['spec', 'selector']);
  return service.workloads.filter((w) => w.templates.some((t) => selects(selector, t.labels)));
}
