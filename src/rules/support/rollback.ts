import { asRecord } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { ContainerRef, Workload } from '../../workloads/model.js';
import { formatDuration, probeOf } from './probes.js';
import { estimateLoadTime, type EstimateEvidence, type LoadTime } from '../../estimate/load-time.js';
import { replicasOf, resolveIntOrPercent, rollbackBudgetSeconds } from './scaling.js';

export interface RollbackEstimate {
  seconds: number;
  budgetSeconds: number;
  budgetText: string;
  replicas: number;
  /** Pods replaced per wave: maxSurge + maxUnavailable, at least 1. */
  perWave: number;
  waves: number;
  pullSeconds: number;
  loadSeconds: number;
  readySeconds: number;
  minReadySeconds: number;
  /**
   * The previous pods are still running (blue-green with a long scale-down delay): rollback is a
   * traffic switch.
   */
  warm: boolean;
  /** "4 waves × (60 s pull + 300 s load + 10 s ready) = 24m40s" */
  arithmetic: string;
  /** The load time used, with its provenance. */
  load: LoadTime;
}

/**
 * Time to roll a workload back to its previous revision:
 *
 *   waves    = ceil(replicas / max(1, maxSurge + maxUnavailable))
 *              (StatefulSet: 1 pod a wave; Recreate, blue-green: 1 wave)
 *   per wave = image pull + model load + readiness (initialDelay + period × successThreshold)
 *              + minReadySeconds
 *   total    = waves × per wave, or 0 when the previous pods are still warm (Argo blue-green whose
 *              scaleDownDelaySeconds outlasts the budget: rollback only switches traffic back)
 *
 * The load time is estimateLoadTime's (measured, declared, from the model's size, or the runtime
 * default), so this estimate never contradicts startup-budget. The pull is serving.imagePullSeconds
 * when declared, else 0: a rollback returns to the image the nodes ran minutes ago, and the kubelet
 * only garbage-collects unused images under disk pressure (imageGCHighThresholdPercent, 85 %).
 * A measured load already includes readiness, so readiness is not added again.
 */
export function estimateRollbackTime(
  service: ModelService,
  workload: Workload,
  serving: ContainerRef | undefined,
  evidence: EstimateEvidence = { deploys: [], maxAgeDays: 30 },
  now: Date = new Date(),
): RollbackEstimate {
  const replicas = Math.max(1, replicasOf(service, workload));
  const budget = rollbackBudgetSeconds(service);
  let perWave: number;
  let warm = false;
  const strategy = workload.strategy;
  switch (strategy?.type) {
    case 'ordered':
      perWave = Math.max(1, resolveIntOrPercent(strategy.maxUnavailable, replicas, '1', false));
      break;
    case 'blue-green':
      perWave = replicas;
      warm = (strategy.scaleDownDelaySeconds ?? 0) >= budget.seconds;
      break;
    case 'recreate':
      perWave = replicas;
      break;
    case 'rolling':
      perWave = surgePlusUnavailable(strategy.maxSurge, strategy.maxUnavailable, replicas);
      break;
    default:
      perWave = surgePlusUnavailable(undefined, undefined, replicas);
  }
  const waves = Math.ceil(replicas / perWave);
  const declaredPull = service.manifest?.manifest.spec.serving.imagePullSeconds;
  const pullSeconds = declaredPull ?? 0;
  const load = estimateLoadTime({ service, evidence, now }, serving);
  const loadSeconds = Math.round(load.seconds + load.beforeStartSeconds);
  const readiness = serving ? probeOf(serving, 'readinessProbe') : undefined;
  const readySeconds =
    readiness && load.confidence !== 'measured'
      ? readiness.initialDelaySeconds + readiness.periodSeconds * readiness.successThreshold
      : 0;
  const minReady = asRecord(workload.object.raw.spec).minReadySeconds;
  const minReadySeconds = typeof minReady === 'number' ? minReady : 0;
  const perWaveSeconds = pullSeconds + loadSeconds + readySeconds + minReadySeconds;
  const seconds = warm ? 0 : waves * perWaveSeconds;
  const pull = declaredPull !== undefined ? `${pullSeconds} s pull` : '0 s pull (previous image cached)';
  const terms = [pull, `${loadSeconds} s load`, `${readySeconds} s ready`];
  if (minReadySeconds > 0) terms.push(`${minReadySeconds} s minReady`);
  const arithmetic = warm
    ? 'previous pods still warm (blue-green scale-down delay): rollback is a traffic switch = 0s'
    : `${waves} wave${waves === 1 ? '' : 's'} × (${terms.join(' + ')}) = ${formatDuration(seconds)}`;
  return {
    seconds,
    budgetSeconds: budget.seconds,
    budgetText: budget.text,
    replicas,
    perWave,
    waves,
    pullSeconds,
    loadSeconds,
    readySeconds,
    minReadySeconds,
    warm,
    arithmetic,
    load,
  };
}

function surgePlusUnavailable(maxSurge: unknown, maxUnavailable: unknown, replicas: number): number {
  const surge = resolveIntOrPercent(maxSurge, replicas, '25%', true);
  let unavailable = resolveIntOrPercent(maxUnavailable, replicas, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1; // what the Deployment controller does
  return Math.max(1, surge + unavailable);
}
