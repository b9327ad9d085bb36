import { show } from '../../../src/check/objects.js';
import { displayPath } from '../../../src/manifest/schema-errors.js';
import { findPlaceholder } from '../../../src/manifest/placeholders.js';
import type { K8sObject } from '../../../src/check/objects.js';
import { redactText } from '../../../src/redact.js';
import { ANY_WORKLOAD, defineRule, type RuleContext } from '../../../src/rules/rule.js';

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
      // Alert rules are templates by design ({{ $labels.pod }}, $value).
      if (object.kind === 'PrometheusRule') continue;
      walk(object, object.raw, [], TEMPLATE_KINDS.has(object.kind), report);
    }
  },
});

/**
 * Depth first over every value (in document order: findings are sorted by position afterwards).
 * One path array is shared down the walk and copied only for a finding: most values hold nothing.
 * Mappings are read with for-in, not Object.keys: no array of keys per mapping of every object.
 * Keys are judged before descending: no call and no path entry for a value not to be read.
 */
function walk(
  object: K8sObject,
  value: unknown,
  path: (string | number)[],
  templates: boolean,
  report: RuleContext['report'],
): void {
  if (typeof value === 'string') {
    // A multi-line string is a script or a config file: its own syntax, not a Kubernetes value.
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
      walk(object, value[i], path, templates, report);
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
    // `image: {docker_username}` is valid YAML: a mapping with one key and no value.
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
      walk(object, record[key], path, templates, report);
      path.pop();
    }
  }
}
