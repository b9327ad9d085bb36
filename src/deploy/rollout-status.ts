/**
 * Whether a Deployment rollout is done, still going, or has failed — from what the API server
 * reports, as `kubectl rollout status` decides it (kubectl/pkg/polymorphichelpers/rollout_status.go),
 * plus fail-fast checks on the new ReplicaSet's pods so a rollout that cannot succeed is called
 * failed in seconds instead of at the progress deadline. A state that can still resolve itself
 * (a pod waiting for a terminating pod's GPU, a cluster autoscaler adding a node, a preemption,
 * a registry hiccup, a model still loading) gets time first: docs/deploy.md lists each rule with
 * its timing. Pure: the caller observes, this judges.
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
  waiting?: { reason: string; message?: string | undefined } | undefined;
  lastTerminated?: { reason: string; exitCode?: number | undefined } | undefined;
  /** When the running container started (ms since epoch); undefined when it is not running. */
  runningSince?: number | undefined;
}

export interface PodObservation {
  name: string;
  phase: string;
  /** When the pod was created (ms since epoch). */
  createdAt: number;
  ready: boolean;
  conditions: {
    type: string;
    status: string;
    reason?: string | undefined;
    message?: string | undefined;
    /** ms since epoch */
    since?: number | undefined;
  }[];
  containers: ContainerObservation[];
  /** The node it is bound to. */
  node?: string | undefined;
  /** Set by the scheduler while a preemption makes room for the pod on that node. */
  nominatedNode?: string | undefined;
  /** When the watch first saw an image pull of this pod fail (ms since epoch). */
  pullFailingSince?: number | undefined;
}

export interface EventObservation {
  /** Name of the object the event is about (a pod). */
  object: string;
  reason: string;
  message: string;
}

/** How long states that can resolve themselves get before they count as failures (seconds). */
export interface GraceSeconds {
  /** An unschedulable pod, once no pod of the Deployment is terminating, no scale-up or preemption runs. */
  unschedulable: number;
  /** An image pull failing for a reason that may pass (timeouts, 429, 5xx from the registry). */
  imagePull: number;
}

