import { defineRule } from './rule.js';
import { promRulesOf } from './support/prometheus.js';

export default defineRule({
  id: 'prometheus-rule-shape',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'monitoring',
  kinds: ['PrometheusRule'],
  docs: {
    summary:
      'Each rule is an alert or a record, never both; every alert has a for: duration and a severity label.',
    why:
      'An alert without for: pages on a single bad scrape, and people learn to ignore it. Without a severity label ' +
      'Alertmanager cannot route it, so it pages everyone or nobody. A rule with both alert and record is rejected by ' +
      'the Prometheus Operator, silently dropping the whole group.',
    fix: 'Give every alert `for: 5m` (or longer for slow signals such as drift) and `labels: { severity: page | ticket }`; split rules that both alert and record.',
  },
  check({ service, report }) {
    for (const rule of promRulesOf(service)) {
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
      const missing = [
        rule.for ? undefined : 'for: duration',
        rule.labels.severity ? undefined : 'severity label',
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
