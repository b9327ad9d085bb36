import { asRecord, isRecord } from '../../check/objects.js';
import type { ModelService } from '../../check/services.js';
import type { ContainerRef, Workload } from '../../workloads/model.js';
import { formatDuration } from './probes.js';
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
  return describeRollback(rollbackTiming(service, workload, serving, evidence, now));
}

/**
 * The numbers of estimateRollbackTime, without its texts. A rule asks for every workload of every
 * service and reports only the few over budget: the arithmetic is written for those alone.
 */
export interface RollbackTiming {
  readonly seconds: number;
  readonly budgetSeconds: number;
  readonly budgetText: string;
  readonly replicas: number;
  readonly perWave: number;
  readonly waves: number;
  /** serving.imagePullSeconds, when declared. */
  readonly declaredPull: number | undefined;
  readonly pullSeconds: number;
  readonly loadSeconds: number;
  readonly readySeconds: number;
  readonly minReadySeconds: number;
  readonly warm: boolean;
  readonly load: LoadTime;
}

export function rollbackTiming(
  service: ModelService,
  workload: Workload,
  serving: ContainerRef | undefined,
  evidence: EstimateEvidence = { deploys: [], maxAgeDays: 30 },
  now: Date = new Date(),
): RollbackTiming {
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
  const readySeconds = serving && load.confidence !== 'measured' ? readinessSeconds(serving) : 0;
  const minReady = asRecord(workload.object.raw.spec).minReadySeconds;
  const minReadySeconds = typeof minReady === 'number' ? minReady : 0;
  const perWaveSeconds = pullSeconds + loadSeconds + readySeconds + minReadySeconds;
  return {
    seconds: warm ? 0 : waves * perWaveSeconds,
    budgetSeconds: budget.seconds,
    budgetText: budget.text,
    replicas,
    perWave,
    waves,
    declaredPull,
    pullSeconds,
    loadSeconds,
    readySeconds,
    minReadySeconds,
    warm,
    load,
  };
}

/**
 * Readiness of one pod: initialDelaySeconds + periodSeconds × successThreshold of the readiness
 * probe (probeOf's defaults), 0 without one. Read in place: probeOf's whole Probe is not needed.
 */
function readinessSeconds(serving: ContainerRef): number {
  const raw = serving.container.readinessProbe;
  if (!isRecord(raw)) return 0;
  return finite(raw.initialDelaySeconds, 0) + finite(raw.periodSeconds, 10) * finite(raw.successThreshold, 1);
}

function finite(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The estimate with its texts: "4 waves × (60 s pull + 300 s load + 10 s ready) = 24m40s". */
export function describeRollback(timing: RollbackTiming): RollbackEstimate {
  const { seconds, declaredPull, pullSeconds, loadSeconds, readySeconds, minReadySeconds, waves } = timing;
  const pull = declaredPull !== undefined ? `${pullSeconds} s pull` : '0 s pull (previous image cached)';
  const terms = [pull, `${loadSeconds} s load`, `${readySeconds} s ready`];
  if (minReadySeconds > 0) terms.push(`${minReadySeconds} s minReady`);
  const arithmetic = timing.warm
    ? 'previous pods still warm (blue-green scale-down delay): rollback is a traffic switch = 0s'
    : `${waves} wave${waves === 1 ? '' : 's'} × (${terms.join(' + ')}) = ${formatDuration(seconds)}`;
  return {
    seconds,
    budgetSeconds: timing.budgetSeconds,
    budgetText: timing.budgetText,
    replicas: timing.replicas,
    perWave: timing.perWave,
    waves,
    pullSeconds,
    loadSeconds,
    readySeconds,
    minReadySeconds,
    warm: timing.warm,
    arithmetic,
    load: timing.load,
  };
}

function surgePlusUnavailable(maxSurge: unknown, maxUnavailable: unknown, replicas: number): number {
  const surge = resolveIntOrPercent(maxSurge, replicas, '25%', true);
  let unavailable = resolveIntOrPercent(maxUnavailable, replicas, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1; // what the Deployment controller does
  return Math.max(1, surge + unavailable);
}
