import { defineRule } from './rule.js';
import { getPath, stringMap } from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import { promRulesOf } from './support/prometheus.js';
import { runtimesOf, type RuntimeId } from './support/runtimes.js';

/** A constant expression: vector(1), 1, vector(1) > 0. */
const ALWAYS_FIRES = /^(vector\(\s*1\s*\)|1)(\s*>\s*0)?$/;

/** Metric name prefixes only one runtime exports. */
const RUNTIME_PREFIXES: [RegExp, RuntimeId, string][] = [
  [/\bvllm:\w+/, 'vllm', 'vLLM'],
  [/\bsglang:\w+/, 'sglang', 'SGLang'],
  [/\btgi_\w+/, 'tgi', 'Text Generation Inference'],
  [/\bnv_inference_\w+/, 'triton', 'Triton'],
  [/\bts_(inference|queue)_\w+/, 'torchserve', 'TorchServe'],
];

/** The runtimes the service's model servers run, when every one of them is known. */
function runtimePrefixesOf(service: ModelService): { ids: Set<RuntimeId>; titles: string[] } | undefined {
  if (service.modelServers.length === 0) return undefined;
  const runtimes = runtimesOf(service);
  if (runtimes.some((r) => r.id === 'custom' || r.id === 'kserve' || r.id === 'ray' || r.id === 'nim'))
    return undefined;
  return { ids: new Set(runtimes.map((r) => r.id)), titles: runtimes.map((r) => r.title) };
}

function foreignMetric(
  expr: string,
  exported: { ids: Set<RuntimeId> },
): { metric: string; title: string } | undefined {
  for (const [pattern, id, title] of RUNTIME_PREFIXES) {
    const match = pattern.exec(expr);
    if (match && !exported.ids.has(id)) return { metric: match[0], title };
  }
  return undefined;
}

export default defineRule({
  id: 'prometheus-rule-shape',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'monitoring',
  kinds: ['PrometheusRule'],
  docs: {
    summary:
      'Each rule is an alert or a record, never both; every alert has a for: duration, a severity label and a summary or runbook, is not a constant, and reads metrics the service exports; a rule file does not only record.',
    why:
      'An alert without for: pages on a single bad scrape, and people learn to ignore it. Without a severity label ' +
      'Alertmanager cannot route it, so it pages everyone or nobody. A rule with both alert and record is rejected by ' +
      'the Prometheus Operator, silently dropping the whole group. An alert without a summary or runbook wakes ' +
      "someone who cannot tell what broke. `vector(1)` always fires. An alert on another runtime's metrics " +
      '(vllm: on a TGI server) never has data, so it never fires: a false green. A file of recording rules alone ' +
      'alerts on nothing.',
    fix: 'Give every alert `for: 5m` (or longer for slow signals such as drift) and `labels: { severity: page | ticket }`; split rules that both alert and record.',
  },
  check({ service, report }) {
    // The engine runs every rule on every service: without a PrometheusRule there is nothing to
    // read, and the runtimes the service exports are not worth working out.
    if (service.ofKind('PrometheusRule').length === 0) return;
    const rules = promRulesOf(service);
    const exported = runtimePrefixesOf(service);
    for (const object of service.ofKind('PrometheusRule')) {
      const own = rules.filter((r) => r.object === object);
      if (own.length > 0 && own.every((r) => r.record && !r.alert))
        report({
          object,
          path: ['spec', 'groups'],
          message: `${object.ref} only records (${own.length} recording rule${own.length === 1 ? '' : 's'}) and alerts on nothing`,
        });
    }
    for (const rule of rules) {
      const foreign = exported ? foreignMetric(rule.expr, exported) : undefined;
      if (foreign)
        report({
          object: rule.object,
          path: [...rule.path, 'expr'],
          message: `${rule.alert ? 'alert' : 'rule'} ${rule.alert ?? rule.record ?? '(unnamed)'} in ${rule.object.ref} reads ${foreign.metric}, a ${foreign.title} metric, but the service runs ${exported!.titles.join(', ')}: it never has data`,
        });
    }
    for (const rule of rules) {
      const name = rule.alert ?? rule.record ?? '(unnamed)';
      if (rule.alert && rule.record) {
        report({
          object: rule.object,
          path: [...rule.path, 'record'],
          message: `rule ${name} in ${rule.object.ref} is both an alert and a record`,
          severity: 'error',
        });
        continue;
      }
      if (!rule.alert) continue;
      // A dead man's switch (kube-prometheus Watchdog, severity none) fires on purpose.
      const deadMansSwitch = rule.labels.severity === 'none' || /^(Watchdog|DeadMansSwitch)$/i.test(name);
      if (ALWAYS_FIRES.test(rule.expr.trim()) && !deadMansSwitch)
        report({
          object: rule.object,
          path: [...rule.path, 'expr'],
          message: `alert ${name} in ${rule.object.ref} always fires (expr: ${rule.expr.trim()}): a constant, not a condition`,
          severity: 'error',
        });
      const annotations = stringMap(getPath(rule.object.raw, [...rule.path, 'annotations']));
      const missing = [
        rule.for ? undefined : 'for: duration',
        rule.labels.severity ? undefined : 'severity label',
        annotations.summary || annotations.description || annotations.message || annotations.runbook_url
          ? undefined
          : 'summary, description or runbook_url annotation',
      ].filter(Boolean);
      if (missing.length > 0)
        report({
          object: rule.object,
          path: [...rule.path, 'alert'],
          message: `alert ${name} in ${rule.object.ref} has no ${missing.join(' and no ')}`,
        });
    }
  },
});
