/**
 * The rules' check functions as they were on main (f023c8c) before they were shaped for speed,
 * kept as references: test/rules-fast-paths.test.ts runs each rule and its reference on every
 * fixture and on adversarial input, and fails where their findings differ. Plainly written, slow.
 */
import {
  annotationsOf,
  asArray,
  asRecord,
  asString,
  isRecord,
  show,
  type K8sObject,
} from '../../src/check/objects.js';
import { detectSecret, detectSecretInConfigText, redact, type SecretMatch } from '../../src/check/secrets.js';
import type { YamlPath } from '../../src/manifest/yaml.js';
import type { ContainerRef } from '../../src/workloads/model.js';
import { envValue, flagValue, tokensOf } from '../../src/estimate/model-flags.js';
import { podContainers } from '../../src/rules/support/serving.js';
import { displayPath } from '../../src/manifest/schema-errors.js';
import { findPlaceholder } from '../../src/manifest/placeholders.js';
import { redactText } from '../../src/redact.js';
import type { Report, RuleContext } from '../../src/rules/rule.js';

type Check = (context: RuleContext) => void;

const RUNTIME_TEXT_KEYS = new Set(['command', 'args', 'script', 'expr']);
const TEMPLATE_KINDS = new Set(['HelmValues']);
const FORMAT_FIELD = /^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/;
const DATA_KINDS = new Set(['ConfigMap']);

const noUnrenderedPlaceholder: Check = ({ service, report }) => {
  for (const object of service.objects) {
    if (object.kind === 'ModelService') continue;
    if (object.kind === 'PrometheusRule') continue;
    walkPlaceholders(object, object.raw, [], TEMPLATE_KINDS.has(object.kind), report);
  }
};

function walkPlaceholders(
  object: K8sObject,
  value: unknown,
  path: (string | number)[],
  templates: boolean,
  report: RuleContext['report'],
): void {
  if (typeof value === 'string') {
    if (value.includes('\n')) return;
    const found = findPlaceholder(value);
    if (!found || (templates && found.startsWith('{{'))) return;
    report({
      object,
      path: [...path],
      message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder ${found} ("${redactText(show(value))}")`,
    });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walkPlaceholders(object, value[i], path, templates, report);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let first: string | undefined;
    let count = 0;
    for (const key in record) {
      first ??= key;
      if (++count > 1) break;
    }
    if (count === 1 && record[first!] === null && FORMAT_FIELD.test(first!)) {
      report({
        object,
        path: [...path],
        message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder {${first}}, which YAML reads as a mapping`,
      });
      return;
    }
    const dataOnly = path.length === 0 && DATA_KINDS.has(object.kind);
    for (const key in record) {
      if (RUNTIME_TEXT_KEYS.has(key) || (dataOnly && key !== 'metadata')) continue;
      path.push(key);
      walkPlaceholders(object, record[key], path, templates, report);
      path.pop();
    }
  }
}

// no-literal-secrets

