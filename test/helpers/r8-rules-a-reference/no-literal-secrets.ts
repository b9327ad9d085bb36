// no-literal-secrets as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-a-reference.test.ts. Only its imports differ from that copy.
import {
  annotationsOf,
  asArray,
  asRecord,
  asString,
  isRecord,
  type K8sObject,
} from '../../../src/check/objects.js';
import type { ContainerRef, FieldSource } from '../../../src/workloads/model.js';
import {
  cannotHoldSecret,
  detectSecret,
  detectSecretInConfigText,
  redact,
  type SecretMatch,
} from '../../../src/check/secrets.js';
import { redactText } from '../../../src/redact.js';
import type { YamlPath } from '../../../src/manifest/yaml.js';
import { defineRule, type Report, type RuleContext } from '../../../src/rules/rule.js';

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
    // Index loops: for-of allocates an iterator result per step until the code is optimized (runs 1–2).
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      const templates = workload.templates;
      for (let t = 0; t < templates.length; t++) {
        const template = templates[t]!;
        const inits = template.initContainers;
        for (let i = 0; i < inits.length; i++) container(report, inits[i]!);
        const containers = template.containers;
        for (let i = 0; i < containers.length; i++) container(report, containers[i]!);
        // A pod template's own metadata (the object's metadata is read with every object below).
        if (template.metadataPath.length > 1 && hasKeys(template.annotations))
          annotations(
            report,
            template.annotations,
            template.metadataPath,
            `${workload.object.ref} pod template`,
            template.workload,
          );
      }
    }
    // mlready.yaml and Helm values files are walked whole below.
    const objects = service.objects;
    for (let o = 0; o < objects.length; o++) {
      const object = objects[o]!;
      if (object.kind !== 'ModelService' && object.kind !== 'HelmValues') {
        const map = annotationsOf(object);
        if (hasKeys(map)) annotations(report, map, ['metadata'], object.ref, object);
      }
    }
    const monitors = service.ofKind('ServiceMonitor', 'PodMonitor');
    for (let m = 0; m < monitors.length; m++) monitorEndpoints(report, monitors[m]!);
    const configMaps = service.ofKind('ConfigMap');
    for (let c = 0; c < configMaps.length; c++) {
      const configMap = configMaps[c]!;
      for (const [key, value] of Object.entries(asRecord(configMap.raw.data))) {
        if (typeof value !== 'string') continue;
        const inFile = detectSecretInConfigText(value);
        if (inFile)
          report({
            object: configMap,
            path: ['data', key],
            message: `${configMap.ref} key ${key} (a config file) holds ${inFile.kind} on its line ${inFile.line} (${inFile.redacted})`,
          });
        else if (!value.includes('\n')) {
          const secret = secretIn(value, key);
          if (secret) flag(report, configMap, ['data', key], `${configMap.ref} key ${key}`, secret);
        } else {
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
    const helmValues = service.ofKind('HelmValues');
    for (let h = 0; h < helmValues.length; h++)
      walk(report, helmValues[h]!, helmValues[h]!.raw, [], `Helm values ${helmValues[h]!.name}`);
    if (service.manifest) walk(report, service.manifest, service.manifest.raw, [], 'mlready.yaml');
  },
});

// Shaped for speed: the rule reads every env value, argument, probe and annotation of every
// container, and almost none holds a secret. So no closure, label or path is built per value (only
// for a finding), lists are read where they are lists, and a value that cannot hold a secret
// (cannotHoldSecret, no whitespace) is dismissed before any regular expression runs. The plain
// version is kept in test/helpers/rules-reference/ and compared with this one on every fixture.

const ARG_FIELDS = ['command', 'args'] as const;
const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'] as const;
const HOOKS = ['postStart', 'preStop'] as const;
const BASIC_AUTH_PARTS = ['username', 'password'] as const;
/** `--name=value` and a bare `--name` (whose value is the next argument). */
const FLAG_WITH_VALUE = /^--?([\w-]+)=(.+)$/;
const BARE_FLAG = /^--?([\w-]+)$/;
const WHITESPACE = /\s/;
const DASHES = /-/g;

