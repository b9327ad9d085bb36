import { asArray, asRecord, asString, getPath, isRecord, type K8sObject } from '../check/objects.js';
import type { KindId } from '../workloads/kinds.js';
import type { ModelService } from '../check/services.js';
import { defineRule, type RuleContext } from './rule.js';
import { VERSION_LABELS } from './model-version-label.js';

/** The kinds this rule reads; a service without any of them is not read at all. */
const KINDS: KindId[] = [
  'VirtualService',
  'DestinationRule',
  'HTTPRoute',
  'SeldonExperiment',
  'InferenceService',
  'KnativeService',
  'Rollout',
];
const TRAFFIC_KINDS: ReadonlySet<string> = new Set(KINDS);

export default defineRule({
  id: 'valid-traffic-split',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: KINDS,
  docs: {
    summary:
      'Traffic splits are valid and name known versions: Istio weights, KServe canaryTrafficPercent (0–100), Argo Rollouts setWeight steps (one action per step, increasing); a canary pauses or analyses.',
    why:
      'A split that routes to a subset no DestinationRule defines returns 503 for that share of users; weights that ' +
      'sum to 0 or canary percentages above 100 are rejected at apply time, in the middle of a release. A canary ' +
      'that neither pauses nor runs an analysis promotes itself before anyone has looked.',
    fix: 'Point every route at a DestinationRule subset whose labels select a deployed version, keep canaryTrafficPercent within 0–100, and give canary steps a pause or an analysis between setWeight steps.',
  },
  check({ service, report }) {
    // The engine runs every rule on every service; most hold none of these kinds. One pass over the
    // objects says so before seven kind lookups, a Map and a closure are spent on it. Each kind is
    // then read by a function of its own, only where the service holds it: small functions that V8
    // optimizes in a process's first run, where one large check() ran the bench's second run
    // unoptimized (issue 18). The order of the kinds is the order they were read in before.
    if (!holdsTrafficKind(service.objects)) return;
    const virtualServices = service.ofKind('VirtualService');
    if (virtualServices.length > 0) virtualServiceSplits(service, virtualServices, report);
    const routes = service.ofKind('HTTPRoute');
    if (routes.length > 0) httpRouteSplits(routes, report);
    const experiments = service.ofKind('SeldonExperiment');
    if (experiments.length > 0) experimentSplits(experiments, report);
    const knatives = service.ofKind('KnativeService');
    if (knatives.length > 0) knativeSplits(knatives, report);
    const inferenceServices = service.ofKind('InferenceService');
    if (inferenceServices.length > 0) canaryPercents(inferenceServices, report);
    const rollouts = service.ofKind('Rollout');
    if (rollouts.length > 0) canarySteps(rollouts, report);
  },
});

type Objects = readonly K8sObject[];
type ReportFn = RuleContext['report'];

const SPEC_TRAFFIC = ['spec', 'traffic'];
const CANARY_TRAFFIC_PERCENT = ['spec', 'predictor', 'canaryTrafficPercent'];

/** VirtualService weights, and the DestinationRule subsets (and versions) their routes name. */
function virtualServiceSplits(service: ModelService, virtualServices: Objects, report: ReportFn): void {
  const subsets = new Map<string, Record<string, unknown>>();
  for (const rule of service.ofKind('DestinationRule')) {
    for (const s of asArray(getPath(rule.raw, ['spec', 'subsets'])).map(asRecord))
      subsets.set(asString(s.name) ?? '', asRecord(s.labels));
  }
  // Read only when a subset names a version: most services route through no VirtualService.
  let deployedVersions: Set<string | undefined> | undefined;
  const versionsOf = () =>
    (deployedVersions ??= new Set(
      service.workloads.flatMap((w) =>
        w.templates.flatMap((t) => VERSION_LABELS.map((k) => t.labels[k]).filter(Boolean)),
      ),
    ));
  for (const vs of virtualServices) {
    asArray(getPath(vs.raw, ['spec', 'http'])).forEach((route, ri) => {
      const destinations = asArray(asRecord(route).route).map(asRecord);
      const weights = destinations.map((d) => d.weight).filter((w) => w !== undefined);
      if (weights.some((w) => typeof w !== 'number' || w < 0)) {
        report({
          object: vs,
          path: ['spec', 'http', ri, 'route'],
          message: `${vs.ref} route ${ri} has a negative or non-numeric weight`,
        });
      } else if (destinations.length > 1 && (weights as number[]).reduce((a, b) => a + b, 0) <= 0) {
        report({
          object: vs,
          path: ['spec', 'http', ri, 'route'],
          message: `${vs.ref} route ${ri} gives every destination weight 0`,
        });
      }
      destinations.forEach((d, di) => {
        const subset = asString(asRecord(d.destination).subset);
        if (subset === undefined) return;
        const labels = subsets.get(subset);
        const path = ['spec', 'http', ri, 'route', di, 'destination', 'subset'];
        if (!labels) {
          report({
            object: vs,
            path,
            message: `${vs.ref} routes to subset "${subset}", which no DestinationRule defines`,
          });
          return;
        }
        const version =
          asString(labels.version) ??
          asString(labels['app.kubernetes.io/version']) ??
          asString(labels['mlready.dev/model-version']);
        if (version === undefined) return;
        const versions = versionsOf();
        if (versions.size > 0 && !versions.has(version)) {
          const deployed = [...versions].join(', ');
          report({
            object: vs,
            path,
            message: `${vs.ref} routes to subset "${subset}" (version ${version}), but no workload of the service runs that version (${deployed})`,
          });
        }
      });
    });
  }
}