const noLiteralSecrets: Check = ({ service, report }) => {
  // Where and what are built only for a finding: almost every value holds no secret.
  const flag = (
    { object, path }: { object: K8sObject; path: YamlPath },
    where: string,
    secret: SecretMatch,
  ) =>
    report({
      object,
      path,
      message: `${where} holds ${secret.kind} (${secret.redacted})`,
    } satisfies Report);
  const found = (at: { object: K8sObject; path: YamlPath }, where: string, value: string, name?: string) => {
    const secret = referenceSecretIn(value, name);
    if (secret) flag(at, where, secret);
  };
  /** Probe and lifecycle handlers: httpGet paths and headers, exec commands. */
  const handler = (ref: ContainerRef, at: readonly (string | number)[], label: string, value: unknown) => {
    if (!isRecord(value)) return;
    const http = asRecord(value.httpGet);
    const probePath = asString(http.path);
    let secret = probePath !== undefined ? referenceSecretIn(probePath) : undefined;
    if (secret) flag(ref.at(...at, 'httpGet', 'path'), `${label} path`, secret);
    asArray(http.httpHeaders).forEach((h, i) => {
      const header = asRecord(h);
      const headerValue = asString(header.value);
      const name = asString(header.name) ?? '';
      secret = headerValue !== undefined ? referenceSecretIn(headerValue, name) : undefined;
      if (secret)
        flag(ref.at(...at, 'httpGet', 'httpHeaders', i, 'value'), `${label} header ${name}`, secret);
    });
    asArray(asRecord(value.exec).command).forEach((arg, i) => {
      secret = typeof arg === 'string' ? referenceSecretIn(arg) : undefined;
      if (secret) flag(ref.at(...at, 'exec', 'command', i), `${label} exec command[${i}]`, secret);
    });
  };
  const container = (ref: ContainerRef) => {
    asArray(ref.container.env).forEach((e, i) => {
      const env = asRecord(e);
      const value = asString(env.value);
      if (value === undefined) return;
      const name = asString(env.name) ?? '';
      const secret = referenceSecretIn(value, name);
      if (secret) flag(ref.at('env', i, 'value'), `${ref.label} env ${name}`, secret);
    });
    for (const field of REFERENCE_ARG_FIELDS) {
      const list = asArray(ref.container[field]).map((a) => (typeof a === 'string' ? a : ''));
      list.forEach((arg, i) => {
        const flagged = /^--?([\w-]+)=(.+)$/.exec(arg);
        const previous = /^--?([\w-]+)$/.exec(list[i - 1] ?? '');
        const name = flagged?.[1] ?? previous?.[1];
        const value = flagged?.[2] ?? arg;
        const secret = referenceSecretIn(value, name?.replace(/-/g, '_'));
        if (secret) flag(ref.at(field, i), `${ref.label} ${field}[${i}]`, secret);
      });
    }
    for (const probe of REFERENCE_PROBES)
      handler(ref, [probe], `${ref.label} ${probe}`, ref.container[probe]);
    const lifecycle = ref.container.lifecycle;
    if (isRecord(lifecycle))
      for (const hook of REFERENCE_HOOKS)
        handler(ref, ['lifecycle', hook], `${ref.label} ${hook}`, lifecycle[hook]);
  };
  for (const workload of service.workloads) {
    for (const template of workload.templates) {
      for (const ref of template.initContainers) container(ref);
      for (const ref of template.containers) container(ref);
      // A pod template's own metadata (the object's metadata is read with every object below).
      if (template.metadataPath.length > 1)
        annotations(
          template.annotations,
          template.metadataPath,
          `${workload.object.ref} pod template`,
          template.workload,
        );
    }
  }
  // mlready.yaml and Helm values files are walked whole below.
  for (const object of service.objects)
    if (object.kind !== 'ModelService' && object.kind !== 'HelmValues')
      annotations(annotationsOf(object), ['metadata'], object.ref, object);
  function annotations(
    map: Readonly<Record<string, string>>,
    at: YamlPath,
    label: string,
    object: K8sObject,
  ) {
    for (const key in map) {
      const secret = referenceSecretIn(map[key]!, key.split('/').pop()?.replace(/-/g, '_'));
      if (secret) flag({ object, path: [...at, 'annotations', key] }, `${label} annotation ${key}`, secret);
    }
  }
  for (const monitor of service.ofKind('ServiceMonitor', 'PodMonitor')) {
    const list = monitor.kind === 'ServiceMonitor' ? 'endpoints' : 'podMetricsEndpoints';
    asArray(asRecord(monitor.raw.spec)[list]).forEach((e, i) => {
      const endpoint = asRecord(e);
      const at: YamlPath = ['spec', list, i];
      const bearer = asString(endpoint.bearerToken);
      if (bearer)
        report({
          object: monitor,
          path: [...at, 'bearerToken'],
          message: `${monitor.ref} endpoint ${i} holds a literal bearerToken (${redact(bearer)}); use authorization.credentials (a Secret key)`,
        });
      const basicAuth = asRecord(endpoint.basicAuth);
      for (const part of ['username', 'password'] as const) {
        const literal = asString(basicAuth[part]);
        if (literal)
          report({
            object: monitor,
            path: [...at, 'basicAuth', part],
            message: `${monitor.ref} endpoint ${i} holds a literal basicAuth ${part} (${redact(literal)}); reference a Secret key`,
          });
      }
      for (const [param, values] of Object.entries(asRecord(endpoint.params)))
        asArray(values).forEach((v, j) => {
          if (typeof v === 'string')
            found(
              { object: monitor, path: [...at, 'params', param, j] },
              `${monitor.ref} endpoint ${i} param ${param}`,
              v,
              param,
            );
        });
    });
  }
  for (const configMap of service.ofKind('ConfigMap')) {
    for (const [key, value] of Object.entries(asRecord(configMap.raw.data))) {
      if (typeof value !== 'string') continue;
      const inFile = detectSecretInConfigText(value);
      if (inFile)
        report({
          object: configMap,
          path: ['data', key],
          message: `${configMap.ref} key ${key} (a config file) holds ${inFile.kind} on its line ${inFile.line} (${inFile.redacted})`,
        });
      else if (!value.includes('\n'))
        found({ object: configMap, path: ['data', key] }, `${configMap.ref} key ${key}`, value, key);
      else {
        // A multi-line value is a config file, read line by line above; a PEM key spans lines.
        const whole = detectSecret(value, key);
        if (whole)
          report({
            object: configMap,
            path: ['data', key],
            message: `${configMap.ref} key ${key} holds ${whole.kind} (${whole.redacted})`,
          });
      }
    }
  }
  const walk = (object: K8sObject, value: unknown, path: (string | number)[], label: string) => {
    if (typeof value === 'string') {
      const key = path[path.length - 1];
      found({ object, path }, `${label} ${path.join('.')}`, value, typeof key === 'string' ? key : undefined);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(object, v, [...path, i], label));
    else if (isRecord(value))
      for (const [k, v] of Object.entries(value)) walk(object, v, [...path, k], label);
  };
  for (const values of service.ofKind('HelmValues'))
    walk(values, values.raw, [], `Helm values ${values.name}`);
  if (service.manifest) walk(service.manifest, service.manifest.raw, [], 'mlready.yaml');
};

