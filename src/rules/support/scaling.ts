import { asRecord, asString, getPath, show, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { Workload } from '../../workloads/model.js';

/** Kinds that scale a workload through spec.scaleTargetRef. */
export const AUTOSCALER_KINDS = ['HorizontalPodAutoscaler', 'ScaledObject', 'PodAutoscaler'] as const;

/** HPAs, KEDA ScaledObjects and AIBrix PodAutoscalers of the service that target this workload. */
export function autoscalersOf(service: ModelService, workload: Workload): K8sObject[] {
  return service.ofKind(...AUTOSCALER_KINDS).filter((scaler) => {
    const target = asRecord(getPath(scaler.raw, ['spec', 'scaleTargetRef']));
    const kind = asString(target.kind) ?? 'Deployment';
    return asString(target.name) === workload.object.name && kind === workload.object.kind;
  });
}

/** The minimum an autoscaler keeps (HPA minReplicas, KEDA minReplicaCount). */
export function autoscalerMin(scaler: K8sObject): { value: number | undefined; path: (string | number)[] } {
  const key = scaler.type === 'ScaledObject' ? 'minReplicaCount' : 'minReplicas';
  const value = getPath(scaler.raw, ['spec', key]);
  return { value: typeof value === 'number' ? value : undefined, path: ['spec', key] };
}

/**
 * The replica count a rollout works with: the workload's own count, else the autoscaler's minimum,
 * else the manifest's, else 1.
 */
export function replicasOf(service: ModelService, workload: Workload): number {
  if (!workload.replicas.defaulted && workload.replicas.count !== undefined) return workload.replicas.count;
  for (const scaler of autoscalersOf(service, workload)) {
    const min = autoscalerMin(scaler).value;
    if (min !== undefined && min > 0) return min;
  }
  if (workload.autoscaling?.min !== undefined) return Math.max(workload.autoscaling.min, 1);
  return service.manifest?.manifest.spec.scaling?.minReplicas ?? workload.replicas.count ?? 1;
}

/** Resolves an int-or-percent (maxSurge, maxUnavailable) against a replica count. */
export function resolveIntOrPercent(
  value: unknown,
  replicas: number,
  fallback: string,
  roundUp: boolean,
): number {
  const raw = value ?? fallback;
  if (typeof raw === 'number') return raw;
  const match = /^(\d+)%$/.exec(show(raw));
  if (!match) return Number(raw) || 0;
  const exact = (Number(match[1]) / 100) * replicas;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Parses "5m", "90s", "1h30m", "500ms" to seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
}

export function rollbackBudgetSeconds(service: ModelService): { seconds: number; text: string } {
  const text = service.manifest?.manifest.spec.rollout?.rollbackBudget ?? '5m';
  return { seconds: parseDurationSeconds(text) ?? 300, text };
}
