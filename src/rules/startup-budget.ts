import { estimateLoadTime, severityFor } from '../estimate/load-time.js';
import { defineRule } from './rule.js';
import { formatDuration, probeBudgetSeconds, probeOf } from './support/probes.js';
import { servingContainers } from './support/serving.js';

export default defineRule({
  id: 'startup-budget',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'health',
  kinds: ['workload'],
  docs: {
    summary:
      'The startup probe (or, without one, the liveness probe) allows at least the expected model load time.',
    why:
      'Liveness starts counting when the container starts. If it gives up before the model is on the GPU, the ' +
      'kubelet restarts the pod mid-load, forever: CrashLoopBackOff that only happens with the real weights. ' +
      'Budget = initialDelaySeconds + failureThreshold × periodSeconds. The load time is, in order of trust: the ' +
      'newest matching deploy record (mlready deploy --save), serving.expectedLoadSeconds, an estimate from the ' +
      "model's size (weights download + GPU load + runtime start-up, docs/estimates.md), else the runtime default. " +
      'A finding that rests only on a runtime default is a warning; otherwise an error.',
    fix: 'Add a startupProbe on the ready endpoint with failureThreshold × periodSeconds above the load time (e.g. periodSeconds: 10, failureThreshold: 40 for 400 s), and keep liveness short.',
  },
  check({ service, report, evidence, now }) {
    // One estimate context per call, not one per container.
    const estimate = { service, evidence, now };
    // An indexed loop: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const load = estimateLoadTime(estimate, ref);
      const severity = severityFor(load);
      const startup = probeOf(ref, 'startupProbe');
      if (startup) {
        const budget = probeBudgetSeconds(startup);
        if (budget < load.seconds) {
          const givesUpAfter = formatDuration(budget);
          const probeWindow = `${startup.initialDelaySeconds} + ${startup.failureThreshold} × ${startup.periodSeconds} s`;
          const where = ref.at('startupProbe');
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} startupProbe gives up after ${givesUpAfter} (${probeWindow}); model load takes ${load.arithmetic}: crash loop`,
            severity,
          });
        }
        continue;
      }
      const liveness = probeOf(ref, 'livenessProbe');
      if (!liveness) continue;
      const budget = probeBudgetSeconds(liveness);
      if (budget < load.seconds) {
        const restartsAfter = formatDuration(budget);
        const where = ref.at('livenessProbe');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} liveness restarts the pod after ${restartsAfter}; model load takes ${load.arithmetic}: crash loop`,
          fix: `Add a startupProbe allowing at least ${Math.ceil(load.seconds)} s (liveness only starts after it succeeds).`,
          severity,
        });
      }
    }
  },
});
