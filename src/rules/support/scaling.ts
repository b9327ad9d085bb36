import { asRecord, asString, getPath, show, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';

/** HPAs and KEDA ScaledObjects of the service that target this workload. */
export function autoscalersOf(service: ModelService, workload: K8sObject): K8sObject[] {
  return service.ofKind('HorizontalPodAutoscaler', 'ScaledObject').filter((scaler) => {
    const target = asRecord(getPath(scaler.raw, ['spec', 'scaleTargetRef']));
    const kind = asString(target.kind) ?? 'Deployment';
    return asString(target.name) === workload.name && kind === workload.kind;
  });
}

/**
 * The replica count a rollout works with: spec.replicas, else the autoscaler's minimum, else the
 * manifest's, else 1.
 */
export function replicasOf(service: ModelService, workload: K8sObject): number {
  const declared = getPath(workload.raw, ['spec', 'replicas']);
  if (typeof declared === 'number') return declared;
  for (const scaler of autoscalersOf(service, workload)) {
    const min = getPath(scaler.raw, [
      'spec',
      scaler.kind === 'ScaledObject' ? 'minReplicaCount' : 'minReplicas',
    ]);
    if (typeof min === 'number' && min > 0) return min;
  }
  if (workload.kind === 'InferenceService') {
    const min = getPath(workload.raw, ['spec', 'predictor', 'minReplicas']);
    if (typeof min === 'number') return Math.max(min, 1);
  }
  return service.manifest?.manifest.spec.scaling?.minReplicas ?? 1;
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
