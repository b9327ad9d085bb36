import { defineRule } from './rule.js';
import {
  containerPorts,
  declaresPortName,
  declaresPortNumber,
  declaresPortNumbers,
  probeOf,
  type ProbeKind,
} from './support/probes.js';
import { servingContainers } from './support/serving.js';

const KINDS: ProbeKind[] = ['startupProbe', 'readinessProbe', 'livenessProbe'];
const DIGITS = /^\d+$/;

export default defineRule({
  id: 'probe-port-exists',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'health',
  kinds: ['workload'],
  docs: {
    summary:
      'Every probe targets a port the container declares (by name, or by number when the container lists its ports).',
    why:
      'A probe on a port nobody listens on fails forever: a readiness probe keeps every pod out of rotation, a ' +
      'liveness probe restarts them in a loop. It happens after a port rename (http → metrics) or copying a probe ' +
      'from another runtime (8000 for vLLM, 8080 for TorchServe, 80 for TGI).',
    fix: "Point the probe at a declared port name (port: http) or add the port to the container's ports list.",
  },
  check({ service, report }) {
    // Indexed loops: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      // The declared ports are searched in place; gathered (containerPorts) only for a message.
      for (let k = 0; k < KINDS.length; k++) {
        const kind = KINDS[k]!;
        const probe = probeOf(ref, kind);
        if (!probe || probe.port === undefined || probe.handler === 'exec') continue;
        if (typeof probe.port === 'string' && !DIGITS.test(probe.port)) {
          if (!declaresPortName(ref, probe.port)) {
            const { names } = containerPorts(ref);
            const at = ref.at(kind, probe.handler, 'port');
            const declared = names.size ? ` (declared: ${[...names].join(', ')})` : '';
            report({
              object: at.object,
              path: at.path,
              message: `${ref.label} ${kind} uses port "${probe.port}", which the container does not declare${declared}`,
            });
          }
        } else if (declaresPortNumbers(ref) && !declaresPortNumber(ref, Number(probe.port))) {
          const at = ref.at(kind, probe.handler, 'port');
          const port = String(probe.port);
          const listening = [...containerPorts(ref).numbers].join(', ');
          report({
            object: at.object,
            path: at.path,
            message: `${ref.label} ${kind} uses port ${port}, but the container listens on ${listening}`,
          });
        }
      }
    }
  },
});
