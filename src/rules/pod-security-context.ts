import { isRecord } from '../check/objects.js';
import { defineRule } from './rule.js';
import { runtimeOf } from './support/runtimes.js';
import { servingContainers } from './support/serving.js';

/** Runtimes that run with a read-only root filesystem (caches go to mounted volumes). */
const READ_ONLY_ROOT_OK = new Set(['custom', 'tfserving', 'kserve']);

export default defineRule({
  id: 'pod-security-context',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['workload'],
  docs: {
    summary:
      'Serving containers run as non-root, without privilege escalation, and with a read-only root filesystem where the runtime allows it.',
    why:
      'Model servers parse untrusted input (images, audio, pickled tensors, prompts that drive tools) with large ' +
      'native libraries. Running them as root with privilege escalation turns one parser bug into a node compromise, ' +
      'on nodes that also hold GPUs and the credentials of every model scheduled there.',
    fix:
      'Set securityContext.runAsNonRoot: true (pod or container), allowPrivilegeEscalation: false, and ' +
      'readOnlyRootFilesystem: true for custom, TF Serving and KServe servers (mount an emptyDir for /tmp and caches).',
  },
  check({ service, report }) {
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      // Operators that render the pod (NIM, KubeAI, BentoML) or patch their own (Seldon) set it.
      if (ref.template.synthesized || ref.partial) continue;
      // Read in place: most pods and containers set no securityContext, and asRecord made an object for each.
      const pod = recordOrEmpty(ref.template.spec.securityContext);
      const ctx = recordOrEmpty(ref.container.securityContext);
      // What is missing as bits, its text from MISSING: most serving containers of a run miss
      // something, and a list joined per finding cost ~1 µs each. The runtime only when the
      // container leaves its root filesystem writable.
      let missing = 0;
      if (ctx.runAsNonRoot !== true && pod.runAsNonRoot !== true) missing |= RUN_AS_NON_ROOT;
      if (ctx.allowPrivilegeEscalation !== false) missing |= NO_ESCALATION;
      if (ctx.readOnlyRootFilesystem !== true && READ_ONLY_ROOT_OK.has(runtimeOf(service, ref).id))
        missing |= READ_ONLY_ROOT;
      if (missing !== 0) {
        const where = ref.at(ref.container.securityContext === undefined ? 'name' : 'securityContext');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} does not set ${MISSING[missing]!}`,
        });
      }
    }
  },
});

const RUN_AS_NON_ROOT = 1;
const NO_ESCALATION = 2;
const READ_ONLY_ROOT = 4;
const SETTINGS = ['runAsNonRoot: true', 'allowPrivilegeEscalation: false', 'readOnlyRootFilesystem: true'];
/** MISSING[bits]: the settings whose bits are set, in SETTINGS order, joined by ", ". */
const MISSING: readonly string[] = Array.from({ length: 8 }, (_, bits) =>
  SETTINGS.filter((_setting, i) => (bits & (1 << i)) !== 0).join(', '),
);

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function recordOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : EMPTY;
}
