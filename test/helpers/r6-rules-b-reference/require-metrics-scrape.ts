import {
  asArray,
  asRecord,
  asString,
  getPath,
  labelsOf,
  type K8sObject,
} from '../../../src/check/objects.js';
import type { Workload } from '../../../src/workloads/model.js';
import { selects } from '../../../src/workloads/selectors.js';
import { defineRule } from '../../../src/rules/rule.js';
import { runningWorkloads } from './support.js';

/** Pod monitors: Prometheus Operator PodMonitor and Google Managed Prometheus PodMonitoring. */
const POD_MONITORS = ['PodMonitor', 'PodMonitoring', 'ClusterPodMonitoring'] as const;

export default defineRule({
  id: 'require-metrics-scrape',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'monitoring',
  kinds: ['ServiceMonitor', ...POD_MONITORS, 'workload'],
  docs: {
    summary:
      'Prometheus scrapes the serving pods: a ServiceMonitor, PodMonitor or (Google Managed Prometheus) PodMonitoring that selects them on a port that exists, or prometheus.io annotations.',
    why:
      'Every alert, dashboard, canary analysis and drift score depends on the scrape. A ServiceMonitor whose ' +
      'selector or port name no longer matches (after a relabel or a port rename) fails silently: the alerts just ' +
      'never fire, and you find out from users.',
    fix: "Add a ServiceMonitor selecting the model's Service by its labels, with endpoints[].port naming one of the Service's ports (or a PodMonitor or PodMonitoring naming a container port).",
  },
  check({ service, report }) {
    const services = service.ofKind('Service');
    const monitors = service.ofKind('ServiceMonitor');
    const podMonitors = service.ofKind(...POD_MONITORS);
    // What the monitors that work scrape: the Services a ServiceMonitor reaches on a named port, the
    // workloads a pod monitor reaches. A workload none of them reaches is not scraped even though the
    // service has a monitor (a canary with its own labels, a second model server).
    const scrapedServices: K8sObject[] = [];
    const scrapedPods = new Set<Workload>();
    const hits: string[] = [];
    let missed = false;
    // Loops over the service's short lists, no closure per monitor: this rule runs for every
    // service of the run, and most have one ServiceMonitor or none.
    for (const monitor of monitors) {
      const selector = getPath(monitor.raw, SPEC_SELECTOR);
      const selected: K8sObject[] = [];
      for (const s of services) if (selects(selector, labelsOf(s))) selected.push(s);
      if (selected.length === 0) {
        missed = true;
        report({
          object: monitor,
          path: ['spec', 'selector'],
          message: `${monitor.ref} selects no Service of the model service`,
        });
        continue;
      }
      const portNames = new Set<string>();
      for (const s of selected)
        for (const p of asArray(getPath(s.raw, SPEC_PORTS))) {
          const name = asString(asRecord(p).name);
          if (name) portNames.add(name);
        }
      const endpoints = asArray(getPath(monitor.raw, SPEC_ENDPOINTS));
      let scrapes = false;
      for (let i = 0; i < endpoints.length; i++) {
        const port = asString(asRecord(endpoints[i]).port);
        if (port === undefined || portNames.has(port)) scrapes = true;
        else {
          missed = true;
          const selectedRefs = selected.map((s) => s.ref).join(', ');
          const declared = portNames.size ? ` (ports: ${[...portNames].join(', ')})` : '';
          report({
            object: monitor,
            path: ['spec', 'endpoints', i, 'port'],
            message: `${monitor.ref} scrapes port "${port}", which ${selectedRefs} does not name${declared}`,
          });
        }
      }
      if (scrapes) {
        hits.push(monitor.ref);
        for (const s of selected) scrapedServices.push(s);
      }
    }
    for (const monitor of podMonitors) {
      const selector = getPath(monitor.raw, SPEC_SELECTOR);
      const pods = service.workloads.filter((w) => selectsPods(selector, w));
      if (pods.length === 0) {
        missed = true;
        report({
          object: monitor,
          path: ['spec', 'selector'],
          message: `${monitor.ref} selects none of the model service's pods`,
        });
        continue;
      }
      const ports = new Set<string | number>();
      for (const w of pods)
        for (const c of w.containers)
          for (const p of asArray(c.container.ports).map(asRecord)) {
            const name = asString(p.name);
            if (name) ports.add(name);
            if (typeof p.containerPort === 'number') ports.add(p.containerPort);
          }
      const key = monitor.type === 'PodMonitor' ? 'podMetricsEndpoints' : 'endpoints';
      let scrapes = false;
      asArray(getPath(monitor.raw, ['spec', key])).forEach((e, i) => {
        const raw = asRecord(e).port ?? asRecord(e).targetPort;
        const port = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
        const known =
          typeof port === 'number' ? ports.has(port) || !hasNumbers(ports) : ports.has(asString(port) ?? '');
        if (port !== undefined && !known) {
          missed = true;
          report({
            object: monitor,
            path: ['spec', key, i, 'port'],
            message: `${monitor.ref} scrapes port ${JSON.stringify(port)}, which no container ${typeof port === 'number' ? 'declares' : 'names'}`,
          });
        } else scrapes = true;
      });
      if (scrapes) {
        hits.push(monitor.ref);
        for (const w of pods) scrapedPods.add(w);
      }
    }
    const monitored = monitors.length + podMonitors.length > 0;
    // A monitor that misses is reported on the monitor itself, above: the pods it was meant for are
    // not reported a second time while one is.
    if (monitored && missed) return;
    for (const workload of runningWorkloads(service)) {
      // KServe aggregates its own metrics (serving.kserve.io/enable-prometheus-scraping).
      if (workload.info.id === 'InferenceService' || workload.templates.length === 0) continue;
      if (annotated(workload, services) || operatorScrapes(workload.object)) continue;
      if (monitored && scrapedBy(workload, scrapedServices, scrapedPods)) continue;
      const ref = workload.object.ref;
      report({
        object: workload.object,
        path: ['metadata', 'name'],
        message: monitored
          ? hits.length > 0
            ? `nothing scrapes the metrics of ${ref}: ${hits.join(', ')} ${hits.length === 1 ? 'scrapes' : 'scrape'} other pods`
            : `nothing scrapes the metrics of ${ref}: ${[...monitors, ...podMonitors].map((m) => m.ref).join(', ')} ${monitors.length + podMonitors.length === 1 ? 'names' : 'name'} no endpoint`
          : `nothing scrapes the metrics of ${ref}: no ServiceMonitor, PodMonitor, PodMonitoring or prometheus.io/scrape annotation`,
      });
    }
  },
});

