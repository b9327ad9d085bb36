import { asArray, asRecord, asString, isRecord, type K8sObject } from '../check/objects.js';
import { detectSecret } from '../check/secrets.js';
import type { YamlPath } from '../manifest/yaml.js';
import { defineRule, type Report } from './rule.js';

export default defineRule({
  id: 'no-literal-secrets',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['workload', 'ConfigMap', 'HelmValues', 'ModelService'],
  docs: {
    summary:
      'No literal credentials in env values, args, commands, ConfigMaps, Helm values files or mlready.yaml.',
    why:
      'A Hugging Face token in a Deployment is in git history, in every CI log that prints the manifest, in ' +
      "`kubectl get -o yaml` for anyone with read access, and in the model registry's copy of the chart. Model " +
      'services hold valuable tokens (gated weights, paid APIs, object stores with the training data). ' +
      'Detected: names containing TOKEN, KEY, PASSWORD, SECRET or CREDENTIAL with a literal value; known formats ' +
      '(hf_…, sk-…, AKIA…, ghp_…, PEM private keys); long high-entropy strings. Values are always shown redacted.',
    fix: 'Move the value into a Secret (created by your secret manager, not committed) and reference it with valueFrom.secretKeyRef, envFrom.secretRef or a mounted volume.',
  },
  check({ service, report }) {
    const found = (
      { object, path }: { object: K8sObject; path: YamlPath },
      where: string,
      value: string,
      name?: string,
    ) => {
      const secret = detectSecret(value, name);
      if (secret)
        report({
          object,
          path,
          message: `${where} holds ${secret.kind} (${secret.redacted})`,
        } satisfies Report);
    };
    for (const workload of service.workloads) {
      for (const ref of workload.templates.flatMap((t) => [...t.initContainers, ...t.containers])) {
        asArray(ref.container.env).forEach((e, i) => {
          const env = asRecord(e);
          const value = asString(env.value);
          const name = asString(env.name) ?? '';
          if (value !== undefined) found(ref.at('env', i, 'value'), `${ref.label} env ${name}`, value, name);
        });
        for (const field of ['command', 'args'] as const) {
          const list = asArray(ref.container[field]).map((a) => (typeof a === 'string' ? a : ''));
          list.forEach((arg, i) => {
            const flag = /^--?([\w-]+)=(.+)$/.exec(arg);
            const previous = /^--?([\w-]+)$/.exec(list[i - 1] ?? '');
            const name = flag?.[1] ?? previous?.[1];
            const value = flag?.[2] ?? arg;
            found(ref.at(field, i), `${ref.label} ${field}[${i}]`, value, name?.replace(/-/g, '_'));
          });
        }
      }
    }
    for (const configMap of service.ofKind('ConfigMap')) {
      for (const [key, value] of Object.entries(asRecord(configMap.raw.data))) {
        if (typeof value === 'string')
          found({ object: configMap, path: ['data', key] }, `${configMap.ref} key ${key}`, value, key);
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
