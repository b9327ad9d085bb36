/**
 * Issue 18, seventh round (rules, second set): the functions this round reshaped, as they were on main
 * (9624913), kept as oracles for test/r7-rules-b-reference.test.ts. Only what changed is here; what they
 * call is the repository's own code.
 */
import {
  asArray,
  asRecord,
  asString,
  getPath,
  isRecord,
  show,
  type K8sObject,
} from '../../src/check/objects.js';
import { FLOATING_TAGS, isFloatingVariant } from '../../src/check/image.js';
import type { ModelService } from '../../src/check/services.js';
import { displayPath } from '../../src/manifest/schema-errors.js';
import { findPlaceholder } from '../../src/manifest/placeholders.js';
import { TOOLING_IMAGE_PLACEHOLDER } from '../../src/manifest/types.js';
import { redactText } from '../../src/redact.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { AUTOSCALER_KINDS } from '../../src/rules/support/scaling.js';
import { GENERIC_ML_METRICS, RUNTIMES, type RuntimeProfile } from '../../src/rules/support/runtimes.js';
import { gpuResources } from '../../src/rules/support/gpu.js';
import { servingContainers } from '../../src/rules/support/serving.js';
import type { ContainerRef } from '../../src/workloads/model.js';
import { runtimeOfContainer } from '../../src/workloads/runtime.js';

// no-unrendered-placeholder

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

