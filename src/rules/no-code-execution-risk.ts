import { asArray, asRecord, asString, isRecord } from '../check/objects.js';
import type { ContainerRef, PodTemplate, Workload } from '../workloads/model.js';
import { envValue, flagValue, tokensOf } from '../estimate/model-flags.js';
import { defineRule, type RuleContext } from './rule.js';
import { podContainers } from './support/serving.js';

/** Capabilities that are root on the node in all but name. */
const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
]);

const NAMESPACES = { hostNetwork: 'network', hostIPC: 'IPC', hostPID: 'process' } as const;

export default defineRule({
  id: 'no-code-execution-risk',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['workload'],
  docs: {
    summary:
      'No host access (privileged, hostNetwork, hostIPC, hostPID, added capabilities), no code run from the model repository (--trust-remote-code) without a pinned revision, and no runtime adapter loading without an API key.',
    why:
      'A model server parses untrusted input all day. Privileged or host-namespace pods turn one exploit into the ' +
      'node: its other tenants, its kubelet credentials, its GPUs. `--trust-remote-code` executes the Python files ' +
      'of the model repository at start-up: whoever can push to that repository (or to its default branch, when the ' +
      'revision is not pinned) runs code in your cluster. vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING lets anyone who ' +
      'reaches the port load adapters from any path or repository unless an API key guards it.',
    fix: 'Drop privileged, host namespaces and added capabilities; pin --revision to a commit when --trust-remote-code is needed (or vendor the code into the image); set --api-key (VLLM_API_KEY from a Secret) when runtime LoRA loading is on.',
  },
  check({ service, report }) {
    // Index loops and named loads (issue 18): this runs for every template of a run, mostly in
    // unoptimized code in a process's first runs, where a for-of over the frozen lists and the
    // keyed load spec[field] each cost an inline-cache miss per step.
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      const templates = workload.templates;
      for (let t = 0; t < templates.length; t++) {
        const template = templates[t]!;
        const spec = template.spec;
        if (spec.hostNetwork === true || spec.hostIPC === true || spec.hostPID === true)
          hostNamespaces(workload, template, report);
        const refs = podContainers(template);
        for (let i = 0; i < refs.length; i++) containerRisks(refs[i]!, report);
      }
    }
  },
});

/** The host namespaces a template shares, in HOST_FIELDS order. */
function hostNamespaces(workload: Workload, template: PodTemplate, report: RuleContext['report']): void {
  for (const field of HOST_FIELDS) {
    if (template.spec[field] === true) {
      const where = template.atSpec(field);
      report({
        object: where.object,
        path: where.path,
        message: `${workload.object.ref} sets ${field}: true: its pods share the node's ${NAMESPACES[field]} namespace, so a compromised model server reaches the node`,
      });
    }
  }
}

// Shaped for speed: this runs for every container of every workload, and almost none sets a
// security context, a command or an env list. What a container does not set is not read: no token
// list (tokensOf) without a command or args, no env lookups without env, and the regular
// expressions are built once. The plain version is kept in test/helpers/rules-reference/ and
// compared with this one on every fixture.

const HOST_FIELDS = ['hostNetwork', 'hostIPC', 'hostPID'] as const;
const TRUST_FLAG = /^--trust[-_]remote[-_]code(=true)?$/i;
const ON = /^(1|true)$/i;
const COMMIT = /^[0-9a-f]{40}$/i;
const CAP_PREFIX = /^CAP_/;
const NO_TOKENS: readonly string[] = Object.freeze([]);

/** tokens.some((t) => TRUST_FLAG.test(t)), without a closure per container. */
function anyTrustFlag(tokens: readonly string[]): boolean {
  for (let i = 0; i < tokens.length; i++) if (TRUST_FLAG.test(tokens[i]!)) return true;
  return false;
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function containerRisks(ref: ContainerRef, report: RuleContext['report']): void {
  const container = ref.container;
  const security = container.securityContext;
  if (isRecord(security)) {
    if (security.privileged === true) {
      const where = ref.at('securityContext', 'privileged');
      report({
        object: where.object,
        path: where.path,
        message: `${ref.label} runs privileged: root on the node, every device included`,
      });
    }
    const added = asArray(asRecord(security.capabilities).add).map(String);
    const dangerous = added.filter((c) =>
      DANGEROUS_CAPABILITIES.has(c.toUpperCase().replace(CAP_PREFIX, '')),
    );
    if (dangerous.length > 0) {
      const where = ref.at('securityContext', 'capabilities', 'add');
      report({
        object: where.object,
        path: where.path,
        message: `${ref.label} adds ${dangerous.join(', ')}: host-level power for a process that parses untrusted requests`,
      });
    }
  }
  // tokensOf of a container without command and args is empty; envValue without env is undefined.
  const tokens = hasItems(container.command) || hasItems(container.args) ? tokensOf(ref) : NO_TOKENS;
  const hasEnv = hasItems(container.env);
  const trust = anyTrustFlag(tokens) || (hasEnv && ON.test(envValue(ref, 'TRUST_REMOTE_CODE') ?? ''));
  if (trust) {
    const revision = flagValue(tokens, '--revision', '--code-revision') ?? envValue(ref, 'REVISION');
    const pinned = revision !== undefined && COMMIT.test(revision);
    const where = ref.at(...(asArray(container.args).length > 0 ? ['args'] : ['command']));
    report({
      object: where.object,
      path: where.path,
      message: pinned
        ? `${ref.label} runs --trust-remote-code: it executes Python from the model repository (pinned to commit ${revision.slice(0, 12)}, so review that code)`
        : `${ref.label} runs --trust-remote-code without a commit-pinned --revision: it executes whatever Python the model repository holds at start-up`,
      severity: pinned ? 'warning' : 'error',
    });
  }
  const lora = hasEnv && ON.test(envValue(ref, 'VLLM_ALLOW_RUNTIME_LORA_UPDATING') ?? '');
  // Whether an API key is set matters only where runtime LoRA loading is on (rarely).
  if (
    lora &&
    !(
      flagValue(tokens, '--api-key') !== undefined ||
      asArray(container.env).some((e) => asString(asRecord(e).name) === 'VLLM_API_KEY')
    )
  ) {
    const where = ref.at('env');
    report({
      object: where.object,
      path: where.path,
      message: `${ref.label} allows runtime LoRA loading (VLLM_ALLOW_RUNTIME_LORA_UPDATING) without an API key: anyone who reaches the port can load adapters from any path or repository`,
    });
  }
}
