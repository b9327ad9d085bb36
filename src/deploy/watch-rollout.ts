import { rolloutStatus, type RolloutObservation, type RolloutVerdict } from './rollout-status.js';

export interface WatchClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface WatchOptions {
  /** Reads the cluster's current state of the rollout (Deployment, new pods, events). */
  observe: () => Promise<Omit<RolloutObservation, 'now'>>;
  clock: WatchClock;
  /** Give up after this long even if the Deployment's own deadline is later (ms). */
  timeoutMs: number;
  /** How often to look again when no watch event arrives (ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Every change of verdict, for the live timeline. */
  onChange?: (verdict: RolloutVerdict, elapsedMs: number) => void;
}

export interface WatchResult {
  verdict: RolloutVerdict;
  /** Milliseconds from the start of the watch to the verdict: the detection time of a failure. */
  elapsedMs: number;
  /** Verdicts in the order they changed. */
  timeline: { atMs: number; verdict: RolloutVerdict }[];
}

/**
 * Watches a rollout until it completes, fails (fast, on pods that will not heal), times out, or
 * is interrupted. The cluster is read through `observe`, so tests drive it with scripted states
 * and a fake clock, and nothing waits.
 */
export async function watchRollout(options: WatchOptions): Promise<WatchResult> {
  const start = options.clock.now();
  const timeline: WatchResult['timeline'] = [];
  for (;;) {
    const now = options.clock.now();
    const verdict = rolloutStatus({ ...(await options.observe()), now });
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
    await options.clock.sleep(options.pollMs ?? 1000);
  }
}