export const DEFAULT_GRACE: GraceSeconds = { unschedulable: 20, imagePull: 60 };

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
  /** Pods of the Deployment (old ones, mostly) being deleted but still holding their node's resources. */
  terminatingPods?: number;
  /** The last time the watch saw a terminating pod of the Deployment (ms since epoch). */
  lastTerminatingAt?: number | undefined;
  grace?: Partial<GraceSeconds>;
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
/** Waiting reasons that retrying cannot fix. */
const IMAGE_FATAL = new Set(['InvalidImageName', 'ErrImageNeverPull']);
/** Registry answers that retrying will not change: the image or tag is not there, or not for us. */
const PERMANENT_PULL_ERROR = new RegExp(
  [
    'not found',
    'manifest unknown',
    'name unknown',
    'does not exist',
    'unauthorized',
    'authentication required',
    'access denied',
    'denied:',
    'pull access denied',
    'invalid reference format',
    'no matching manifest',
    'forbidden',
  ].join('|'),
  'i',
);
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
  const grace = { ...DEFAULT_GRACE, ...observation.grace };
  for (const pod of observation.pods) {
    for (const c of pod.containers) {
      const waiting = c.waiting?.reason;
      const detail = c.waiting?.message ? `: ${c.waiting.message}` : '';
      if (waiting && IMAGE_FAILURES.has(waiting)) {
        const verdict = imagePullVerdict(observation, pod, c, grace.imagePull);
        if (verdict) return verdict;
        continue;
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
    const unschedulable = unschedulableVerdict(observation, pod, grace.unschedulable);
    if (unschedulable) return unschedulable;
    // The startup budget counts from the container's start, not the pod's creation: time spent
    // waiting for a node or pulling the image is not model-load time.
    const started = Math.max(0, ...pod.containers.map((c) => c.runningSince ?? 0));
    const since = started > 0 ? started : pod.createdAt;
    const ageSeconds = (observation.now - since) / 1000;
    if (pod.phase === 'Running' && !pod.ready && ageSeconds > observation.startupBudgetSeconds) {
      const age = Math.round(ageSeconds);
      const budget = observation.startupBudgetSeconds;
      const from = started > 0 ? 'since its container started' : 'since it was created';
      return {
        state: 'failed',
        reason: 'ReadinessTimeout',
        pod: pod.name,
        message: `pod ${pod.name} has not become ready in ${age} s ${from}, beyond its ${budget} s startup budget`,
      };
    }
  }
  return undefined;
}

/**
 * An image that cannot be pulled: at once when the registry says it is not there or not ours to
 * pull (or the name is invalid); otherwise (timeouts, rate limits, registry errors) after the
 * kubelet has kept retrying for `graceSeconds`.
 */
function imagePullVerdict(
  observation: RolloutObservation,
  pod: PodObservation,
  c: ContainerObservation,
  graceSeconds: number,
): RolloutVerdict | undefined {
  const waiting = c.waiting!.reason;
  const causes = [
    c.waiting?.message ?? '',
    ...observation.events
      .filter((e) => e.object === pod.name && e.reason === 'Failed' && /pull/i.test(e.message))
      .map((e) => e.message),
  ];
  const cause = causes.find((m) => PERMANENT_PULL_ERROR.test(m));
  const detail = cause ? `: ${cause}` : c.waiting?.message ? `: ${c.waiting.message}` : '';
  const failed = (why: string): RolloutVerdict => ({
    state: 'failed',
    reason: 'ImagePullBackOff',
    pod: pod.name,
    message: `pod ${pod.name}: container "${c.name}" cannot pull its image (${waiting}${detail})${why}`,
  });
  if (IMAGE_FATAL.has(waiting) || cause) return failed('');
  const since = pod.pullFailingSince ?? observation.now;
  if ((observation.now - since) / 1000 >= graceSeconds)
    return failed(`, still failing after ${graceSeconds} s of retries`);
  return undefined;
}

/**
 * A pod no node can take. Not a failure while the situation can change by itself: a pod of the
 * Deployment is still terminating (its GPUs come free when it is gone), a cluster autoscaler has
 * triggered a scale-up, or a preemption is under way (nominatedNodeName). After that, the
 * scheduler gets `graceSeconds` to place the pod before the rollout is called failed — unless
 * the cluster autoscaler has said it will not help.
 */
function unschedulableVerdict(
  observation: RolloutObservation,
  pod: PodObservation,
  graceSeconds: number,
): RolloutVerdict | undefined {
  const scheduled = pod.conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  const events = observation.events.filter((e) => e.object === pod.name);
  const noScaleUp = events.find((e) => e.reason === 'NotTriggerScaleUp');
  const scalingUp = events.some((e) => e.reason === 'TriggeredScaleUp');
  if (scalingUp && !noScaleUp) return undefined;
  if (pod.nominatedNode) return undefined;
  if ((observation.terminatingPods ?? 0) > 0) return undefined;
  const waitedFrom = Math.max(
    scheduled.since ?? pod.createdAt,
    pod.createdAt,
    observation.lastTerminatingAt ?? 0,
  );
  const waited = (observation.now - waitedFrom) / 1000;
  if (!noScaleUp && waited < graceSeconds) return undefined;
  const gpu = /Insufficient [\w.-]+\/gpu/.test(scheduled.message ?? '');
  const detail = scheduled.message ? `: ${scheduled.message}` : '';
  const why = noScaleUp
    ? ` (the cluster autoscaler will not add a node: ${noScaleUp.message})`
    : gpu
      ? ` (no node has a free GPU, nothing is terminating, and no cluster autoscaler is scaling up after ${Math.round(waited)} s)`
      : ` (for ${Math.round(waited)} s, with nothing terminating and no scale-up or preemption under way)`;
  return {
    state: 'failed',
    reason: gpu ? 'InsufficientGPU' : 'Unschedulable',
    pod: pod.name,
    message: `pod ${pod.name} cannot be scheduled${detail}${why}`,
  };
}
