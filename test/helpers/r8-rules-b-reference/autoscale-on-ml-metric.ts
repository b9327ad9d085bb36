// autoscale-on-ml-metric as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts. Only its imports differ from that copy.
import { asArray, asRecord, asString, getPath, type K8sObject } from '../../../src/check/objects.js';
import type { ModelService } from '../../../src/check/services.js';
import { defineRule } from '../../../src/rules/rule.js';
import { gpuResources } from '../../../src/rules/support/gpu.js';
import { GENERIC_ML_METRICS, runtimeOf, type RuntimeProfile } from '../../../src/rules/support/runtimes.js';
import { AUTOSCALER_KINDS } from './scaling.js';
import { servingContainers } from '../../../src/rules/support/serving.js';

export default defineRule({
  id: 'autoscale-on-ml-metric',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'scaling',
  kinds: [...AUTOSCALER_KINDS, 'workload'],
  docs: {
    summary:
      'Model servers scale on an ML signal (queue depth, in-flight requests, latency), not on CPU or memory alone; GPU utilisation alone is noted.',
    why:
      'A GPU server is saturated while its CPU idles: CPU-based scaling never fires, and requests queue until the ' +
      'SLO is gone. Memory is flat once weights are loaded. GPU utilisation reads near 100% at any useful batch ' +
      'size, so it cannot tell "busy" from "overloaded". Queue depth and latency can (vLLM ' +
      'vllm:num_requests_waiting, Triton nv_inference_queue_duration_us, TorchServe ts_queue_latency_microseconds, ' +
      "TGI tgi_queue_size, inference_queue_depth, or the manifest's scaling.metric).",
    fix: "Scale on the runtime's queue metric through the Prometheus adapter (type: Pods / External) or a KEDA prometheus trigger.",
  },
  check({ service, report }) {
    const scalers = service.ofKind(...AUTOSCALER_KINDS);
    // Most services scale on nothing or on an ML metric: the GPU question (every serving container's
    // resources) and the runtime are only asked when a finding may depend on them.
    let gpu: boolean | undefined;
    const gpuServer = () => (gpu ??= isGpuServer(service));
    // The runtime and its metric list only for a scaler that names a metric: most autoscalers of a
    // run name none (an HPA's default) or an ML one.
    let runtime: RuntimeProfile | undefined;
    let known: readonly string[] | undefined;
    for (let s = 0; s < scalers.length; s++) {
      const scaler = scalers[s]!;
      const metrics = metricNames(scaler);
      if (metrics.length === 0) continue;
      if (runtime === undefined) {
        runtime = runtimeOf(service);
        const declared = service.manifest?.manifest.spec.scaling?.metric;
        known = declared ? [...runtime.scalingMetrics, declared] : runtime.scalingMetrics;
      }
      if (anyMl(metrics, known!)) continue;
      const metricList = metrics.map((m) => m.name).join(', ');
      if (metrics.every((m) => GPU_METRIC.test(m.name))) {
        const preferred = known![0] ?? 'a queue metric';
        report({
          object: scaler,
          path: metrics[0]!.path,
          message: `${scaler.ref} scales on GPU utilisation only (${metricList}), which saturates before latency shows it; prefer ${preferred}`,
          severity: 'info',
        });
      } else if (gpuServer() || runtime.llm) {
        const example = known![0] ?? 'inference_queue_depth';
        report({
          object: scaler,
          path: metrics[0]!.path,
          message: `${scaler.ref} scales a GPU model server on ${metricList} only; scale on a queue or latency metric such as ${example}`,
        });
      }
    }
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
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
});

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
function metricNames(scaler: K8sObject): readonly MetricRef[] {
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
