import { defineRule } from './rule.js';
import { describeProbe, probeOf, sameEndpoint } from './support/probes.js';
import { matchesPath, readyPathsFor, runtimeOf } from './support/runtimes.js';
import { servingContainers } from './support/serving.js';

export default defineRule({
  id: 'liveness-not-readiness',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'health',
  kinds: ['workload'],
  docs: {
    summary: 'Liveness and readiness probes differ, and liveness does not call the model-ready endpoint.',
    why:
      'Readiness answers "send me traffic?", liveness "restart me?". When liveness calls the model-ready endpoint, a ' +
      'saturated GPU or a slow batch fails it and the kubelet kills a pod that was only busy, dropping every ' +
      'in-flight request and loading the model again under the same load: an outage that feeds itself.',
    fix: "Keep readiness on the model-ready endpoint and point liveness at a process check (the runtime's live endpoint, or tcpSocket), with a generous failureThreshold.",
  },
  check({ service, report }) {
    // An indexed loop: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const liveness = probeOf(ref, 'livenessProbe');
      if (!liveness) continue;
      const readiness = probeOf(ref, 'readinessProbe');
      const runtime = runtimeOf(service, ref);
      const at = ref.at('livenessProbe', liveness.handler);
      if (readiness && sameEndpoint(liveness, readiness)) {
        const endpoint = describeProbe(liveness);
        const readinessAdvice = readinessHint(runtime.readyPaths, runtime.livenessHint);
        report({
          object: at.object,
          path: at.path,
          message: `${ref.label} liveness and readiness both call ${endpoint}; a busy model gets restarted instead of taken out of rotation (readiness: ${readinessAdvice}; liveness: ${runtime.livenessHint})`,
        });
        continue;
      }
      const ready = readyPathsFor(service, runtime).filter(
        (p) => !(runtime.id === 'vllm' && p === '/health'),
      );
      if (liveness.handler === 'httpGet' && ready.length > 0 && matchesPath(liveness.path ?? '/', ready)) {
        const where = ref.at('livenessProbe', liveness.handler, 'path');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} liveness calls the model-ready endpoint ${liveness.path}; a busy model gets restarted (liveness: ${runtime.livenessHint})`,
        });
      }
    }
  },
});

function readinessHint(readyPaths: readonly string[], livenessHint: string): string {
  return readyPaths.find((p) => p !== livenessHint) ?? readyPaths[0] ?? 'the model-ready endpoint';
}