const REFERENCE_ARG_FIELDS = ['command', 'args'] as const;
const REFERENCE_PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;
const REFERENCE_HOOKS = ['postStart', 'preStop'] as const;

function referenceSecretIn(value: string, name?: string): SecretMatch | undefined {
  return detectSecret(value, name) ?? referenceSecretInCommandLine(value);
}

/** A credential inside a command line: `curl -H 'Authorization: Bearer …'`, `--password=… ` in `sh -c`. */
function referenceSecretInCommandLine(value: string): SecretMatch | undefined {
  if (!/\s/.test(value)) return undefined;
  const masked = redactText(value);
  if (masked === value) return undefined;
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return { kind: 'a credential in a command line', redacted: shown };
}

// no-code-execution-risk

const REFERENCE_DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
]);
const REFERENCE_NAMESPACES = { hostNetwork: 'network', hostIPC: 'IPC', hostPID: 'process' } as const;

const noCodeExecutionRisk: Check = ({ service, report }) => {
  for (const workload of service.workloads) {
    for (const template of workload.templates) {
      for (const field of ['hostNetwork', 'hostIPC', 'hostPID'] as const) {
        if (template.spec[field] === true) {
          const where = template.atSpec(field);
          report({
            object: where.object,
            path: where.path,
            message: `${workload.object.ref} sets ${field}: true: its pods share the node's ${REFERENCE_NAMESPACES[field]} namespace, so a compromised model server reaches the node`,
          });
        }
      }
      for (const ref of podContainers(template)) {
        const security = asRecord(ref.container.securityContext);
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
          REFERENCE_DANGEROUS_CAPABILITIES.has(c.toUpperCase().replace(/^CAP_/, '')),
        );
        if (dangerous.length > 0) {
          const where = ref.at('securityContext', 'capabilities', 'add');
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} adds ${dangerous.join(', ')}: host-level power for a process that parses untrusted requests`,
          });
        }
        const tokens = tokensOf(ref);
        const trust =
          tokens.some((t) => /^--trust[-_]remote[-_]code(=true)?$/i.test(t)) ||
          /^(1|true)$/i.test(envValue(ref, 'TRUST_REMOTE_CODE') ?? '');
        if (trust) {
          const revision = flagValue(tokens, '--revision', '--code-revision') ?? envValue(ref, 'REVISION');
          const pinned = revision !== undefined && /^[0-9a-f]{40}$/i.test(revision);
          const where = ref.at(...(asArray(ref.container.args).length > 0 ? ['args'] : ['command']));
          report({
            object: where.object,
            path: where.path,
            message: pinned
              ? `${ref.label} runs --trust-remote-code: it executes Python from the model repository (pinned to commit ${revision.slice(0, 12)}, so review that code)`
              : `${ref.label} runs --trust-remote-code without a commit-pinned --revision: it executes whatever Python the model repository holds at start-up`,
            severity: pinned ? 'warning' : 'error',
          });
        }
        const lora = /^(1|true)$/i.test(envValue(ref, 'VLLM_ALLOW_RUNTIME_LORA_UPDATING') ?? '');
        // Whether an API key is set matters only where runtime LoRA loading is on (rarely).
        const keyed = () =>
          flagValue(tokens, '--api-key') !== undefined ||
          asArray(ref.container.env).some((e) => asString(asRecord(e).name) === 'VLLM_API_KEY');
        if (lora && !keyed()) {
          const where = ref.at('env');
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} allows runtime LoRA loading (VLLM_ALLOW_RUNTIME_LORA_UPDATING) without an API key: anyone who reaches the port can load adapters from any path or repository`,
          });
        }
      }
    }
  }
};

/** Rule id → its check as it was. */
export const REFERENCE_CHECKS: Readonly<Record<string, Check>> = {
  'no-unrendered-placeholder': noUnrenderedPlaceholder,
  'no-literal-secrets': noLiteralSecrets,
  'no-code-execution-risk': noCodeExecutionRisk,
};
