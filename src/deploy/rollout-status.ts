/**
 * Whether a Deployment rollout is done, still going, or has failed — from what the API server
 * reports, as `kubectl rollout status` decides it (kubectl/pkg/polymorphichelpers/rollout_status.go),
 * plus fail-fast checks on the new ReplicaSet's pods so a rollout that cannot succeed is called
 * failed in seconds instead of at the progress deadline. Pure: the caller observes, this judges.
 */

export interface DeploymentObservation {
  name: string;
  generation: number;
  observedGeneration: number;
  /** spec.replicas */
  replicas: number;
  /** status.replicas, old and new pods together */
  statusReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  paused?: boolean;
}

export interface ContainerObservation {
  name: string;
  restartCount: number;
  waiting?: { reason: string; message?: string };
  lastTerminated?: { reason: string; exitCode?: number };
}

export interface PodObservation {
  name: string;
  phase: string;
  /** When the pod was created (ms since epoch). */
  createdAt: number;
  ready: boolean;
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  containers: ContainerObservation[];
}

export interface EventObservation {
  /** Name of the object the event is about (a pod). */
  object: string;
  reason: string;
  message: string;
}

export interface RolloutObservation {
  deployment: DeploymentObservation;
  /** Pods of the new ReplicaSet. */
  pods: PodObservation[];
  events: EventObservation[];
  now: number;
  /** Seconds a new pod may take to become ready (startup probe budget, or expected model load). */
  startupBudgetSeconds: number;
  /** Restarts before CrashLoopBackOff counts as a failure (default 2). */
  crashLoopRestarts?: number;
}

export type RolloutState = 'progressing' | 'complete' | 'failed';

export interface RolloutVerdict {
  state: RolloutState;
  /** A stable reason code: Complete, ProgressDeadlineExceeded, CrashLoopBackOff, ImagePullBackOff, … */
  reason: string;
  message: string;
  /** The pod that shows the failure, for its logs. */
  pod?: string;
}

const IMAGE_FAILURES = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export function rolloutStatus(observation: RolloutObservation): RolloutVerdict {
  const d = observation.deployment;
  const progressing = d.conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: `deployment "${d.name}" exceeded its progress deadline`,
    };
  }
  const podFailure = failFast(observation);
  if (podFailure) return podFailure;
  if (d.generation > d.observedGeneration) {
    return {
      state: 'progressing',
      reason: 'SpecNotObserved',
      message: `waiting for deployment "${d.name}" spec update to be observed`,
    };
  }
  if (d.paused)
    return { state: 'progressing', reason: 'Paused', message: `deployment "${d.name}" is paused` };
  if (d.updatedReplicas < d.replicas) {
    return {
      state: 'progressing',
      reason: 'UpdatingReplicas',
      message: `waiting for deployment "${d.name}" rollout to finish: ${d.updatedReplicas} out of ${d.replicas} new replicas have been updated`,
    };
  }
  if (d.statusReplicas > d.updatedReplicas) {
    const old = d.statusReplicas - d.updatedReplicas;
    const replicasAre = old === 1 ? ' is' : 's are';
    return {
      state: 'progressing',
      reason: 'OldReplicasPending',
      message: `waiting for deployment "${d.name}" rollout to finish: ${old} old replica${replicasAre} pending termination`,
    };
  }
  if (d.availableReplicas < d.updatedReplicas) {
    return {
      state: 'progressing',
      reason: 'WaitingForAvailability',
      message: `waiting for deployment "${d.name}" rollout to finish: ${d.availableReplicas} of ${d.updatedReplicas} updated replicas are available`,
    };
  }
  return { state: 'complete', reason: 'Complete', message: `deployment "${d.name}" successfully rolled out` };
}

/** A new pod in a state that will not heal by waiting. */
function failFast(observation: RolloutObservation): RolloutVerdict | undefined {
  const restarts = observation.crashLoopRestarts ?? 2;
  for (const pod of observation.pods) {
    for (const c of pod.containers) {
      const waiting = c.waiting?.reason;
      const detail = c.waiting?.message ? `: ${c.waiting.message}` : '';
      if (waiting && IMAGE_FAILURES.has(waiting)) {
        return {
          state: 'failed',
          reason: 'ImagePullBackOff',
          pod: pod.name,
          message: `pod ${pod.name}: container "${c.name}" cannot pull its image (${waiting}${detail})`,
        };
      }
      if (waiting && CONFIG_FAILURES.has(waiting)) {
        return {
          state: 'failed',
          reason: waiting,
          pod: pod.name,
          message: `pod ${pod.name}: container "${c.name}" cannot start (${waiting}${detail})`,
        };
      }
      if (c.lastTerminated?.reason === 'OOMKilled' && c.restartCount >= 1) {
        const restartsText = `${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}`;
        return {
          state: 'failed',
          reason: 'OOMKilled',
          pod: pod.name,
          message: `pod ${pod.name}: container "${c.name}" was killed for exceeding its memory limit (OOMKilled, ${restartsText})`,
        };
      }
      if (waiting === 'CrashLoopBackOff' && c.restartCount >= restarts) {
        const exitCode =
          c.lastTerminated?.exitCode !== undefined ? `, code ${c.lastTerminated.exitCode}` : '';
        const last = c.lastTerminated ? ` (last exit: ${c.lastTerminated.reason}${exitCode})` : '';
        return {
          state: 'failed',
          reason: 'CrashLoopBackOff',
          pod: pod.name,
          message: `pod ${pod.name}: container "${c.name}" is crash-looping after ${c.restartCount} restarts${last}`,
        };
      }
    }
    const scheduled = pod.conditions.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      const scalingUp = observation.events.some(
        (e) => e.object === pod.name && e.reason === 'TriggeredScaleUp',
      );
      if (!scalingUp) {
        const gpu = /Insufficient [\w.-]+\/gpu/.test(scheduled.message ?? '');
        const detail = scheduled.message ? `: ${scheduled.message}` : '';
        const gpuNote = gpu ? ' (no node has a free GPU, and no cluster autoscaler is scaling up)' : '';
        return {
          state: 'failed',
          reason: gpu ? 'InsufficientGPU' : 'Unschedulable',
          pod: pod.name,
          message: `pod ${pod.name} cannot be scheduled${detail}${gpuNote}`,
        };
      }
    }
    const ageSeconds = (observation.now - pod.createdAt) / 1000;
    if (pod.phase === 'Running' && !pod.ready && ageSeconds > observation.startupBudgetSeconds) {
      const age = Math.round(ageSeconds);
      const budget = observation.startupBudgetSeconds;
      return {
        state: 'failed',
        reason: 'ReadinessTimeout',
        pod: pod.name,
        message: `pod ${pod.name} has not become ready in ${age} s, beyond its ${budget} s startup budget`,
      };
    }
  }
  return undefined;
}
