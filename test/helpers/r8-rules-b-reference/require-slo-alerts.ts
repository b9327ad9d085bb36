// require-slo-alerts as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts. Only its imports differ from that copy.
import { defineRule } from '../../../src/rules/rule.js';
import { runningWorkloads } from '../../../src/rules/support/serving.js';
import {
  errorMetrics,
  latencyMetrics,
  mentionsMetric,
  metricName,
  promRulesOf,
  quantileOf,
  thresholdOf,
  toMilliseconds,
} from '../../../src/rules/support/prometheus.js';

const ERROR_ALERT = /error|fail|5\d\d|5\.\.|abort|exception/i;

export default defineRule({
  id: 'require-slo-alerts',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'monitoring',
  kinds: ['PrometheusRule', 'ModelService', 'workload'],
  docs: {
    summary:
      "A PrometheusRule alerts on this model's p95 latency at the manifest's SLO, on its error rate and on missing features.",
    why:
      'An SLO nobody is paged for is a wish. The latency alert must use the same number as the SLO (a 4 s alert on ' +
      'a 500 ms SLO fires after users have left), and the error-rate and missing-feature alerts catch the failures ' +
      'latency cannot see: fast wrong answers and fast 500s.',
    fix: "Add alerts: histogram_quantile(0.95, …) over the latency histogram > SLO p95 (in the metric's unit), an error ratio above slo.errorRate, and max(model_feature_missing_rate) above a threshold; each with for: and labels.severity.",
  },
  check({ service, report }) {
    const manifest = service.manifest;
    const first = runningWorkloads(service)[0];
    if (!first) return;
    const name = manifest?.name ?? first.object.ref;
    const rules = promRulesOf(service);
    // Most services have no PrometheusRule: their empty list is not copied.
    const alerts = rules.length === 0 ? rules : rules.filter((r) => r.alert);
    const anchor = service.ofKind('PrometheusRule')[0] ?? manifest ?? first.object;
    const anchorPath =
      anchor === manifest ? ['spec'] : anchor === first.object ? ['metadata', 'name'] : ['spec', 'groups'];
    if (alerts.length === 0) {
      const what = manifest ? 'latency, errors and missing features' : 'latency and errors';
      report({
        object: anchor,
        path: anchorPath,
        message: `no PrometheusRule alerts on ${name}: ${what} go unnoticed`,
      });
      return;
    }
    const latency = latencyMetrics(service);
    const p95 = manifest?.manifest.spec.slo?.latencyMs?.p95;
    if (p95 === undefined && !alerts.some((a) => latency.some((m) => mentionsMetric(a.expr, m)))) {
      report({
        object: anchor,
        path: anchorPath,
        message: `no alert on the latency of ${name} (over ${latency[0]})`,
      });
    }
    if (p95 !== undefined) {
      const candidates = alerts.filter(
        (a) => quantileOf(a.expr) === 0.95 && latency.some((m) => mentionsMetric(a.expr, m)),
      );
      if (candidates.length === 0) {
        report({
          object: anchor,
          path: anchorPath,
          message: `no alert on the p95 latency of ${name} (histogram_quantile(0.95, …) over ${latency[0]}); the SLO is ${p95} ms`,
        });
      } else if (!candidates.some((a) => matchesSlo(a.expr, latency, p95))) {
        const a = candidates[0]!;
        const metric = latency.find((m) => mentionsMetric(a.expr, m))!;
        const threshold = thresholdOf(a.expr);
        const firesAt =
          threshold === undefined ? '(no threshold)' : `${toMilliseconds(threshold, metric)} ms`;
        report({
          object: a.object,
          path: [...a.path, 'expr'],
          message: `alert ${a.alert} fires at p95 ${firesAt}, but the SLO says ${p95} ms`,
        });
      }
    }
    const errors = errorMetrics(service);
    const onErrors = (a: (typeof alerts)[number]) =>
      ERROR_ALERT.test(a.expr) ||
      ERROR_ALERT.test(a.alert ?? '') ||
      errors.some((m) => mentionsMetric(a.expr, m));
    if (!alerts.some(onErrors)) {
      report({ object: anchor, path: anchorPath, message: `no alert on the error rate of ${name}` });
    }
    // Missing features are mlready's own metric: asked for when the manifest declares the model.
    if (!manifest) return;
    const missing = metricName(service, 'featureMissing');
    if (!alerts.some((a) => mentionsMetric(a.expr, missing))) {
      report({
        object: anchor,
        path: anchorPath,
        message: `no alert on missing features of ${manifest.name} (${missing})`,
      });
    }
  },
});

function matchesSlo(expr: string, latency: readonly string[], p95: number): boolean {
  const threshold = thresholdOf(expr);
  const metric = latency.find((m) => mentionsMetric(expr, m));
  if (threshold === undefined || !metric) return false;
  return Math.abs(toMilliseconds(threshold, metric) - p95) <= p95 * 0.01;
}
