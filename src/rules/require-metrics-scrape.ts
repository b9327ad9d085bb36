import { asArray, asRecord, asString, getPath, labelsOf, type K8sObject } from '../check/objects.js';
import type { Workload } from '../workloads/model.js';
import { selects } from '../workloads/selectors.js';
import { defineRule, type RuleContext } from './rule.js';
import { runningWorkloads } from './support/serving.js';

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
    // The kinds written out: a spread makes an argument array per call.
    const podMonitors = service.ofKind('PodMonitor', 'PodMonitoring', 'ClusterPodMonitoring');
    // What the monitors that work scrape: the Services a ServiceMonitor reaches on a named port, the
    // workloads a pod monitor reaches. A workload none of them reaches is not scraped even though the
    // service has a monitor (a canary with its own labels, a second model server).
    // Loops over the service's short lists, no closure per monitor and no list or set before it
    // has something to hold: this rule runs for every service of the run, and most have one
    // ServiceMonitor or none (measured: 1.8 MB a run on the bench with a Set per call).
    let scrapedServices: K8sObject[] | undefined;
    let scrapedPods: Workload[] | undefined;
    let hits: string[] | undefined;
    let missed = false;
    // How much of SELECTED this call wrote, cleared at the end (not the whole list every call).
    let used = 0;
    for (let m = 0; m < monitors.length; m++) {
      const monitor = monitors[m]!;
      const selector = getPath(monitor.raw, SPEC_SELECTOR);
      // The Services the monitor selects, in SELECTED[0..count): one scratch list for every call,
      // written over, as most monitors select one Service and the list never outlives this loop.
      let count = 0;
      for (let i = 0; i < services.length; i++)
        if (selects(selector, labelsOf(services[i]!))) {
          if (count < SELECTED.length) SELECTED[count] = services[i];
          else SELECTED.push(services[i]);
          count++;
        }
      if (count > used) used = count;
      if (count === 0) {
        missed = true;
        report({
          object: monitor,
          path: ['spec', 'selector'],
          message: `${monitor.ref} selects no Service of the model service`,
        });
        continue;
      }
      const endpoints = asArray(getPath(monitor.raw, SPEC_ENDPOINTS));
      let scrapes = false;
      for (let i = 0; i < endpoints.length; i++) {
        const port = asString(asRecord(endpoints[i]).port);
        if (port === undefined || namesPort(SELECTED, count, port)) scrapes = true;
        else {
          missed = true;
          const selected = SELECTED.slice(0, count) as K8sObject[];
          const selectedRefs = selected.map((s) => s.ref).join(', ');
          const portNames = portNamesOf(selected);
          const declared = portNames.length ? ` (ports: ${portNames.join(', ')})` : '';
          report({
            object: monitor,
            path: ['spec', 'endpoints', i, 'port'],
            message: `${monitor.ref} scrapes port "${port}", which ${selectedRefs} does not name${declared}`,
          });
        }
      }
      if (scrapes) {
        // The first monitor's lists at their exact size: pushing onto [] reserves 17 slots, and
        // most services have one monitor (two lists per service of a run).
        if (hits === undefined) hits = [monitor.ref];
        else hits.push(monitor.ref);
        if (scrapedServices === undefined) scrapedServices = SELECTED.slice(0, count) as K8sObject[];
        else for (let i = 0; i < count; i++) scrapedServices.push(SELECTED[i]!);
      }
    }
    // The run's objects are not kept past the call.
    for (let i = 0; i < used; i++) SELECTED[i] = undefined;
    // Pod monitors are rare: what they scrape is worked out in a function of its own, which keeps
    // this one small enough for V8 to optimize in a run's first calls (issue 18).
    if (podMonitors.length > 0) {
      const scraped = scrapePods(service.workloads, podMonitors, report);
      if (scraped.missed) missed = true;
      if (scraped.hits.length > 0) (hits ??= []).push(...scraped.hits);
      if (scraped.pods.length > 0) scrapedPods = scraped.pods;
    }
    const monitored = monitors.length + podMonitors.length > 0;
    // A monitor that misses is reported on the monitor itself, above: the pods it was meant for are
    // not reported a second time while one is.
    if (monitored && missed) return;
    const running = runningWorkloads(service);
    for (let i = 0; i < running.length; i++) {
      const workload = running[i]!;
      // KServe aggregates its own metrics (serving.kserve.io/enable-prometheus-scraping).
      if (workload.info.id === 'InferenceService' || workload.templates.length === 0) continue;
      if (annotated(workload, services) || operatorScrapes(workload.object)) continue;
      if (monitored && scrapedBy(workload, scrapedServices, scrapedPods)) continue;
      report({
        object: workload.object,
        path: METADATA_NAME,
        message: unscrapedMessage(workload.object.ref, monitored, hits, monitors, podMonitors),
      });
    }
  },
});

/** The paths of a finding: the engine copies a reported path, so one list serves every finding. */
const METADATA_NAME = ['metadata', 'name'];

