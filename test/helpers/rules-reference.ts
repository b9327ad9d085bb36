/**
 * The rules' check functions as they were on main (f023c8c) before they were shaped for speed,
 * kept as references: test/rules-fast-paths.test.ts runs each rule and its reference on every
 * fixture and on adversarial input, and fails where their findings differ. Plainly written, slow.
 */
import { show, type K8sObject } from '../../src/check/objects.js';
import { displayPath } from '../../src/manifest/schema-errors.js';
import { findPlaceholder } from '../../src/manifest/placeholders.js';
import { redactText } from '../../src/redact.js';
import type { RuleContext } from '../../src/rules/rule.js';

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

/** Rule id → its check as it was. */
export const REFERENCE_CHECKS: Readonly<Record<string, Check>> = {
  'no-unrendered-placeholder': noUnrenderedPlaceholder,
};