/** HTTPRoute backend weights. */
function httpRouteSplits(routes: Objects, report: ReportFn): void {
  for (const route of routes) {
    asArray(getPath(route.raw, ['spec', 'rules'])).forEach((rule, ri) => {
      const backends = asArray(asRecord(rule).backendRefs).map(asRecord);
      const weights = backends.map((b) => b.weight).filter((w) => w !== undefined);
      if (weights.some((w) => typeof w !== 'number' || w < 0))
        report({
          object: route,
          path: ['spec', 'rules', ri, 'backendRefs'],
          message: `${route.ref} rule ${ri} has a negative or non-numeric backend weight`,
        });
      else if (
        backends.length > 1 &&
        weights.length === backends.length &&
        (weights as number[]).every((w) => w === 0)
      )
        report({
          object: route,
          path: ['spec', 'rules', ri, 'backendRefs'],
          message: `${route.ref} rule ${ri} gives every backend weight 0`,
        });
    });
  }
}

/** SeldonExperiment candidate weights. */
function experimentSplits(experiments: Objects, report: ReportFn): void {
  for (const experiment of experiments) {
    const candidates = asArray(getPath(experiment.raw, ['spec', 'candidates'])).map(asRecord);
    const weights = candidates.map((c) => c.weight);
    if (weights.some((w) => typeof w !== 'number' || w < 0))
      report({
        object: experiment,
        path: ['spec', 'candidates'],
        message: `${experiment.ref} has a candidate without a non-negative numeric weight`,
      });
    else if (candidates.length > 0 && (weights as number[]).reduce((a, b) => a + b, 0) <= 0)
      report({
        object: experiment,
        path: ['spec', 'candidates'],
        message: `${experiment.ref} gives every candidate weight 0`,
      });
  }
}

/** Knative traffic percents. */
function knativeSplits(knatives: Objects, report: ReportFn): void {
  for (let k = 0; k < knatives.length; k++) {
    const knative = knatives[k]!;
    // One loop, not map/filter/reduce: the closures deoptimized on the mixed shapes of the entries.
    let percents = 0;
    let total = 0;
    for (const t of asArray(getPath(knative.raw, SPEC_TRAFFIC))) {
      const percent = asRecord(t).percent;
      if (percent === undefined) continue;
      percents++;
      total += typeof percent === 'number' ? percent : 0;
    }
    if (percents > 0 && total !== 100)
      report({
        object: knative,
        path: ['spec', 'traffic'],
        message: `${knative.ref} traffic percents add up to ${total}, not 100: Knative rejects the route`,
      });
  }
}

/** KServe canaryTrafficPercent. */
function canaryPercents(services: Objects, report: ReportFn): void {
  for (let i = 0; i < services.length; i++) {
    const isvc = services[i]!;
    const percent = getPath(isvc.raw, CANARY_TRAFFIC_PERCENT);
    if (percent !== undefined && (typeof percent !== 'number' || percent < 0 || percent > 100)) {
      report({
        object: isvc,
        path: ['spec', 'predictor', 'canaryTrafficPercent'],
        message: `${isvc.ref} canaryTrafficPercent ${JSON.stringify(percent)} is outside 0–100`,
      });
    }
  }
}

/** Argo Rollouts canary steps. */
function canarySteps(rollouts: Objects, report: ReportFn): void {
  for (const rollout of rollouts) {
    const canary = getPath(rollout.raw, ['spec', 'strategy', 'canary']);
    if (!isRecord(canary)) continue;
    const steps = asArray(canary.steps).map(asRecord);
    let last = -1;
    let gated = isRecord(canary.analysis);
    steps.forEach((step, i) => {
      const keys = Object.keys(step);
      if (keys.length !== 1) {
        const actions = keys.join(', ');
        report({
          object: rollout,
          path: ['spec', 'strategy', 'canary', 'steps', i],
          message: `${rollout.ref} canary step ${i} has ${keys.length} actions (${actions}); Argo Rollouts allows one per step`,
        });
      }
      if ('pause' in step || 'analysis' in step || 'experiment' in step) gated = true;
      if ('setWeight' in step) {
        const w = step.setWeight;
        if (typeof w !== 'number' || w < 0 || w > 100 || w <= last) {
          const weight = JSON.stringify(w);
          report({
            object: rollout,
            path: ['spec', 'strategy', 'canary', 'steps', i, 'setWeight'],
            message: `${rollout.ref} canary step ${i} sets weight ${weight} after ${last}; weights must increase within 0–100`,
          });
        }
        if (typeof w === 'number') last = w;
      }
    });
    if (!gated) {
      report({
        object: rollout,
        path: ['spec', 'strategy', 'canary'],
        message: `${rollout.ref} runs a canary with no pause or analysis: it promotes itself unobserved`,
        severity: 'warning',
      });
    }
  }
}

function holdsTrafficKind(objects: readonly K8sObject[]): boolean {
  // An index loop: the list is frozen, and its iterator is not optimized away.
  for (let i = 0; i < objects.length; i++) if (TRAFFIC_KINDS.has(objects[i]!.type)) return true;
  return false;
}
