import {
  rolloutStatus,
  type PodObservation,
  type RolloutObservation,
  type RolloutVerdict,
} from './rollout-status.js';

export interface WatchClock {
  now: () => number;
  /** Resolves after `ms`, or as soon as `signal` aborts (then its timer is gone: nothing lingers). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WatchOptions {
  /** Reads the cluster's current state of the rollout (Deployment, new pods, events). */
  observe: () => Promise<Omit<RolloutObservation, 'now'>>;
  clock: WatchClock;
  /** Give up after this long even if the Deployment's own deadline is later (ms). */
  timeoutMs: number;
  /** How often to look again when no watch event arrives (ms). */
  pollMs?: number;
  signal?: AbortSignal | undefined;
  /** Every change of verdict, for the live timeline. */
  onChange?: ((verdict: RolloutVerdict, elapsedMs: number) => void) | undefined;
  /** Every observation, with the time it was judged at (pod timings are measured from these). */
  onObservation?: ((observation: RolloutObservation) => void) | undefined;
}

export interface WatchResult {
  verdict: RolloutVerdict;
  /** Milliseconds from the start of the watch to the verdict: the detection time of a failure. */
  elapsedMs: number;
  /** Verdicts in the order they changed. */
  timeline: { atMs: number; verdict: RolloutVerdict }[];
}

const pullFailing = (pod: PodObservation) =>
  pod.containers.some((c) => /^(ErrImagePull|ImagePullBackOff)$/.test(c.waiting?.reason ?? ''));

/**
 * Watches a rollout until it completes, fails (fast, on pods that will not heal), times out, or
 * is interrupted. The cluster is read through `observe`, so tests drive it with scripted states
 * and a fake clock, and nothing waits. It remembers what a single observation cannot show: when
 * a pod of the Deployment was last seen terminating, and since when each pod's image pull fails.
 */
export async function watchRollout(options: WatchOptions): Promise<WatchResult> {
  const start = options.clock.now();
  const timeline: WatchResult['timeline'] = [];
  let lastTerminatingAt: number | undefined;
  const pullFailingSince = new Map<string, number>();
  for (;;) {
    const observed = await options.observe();
    const now = options.clock.now();
    if ((observed.terminatingPods ?? 0) > 0) lastTerminatingAt = now;
    const pods = observed.pods.map((pod) => {
      if (!pullFailing(pod)) {
        pullFailingSince.delete(pod.name);
        return pod;
      }
      if (!pullFailingSince.has(pod.name)) pullFailingSince.set(pod.name, pod.pullFailingSince ?? now);
      return { ...pod, pullFailingSince: pullFailingSince.get(pod.name) };
    });
    const observation: RolloutObservation = {
      ...observed,
      pods,
      now,
      lastTerminatingAt: observed.lastTerminatingAt ?? lastTerminatingAt,
    };
    options.onObservation?.(observation);
    const verdict = rolloutStatus(observation);
    const last = timeline[timeline.length - 1]?.verdict;
    if (!last || last.reason !== verdict.reason || last.message !== verdict.message) {
      timeline.push({ atMs: now - start, verdict });
      options.onChange?.(verdict, now - start);
    }
    if (verdict.state !== 'progressing') return { verdict, elapsedMs: now - start, timeline };
    if (options.signal?.aborted) {
      const interrupted: RolloutVerdict = {
        state: 'progressing',
        reason: 'Interrupted',
        message: `stopped watching: ${verdict.message}`,
      };
      return { verdict: interrupted, elapsedMs: now - start, timeline };
    }
    if (now - start >= options.timeoutMs) {
      const timedOut: RolloutVerdict = {
        state: 'failed',
        reason: 'Timeout',
        message: `gave up after ${Math.round((now - start) / 1000)} s: ${verdict.message}`,
      };
      timeline.push({ atMs: now - start, verdict: timedOut });
      return { verdict: timedOut, elapsedMs: now - start, timeline };
    }
    await options.clock.sleep(Math.min(options.pollMs ?? 1000, Math.max(1, start + options.timeoutMs - now)));
  }
}
