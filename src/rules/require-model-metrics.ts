import type { ModelService } from '../check/services.js';
import { defineRule } from './rule.js';
import { firstRunningWorkload } from './support/serving.js';
import { latencyMetrics, mentionsMetric, metricName, promRulesOf } from './support/prometheus.js';
import { runtimeOf } from './support/runtimes.js';

export default defineRule({
  id: 'require-model-metrics',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'monitoring',
  kinds: ['ModelService', 'PrometheusRule', 'workload'],
  docs: {
    summary:
      'The model exports, and its rules use, a latency histogram, the prediction distribution (not for generative LLMs) and feature missing rates.',
    why:
      'Process metrics say the server is up; they cannot say the model is right. A latency histogram gives p50/p95/p99; ' +
      'the prediction distribution shows a model that suddenly predicts one class; feature missing rates catch the ' +
      'upstream pipeline that stopped sending a field, the most common silent failure of ML in production. ' +
      'Names come from monitoring.metrics in mlready.yaml, defaulting to model_inference_duration_seconds, ' +
      'model_prediction_value and model_feature_missing_rate; a metric counts as exported when a recording or ' +
      "alerting rule of the model reads it (LLM runtimes' own latency histograms count).",
    fix: 'Export the three metrics from the server (the scaffolded custom server does) and record or alert on each in the PrometheusRule; declare custom names under monitoring.metrics.',
  },
  check({ service, report }) {
    const manifest = service.manifest;
    if (!manifest) {
      // Without a manifest: the latency histogram the runtime itself exports.
      const first = firstRunningWorkload(service);
      if (!first) return;
      const runtime = runtimeOf(service);
      const latency = runtime.metrics.latency;
      if (latency.length === 0) return;
      // Without a PrometheusRule no rule expression reads anything: nothing to collect (most
      // services of a run), and the list of names is not needed.
      const rule = service.ofKind('PrometheusRule')[0];
      if (rule !== undefined) {
        const exprs = expressionsOf(service);
        if (exprs.length > 0 && latencyMetrics(service).some((m) => reads(exprs, m))) return;
      }
      report({
        object: rule ?? first.object,
        path: rule ? SPEC_GROUPS : METADATA_NAME,
        message: `no recording or alerting rule reads the ${runtime.title} latency histogram ${latency[0]} of ${first.object.ref}: nothing shows its latency is watched`,
      });
      return;
    }
    const exprs = expressionsOf(service);
    const used = (metric: string) => reads(exprs, metric);
    const wanted: [string, readonly string[]][] = [
      ['latency histogram', latencyMetrics(service)],
      ['feature missing rate', [metricName(service, 'featureMissing')]],
    ];
    if (!runtimeOf(service).llm)
      wanted.splice(1, 0, ['prediction distribution', [metricName(service, 'prediction')]]);
    for (const [what, names] of wanted) {
      if (!names.some(used)) {
        report({
          object: manifest,
          path: manifest.manifest.spec.monitoring ? ['spec', 'monitoring'] : ['spec'],
          message: `no recording or alerting rule of ${manifest.name} reads the ${what} ${names[0]}: nothing shows the service exports it`,
        });
      }
    }
  },
});

/** The expressions of the service's alerting and recording rules. */
function expressionsOf(service: ModelService): string[] {
  return promRulesOf(service).map((r) => r.expr);
}

/** Does one of the expressions read the metric? */
function reads(exprs: readonly string[], metric: string): boolean {
  for (let i = 0; i < exprs.length; i++) if (mentionsMetric(exprs[i]!, metric)) return true;
  return false;
}

/** Paths of findings: the engine copies a reported path, so one list serves every finding. */
const METADATA_NAME = ['metadata', 'name'];
const SPEC_GROUPS = ['spec', 'groups'];
