import type { ClusterClient } from '../k8s/types.js';
import { observeRollout, type ObservedRollout } from './observe.js';
import type { GraceSeconds, RolloutObservation, RolloutVerdict } from './rollout-status.js';
import { watchRollout, type WatchClock, type WatchResult } from './watch-rollout.js';

export interface WaitOptions {
  cluster: ClusterClient;
  namespace: string;
  name: string;
  clock: WatchClock;
  timeoutMs: number;
  startupBudgetSeconds: number;
  signal?: AbortSignal | undefined;
  pollMs?: number;
  grace?: Partial<GraceSeconds> | undefined;
  onChange?: ((verdict: RolloutVerdict, elapsedMs: number) => void) | undefined;
  onObservation?: ((observation: RolloutObservation) => void) | undefined;
}

/**
 * Waits for a Deployment's rollout to finish or fail, re-judging on every watch event of the
 * Deployment or its pods (and at least every `pollMs`), so a CrashLoopBackOff is seen within
 * moments of the kubelet reporting it. Every timer and watch it starts is gone when it returns.
 */
export async function waitForRollout(
  options: WaitOptions,
): Promise<WatchResult & { last: ObservedRollout | undefined }> {
  let wake: (() => void) | undefined;
  // An event that arrives while the cluster is being read must still cut the next nap short.
  let pending = false;
  const poke = () => {
    if (wake) wake();
    else pending = true;
  };
  const handles = [
    options.cluster.watch(
      'apps/v1',
      'Deployment',
      options.namespace,
      { fieldSelector: `metadata.name=${options.name}` },
      poke,
    ),
    options.cluster.watch('v1', 'Pod', options.namespace, {}, poke),
  ];
  const onAbort = () => poke();
  options.signal?.addEventListener('abort', onAbort);
  let last: ObservedRollout | undefined;
  try {
    const result = await watchRollout({
      observe: async () => {
        pending = false;
        last = await observeRollout(
          options.cluster,
          options.namespace,
          options.name,
          options.startupBudgetSeconds,
        );
        return { ...last, grace: options.grace };
      },
      clock: {
        now: options.clock.now,
        sleep: async (ms) => {
          // A watch event ends the nap early; its timer is cancelled so it cannot keep the process alive.
          if (pending) {
            pending = false;
            return;
          }
          const nap = new AbortController();
          wake = () => nap.abort();
          try {
            await options.clock.sleep(ms, nap.signal);
          } finally {
            wake = undefined;
          }
        },
      },
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs ?? 2000,
      signal: options.signal,
      onChange: options.onChange,
      onObservation: options.onObservation,
    });
    return { ...result, last };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const h of handles) h.stop();
  }
}
