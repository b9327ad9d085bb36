import { mirrorsOf } from '../check/traffic.js';
import { getPath } from '../check/objects.js';
import { selects } from '../workloads/selectors.js';
import { defineRule } from './rule.js';
import { mentionsMetric, metricName, promRulesOf } from './support/prometheus.js';
import { runtimeOf } from './support/runtimes.js';

export default defineRule({
  id: 'shadow-prediction-metrics',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: ['VirtualService', 'HTTPRoute'],
  docs: {
    summary:
      'A shadow that receives mirrored traffic (Istio mirror, Gateway API RequestMirror) runs a version whose prediction distribution is exported and read.',
    why:
      'A shadow answers nobody: its only use is to be compared with stable. Latency and errors catch a slow or broken ' +
      'model, but the usual failure of a new model is one that answers fast and without errors while predicting ' +
      'something else. Without the prediction histogram (monitoring.metrics.prediction, default model_prediction_value) ' +
      "for the mirrored version, the shadow's analysis cannot compare what it predicts, and mlready deploy reports that " +
      'comparison as not done.',
    fix: 'Export the prediction histogram from the shadow version (the scaffolded server does) and read it in a recording or alerting rule of the PrometheusRule; point the mirror at a Service whose pods are in these files.',
  },
  check({ service, report }) {
    const metric = metricName(service, 'prediction');
    const read = promRulesOf(service).some((r) => mentionsMetric(r.expr, metric));
    const llm = runtimeOf(service).llm;
    for (const mirror of mirrorsOf(service)) {
      const target = service.objects.find((o) => o.kind === 'Service' && o.name === mirror.target);
      const selector = target ? getPath(target.raw, ['spec', 'selector']) : undefined;
      const pods = service.workloads.some((w) =>
        w.templates.some((t) => selector && selects(selector, t.labels)),
      );
      const what = `${mirror.from.ref} mirrors ${mirror.percent} % of requests to ${mirror.target}`;
      if (!pods) {
        report({
          object: mirror.from,
          path: mirror.path,
          message: `${what}, whose pods are not in these files: nothing shows the mirrored version exports ${metric}`,
        });
      } else if (llm || !read) {
        const why = llm
          ? `the ${runtimeOf(service).title} runtime exports no prediction histogram`
          : `no recording or alerting rule reads ${metric}`;
        report({
          object: mirror.from,
          path: mirror.path,
          message: `${what}, but ${why}: the shadow can be compared on latency and errors only, not on what it predicts`,
        });
      }
    }
  },
});