export const noUnrenderedPlaceholder = {
  check({ service, report }: RuleContext): void {
    const objects = service.objects;
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i]!;
      const kind = object.kind;
      // Alert rules are templates by design ({{ $labels.pod }}, $value).
      if (kind === 'ModelService' || kind === 'PrometheusRule') continue;
      walkRecord(object, object.raw, 0, kind === TEMPLATE_KIND, report, kind === DATA_KIND);
    }
    // Keys may be slices of a file's text: the path does not keep them past the call.
    PATH.fill('');
  },
};

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
  dataOnly: boolean,
): void {
  let count = 0;
  let first = '';
  for (const key in record) {
    if (count++ === 0) first = key;
    if (isRuntimeTextKey(key) || (dataOnly && key !== 'metadata')) continue;
    const child = record[key];
    if (typeof child === 'string') {
      if (MAY_HOLD_PLACEHOLDER.test(child)) checkString(object, child, depth, key, templates, report);
    } else if (typeof child === 'object' && child !== null) {
      setPath(depth, key);
      if (Array.isArray(child)) walkArray(object, child, depth + 1, templates, report);
      else walkRecord(object, child as Record<string, unknown>, depth + 1, templates, report, false);
    }
  }
  // `image: {docker_username}` is valid YAML: a mapping with one key and no value (which the loop
  // above skipped, as it holds nothing to read).
  if (count === 1 && record[first] === null && FORMAT_FIELD.test(first)) {
    const path = pathTo(depth);
    report({
      object,
      path,
      message: `${displayPath(path)} of ${object.ref} holds the unrendered placeholder {${first}}, which YAML reads as a mapping`,
    });
  }
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
      else walkRecord(object, child as Record<string, unknown>, depth + 1, templates, report, false);
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

// pod-security-context

/** Runtimes that run with a read-only root filesystem (caches go to mounted volumes). */
const READ_ONLY_ROOT_OK = new Set(['custom', 'tfserving', 'kserve']);

export const podSecurityContext = {
  check({ service, report }: RuleContext): void {
    for (const ref of servingContainers(service)) {
      // Operators that render the pod (NIM, KubeAI, BentoML) or patch their own (Seldon) set it.
      if (ref.template.synthesized || ref.partial) continue;
      // Read in place: most pods and containers set no securityContext, and asRecord made an object for each.
      const pod = recordOrEmpty(ref.template.spec.securityContext);
      const ctx = recordOrEmpty(ref.container.securityContext);
      // A list only for a container that misses something; the runtime only when the container
      // leaves its root filesystem writable.
      let missing: string[] | undefined;
      if (ctx.runAsNonRoot !== true && pod.runAsNonRoot !== true) (missing ??= []).push('runAsNonRoot: true');
      if (ctx.allowPrivilegeEscalation !== false) (missing ??= []).push('allowPrivilegeEscalation: false');
      if (ctx.readOnlyRootFilesystem !== true && READ_ONLY_ROOT_OK.has(runtimeOf(service, ref).id))
        (missing ??= []).push('readOnlyRootFilesystem: true');
      if (missing !== undefined) {
        const where = ref.at(ref.container.securityContext === undefined ? 'name' : 'securityContext');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} does not set ${missing.join(', ')}`,
        });
      }
    }
  },
};

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function recordOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : EMPTY;
}

// support/runtimes.ts

export function runtimeOf(service: ModelService, ref?: ContainerRef): RuntimeProfile {
  const declared = service.manifest?.manifest.spec.serving.runtime;
  if (declared) return RUNTIMES[declared];
  const own = ref ? runtimeOfContainer(ref) : undefined;
  if (own) return RUNTIMES[own];
  for (const container of service.servingContainers()) {
    const id = runtimeOfContainer(container);
    if (id) return RUNTIMES[id];
  }
  return RUNTIMES.custom;
}

// check/image.ts

/** Why an image reference floats, or undefined when it is pinned (a version tag or a digest). */
export function floatingReason(image: string): string | undefined {
  if (image === TOOLING_IMAGE_PLACEHOLDER)
    return "is the placeholder for mlready's own image: set spec.tooling.image in mlready.yaml to a pinned mlready image and scaffold again";
  // parseImage's tag and digest, read in place: asked for every container of a run, and only the
  // tag is needed (no ImageRef, no repository string).
  let rest = image.trim();
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (at < rest.length - 1) return undefined; // pinned by a digest
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : '';
  if (tag === '') return 'has no tag, so it means "latest"';
  if (FLOATING_TAGS.has(tag.toLowerCase())) return `uses the floating tag "${tag}"`;
  if (isFloatingVariant(tag)) return `uses the floating tag "${tag}"`;
  return undefined;
}

const WHITESPACE = /\s/;
const STRAY_END = /[:@]$/;

/**
 * Why a string cannot be an image reference at all (the pull fails), or undefined. Catches the
 * slips templating leaves: a repository ending in ":" joined to a tag, spaces, a dangling "@".
 */
export function invalidImageReason(image: string): string | undefined {
  const trimmed = image.trim();
  if (trimmed === '') return 'is empty';
  if (WHITESPACE.test(trimmed)) return 'contains whitespace';
  if (image.includes('::') || STRAY_END.test(image))
    return 'is not a valid image reference (a stray ":" or "@")';
  return undefined;
}

// autoscale-on-ml-metric

export const autoscaleOnMlMetric = {
  check({ service, report }: RuleContext): void {
    const scalers = service.ofKind(...AUTOSCALER_KINDS);
    // Most services scale on nothing or on an ML metric: the GPU question (every serving container's
    // resources) and the runtime are only asked when a finding may depend on them.
    let gpu: boolean | undefined;
    const gpuServer = () => (gpu ??= isGpuServer(service));
    if (scalers.length > 0) {
      const runtime = runtimeOf(service);
      const declared = service.manifest?.manifest.spec.scaling?.metric;
      const known = declared ? [...runtime.scalingMetrics, declared] : runtime.scalingMetrics;
      for (const scaler of scalers) {
        const metrics = metricNames(scaler);
        if (metrics.length === 0 || anyMl(metrics, known)) continue;
        const metricList = metrics.map((m) => m.name).join(', ');
        if (metrics.every((m) => GPU_METRIC.test(m.name))) {
          const preferred = known[0] ?? 'a queue metric';
          report({
            object: scaler,
            path: metrics[0]!.path,
            message: `${scaler.ref} scales on GPU utilisation only (${metricList}), which saturates before latency shows it; prefer ${preferred}`,
            severity: 'info',
          });
        } else if (gpuServer() || runtime.llm) {
          const example = known[0] ?? 'inference_queue_depth';
          report({
            object: scaler,
            path: metrics[0]!.path,
            message: `${scaler.ref} scales a GPU model server on ${metricList} only; scale on a queue or latency metric such as ${example}`,
          });
        }
      }
    }
    for (const workload of service.workloads) {
      const own = workload.autoscaling;
      if (!own || (own.metric !== 'cpu' && own.metric !== 'memory') || !gpuServer()) continue;
      const ref = workload.object.ref;
      if (workload.info.id === 'InferenceService')
        report({
          object: workload.object,
          path: ['spec', 'predictor', 'scaleMetric'],
          message: `${ref} scales a GPU predictor on ${own.metric}; use scaleMetric: concurrency or rps`,
        });
      else {
        report({
          object: own.at.object,
          path: own.at.path,
          message: `${ref} scales a GPU model server on ${own.metric} only; scale on a queue or latency metric`,
        });
      }
    }
  },
};

const GPU_METRIC = /gpu|DCGM_FI_DEV_GPU_UTIL|dcgm/i;

function isGpuServer(service: ModelService): boolean {
  for (const ref of servingContainers(service)) if (gpuResources(ref).length > 0) return true;
  return (service.manifest?.manifest.spec.resources?.gpu ?? 0) > 0;
}

/** Does the scaler follow a metric of the runtime, the manifest, or a generic ML signal? */
function anyMl(metrics: readonly MetricRef[], known: readonly string[]): boolean {
  for (const { name } of metrics) {
    if (known.includes(name)) return true;
    for (const pattern of GENERIC_ML_METRICS) if (pattern.test(name)) return true;
  }
  return false;
}

interface MetricRef {
  name: string;
  path: (string | number)[];
}

/** Metric names an HPA (autoscaling/v2) or a KEDA ScaledObject scales on. */
function metricNames(scaler: K8sObject): MetricRef[] {
  const out: MetricRef[] = [];
  if (scaler.type === 'HorizontalPodAutoscaler') {
    const legacyCpu = getPath(scaler.raw, SPEC_LEGACY_CPU);
    if (legacyCpu !== undefined) out.push({ name: 'cpu', path: ['spec', 'targetCPUUtilizationPercentage'] });
    asArray(getPath(scaler.raw, SPEC_METRICS)).forEach((m, i) => {
      const metric = asRecord(m);
      const type = asString(metric.type) ?? '';
      const body = asRecord(metric[type.charAt(0).toLowerCase() + type.slice(1)]);
      const name =
        type === 'Resource' || type === 'ContainerResource'
          ? asString(body.name)
          : asString(asRecord(body.metric).name);
      out.push({ name: name ?? type, path: ['spec', 'metrics', i] });
    });
  } else if (scaler.type === 'PodAutoscaler') {
    asArray(getPath(scaler.raw, SPEC_METRICS_SOURCES)).forEach((m, i) => {
      const name = asString(asRecord(m).targetMetric);
      if (name) out.push({ name, path: ['spec', 'metricsSources', i, 'targetMetric'] });
    });
  } else {
    asArray(getPath(scaler.raw, SPEC_TRIGGERS)).forEach((t, i) => {
      const trigger = asRecord(t);
      const type = asString(trigger.type) ?? '';
      const md = asRecord(trigger.metadata);
      const name =
        type === 'cpu' || type === 'memory' ? type : (asString(md.metricName) ?? asString(md.query) ?? type);
      out.push({ name, path: ['spec', 'triggers', i] });
    });
  }
  return out;
}

/** Paths read from every autoscaler, built once (getPath only reads them). */
const SPEC_LEGACY_CPU = ['spec', 'targetCPUUtilizationPercentage'];
const SPEC_METRICS = ['spec', 'metrics'];
const SPEC_METRICS_SOURCES = ['spec', 'metricsSources'];
const SPEC_TRIGGERS = ['spec', 'triggers'];
