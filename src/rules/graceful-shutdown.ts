import { isRecord } from '../check/objects.js';
import { behindService } from './support/serving.js';
import { defineRule } from './rule.js';
import { runtimeOf } from './support/runtimes.js';
import type { PodTemplate } from '../workloads/model.js';
import { servingContainers } from './support/serving.js';

export default defineRule({
  id: 'graceful-shutdown',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'health',
  kinds: ['workload'],
  docs: {
    summary:
      'terminationGracePeriodSeconds covers the longest request, and pods behind a Service wait in preStop before shutting down.',
    why:
      'On every rollout, scale-in and node drain the kubelet sends SIGTERM and kills after the grace period (30 s by ' +
      'default). A 90-second LLM generation is cut off mid-stream. Without a preStop delay the pod also stops ' +
      'before the endpoints controller and kube-proxy stop routing to it, so new requests hit a closed port.',
    fix:
      'Set terminationGracePeriodSeconds above serving.maxRequestSeconds (or the p99 latency SLO) plus the preStop ' +
      'delay, and add lifecycle.preStop (sleep: { seconds: 10 }, or exec sleep 10).',
  },
  check({ service, report }) {
    const manifest = service.manifest?.manifest.spec;
    // An indexed loop: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    let asked: PodTemplate | undefined;
    let behind = false;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      // KServe, Knative and the operators drain their own pods (queue-proxy, their defaults).
      // A workload's kind is its object's registry id (readers are given object.info): no lookup.
      const kind = ref.workload.type;
      if (kind === 'InferenceService' || kind === 'KnativeService' || ref.template.synthesized || ref.partial)
        continue;
      if (!ref.template.serves) continue;
      // The runtime is read only when neither the manifest's limit nor its p99 says how long a request runs.
      const longest =
        manifest?.serving.maxRequestSeconds ??
        (manifest?.slo?.latencyMs?.p99 !== undefined
          ? Math.ceil(manifest.slo.latencyMs.p99 / 1000)
          : runtimeOf(service, ref).llm
            ? 60
            : undefined);
      const grace = ref.template.spec.terminationGracePeriodSeconds;
      const graceSeconds = typeof grace === 'number' ? grace : 30;
      if (longest !== undefined && graceSeconds < longest) {
        const defaultNote = typeof grace === 'number' ? '' : ' (the default)';
        const where =
          typeof grace === 'number'
            ? ref.template.atSpec('terminationGracePeriodSeconds')
            : ref.template.atSpec();
        report({
          object: where.object,
          path: where.path,
          message: `${ref.workload.ref} waits ${graceSeconds} s for shutdown${defaultNote}, less than the longest request (${longest} s): in-flight requests are cut off on every rollout`,
        });
      }
      const lifecycle = ref.container.lifecycle;
      if (isRecord(lifecycle) && isRecord(lifecycle.preStop)) continue;
      // Asked once per template: its containers follow each other in the list.
      if (ref.template !== asked) {
        asked = ref.template;
        behind = behindService(service, asked);
      }
      if (behind) {
        const where = ref.at('name');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} is behind a Service but has no preStop delay: it stops before traffic is routed away`,
        });
      }
    }
  },
});
