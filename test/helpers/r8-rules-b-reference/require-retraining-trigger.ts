// require-retraining-trigger as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts. Only its imports differ from that copy.
import { defineRule } from '../../../src/rules/rule.js';
import { runningWorkloads } from '../../../src/rules/support/serving.js';
import { mentionsMetric, metricName, promRulesOf } from '../../../src/rules/support/prometheus.js';

export default defineRule({
  id: 'require-retraining-trigger',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'drift',
  kinds: ['ModelService', 'PrometheusRule', 'workload'],
  docs: {
    summary:
      'A retraining trigger is declared (a webhook whose URL comes from a secret, or an Argo Workflows, Kubeflow or Airflow pipeline) and wired to the drift alert.',
    why:
      'Detecting drift only helps if something acts on it. Without a declared trigger, retraining waits for a person ' +
      'to notice the alert, find the pipeline and remember the data window; with one, critical drift starts it.',
    fix:
      'Declare monitoring.retraining (trigger, webhook.urlSecretRef or pipeline) and name the alert that starts it ' +
      '(retraining.onAlert), or put the drift.alertRoute label on the critical drift alert.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    const first = runningWorkloads(service)[0];
    if (!first) return;
    if (!manifest) {
      report({
        object: first.object,
        path: ['metadata', 'name'],
        message: `no retraining trigger for ${first.object.ref}: without mlready.yaml nothing says what retrains it when drift alerts fire`,
        fix: 'Run `mlready init` and declare monitoring.retraining (a webhook or a pipeline) wired to the drift alert.',
      });
      return;
    }
    const monitoring = manifest.manifest.spec.monitoring;
    const retraining = monitoring?.retraining;
    if (!retraining) {
      report({
        object: manifest,
        path: monitoring ? ['spec', 'monitoring'] : ['spec'],
        message: `${manifest.name} declares no retraining trigger (monitoring.retraining)`,
      });
      return;
    }
    if (retraining.trigger === 'webhook' && !retraining.webhook?.urlSecretRef) {
      report({
        object: manifest,
        path: ['spec', 'monitoring', 'retraining'],
        message: 'the retraining webhook has no urlSecretRef: its URL (and token) must come from a secret',
      });
    }
    if (retraining.trigger !== 'webhook' && !retraining.pipeline) {
      report({
        object: manifest,
        path: ['spec', 'monitoring', 'retraining'],
        message: `the ${retraining.trigger} retraining trigger names no pipeline`,
      });
    }
    const driftMetric = metricName(service, 'drift');
    const rules = promRulesOf(service);
    const alerts = rules.length === 0 ? rules : rules.filter((r) => r.alert);
    const byName = retraining.onAlert !== undefined && alerts.some((a) => a.alert === retraining.onAlert);
    const route = monitoring?.drift?.alertRoute;
    const byRoute =
      route !== undefined &&
      alerts.some((a) => mentionsMetric(a.expr, driftMetric) && Object.values(a.labels).includes(route));
    if (!byName && !byRoute) {
      const routeName = route ?? '(none)';
      report({
        object: manifest,
        path: ['spec', 'monitoring', 'retraining'],
        message: retraining.onAlert
          ? `retraining waits for alert ${retraining.onAlert}, which no PrometheusRule of ${manifest.name} defines`
          : `retraining is not wired to a drift alert (no onAlert, and no drift alert carries the route ${routeName})`,
      });
    }
  },
});
