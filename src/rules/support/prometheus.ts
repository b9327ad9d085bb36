import { asArray, asRecord, asString, stringMap, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import { DEFAULT_METRICS } from '../../manifest/types.js';
import type { YamlPath } from '../../manifest/yaml.js';
import { RUNTIMES, runtimesOf } from './runtimes.js';

export interface PromRule {
  object: K8sObject;
  path: YamlPath;
  alert: string | undefined;
  record: string | undefined;
  expr: string;
  for: string | undefined;
  labels: Record<string, string>;
}

/**
 * Every alerting and recording rule of the service's PrometheusRules; one shared empty list for a
 * service without any (most services: several rules ask each of them).
 */
export function promRulesOf(service: ModelService): readonly PromRule[] {
  const objects = service.ofKind('PrometheusRule');
  if (objects.length === 0) return NO_RULES;
  const out: PromRule[] = [];
  for (const object of objects) {
    asArray(asRecord(object.raw.spec).groups).forEach((g, gi) => {
      asArray(asRecord(g).rules).forEach((r, ri) => {
        const rule = asRecord(r);
        out.push({
          object,
          path: ['spec', 'groups', gi, 'rules', ri],
          alert: asString(rule.alert),
          record: asString(rule.record),
          expr: asString(rule.expr) ?? '',
          for: asString(rule.for),
          labels: stringMap(rule.labels),
        });
      });
    });
  }
  return out;
}

const NO_RULES: readonly PromRule[] = Object.freeze([]);

/** Does the expression read this metric (or its _bucket/_sum/_count series)? */
export function mentionsMetric(expr: string, metric: string): boolean {
  // Every match contains the name: most expressions are ruled out without building a pattern.
  if (!expr.includes(metric)) return false;
  const escaped = metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w:])${escaped}(_bucket|_sum|_count|_total)?(?![\\w:])`).test(expr);
}

/** The number an alert compares against: the last `> N` / `>= N` in the expression. */
export function thresholdOf(expr: string): number | undefined {
  const matches = [...expr.matchAll(/>=?\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)/g)];
  const last = matches[matches.length - 1];
  return last ? Number(last[1]) : undefined;
}

/** The quantile of histogram_quantile(q, …), if any. */
export function quantileOf(expr: string): number | undefined {
  const m = /histogram_quantile\s*\(\s*(0?\.\d+|1(?:\.0+)?)/.exec(expr);
  return m ? Number(m[1]) : undefined;
}

/** Converts a threshold on a latency metric to milliseconds, by the metric's unit suffix. */
export function toMilliseconds(value: number, metric: string): number {
  if (/(_us|_microseconds)(_bucket)?$/.test(metric)) return value / 1000;
  if (/(_ms|_milliseconds)(_bucket)?$/.test(metric)) return value;
  return value * 1000; // Prometheus convention: seconds
}

/**
 * Latency histograms a service may alert on: the manifest's, mlready's default, then those its
 * runtimes export (vLLM, TGI, Triton, TorchServe, KServe, …), the service's own runtime first.
 */
export function latencyMetrics(service: ModelService): readonly string[] {
  let metrics = latencyByService.get(service);
  if (!metrics) {
    const declared = service.manifest?.manifest.spec.monitoring?.metrics?.latency;
    const own = runtimesOf(service).flatMap((r) => r.metrics.latency);
    metrics = Object.freeze([
      ...new Set([
        ...(declared ? [declared] : []),
        ...own,
        DEFAULT_METRICS.latency,
        ...ALL_LATENCY,
        'request_latency_seconds',
      ]),
    ]);
    latencyByService.set(service, metrics);
  }
  return metrics;
}

const ALL_LATENCY = Object.values(RUNTIMES).flatMap((r) => r.metrics.latency);
const latencyByService = new WeakMap<ModelService, readonly string[]>();

/** Time-to-first-token histograms of the service's LLM runtimes. */
export function ttftMetrics(service: ModelService): string[] {
  return [...new Set(runtimesOf(service).flatMap((r) => r.metrics.ttft))];
}

/** Counters that show failed requests, of the service's runtimes and the manifest. */
export function errorMetrics(service: ModelService): string[] {
  const declared = service.manifest?.manifest.spec.monitoring?.metrics?.errors;
  return [
    ...new Set([...(declared ? [declared] : []), ...runtimesOf(service).flatMap((r) => r.metrics.errors)]),
  ];
}

export function metricName(service: ModelService, kind: keyof typeof DEFAULT_METRICS): string {
  return service.manifest?.manifest.spec.monitoring?.metrics?.[kind] ?? DEFAULT_METRICS[kind];
}
