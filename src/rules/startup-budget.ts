import { defineRule } from './rule.js';
import { formatDuration, probeBudgetSeconds, probeOf } from './support/probes.js';
import { expectedLoadSeconds, runtimeOf } from './support/runtimes.js';
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
      'Budget = initialDelaySeconds + failureThreshold × periodSeconds; the expected load time is ' +
      'serving.expectedLoadSeconds, else the runtime default (vLLM, TGI, NIM 300 s; Triton, TorchServe 120 s; ' +
      'TF Serving, KServe, custom 60 s).',
    fix: 'Add a startupProbe on the ready endpoint with failureThreshold × periodSeconds above the load time (e.g. periodSeconds: 10, failureThreshold: 40 for 400 s), and keep liveness short.',
  },
  check({ service, report }) {
    for (const ref of servingContainers(service)) {
      const runtime = runtimeOf(service, ref);
      const load = expectedLoadSeconds(service, runtime);
      const startup = probeOf(ref, 'startupProbe');
      if (startup) {
        const budget = probeBudgetSeconds(startup);
        if (budget < load.seconds) {
          const givesUpAfter = formatDuration(budget);
          const probeWindow = `${startup.initialDelaySeconds} + ${startup.failureThreshold} × ${startup.periodSeconds} s`;
          const loadTime = formatDuration(load.seconds);
          report({
            ...ref.at('startupProbe'),
            message: `${ref.label} startupProbe gives up after ${givesUpAfter} (${probeWindow}); model load takes ~${loadTime} (${load.source}): crash loop`,
          });
        }
        continue;
      }
      const liveness = probeOf(ref, 'livenessProbe');
      if (!liveness) continue;
      const budget = probeBudgetSeconds(liveness);
      if (budget < load.seconds) {
        const restartsAfter = formatDuration(budget);
        const loadTime = formatDuration(load.seconds);
        report({
          ...ref.at('livenessProbe'),
          message: `${ref.label} liveness restarts the pod after ${restartsAfter}; model load takes ~${loadTime} (${load.source}): crash loop`,
          fix: `Add a startupProbe allowing at least ${load.seconds} s (liveness only starts after it succeeds).`,
        });
      }
    }
  },
});
