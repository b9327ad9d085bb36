/**
 * support/scaling.ts's autoscalersOf, scalerTargetOf and replicasOf as they were on main (9624913),
 * before issue 18's seventh round searched the autoscaler list in place: the oracle of
 * test/r7-rules-a-reference.test.ts.
 */
import { asRecord, asString, getPath, type K8sObject } from '../../../src/check/objects.js';
import type { ModelService } from '../../../src/check/services.js';
import type { Workload } from '../../../src/workloads/model.js';

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
