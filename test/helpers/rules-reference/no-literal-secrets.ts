import {
  annotationsOf,
  asArray,
  asRecord,
  asString,
  isRecord,
  type K8sObject,
} from '../../../src/check/objects.js';
import type { ContainerRef } from '../../../src/workloads/model.js';
import {
  detectSecret,
  detectSecretInConfigText,
  redact,
  type SecretMatch,
} from '../../../src/check/secrets.js';
import { redactText } from '../../../src/redact.js';
import type { YamlPath } from '../../../src/manifest/yaml.js';
import { defineRule, type Report } from '../../../src/rules/rule.js';

export default defineRule({
  id: 'no-literal-secrets',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['workload', 'ConfigMap', 'HelmValues', 'ModelService', 'ServiceMonitor', 'PodMonitor'],
  docs: {
    summary:
      'No literal credentials in env values, args, commands, probes, annotations, ConfigMaps, ServiceMonitors, Helm values files or mlready.yaml.',
    why:
      'A Hugging Face token in a Deployment is in git history, in every CI log that prints the manifest, in ' +
      "`kubectl get -o yaml` for anyone with read access, and in the model registry's copy of the chart. Model " +
      'services hold valuable tokens (gated weights, paid APIs, object stores with the training data). ' +
      'Detected: names containing TOKEN, KEY, PASSWORD, SECRET or CREDENTIAL with a literal value; known formats ' +
      '(hf_…, sk-…, AKIA…, ghp_…, PEM private keys); passwords in connection URLs (postgres://user:pass@…) and ' +
      'credential query parameters (?api_key=…); bearer tokens in probe headers, paths and exec commands; ' +
      'annotations; literal ServiceMonitor/PodMonitor bearerToken and basicAuth; long high-entropy strings; cloud keys ' +
      '(AWS, GCP service-account private keys, Azure AccountKey); settings inside config files held by ConfigMaps ' +
      '(requirepass, password:, api_key = …, user:pass@ URLs). ' +
      'Values are always shown redacted.',
    fix: 'Move the value into a Secret (created by your secret manager, not committed) and reference it with valueFrom.secretKeyRef, envFrom.secretRef or a mounted volume.',
  },
  check({ service, report }) {
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
    const found = (
      at: { object: K8sObject; path: YamlPath },
      where: string,
      value: string,
      name?: string,
    ) => {
      const secret = secretIn(value, name);
      if (secret) flag(at, where, secret);
    };
    /** Probe and lifecycle handlers: httpGet paths and headers, exec commands. */
    const handler = (ref: ContainerRef, at: readonly (string | number)[], label: string, value: unknown) => {
      if (!isRecord(value)) return;
      const http = asRecord(value.httpGet);
      const probePath = asString(http.path);
      let secret = probePath !== undefined ? secretIn(probePath) : undefined;
      if (secret) flag(ref.at(...at, 'httpGet', 'path'), `${label} path`, secret);
      asArray(http.httpHeaders).forEach((h, i) => {
        const header = asRecord(h);
        const headerValue = asString(header.value);
        const name = asString(header.name) ?? '';
        secret = headerValue !== undefined ? secretIn(headerValue, name) : undefined;
        if (secret)
          flag(ref.at(...at, 'httpGet', 'httpHeaders', i, 'value'), `${label} header ${name}`, secret);
      });
      asArray(asRecord(value.exec).command).forEach((arg, i) => {
        secret = typeof arg === 'string' ? secretIn(arg) : undefined;
        if (secret) flag(ref.at(...at, 'exec', 'command', i), `${label} exec command[${i}]`, secret);
      });
    };
    const container = (ref: ContainerRef) => {
      asArray(ref.container.env).forEach((e, i) => {
        const env = asRecord(e);
        const value = asString(env.value);
        if (value === undefined) return;
        const name = asString(env.name) ?? '';
        const secret = secretIn(value, name);
        if (secret) flag(ref.at('env', i, 'value'), `${ref.label} env ${name}`, secret);
      });
      for (const field of ARG_FIELDS) {
        const list = asArray(ref.container[field]).map((a) => (typeof a === 'string' ? a : ''));
        list.forEach((arg, i) => {
          const flagged = /^--?([\w-]+)=(.+)$/.exec(arg);
          const previous = /^--?([\w-]+)$/.exec(list[i - 1] ?? '');
          const name = flagged?.[1] ?? previous?.[1];
          const value = flagged?.[2] ?? arg;
          const secret = secretIn(value, name?.replace(/-/g, '_'));
          if (secret) flag(ref.at(field, i), `${ref.label} ${field}[${i}]`, secret);
        });
      }
      for (const probe of PROBES) handler(ref, [probe], `${ref.label} ${probe}`, ref.container[probe]);
      const lifecycle = ref.container.lifecycle;
      if (isRecord(lifecycle))
        for (const hook of HOOKS) handler(ref, ['lifecycle', hook], `${ref.label} ${hook}`, lifecycle[hook]);
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
        const secret = secretIn(map[key]!, key.split('/').pop()?.replace(/-/g, '_'));
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
        found(
          { object, path },
          `${label} ${path.join('.')}`,
          value,
          typeof key === 'string' ? key : undefined,
        );
      } else if (Array.isArray(value)) value.forEach((v, i) => walk(object, v, [...path, i], label));
      else if (isRecord(value))
        for (const [k, v] of Object.entries(value)) walk(object, v, [...path, k], label);
    };
    for (const values of service.ofKind('HelmValues'))
      walk(values, values.raw, [], `Helm values ${values.name}`);
    if (service.manifest) walk(service.manifest, service.manifest.raw, [], 'mlready.yaml');
  },
});

const ARG_FIELDS = ['command', 'args'] as const;
const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;

function secretIn(value: string, name?: string): SecretMatch | undefined {
  return detectSecret(value, name) ?? secretInCommandLine(value);
}

/** A credential inside a command line: `curl -H 'Authorization: Bearer …'`, `--password=… ` in `sh -c`. */
function secretInCommandLine(value: string): SecretMatch | undefined {
  if (!/\s/.test(value)) return undefined;
  const masked = redactText(value);
  if (masked === value) return undefined;
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return { kind: 'a credential in a command line', redacted: shown };
}