const SPEC_SELECTOR = ['spec', 'selector'];
const SPEC_PORTS = ['spec', 'ports'];
const SPEC_ENDPOINTS = ['spec', 'endpoints'];

function selectsPods(selector: unknown, workload: Workload): boolean {
  for (const t of workload.templates) if (selects(selector, t.labels)) return true;
  return false;
}

/** Is the workload's pods reached by a monitor that scrapes (through a Service it selects, or directly)? */
function scrapedBy(workload: Workload, services: readonly K8sObject[], pods: ReadonlySet<Workload>): boolean {
  if (pods.has(workload)) return true;
  for (const s of services) if (selectsPods(getPath(s.raw, SPEC_SELECTOR), workload)) return true;
  return false;
}

function hasNumbers(ports: Set<string | number>): boolean {
  return [...ports].some((p) => typeof p === 'number');
}

/** prometheus.io/scrape: "true" on the pods, or on a Service that selects them. */
function annotated(workload: Workload, services: readonly K8sObject[]): boolean {
  if (workload.templates.some((t) => t.annotations['prometheus.io/scrape'] === 'true')) return true;
  return services.some(
    (s) =>
      asString(getPath(s.raw, ['metadata', 'annotations', 'prometheus.io/scrape'])) === 'true' &&
      selectsPods(getPath(s.raw, ['spec', 'selector']), workload),
  );
}

/**
 * Operators that make their pods scraped: Seldon Core v1 puts prometheus.io annotations on every
 * predictor pod; the NIM Operator creates a ServiceMonitor when spec.metrics asks for one.
 */
function operatorScrapes(object: K8sObject): boolean {
  if (object.type === 'SeldonDeployment') return true;
  return object.type === 'NIMService' && getPath(object.raw, ['spec', 'metrics', 'enabled']) === true;
}
