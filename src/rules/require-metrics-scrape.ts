import { asArray, asRecord, asString, getPath, labelsOf } from '../check/objects.js';
import { containersOf, isServingWorkload, podTemplateOf, selects } from '../check/workloads.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'require-metrics-scrape',
  severity: 'error',
  section: 'monitoring',
  kinds: ['ServiceMonitor', 'PodMonitor', 'Service', 'Deployment', 'StatefulSet', 'Rollout'],
  docs: {
    summary:
      'Prometheus scrapes the serving pods: a ServiceMonitor or PodMonitor that selects them on a port that exists, or prometheus.io annotations.',
    why:
      'Every alert, dashboard, canary analysis and drift score depends on the scrape. A ServiceMonitor whose ' +
      'selector or port name no longer matches (after a relabel or a port rename) fails silently: the alerts just ' +
      'never fire, and you find out from users.',
    fix: "Add a ServiceMonitor selecting the model's Service by its labels, with endpoints[].port naming one of the Service's ports (or a PodMonitor naming a container port).",
  },
  check({ service, report }) {
    const services = service.ofKind('Service');
    const monitors = service.ofKind('ServiceMonitor');
    const podMonitors = service.ofKind('PodMonitor');
    let scraped = false;
    for (const monitor of monitors) {
      const selector = getPath(monitor.raw, ['spec', 'selector']);
      const selected = services.filter((s) => selects(selector, labelsOf(s)));
      if (selected.length === 0) {
        report({
          object: monitor,
          path: ['spec', 'selector'],
          message: `${monitor.ref} selects no Service of the model service`,
        });
        continue;
      }
      const portNames = new Set(
        selected.flatMap((s) =>
          asArray(getPath(s.raw, ['spec', 'ports']))
            .map((p) => asString(asRecord(p).name))
            .filter(Boolean),
        ),
      );
      asArray(getPath(monitor.raw, ['spec', 'endpoints'])).forEach((e, i) => {
        const port = asString(asRecord(e).port);
        if (port !== undefined && !portNames.has(port)) {
          const selectedRefs = selected.map((s) => s.ref).join(', ');
          const declared = portNames.size ? ` (ports: ${[...portNames].join(', ')})` : '';
          report({
            object: monitor,
            path: ['spec', 'endpoints', i, 'port'],
            message: `${monitor.ref} scrapes port "${port}", which ${selectedRefs} does not name${declared}`,
          });
        } else scraped = true;
      });
    }
    for (const monitor of podMonitors) {
      const selector = getPath(monitor.raw, ['spec', 'selector']);
      const pods = service.workloads.filter((w) => selects(selector, podTemplateOf(w)?.labels ?? {}));
      if (pods.length === 0) {
        report({
          object: monitor,
          path: ['spec', 'selector'],
          message: `${monitor.ref} selects none of the model service's pods`,
        });
        continue;
      }
      const portNames = new Set(
        pods
          .flatMap((w) =>
            containersOf(w).flatMap((c) => asArray(c.container.ports).map((p) => asString(asRecord(p).name))),
          )
          .filter(Boolean),
      );
      asArray(getPath(monitor.raw, ['spec', 'podMetricsEndpoints'])).forEach((e, i) => {
        const port = asString(asRecord(e).port);
        if (port !== undefined && !portNames.has(port))
          report({
            object: monitor,
            path: ['spec', 'podMetricsEndpoints', i, 'port'],
            message: `${monitor.ref} scrapes port "${port}", which no container names`,
          });
        else scraped = true;
      });
    }
    for (const workload of service.workloads.filter(isServingWorkload)) {
      if (workload.kind === 'InferenceService') continue;
      const annotations = podTemplateOf(workload)?.annotations ?? {};
      const annotated = annotations['prometheus.io/scrape'] === 'true';
      if (!scraped && !annotated && monitors.length + podMonitors.length === 0) {
        report({
          object: workload,
          path: ['metadata', 'name'],
          message: `nothing scrapes the metrics of ${workload.ref}: no ServiceMonitor, PodMonitor or prometheus.io/scrape annotation`,
        });
      }
    }
  },
});
