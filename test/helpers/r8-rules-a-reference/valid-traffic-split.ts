// valid-traffic-split as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-a-reference.test.ts. Only its imports differ from that copy.
import {
  asArray,
  asRecord,
  asString,
  getPath,
  isRecord,
  type K8sObject,
} from '../../../src/check/objects.js';
import type { KindId } from '../../../src/workloads/kinds.js';
import { defineRule } from '../../../src/rules/rule.js';
import { VERSION_LABELS } from '../../../src/rules/model-version-label.js';

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
    // objects says so before seven kind lookups, a Map and a closure are spent on it.
    if (!holdsTrafficKind(service.objects)) return;
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
    for (const vs of service.ofKind('VirtualService')) {
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
    for (const route of service.ofKind('HTTPRoute')) {
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
    for (const experiment of service.ofKind('SeldonExperiment')) {
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
    for (const knative of service.ofKind('KnativeService')) {
      // One loop, not map/filter/reduce: the closures deoptimized on the mixed shapes of the entries.
      let percents = 0;
      let total = 0;
      for (const t of asArray(getPath(knative.raw, ['spec', 'traffic']))) {
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
    for (const isvc of service.ofKind('InferenceService')) {
      const percent = getPath(isvc.raw, ['spec', 'predictor', 'canaryTrafficPercent']);
      if (percent !== undefined && (typeof percent !== 'number' || percent < 0 || percent > 100)) {
        report({
          object: isvc,
          path: ['spec', 'predictor', 'canaryTrafficPercent'],
          message: `${isvc.ref} canaryTrafficPercent ${JSON.stringify(percent)} is outside 0–100`,
        });
      }
    }
    for (const rollout of service.ofKind('Rollout')) {
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
  },
});

function holdsTrafficKind(objects: readonly K8sObject[]): boolean {
  for (const object of objects) if (TRAFFIC_KINDS.has(object.type)) return true;
  return false;
}
