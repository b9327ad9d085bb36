import { redactText } from '../redact.js';
import { defineRule } from './rule.js';
import { describeProbe, probeOf } from './support/probes.js';
import { matchesPath, readyPathsFor, runtimeOf } from './support/runtimes.js';
import { servingContainers } from './support/serving.js';

/**
 * Controllers that probe a container over TCP when it declares no readiness probe. A switch, not a
 * table: a kind the table does not hold was looked up through the prototype chain on every call.
 */
function tcpInjector(kind: string): string | undefined {
  switch (kind) {
    case 'InferenceService':
      return 'KServe injects a TCP probe';
    case 'KnativeService':
      return 'Knative probes its port over TCP';
    case 'SeldonDeployment':
      return 'Seldon adds a TCP probe';
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'model-aware-readiness-probe',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'health',
  kinds: ['workload'],
  docs: {
    summary:
      "Readiness probes call the runtime's model-ready endpoint (httpGet or grpc), not a TCP port or a file.",
    why:
      'A TCP probe passes as soon as the server binds its port, minutes before the weights are on the GPU; ' +
      '`exec: cat /tmp/ready` proves a file exists. Traffic then reaches pods that answer 503, and a rolling update ' +
      'declares success while no replica can serve. (KServe injects exactly such a TCP probe when you give none.)',
    fix:
      'Use httpGet on the endpoint that only answers once the model is loaded: Triton/KServe v2 /v2/health/ready or ' +
      '/v2/models/<m>/ready, TGI /health, vLLM /health or /v1/models, TorchServe /ping, TF Serving /v1/models/<m>, ' +
      "NIM /v1/health/ready, or your server's ready path (serving.health.ready in mlready.yaml).",
  },
  check({ service, report }) {
    // An index loop, and a probe's location is looked up only for a finding: most probes call a
    // ready endpoint, and this rule reads every serving container of the run.
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      if (!ref.template.serves) continue;
      const probe = probeOf(ref, 'readinessProbe');
      if (!probe) {
        // A workload's kind is its object's registry id (readers are given object.info): no lookup.
        const injector = tcpInjector(ref.workload.type);
        if (injector && !ref.partial) {
          const expected = readyPathsFor(service, runtimeOf(service, ref));
          const where = ref.at();
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} declares no readinessProbe, so ${injector} that passes before the model loads; use ${wantedFor(expected)}`,
          });
        }
        continue; // require-readiness-probe reports missing probes elsewhere
      }
      const handler = probe.handler;
      // A gRPC probe asks the server itself: nothing to compare, and the runtime is not asked for.
      if (handler === 'grpc') continue;
      const runtime = runtimeOf(service, ref);
      const expected = readyPathsFor(service, runtime);
      if (handler === 'tcpSocket' || handler === 'exec' || handler === 'none') {
        const at = ref.at('readinessProbe', handler);
        const described = describeProbe(probe);
        report({
          object: at.object,
          path: at.path,
          message: `${ref.label} readiness is ${redactText(described)}, which passes before the ${runtime.title} model is loaded; use ${wantedFor(expected)}`,
        });
      } else if (handler === 'httpGet' && expected.length > 0 && !matchesPath(probe.path ?? '/', expected)) {
        const where = ref.at('readinessProbe', handler, 'path');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} readiness calls ${redactText(probe.path ?? '/')}, which is not a ${runtime.title} model-ready endpoint; use ${redactText(wantedFor(expected))}`,
        });
      }
    }
  },
});

/** What the probe should call; written only for a finding (most probes call a ready endpoint). */
function wantedFor(expected: readonly string[]): string {
  return expected.length > 0
    ? `httpGet ${expected.join(' or ')}`
    : 'an httpGet or grpc endpoint that answers only once the model is loaded';
}