type ReportFn = RuleContext['report'];

function flag(report: ReportFn, object: K8sObject, path: YamlPath, where: string, secret: SecretMatch): void {
  report({ object, path, message: `${where} holds ${secret.kind} (${secret.redacted})` } satisfies Report);
}

function flagAt(report: ReportFn, at: FieldSource, where: string, secret: SecretMatch): void {
  flag(report, at.object, at.path, where, secret);
}

function hasKeys(map: Readonly<Record<string, unknown>>): boolean {
  for (const _ in map) return true;
  return false;
}

/**
 * A ServiceMonitor's or PodMonitor's endpoints: literal bearerToken, basicAuth and credential params.
 * An index loop without a closure, and a path built only for a finding: every model service of a
 * run has a monitor, and almost none holds a literal credential.
 */
function monitorEndpoints(report: ReportFn, monitor: K8sObject): void {
  const serviceMonitor = monitor.kind === 'ServiceMonitor';
  const list = serviceMonitor ? 'endpoints' : 'podMetricsEndpoints';
  // Named loads rather than spec[list]: a keyed load with a variable name is a megamorphic lookup.
  const spec = asRecord(monitor.raw.spec);
  const endpoints = asArray(serviceMonitor ? spec.endpoints : spec.podMetricsEndpoints);
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint = asRecord(endpoints[i]);
    const bearer = asString(endpoint.bearerToken);
    if (bearer)
      report({
        object: monitor,
        path: ['spec', list, i, 'bearerToken'],
        message: `${monitor.ref} endpoint ${i} holds a literal bearerToken (${redact(bearer)}); use authorization.credentials (a Secret key)`,
      });
    const basicAuth = endpoint.basicAuth;
    if (isRecord(basicAuth))
      for (const part of BASIC_AUTH_PARTS) {
        const literal = asString(basicAuth[part]);
        if (literal)
          report({
            object: monitor,
            path: ['spec', list, i, 'basicAuth', part],
            message: `${monitor.ref} endpoint ${i} holds a literal basicAuth ${part} (${redact(literal)}); reference a Secret key`,
          });
      }
    const params = endpoint.params;
    if (isRecord(params))
      for (const [param, values] of Object.entries(params))
        asArray(values).forEach((v, j) => {
          if (typeof v !== 'string') return;
          const secret = secretIn(v, param);
          if (secret)
            flag(
              report,
              monitor,
              ['spec', list, i, 'params', param, j],
              `${monitor.ref} endpoint ${i} param ${param}`,
              secret,
            );
        });
  }
}

function container(report: ReportFn, ref: ContainerRef): void {
  const c = ref.container;
  const env = c.env;
  if (Array.isArray(env))
    for (let i = 0; i < env.length; i++) {
      const entry = asRecord(env[i]);
      const value = asString(entry.value);
      if (value === undefined) continue;
      const name = asString(entry.name) ?? '';
      const secret = secretIn(value, name);
      if (secret) flagAt(report, ref.at('env', i, 'value'), `${ref.label} env ${name}`, secret);
    }
  for (let f = 0; f < ARG_FIELDS.length; f++) {
    const field = ARG_FIELDS[f]!;
    const list = c[field];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      // Anything but a string reads as '' (no secret, and no flag naming the next argument).
      const item: unknown = list[i];
      const arg = typeof item === 'string' ? item : '';
      const before: unknown = i > 0 ? list[i - 1] : undefined;
      const previous = typeof before === 'string' ? before : '';
      let name: string | undefined;
      let value = arg;
      const flagged = arg.startsWith('-') ? FLAG_WITH_VALUE.exec(arg) : null;
      if (flagged) {
        name = flagged[1];
        value = flagged[2]!;
      } else if (previous.startsWith('-')) name = BARE_FLAG.exec(previous)?.[1];
      const secret = secretIn(value, name?.replace(DASHES, '_'));
      if (secret) flagAt(report, ref.at(field, i), `${ref.label} ${field}[${i}]`, secret);
    }
  }
  for (let p = 0; p < PROBES.length; p++) {
    const probe = PROBES[p]!;
    const handlerValue = c[probe];
    if (isRecord(handlerValue)) handler(report, ref, undefined, probe, handlerValue);
  }
  const lifecycle = c.lifecycle;
  if (isRecord(lifecycle))
    for (const hook of HOOKS) {
      const handlerValue = lifecycle[hook];
      if (isRecord(handlerValue)) handler(report, ref, 'lifecycle', hook, handlerValue);
    }
}

