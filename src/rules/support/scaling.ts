import { asRecord, asString, getPath, show, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { Workload } from '../../workloads/model.js';

/** Kinds that scale a workload through spec.scaleTargetRef. */
export const AUTOSCALER_KINDS = ['HorizontalPodAutoscaler', 'ScaledObject', 'PodAutoscaler'] as const;

/** HPAs, KEDA ScaledObjects and AIBrix PodAutoscalers of the service that target this workload. */
export function autoscalersOf(service: ModelService, workload: Workload): readonly K8sObject[] {
  let byTarget = targetsByService.get(service);
  if (!byTarget) targetsByService.set(service, (byTarget = indexTargets(service)));
  return byTarget.get(workload.object.kind)?.get(workload.object.name) ?? NONE;
}

/**
 * Several rules ask, for each workload, which autoscalers target it (replica-bounds once per
 * scaler and workload): the service's autoscalers are indexed by target kind and name once per
 * service (or view).
 */
const targetsByService = new WeakMap<ModelService, Map<string, Map<string, K8sObject[]>>>();
const NONE: readonly K8sObject[] = Object.freeze([]);
const SCALE_TARGET_REF = ['spec', 'scaleTargetRef'];

function indexTargets(service: ModelService): Map<string, Map<string, K8sObject[]>> {
  const byTarget = new Map<string, Map<string, K8sObject[]>>();
  for (const scaler of service.ofKind(...AUTOSCALER_KINDS)) {
    const target = asRecord(getPath(scaler.raw, SCALE_TARGET_REF));
    const name = asString(target.name);
    if (name === undefined) continue;
    const kind = asString(target.kind) ?? 'Deployment';
    let byName = byTarget.get(kind);
    if (!byName) byTarget.set(kind, (byName = new Map<string, K8sObject[]>()));
    const list = byName.get(name);
    if (list) list.push(scaler);
    else byName.set(name, [scaler]);
  }
  return byTarget;
}

/**
 * The workload an autoscaler scales: the first of the service's workloads (in their order) that
 * autoscalersOf ties it to. autoscalersOf files a scaler under its target's kind and name only,
 * so the first workload of that kind and name is the only one to ask (one index lookup, where
 * asking every workload cost one per workload).
 */
export function scalerTargetOf(service: ModelService, scaler: K8sObject): Workload | undefined {
  const target = asRecord(getPath(scaler.raw, SCALE_TARGET_REF));
  const name = asString(target.name);
  if (name === undefined) return undefined;
  const kind = asString(target.kind) ?? 'Deployment';
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++) {
    const object = workloads[i]!.object;
    if (object.kind === kind && object.name === name)
      return autoscalersOf(service, workloads[i]!).includes(scaler) ? workloads[i] : undefined;
  }
  return undefined;
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
  // The defaults are fixed: their results are written out rather than parsed per call.
  if (raw === '25%') return roundUp ? Math.ceil(replicas / 4) : Math.floor(replicas / 4);
  const match = /^(\d+)%$/.exec(show(raw));
  if (!match) return Number(raw) || 0;
  const exact = (Number(match[1]) / 100) * replicas;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Parses "5m", "90s", "1h30m", "500ms" to seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  // The parts must cover the whole text: each match of the sticky pattern starts where the last ended.
  const part = DURATION_PART;
  part.lastIndex = 0;
  let sum = 0;
  let match: RegExpExecArray | null;
  while (part.lastIndex < text.length && (match = part.exec(text)) !== null)
    sum += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  return text.length > 0 && part.lastIndex === text.length ? sum : undefined;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function rollbackBudgetSeconds(service: ModelService): { seconds: number; text: string } {
  const text = service.manifest?.manifest.spec.rollout?.rollbackBudget;
  if (text === undefined) return DEFAULT_BUDGET;
  return { seconds: parseDurationSeconds(text) ?? 300, text };
}

const DEFAULT_BUDGET = Object.freeze({ seconds: 300, text: '5m' });
