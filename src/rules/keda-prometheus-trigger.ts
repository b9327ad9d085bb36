import { asArray, asRecord, asString } from '../check/objects.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'keda-prometheus-trigger',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'scaling',
  kinds: ['ScaledObject'],
  docs: {
    summary:
      'KEDA Prometheus triggers set ignoreNullValues: "false" and do not use the deprecated metricName.',
    why:
      'With ignoreNullValues left at its default (true), a query that returns nothing (Prometheus down, a renamed ' +
      'metric, a relabelling change) reads as 0: KEDA scales the model server down, to zero with minReplicaCount 0, ' +
      'in the middle of traffic. With "false" the scaler errors and KEDA keeps the current replicas (or its ' +
      'fallback). metricName is deprecated in KEDA 2.x: the name is generated, and setting it is ignored.',
    fix: 'Set metadata.ignoreNullValues: "false" on each prometheus trigger (and a fallback on the ScaledObject); remove metricName.',
  },
  check({ service, report }) {
    for (const scaler of service.ofKind('ScaledObject')) {
      asArray(asRecord(scaler.raw.spec).triggers).forEach((t, i) => {
        const trigger = asRecord(t);
        if (asString(trigger.type) !== 'prometheus') return;
        const metadata = asRecord(trigger.metadata);
        const ignore = metadata.ignoreNullValues;
        const value = typeof ignore === 'boolean' ? String(ignore) : asString(ignore);
        if (value === undefined || value.toLowerCase() === 'true')
          report({
            object: scaler,
            path: ['spec', 'triggers', i, 'metadata', ...(value === undefined ? [] : ['ignoreNullValues'])],
            message: `${scaler.ref} prometheus trigger ${i} ${value === undefined ? 'leaves ignoreNullValues at its default (true)' : 'sets ignoreNullValues: true'}: a query that returns nothing reads as 0 and scales the model server down`,
          });
        if (metadata.metricName !== undefined)
          report({
            object: scaler,
            path: ['spec', 'triggers', i, 'metadata', 'metricName'],
            message: `${scaler.ref} prometheus trigger ${i} sets metricName, deprecated in KEDA 2 and ignored: the metric name is generated`,
          });
      });
    }
  },
});
