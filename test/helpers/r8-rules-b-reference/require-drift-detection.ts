// require-drift-detection as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts. Only its imports differ from that copy.
import type { ModelService } from '../../../src/check/services.js';
import { driftDefaultsFor } from '../../../src/manifest/types.js';
import { defineRule } from '../../../src/rules/rule.js';
import { firstRunningWorkload } from '../../../src/rules/support/serving.js';
import {
  mentionsMetric,
  metricName,
  promRulesOf,
  thresholdOf,
} from '../../../src/rules/support/prometheus.js';

/** Alerts on a drift score, whatever exports it. */
const DRIFT = /drift/i;

export default defineRule({
  id: 'require-drift-detection',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'drift',
  kinds: ['ModelService', 'PrometheusRule', 'workload'],
  docs: {
    summary:
      "Drift detection is configured (monitoring.drift) and alerted on at the manifest's thresholds, or delegated to a declared external monitor with alert routing.",
    why:
      'Models decay silently: the world changes, the inputs move, and accuracy drops weeks before anyone measures it. ' +
      'A drift score that nobody alerts on is a dashboard; an alert at a threshold other than the agreed one (PSI ' +
      '0.1 warn, 0.25 critical by default) either pages for noise or sleeps through real drift.',
    fix:
      'Declare monitoring.drift (method, features, warn, critical) in mlready.yaml, run `mlready drift` on a schedule ' +
      'to export model_data_drift_score, and alert on it at warn and critical; or declare monitoring.drift.external ' +
      'with its alertRoute.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    const first = firstRunningWorkload(service);
    if (!first) return;
    if (!manifest) {
      // Without a manifest: any alert on a drift score counts (mlready's metric or another tool's).
      // Without a PrometheusRule there is no alert: nothing to read (most services of a run).
      const rule = service.ofKind('PrometheusRule')[0];
      if (rule !== undefined && hasDriftAlert(service)) return;
      report({
        object: rule ?? first.object,
        path: rule ? ['spec', 'groups'] : ['metadata', 'name'],
        message: `no drift alert found for ${first.object.ref}: nothing tells you when its inputs drift`,
        fix: 'Declare monitoring.drift in mlready.yaml (mlready init writes one), run `mlready drift` on a schedule and alert on model_data_drift_score; or alert on the drift score of the monitor you use.',
      });
      return;
    }
    const drift = manifest.manifest.spec.monitoring?.drift;
    if (!drift) {
      report({
        object: manifest,
        path: manifest.manifest.spec.monitoring ? ['spec', 'monitoring'] : ['spec'],
        message: `${manifest.name} declares no drift detection (monitoring.drift)`,
      });
      return;
    }
    if (drift.external) {
      if (!drift.external.alertRoute && !drift.alertRoute) {
        report({
          object: manifest,
          path: ['spec', 'monitoring', 'drift', 'external'],
          message: `drift is delegated to ${drift.external.provider} but no alertRoute says where its alerts go`,
        });
      }
      return;
    }
    const method = drift.method ?? 'psi';
    const defaults = driftDefaultsFor(method);
    const warn = drift.warn ?? defaults?.warn;
    const critical = drift.critical ?? defaults?.critical;
    if (warn === undefined || critical === undefined) {
      report({
        object: manifest,
        path: ['spec', 'monitoring', 'drift'],
        message: `drift method ${method} has no default thresholds: set monitoring.drift.warn and critical`,
      });
      return;
    }
    const metric = metricName(service, 'drift');
    const alerts = promRulesOf(service).filter((r) => r.alert && mentionsMetric(r.expr, metric));
    if (alerts.length === 0) {
      const anchor = service.ofKind('PrometheusRule')[0] ?? manifest;
      report({
        object: anchor,
        path: anchor === manifest ? ['spec', 'monitoring', 'drift'] : ['spec', 'groups'],
        message: `no alert on ${metric} for ${manifest.name}: drift is measured but nobody is told`,
      });
      return;
    }
    const thresholds = alerts.map((a) => thresholdOf(a.expr)).filter((t): t is number => t !== undefined);
    for (const [level, value] of [
      ['warn', warn],
      ['critical', critical],
    ] as const) {
      if (!thresholds.some((t) => Math.abs(t - value) < 1e-9)) {
        const firesAt = thresholds.join(', ') || '(no threshold)';
        report({
          object: alerts[0]!.object,
          path: [...alerts[0]!.path, 'expr'],
          message: `drift alerts fire at ${firesAt}, but mlready.yaml sets ${method} ${level} at ${value}`,
        });
      }
    }
  },
});

/** An alert on a drift score: mlready's metric, or any expression or alert name that says drift. */
function hasDriftAlert(service: ModelService): boolean {
  const metric = metricName(service, 'drift');
  for (const r of promRulesOf(service))
    if (r.alert && (mentionsMetric(r.expr, metric) || DRIFT.test(r.expr) || DRIFT.test(r.alert ?? '')))
      return true;
  return false;
}
