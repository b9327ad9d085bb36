import { describe, expect, it } from 'vitest';
import type {
  DeploymentObservation,
  PodObservation,
  RolloutObservation,
} from '../src/deploy/rollout-status.js';
import { watchRollout, type WatchClock } from '../src/deploy/watch-rollout.js';

function fakeClock(): WatchClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

const deployment = (o: Partial<DeploymentObservation>): DeploymentObservation => ({
  name: 'llm',
  generation: 2,
  observedGeneration: 2,
  replicas: 2,
  statusReplicas: 2,
  updatedReplicas: 2,
  availableReplicas: 2,
  conditions: [],
  ...o,
});
const pod = (o: Partial<PodObservation>): PodObservation => ({
  name: 'llm-new-1',
  phase: 'Running',
  createdAt: 0,
  ready: false,
  conditions: [],
  containers: [{ name: 'server', restartCount: 0 }],
  ...o,
});

/** The cluster as a script: the state at each poll, the last one repeating. */
function scripted(states: Omit<RolloutObservation, 'now'>[]) {
  let i = 0;
  return () => Promise.resolve(states[Math.min(i++, states.length - 1)]!);
}

describe('watchRollout (fake clock, scripted cluster)', () => {
  it('follows a rollout to completion and records the timeline', async () => {
    const clock = fakeClock();
    const result = await watchRollout({
      clock,
      timeoutMs: 600_000,
      pollMs: 2000,
      observe: scripted([
        { deployment: deployment({ generation: 3 }), pods: [], events: [], startupBudgetSeconds: 300 },
        {
          deployment: deployment({
            generation: 3,
            observedGeneration: 3,
            updatedReplicas: 1,
            statusReplicas: 3,
            availableReplicas: 2,
          }),
          pods: [pod({})],
          events: [],
          startupBudgetSeconds: 300,
        },
        {
          deployment: deployment({ generation: 3, observedGeneration: 3 }),
          pods: [pod({ ready: true })],
          events: [],
          startupBudgetSeconds: 300,
        },
      ]),
    });
    expect(result.verdict.state).toBe('complete');
    expect(result.elapsedMs).toBe(4000);
    expect(result.timeline.map((t) => t.verdict.reason)).toEqual([
      'SpecNotObserved',
      'UpdatingReplicas',
      'Complete',
    ]);
  });

  it('fails fast on ImagePullBackOff, long before the progress deadline', async () => {
    const clock = fakeClock();
    const result = await watchRollout({
      clock,
      timeoutMs: 600_000,
      pollMs: 1000,
      observe: scripted([
        {
          deployment: deployment({ updatedReplicas: 1, availableReplicas: 1 }),
          pods: [pod({ phase: 'Pending' })],
          events: [],
          startupBudgetSeconds: 300,
        },
        {
          deployment: deployment({ updatedReplicas: 1, availableReplicas: 1 }),
          pods: [
            pod({
              phase: 'Pending',
              containers: [
                {
                  name: 'server',
                  restartCount: 0,
                  waiting: { reason: 'ErrImagePull', message: 'manifest unknown: manifest unknown' },
                },
              ],
            }),
          ],
          events: [],
          startupBudgetSeconds: 300,
        },
      ]),
    });
    expect(result.verdict).toMatchObject({ state: 'failed', reason: 'ImagePullBackOff', pod: 'llm-new-1' });
    expect(result.elapsedMs).toBe(1000);
  });

  it('gives a pull that fails for a passing reason (a registry timeout) 60 s of retries', async () => {
    const clock = fakeClock();
    const pulling = (reason: string) => ({
      deployment: deployment({ updatedReplicas: 1, availableReplicas: 1 }),
      pods: [
        pod({
          phase: 'Pending',
          containers: [
            {
              name: 'server',
              restartCount: 0,
              waiting: {
                reason,
                message: reason === 'ErrImagePull' ? 'dial tcp: i/o timeout' : 'Back-off pulling image',
              },
            },
          ],
        }),
      ],
      events: [],
      startupBudgetSeconds: 300,
    });
    const result = await watchRollout({
      clock,
      timeoutMs: 600_000,
      pollMs: 5000,
      observe: scripted([pulling('ErrImagePull'), pulling('ImagePullBackOff'), pulling('ErrImagePull')]),
    });
    expect(result.verdict).toMatchObject({ state: 'failed', reason: 'ImagePullBackOff' });
    expect(result.verdict.message).toContain('still failing after 60 s of retries');
    expect(result.elapsedMs).toBe(60_000);
  });

  it('calls an unschedulable pod failed only 20 s after the last old pod stopped terminating', async () => {
    const clock = fakeClock();
    const state = (terminatingPods: number) => ({
      deployment: deployment({ updatedReplicas: 1, availableReplicas: 1 }),
      pods: [
        pod({
          phase: 'Pending',
          createdAt: 0,
          containers: [],
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
              since: 0,
            },
          ],
        }),
      ],
      terminatingPods,
      events: [],
      startupBudgetSeconds: 300,
    });
    const result = await watchRollout({
      clock,
      timeoutMs: 600_000,
      pollMs: 5000,
      // The old pod terminates for 140 s (its grace period), then nothing frees a GPU.
      observe: scripted([...Array.from({ length: 29 }, () => state(1)), state(0)]),
    });
    expect(result.verdict).toMatchObject({ state: 'failed', reason: 'InsufficientGPU' });
    expect(result.elapsedMs).toBe(140_000 + 20_000);
  });

  it('gives up at its own timeout, saying what it was waiting for', async () => {
    const clock = fakeClock();
    const result = await watchRollout({
      clock,
      timeoutMs: 10_000,
      pollMs: 3000,
      observe: scripted([
        { deployment: deployment({ availableReplicas: 1 }), pods: [], events: [], startupBudgetSeconds: 300 },
      ]),
    });
    expect(result.verdict).toMatchObject({ state: 'failed', reason: 'Timeout' });
    expect(result.verdict.message).toBe(
      'gave up after 10 s: waiting for deployment "llm" rollout to finish: 1 of 2 updated replicas are available',
    );
  });

  it('stops when interrupted, without calling the rollout failed', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await watchRollout({
      clock: fakeClock(),
      timeoutMs: 10_000,
      signal: controller.signal,
      observe: scripted([
        { deployment: deployment({ availableReplicas: 1 }), pods: [], events: [], startupBudgetSeconds: 300 },
      ]),
    });
    expect(result.verdict).toMatchObject({ state: 'progressing', reason: 'Interrupted' });
  });
});