/** Probe and lifecycle handlers (at `parent`.`field` of the container): httpGet paths and headers, exec commands. */
function handler(
  report: ReportFn,
  ref: ContainerRef,
  parent: string | undefined,
  field: string,
  value: Record<string, unknown>,
): void {
  const http = value.httpGet;
  if (isRecord(http)) {
    const probePath = asString(http.path);
    const secret = probePath !== undefined ? secretIn(probePath) : undefined;
    if (secret)
      flagAt(report, handlerAt(ref, parent, field, 'httpGet', 'path'), `${ref.label} ${field} path`, secret);
    const headers = http.httpHeaders;
    if (Array.isArray(headers))
      for (let i = 0; i < headers.length; i++) {
        const header = asRecord(headers[i]);
        const headerValue = asString(header.value);
        const name = asString(header.name) ?? '';
        const found = headerValue !== undefined ? secretIn(headerValue, name) : undefined;
        if (found)
          flagAt(
            report,
            handlerAt(ref, parent, field, 'httpGet', 'httpHeaders', i, 'value'),
            `${ref.label} ${field} header ${name}`,
            found,
          );
      }
  }
  const exec = value.exec;
  if (isRecord(exec) && Array.isArray(exec.command)) {
    const command = exec.command as unknown[];
    for (let i = 0; i < command.length; i++) {
      const arg = command[i];
      const secret = typeof arg === 'string' ? secretIn(arg) : undefined;
      if (secret)
        flagAt(
          report,
          handlerAt(ref, parent, field, 'exec', 'command', i),
          `${ref.label} ${field} exec command[${i}]`,
          secret,
        );
    }
  }
}

/** Where a handler's field is: written only for a finding, so no closure per handler. */
function handlerAt(
  ref: ContainerRef,
  parent: string | undefined,
  field: string,
  ...rest: (string | number)[]
): FieldSource {
  return parent === undefined ? ref.at(field, ...rest) : ref.at(parent, field, ...rest);
}

function annotations(
  report: ReportFn,
  map: Readonly<Record<string, string>>,
  at: YamlPath,
  label: string,
  object: K8sObject,
): void {
  for (const key in map) {
    const value = map[key]!;
    // The name counts only where it says "credential", and SECRET_NAME reads - and _ alike: a key it
    // does not match cannot give its last segment a name that matters.
    if (cannotHoldSecret(value, key) && !WHITESPACE.test(value)) continue;
    const secret = secretIn(value, key.split('/').pop()?.replace(DASHES, '_'));
    if (secret) flag(report, object, [...at, 'annotations', key], `${label} annotation ${key}`, secret);
  }
}

/** Every string of a Helm values file or mlready.yaml, named by its key. One path, copied for a finding. */
function walk(
  report: ReportFn,
  object: K8sObject,
  value: unknown,
  path: (string | number)[],
  label: string,
): void {
  if (typeof value === 'string') {
    const key = path[path.length - 1];
    const secret = secretIn(value, typeof key === 'string' ? key : undefined);
    if (secret) flag(report, object, [...path], `${label} ${path.join('.')}`, secret);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(report, object, value[i], path, label);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      path.push(key);
      walk(report, object, value[key], path, label);
      path.pop();
    }
  }
}

function secretIn(value: string, name?: string): SecretMatch | undefined {
  return detectSecret(value, name) ?? secretInCommandLine(value);
}

/** A credential inside a command line: `curl -H 'Authorization: Bearer …'`, `--password=… ` in `sh -c`. */
function secretInCommandLine(value: string): SecretMatch | undefined {
  if (!WHITESPACE.test(value)) return undefined;
  const masked = redactText(value);
  if (masked === value) return undefined;
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return { kind: 'a credential in a command line', redacted: shown };
}
