import { show } from '../check/objects.js';
import { displayPath } from '../manifest/schema-errors.js';
import { findPlaceholder } from '../manifest/placeholders.js';
import type { K8sObject } from '../check/objects.js';
import { redactText } from '../redact.js';
import { ANY_WORKLOAD, defineRule, type RuleContext } from './rule.js';

/** The kind whose values legitimately hold templates: Helm values are passed through `tpl`. */
const TEMPLATE_KIND = 'HelmValues';
/** A Python format field such as {docker_username}, read by YAML as the key of a flow mapping. */
const FORMAT_FIELD = /^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/;
/**
 * False only where findPlaceholder cannot match: every placeholder it knows holds `$`, `<`, `{` or
 * an underscore (REPLACE_…, CHANGE_ME). One character class, tested once per value, rules out most
 * values before findPlaceholder's six patterns (measured faster than a charCodeAt loop: the values
 * are slices of the source text).
 */
const MAY_HOLD_PLACEHOLDER = /[$<{_]/;
/** ConfigMap data is files (scripts, config templates) mounted into pods, with syntax of their own. */
const DATA_KIND = 'ConfigMap';

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
    const objects = service.objects;
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i]!;
      const kind = object.kind;
      // Alert rules are templates by design ({{ $labels.pod }}, $value).
      if (kind === 'ModelService' || kind === 'PrometheusRule') continue;
      if (kind === DATA_KIND) walkData(object, object.raw, report);
      else walkRecord(object, object.raw, 0, kind === TEMPLATE_KIND, report);
    }
    // Keys may be slices of a file's text: the path does not keep them past the call.
    PATH.fill('');
  },
});

/**
 * Depth first over every value (in document order: findings are sorted by position afterwards).
 * Shaped for speed, as this rule reads every value of every object (the old recursive walk is kept
 * in test/helpers/rules-reference/ and compared with this one on every fixture):
 * - the path is one module-level array written at a depth (PATH[0..depth)), never pushed or
 *   popped: an array pushed from empty and popped back to empty gets a new backing store on every
 *   descent from the top (1.7 MB a run on the bench); the path is copied only for a finding;
 * - strings are judged in the loop over their parent, without a call per value, and a cheap scan
 *   (MAY_HOLD_PLACEHOLDER) rules out most of them before findPlaceholder's regular expressions;
 * - mappings are read with one for-in, not Object.keys: no array of keys per mapping.
 */
const PATH: (string | number)[] = [];

/** PATH[0..depth) with `key` after it: a finding's own copy. */
function pathTo(depth: number, key?: string | number): (string | number)[] {
  const at = PATH.slice(0, depth);
  if (key !== undefined) at.push(key);
  return at;
}

/** Sets PATH[depth]: PATH only grows (to the deepest nesting seen), and its old entries are overwritten. */
function setPath(depth: number, key: string | number): void {
  if (depth < PATH.length) PATH[depth] = key;
  else PATH.push(key);
}

function walkRecord(
  object: K8sObject,
  record: Record<string, unknown>,
  depth: number,
  templates: boolean,
  report: RuleContext['report'],
): void {
  // Per key, only what its value needs: a string (most values) is screened before its key is
  // compared with the runtime-text keys, and no count or first key is kept per mapping (a null
  // value, rare, sends the mapping to formatField). Measured on the bench's first runs, where the
  // loop is not yet optimized: ~20 % less time per walk.
  let nulls = false;
  for (const key in record) {
    const child = record[key];
    if (typeof child === 'string') {
      if (MAY_HOLD_PLACEHOLDER.test(child) && !isRuntimeTextKey(key))
        checkString(object, child, depth, key, templates, report);
    } else if (typeof child === 'object') {
      if (child === null) nulls = true;
      else if (!isRuntimeTextKey(key)) {
        setPath(depth, key);
        if (Array.isArray(child)) walkArray(object, child, depth + 1, templates, report);
        else walkRecord(object, child as Record<string, unknown>, depth + 1, templates, report);
      }
    }
  }
  if (nulls) formatField(object, record, depth, report);
}

/**
 * `image: {docker_username}` is valid YAML: a mapping with one key and no value (which the walk
 * skipped, as it holds nothing to read).
 */
function formatField(
  object: K8sObject,
  record: Record<string, unknown>,
  depth: number,
  report: RuleContext['report'],
): void {
  let count = 0;
  let first = '';
  for (const key in record) if (count++ === 0) first = key;
  if (count === 1 && record[first] === null && FORMAT_FIELD.test(first)) {
    const path = pathTo(depth);
    report({
      object,
      path,
      message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder {${first}}, which YAML reads as a mapping`,
    });
  }
}

/** A ConfigMap: its data is files with syntax of their own, so only its metadata is read. */
function walkData(object: K8sObject, record: Record<string, unknown>, report: RuleContext['report']): void {
  let nulls = false;
  for (const key in record) {
    if (key !== 'metadata') continue;
    const child = record[key];
    if (typeof child === 'string') {
      if (MAY_HOLD_PLACEHOLDER.test(child)) checkString(object, child, 0, key, false, report);
    } else if (typeof child === 'object') {
      if (child === null) nulls = true;
      else {
        setPath(0, key);
        if (Array.isArray(child)) walkArray(object, child, 1, false, report);
        else walkRecord(object, child as Record<string, unknown>, 1, false, report);
      }
    }
  }
  if (nulls) formatField(object, record, 0, report);
}

function walkArray(
  object: K8sObject,
  list: readonly unknown[],
  depth: number,
  templates: boolean,
  report: RuleContext['report'],
): void {
  for (let i = 0; i < list.length; i++) {
    const child = list[i];
    if (typeof child === 'string') {
      if (MAY_HOLD_PLACEHOLDER.test(child)) checkString(object, child, depth, i, templates, report);
    } else if (typeof child === 'object' && child !== null) {
      setPath(depth, i);
      if (Array.isArray(child)) walkArray(object, child, depth + 1, templates, report);
      else walkRecord(object, child as Record<string, unknown>, depth + 1, templates, report);
    }
  }
}

/** The value at PATH[0..depth) + `key`. */
function checkString(
  object: K8sObject,
  value: string,
  depth: number,
  key: string | number,
  templates: boolean,
  report: RuleContext['report'],
): void {
  // A multi-line string is a script or a config file: its own syntax, not a Kubernetes value.
  if (value.includes('\n')) return;
  const found = findPlaceholder(value);
  if (!found || (templates && found.startsWith('{{'))) return;
  const at = pathTo(depth, key);
  report({
    object,
    path: at,
    message: `${displayPath(at)} of ${object.ref} holds the unrendered placeholder ${found} ("${redactText(show(value))}")`,
  });
}

/**
 * Keys whose strings are run or rendered by something else, where `$VAR` and `{{ }}` are meant.
 * Comparisons rather than a Set: no hash per key, and most stop at the length.
 */
function isRuntimeTextKey(key: string): boolean {
  return key === 'command' || key === 'args' || key === 'script' || key === 'expr';
}
