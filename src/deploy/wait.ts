import type { ClusterClient } from '../k8s/types.js';
import { observeRollout, type ObservedRollout } from './observe.js';
import type { RolloutVerdict } from './rollout-status.js';
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
  onChange?: (verdict: RolloutVerdict, elapsedMs: number) => void;
}

/**
 * Waits for a Deployment's rollout to finish or fail, re-judging on every watch event of the
 * Deployment or its pods (and at least every `pollMs`), so a CrashLoopBackOff is seen within
 * moments of the kubelet reporting it.
 */
export async function waitForRollout(
  options: WaitOptions,
): Promise<WatchResult & { last: ObservedRollout | undefined }> {
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
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
      observe: async () =>
        (last = await observeRollout(
          options.cluster,
          options.namespace,
          options.name,
          options.startupBudgetSeconds,
        )),
      clock: {
        now: options.clock.now,
        sleep: (ms) =>
          Promise.race([
            options.clock.sleep(ms),
            new Promise<void>((resolve) => {
              wake = resolve;
            }),
          ]).finally(() => {
            wake = undefined;
          }),
      },
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs ?? 2000,
      signal: options.signal,
      onChange: options.onChange,
    });
    return { ...result, last };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const h of handles) h.stop();
  }
}
