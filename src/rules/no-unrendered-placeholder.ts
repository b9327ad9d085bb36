import { show } from '../check/objects.js';
import { displayPath } from '../manifest/schema-errors.js';
import { findPlaceholder } from '../manifest/placeholders.js';
import type { YamlPath } from '../manifest/yaml.js';
import { redactText } from '../redact.js';
import { ANY_WORKLOAD, defineRule } from './rule.js';

/** Keys whose strings are run or rendered by something else, where `$VAR` and `{{ }}` are meant. */
const RUNTIME_TEXT_KEYS = new Set(['command', 'args', 'script', 'expr']);
/** Kinds whose values legitimately hold templates: Helm values are passed through `tpl`. */
const TEMPLATE_KINDS = new Set(['HelmValues']);
/** A Python format field such as {docker_username}, read by YAML as the key of a flow mapping. */
const FORMAT_FIELD = /^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/;
/** ConfigMap data is files (scripts, config templates) mounted into pods, with syntax of their own. */
const DATA_KINDS = new Set(['ConfigMap']);

export default defineRule({
  id: 'no-unrendered-placeholder',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: [ANY_WORKLOAD, 'ServingRuntime', 'Service', 'Ingress', 'ConfigMap', 'HelmValues'],
  docs: {
    summary:
      'No value still holds a placeholder from a guide or template: ${VAR}, $VAR, {docker_username}, <your-registry>, {{ .Values.x }}.',
    why:
      'Kubernetes takes every value literally. An image "${REGISTRY}/llm:${TAG}" never pulls, an env value "$MODEL_ID" ' +
      'makes the server load a model called "$MODEL_ID", and a storageUri "<your-bucket>" fails only when the pod ' +
      'starts, after the rollout has begun. These are files copied from a README that skipped envsubst or helm template.',
    fix: 'Substitute the value before applying (envsubst, helm template, kustomize) and check the rendered output, or write the real value.',
  },
  check({ service, report }) {
    for (const object of service.objects) {
      if (object.kind === 'ModelService') continue;
      const templates = TEMPLATE_KINDS.has(object.kind);
      // Alert rules are templates by design ({{ $labels.pod }}, $value).
      if (object.kind === 'PrometheusRule') continue;
      const stack: { value: unknown; path: YamlPath }[] = [{ value: object.raw, path: [] }];
      while (stack.length > 0) {
        const { value, path } = stack.pop()!;
        const key = path.at(-1);
        if (typeof key === 'string' && RUNTIME_TEXT_KEYS.has(key)) continue;
        if (DATA_KINDS.has(object.kind) && path.length === 1 && key !== 'metadata') continue;
        if (typeof value === 'string') {
          // A multi-line string is a script or a config file: its own syntax, not a Kubernetes value.
          if (value.includes('\n')) continue;
          const found = findPlaceholder(value);
          if (!found || (templates && found.startsWith('{{'))) continue;
          report({
            object,
            path,
            message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder ${found} ("${redactText(show(value))}")`,
          });
        } else if (Array.isArray(value)) {
          value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
        } else if (value !== null && typeof value === 'object') {
          const entries = Object.entries(value);
          const [only] = entries;
          // `image: {docker_username}` is valid YAML: a mapping with one key and no value.
          if (entries.length === 1 && only && only[1] === null && FORMAT_FIELD.test(only[0])) {
            report({
              object,
              path,
              message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder {${only[0]}}, which YAML reads as a mapping`,
            });
            continue;
          }
          for (const [k, v] of entries) stack.push({ value: v, path: [...path, k] });
        }
      }
    }
  },
});
