import { asRecord, asString, getPath, isRecord, show, type K8sObject } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { Workload } from '../../workloads/model.js';

/** Kinds that scale a workload through spec.scaleTargetRef. */
export const AUTOSCALER_KINDS = ['HorizontalPodAutoscaler', 'ScaledObject', 'PodAutoscaler'] as const;

/** HPAs, KEDA ScaledObjects and AIBrix PodAutoscalers of the service that target this workload. */
export function autoscalersOf(service: ModelService, workload: Workload): readonly K8sObject[] {
  // A service holds one autoscaler or none (a few at most): its list is searched in place, where a
  // per-service index of Maps by target kind and name cost two Maps and a WeakMap entry per service
  // (0.7 MB a run on 2 000 services, issue 18). When every autoscaler targets the workload (the
  // common case) the service's own list is the answer; a list is built only for a subset.
  const scalers = autoscalersIn(service);
  const kind = workload.object.kind;
  const name = workload.object.name;
  // Many autoscalers in one service (hostile or generated input) would make the search per workload
  // quadratic: past a few, they are indexed by target once per service.
  if (scalers.length > SEARCHED_IN_PLACE)
    return indexedTargets(service, scalers).get(kind)?.get(name) ?? NONE;
  let matched = 0;
  for (let i = 0; i < scalers.length; i++) if (targets(scalers[i]!, kind, name)) matched++;
  if (matched === 0) return NONE;
  if (matched === scalers.length) return scalers;
  const subset: K8sObject[] = [];
  for (let i = 0; i < scalers.length; i++) if (targets(scalers[i]!, kind, name)) subset.push(scalers[i]!);
  return subset;
}

/**
 * service.ofKind(...AUTOSCALER_KINDS) with the kinds written out: a spread call goes through a
 * generic builtin in the baseline tier, where several rules ask this of every workload of a run's
 * first runs (issue 18).
 */
export function autoscalersIn(service: ModelService): readonly K8sObject[] {
  return service.ofKind('HorizontalPodAutoscaler', 'ScaledObject', 'PodAutoscaler');
}

const NONE: readonly K8sObject[] = Object.freeze([]);
const SCALE_TARGET_REF = ['spec', 'scaleTargetRef'];

/** Up to this many autoscalers a service's list is searched in place for each workload. */
const SEARCHED_IN_PLACE = 8;

/** A service's autoscalers by their target's kind, then name, in their order (as `targets` reads them). */
function indexedTargets(
  service: ModelService,
  scalers: readonly K8sObject[],
): Map<string, Map<string, K8sObject[]>> {
  let byKind = targetsByService.get(service);
  if (!byKind) {
    byKind = new Map<string, Map<string, K8sObject[]>>();
    for (let i = 0; i < scalers.length; i++) {
      const target = getPath(scalers[i]!.raw, SCALE_TARGET_REF);
      if (!isRecord(target)) continue;
      const name = asString(target.name);
      if (name === undefined) continue;
      const kind = asString(target.kind) ?? 'Deployment';
      let byName = byKind.get(kind);
      if (!byName) byKind.set(kind, (byName = new Map<string, K8sObject[]>()));
      const list = byName.get(name);
      if (list) list.push(scalers[i]!);
      else byName.set(name, [scalers[i]!]);
    }
    targetsByService.set(service, byKind);
  }
  return byKind;
}

const targetsByService = new WeakMap<ModelService, Map<string, Map<string, K8sObject[]>>>();

/** Whether the autoscaler's scaleTargetRef names this kind (Deployment when unset) and name. */
function targets(scaler: K8sObject, kind: string, name: string): boolean {
  const target = getPath(scaler.raw, SCALE_TARGET_REF);
  if (!isRecord(target)) return false;
  // asString, as scalerTargetOf reads it: a numeric name or kind is its text.
  const targetName = asString(target.name);
  return targetName !== undefined && targetName === name && (asString(target.kind) ?? 'Deployment') === kind;
}

/**
 * The workload an autoscaler scales: the first of the service's workloads (in their order) whose
 * kind and name its scaleTargetRef names (autoscalersOf ties them by exactly that).
 */
export function scalerTargetOf(service: ModelService, scaler: K8sObject): Workload | undefined {
  const target = asRecord(getPath(scaler.raw, SCALE_TARGET_REF));
  const name = asString(target.name);
  if (name === undefined) return undefined;
  const kind = asString(target.kind) ?? 'Deployment';
  const workloads = service.workloads;
  for (let i = 0; i < workloads.length; i++) {
    const object = workloads[i]!.object;
    if (object.kind === kind && object.name === name) return workloads[i];
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
  const scalers = autoscalersOf(service, workload);
  for (let i = 0; i < scalers.length; i++) {
    // The minimum read in place: autoscalerMin's result object and path are for messages.
    const scaler = scalers[i]!;
    const min = getPath(
      scaler.raw,
      scaler.type === 'ScaledObject' ? SPEC_MIN_REPLICA_COUNT : SPEC_MIN_REPLICAS,
    );
    if (typeof min === 'number' && min > 0) return min;
  }
  if (workload.autoscaling?.min !== undefined) return Math.max(workload.autoscaling.min, 1);
  return service.manifest?.manifest.spec.scaling?.minReplicas ?? workload.replicas.count ?? 1;
}

const SPEC_MIN_REPLICAS = ['spec', 'minReplicas'];
const SPEC_MIN_REPLICA_COUNT = ['spec', 'minReplicaCount'];

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
