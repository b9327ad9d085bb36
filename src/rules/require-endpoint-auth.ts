import { asArray, asRecord, asString, annotationsOf, getPath, type K8sObject } from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import type { Workload } from '../workloads/model.js';
import { selects } from '../workloads/selectors.js';
import { defineRule } from './rule.js';

/** Ports that administer a model server (load/unload models, change workers), never for the outside. */
const ADMIN_PORTS: Record<number, string> = {
  8081: 'TorchServe management API',
  7071: 'TorchServe gRPC management API',
  8265: 'Ray dashboard',
  5000: 'MLflow tracking server',
};

/** Ingress annotations that put authentication in front of the backend. */
const INGRESS_AUTH =
  /^(nginx\.ingress\.kubernetes\.io\/auth-(url|type|tls-secret)|alb\.ingress\.kubernetes\.io\/auth-type|traefik\.ingress\.kubernetes\.io\/router\.middlewares|konghq\.com\/plugins|ingress\.kubernetes\.io\/auth-type|haproxy\.org\/auth-type|gloo\.solo\.io\/.*auth)/;

export default defineRule({
  id: 'require-endpoint-auth',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['Service', 'Ingress', 'AuthorizationPolicy', 'RequestAuthentication', 'ModelService'],
  docs: {
    summary:
      'A model endpoint exposed outside the cluster (LoadBalancer, NodePort, Ingress) requires authentication, and admin ports are never exposed.',
    why:
      'An open inference endpoint is a free GPU for anyone who finds it, a way to extract the model by querying it, ' +
      "and for LLMs a prompt-injection target with your system prompt and tools. TorchServe's management port " +
      '(8081) can register a model archive from a URL, which is remote code execution.',
    fix:
      'Put authentication in front: an Istio RequestAuthentication + AuthorizationPolicy, ingress auth annotations ' +
      '(nginx auth-url, ALB auth-type), an auth proxy such as oauth2-proxy in the pod, and record it in ' +
      'mlready.yaml security.auth. Keep management ports on a ClusterIP Service or not exposed at all.',
  },
  check({ service, report }) {
    const authenticated = hasAuth(service);
    for (const svc of service.ofKind('Service')) {
      const type = asString(getPath(svc.raw, ['spec', 'type'])) ?? 'ClusterIP';
      if (type !== 'LoadBalancer' && type !== 'NodePort') continue;
      if (!authenticated) {
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
      if (!annotated && !authenticated) {
        report({
          object: ingress,
          path: ['spec'],
          message: `${ingress.ref} routes outside traffic to the model with no authentication (no auth annotation, AuthorizationPolicy or auth proxy)`,
        });
      }
    }
  },
});

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

/** The admin API a Service port reaches, via its targetPort (number or the container's port name). */
function adminPort(service: ModelService, svc: K8sObject, port: Record<string, unknown>): string | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return ADMIN_PORTS[target];
  for (const workload of selectedWorkloads(service, svc)) {
    for (const ref of workload.containers) {
      for (const cp of asArray(ref.container.ports).map(asRecord)) {
        if (cp.name === target && typeof cp.containerPort === 'number' && ADMIN_PORTS[cp.containerPort])
          return ADMIN_PORTS[cp.containerPort];
      }
    }
  }
  return undefined;
}

/** The workloads whose pods a Service selects. */
function selectedWorkloads(service: ModelService, svc: K8sObject): Workload[] {
  const selector = getPath(svc.raw, ['spec', 'selector']);
  return service.workloads.filter((w) => w.templates.some((t) => selects(selector, t.labels)));
}
