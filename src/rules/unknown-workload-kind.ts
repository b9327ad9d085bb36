import { displayPath } from '../manifest/schema-errors.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'unknown-workload-kind',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'meta',
  kinds: ['Unread', 'workload'],
  docs: {
    summary:
      'Every object that runs pods is of a kind mlready reads; an unread kind (a new CRD) holding a pod template or containers is reported as not checked.',
    why:
      'A linter that skips what it cannot read gives a false green: a new serving CRD with no probes, no limits ' +
      'and a floating image would pass as "no findings". Until its kind has an entry in the workload registry, ' +
      'its service cannot be judged, so its readiness level is "unknown".',
    fix: 'Check the workload mlready reads that the operator renders (e.g. `kubectl get deploy -o yaml | mlready check -`), or add the kind to the workload registry (src/workloads/) with fixtures from its upstream examples.',
  },
  check({ service, report }) {
    for (const object of service.unread) {
      const at = object.podSpecAt ?? [];
      const where = at.length > 0 ? ` at ${displayPath(at)}` : '';
      report({
        object,
        path: at.length > 0 ? [...at, 'containers'] : ['kind'],
        message: `not checked: ${object.ref} (${object.apiVersion || 'no apiVersion'}) runs pods${where}, but mlready does not read ${object.kind}`,
      });
    }
    for (const workload of service.workloads) {
      for (const part of workload.unread)
        report({ object: part.at.object, path: part.at.path, message: `not checked: ${part.message}` });
    }
  },
});