/** What scrapes no workload's pods says; written only for a finding. */
function unscrapedMessage(
  ref: string,
  monitored: boolean,
  hits: readonly string[] | undefined,
  monitors: readonly K8sObject[],
  podMonitors: readonly K8sObject[],
): string {
  return monitored
    ? hits !== undefined
      ? `nothing scrapes the metrics of ${ref}: ${hits.join(', ')} ${hits.length === 1 ? 'scrapes' : 'scrape'} other pods`
      : `nothing scrapes the metrics of ${ref}: ${[...monitors, ...podMonitors].map((m) => m.ref).join(', ')} ${monitors.length + podMonitors.length === 1 ? 'names' : 'name'} no endpoint`
    : `nothing scrapes the metrics of ${ref}: no ServiceMonitor, PodMonitor, PodMonitoring or prometheus.io/scrape annotation`;
}

/** What the pod monitors of a service scrape: the monitors that work, the pods they reach. */
interface PodScrape {
  /** A monitor selects no pod, or scrapes a port no container has (each reported). */
  missed: boolean;
  hits: string[];
  pods: Workload[];
}

/** check()'s pod monitor loop, as it was, reporting what misses (see PodScrape). */
function scrapePods(
  workloads: readonly Workload[],
  podMonitors: readonly K8sObject[],
  report: RuleContext['report'],
): PodScrape {
  const result: PodScrape = { missed: false, hits: [], pods: [] };
  for (let m = 0; m < podMonitors.length; m++) {
    const monitor = podMonitors[m]!;
    const selector = getPath(monitor.raw, SPEC_SELECTOR);
    const pods: Workload[] = [];
    for (const w of workloads) if (selectsPods(selector, w)) pods.push(w);
    if (pods.length === 0) {
      result.missed = true;
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
        result.missed = true;
        report({
          object: monitor,
          path: ['spec', key, i, 'port'],
          message: `${monitor.ref} scrapes port ${JSON.stringify(port)}, which no container ${typeof port === 'number' ? 'declares' : 'names'}`,
        });
      } else scrapes = true;
    });
    if (scrapes) {
      result.hits.push(monitor.ref);
      for (const w of pods) if (!result.pods.includes(w)) result.pods.push(w);
    }
  }
  return result;
}

const SPEC_SELECTOR = ['spec', 'selector'];
const SPEC_PORTS = ['spec', 'ports'];
const SPEC_ENDPOINTS = ['spec', 'endpoints'];

function selectsPods(selector: unknown, workload: Workload): boolean {
  for (const t of workload.templates) if (selects(selector, t.labels)) return true;
  return false;
}

/** Scratch list of the Services a ServiceMonitor selects (check() writes its first entries per monitor). */
const SELECTED: (K8sObject | undefined)[] = [];

/** Does one of the selected Services (selected[0..count)) name a port `port` (a name, never empty)? */
function namesPort(selected: readonly (K8sObject | undefined)[], count: number, port: string): boolean {
  if (port === '') return false;
  for (let i = 0; i < count; i++) {
    const ports = asArray(getPath(selected[i]!.raw, SPEC_PORTS));
    for (let j = 0; j < ports.length; j++) if (asString(asRecord(ports[j]).name) === port) return true;
  }
  return false;
}

/** The port names of the selected Services, each once, in order: written only for a finding. */
function portNamesOf(selected: readonly K8sObject[]): string[] {
  const names = new Set<string>();
  for (const s of selected)
    for (const p of asArray(getPath(s.raw, SPEC_PORTS))) {
      const name = asString(asRecord(p).name);
      if (name) names.add(name);
    }
  return [...names];
}

/** Is the workload's pods reached by a monitor that scrapes (through a Service it selects, or directly)? */
function scrapedBy(
  workload: Workload,
  services: readonly K8sObject[] | undefined,
  pods: readonly Workload[] | undefined,
): boolean {
  if (pods !== undefined && pods.includes(workload)) return true;
  if (services !== undefined)
    for (let i = 0; i < services.length; i++)
      if (selectsPods(getPath(services[i]!.raw, SPEC_SELECTOR), workload)) return true;
  return false;
}

function hasNumbers(ports: Set<string | number>): boolean {
  return [...ports].some((p) => typeof p === 'number');
}

/** prometheus.io/scrape: "true" on the pods, or on a Service that selects them. */
function annotated(workload: Workload, services: readonly K8sObject[]): boolean {
  const templates = workload.templates;
  for (let i = 0; i < templates.length; i++)
    if (templates[i]!.annotations['prometheus.io/scrape'] === 'true') return true;
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    if (
      asString(getPath(s.raw, SCRAPE_ANNOTATION)) === 'true' &&
      selectsPods(getPath(s.raw, SPEC_SELECTOR), workload)
    )
      return true;
  }
  return false;
}

const SCRAPE_ANNOTATION = ['metadata', 'annotations', 'prometheus.io/scrape'];

/**
 * Operators that make their pods scraped: Seldon Core v1 puts prometheus.io annotations on every
 * predictor pod; the NIM Operator creates a ServiceMonitor when spec.metrics asks for one.
 */
function operatorScrapes(object: K8sObject): boolean {
  if (object.type === 'SeldonDeployment') return true;
  return object.type === 'NIMService' && getPath(object.raw, ['spec', 'metrics', 'enabled']) === true;
}
