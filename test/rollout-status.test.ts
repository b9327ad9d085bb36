import { describe, expect, it } from 'vitest';
import {
  rolloutStatus,
  type DeploymentObservation,
  type PodObservation,
  type RolloutObservation,
} from '../src/deploy/rollout-status.js';

const NOW = 1_000_000;

function deployment(overrides: Partial<DeploymentObservation> = {}): DeploymentObservation {
  return {
    name: 'llm',
    generation: 2,
    observedGeneration: 2,
    replicas: 3,
    statusReplicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
    ...overrides,
  };
}

function pod(overrides: Partial<PodObservation> = {}): PodObservation {
  return {
    name: 'llm-7d9f-abcde',
    phase: 'Running',
    createdAt: NOW - 10_000,
    ready: true,
    conditions: [{ type: 'PodScheduled', status: 'True' }],
    containers: [{ name: 'server', restartCount: 0 }],
    ...overrides,
  };
}

function observe(overrides: Partial<RolloutObservation> = {}): RolloutObservation {
  return {
    deployment: deployment(),
    pods: [pod()],
    events: [],
    now: NOW,
    startupBudgetSeconds: 300,
    ...overrides,
  };
}

describe('rolloutStatus, as kubectl rollout status decides', () => {
  it.each<[string, Partial<DeploymentObservation>, string, string]>([
    ['every replica updated and available', {}, 'complete', 'deployment "llm" successfully rolled out'],
    [
      'the controller has not seen the new spec',
      { generation: 3 },
      'progressing',
      'waiting for deployment "llm" spec update to be observed',
    ],
    [
      'new replicas still being created',
      { updatedReplicas: 1 },
      'progressing',
      'waiting for deployment "llm" rollout to finish: 1 out of 3 new replicas have been updated',
    ],
    [
      'old replicas terminating',
      { statusReplicas: 4 },
      'progressing',
      'waiting for deployment "llm" rollout to finish: 1 old replica is pending termination',
    ],
    [
      'new replicas not yet available',
      { availableReplicas: 2 },
      'progressing',
      'waiting for deployment "llm" rollout to finish: 2 of 3 updated replicas are available',
    ],
    [
      'the progress deadline passed',
      { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
      'failed',
      'deployment "llm" exceeded its progress deadline',
    ],
    ['paused', { paused: true }, 'progressing', 'deployment "llm" is paused'],
  ])('%s → %s', (_case, d, state, message) => {
    expect(rolloutStatus(observe({ deployment: deployment(d) }))).toMatchObject({ state, message });
  });
});

describe('rolloutStatus fails fast on pods that will not heal', () => {
  const progressing = deployment({ updatedReplicas: 1, availableReplicas: 0 });
  it.each<[string, Partial<PodObservation>, Partial<RolloutObservation>, string]>([
    [
      'CrashLoopBackOff after 2 restarts',
      {
        ready: false,
        containers: [
          {
            name: 'server',
            restartCount: 2,
            waiting: { reason: 'CrashLoopBackOff' },
            lastTerminated: { reason: 'Error', exitCode: 1 },
          },
        ],
      },
      {},
      'CrashLoopBackOff',
    ],
    [
      'ImagePullBackOff',
      {
        phase: 'Pending',
        ready: false,
        containers: [
          {
            name: 'server',
            restartCount: 0,
            waiting: { reason: 'ImagePullBackOff', message: 'manifest unknown' },
          },
        ],
      },
      {},
      'ImagePullBackOff',
    ],
    [
      'ErrImagePull for an image the registry does not have (its Failed event says so)',
      {
        phase: 'Pending',
        ready: false,
        containers: [{ name: 'server', restartCount: 0, waiting: { reason: 'ErrImagePull' } }],
      },
      {
        events: [
          {
            object: 'llm-7d9f-abcde',
            reason: 'Failed',
            message:
              'Failed to pull image "vllm/vllm-openai:v9": rpc error: code = NotFound desc = failed to pull and unpack image: not found',
          },
        ],
      },
      'ImagePullBackOff',
    ],
    [
      'ErrImagePull for a passing reason, still failing after 60 s of retries',
      {
        phase: 'Pending',
        ready: false,
        pullFailingSince: NOW - 61_000,
        containers: [
          { name: 'server', restartCount: 0, waiting: { reason: 'ErrImagePull', message: 'i/o timeout' } },
        ],
      },
      {},
      'ImagePullBackOff',
    ],
    [
      'CreateContainerConfigError (a missing Secret)',
      {
        phase: 'Pending',
        ready: false,
        containers: [
          {
            name: 'server',
            restartCount: 0,
            waiting: { reason: 'CreateContainerConfigError', message: 'secret "hf-token" not found' },
          },
        ],
      },
      {},
      'CreateContainerConfigError',
    ],
    [
      'OOMKilled',
      {
        ready: false,
        containers: [
          { name: 'server', restartCount: 1, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } },
        ],
      },
      {},
      'OOMKilled',
    ],
    [
      'unschedulable for lack of GPUs for 21 s, nothing terminating or scaling up',
      {
        phase: 'Pending',
        ready: false,
        createdAt: NOW - 21_000,
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
            since: NOW - 21_000,
          },
        ],
      },
      {},
      'InsufficientGPU',
    ],
    [
      'unschedulable, and the cluster autoscaler says it will not help',
      {
        phase: 'Pending',
        ready: false,
        createdAt: NOW - 2_000,
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/4 nodes are available',
          },
        ],
      },
      {
        events: [
          {
            object: 'llm-7d9f-abcde',
            reason: 'NotTriggerScaleUp',
            message: "pod didn't trigger scale-up: 1 max node group size reached",
          },
        ],
      },
      'Unschedulable',
    ],
    [
      'running but never ready within the startup budget',
      { ready: false, createdAt: NOW - 400_000 },
      {},
      'ReadinessTimeout',
    ],
  ])('%s', (_case, p, extra, reason) => {
    const verdict = rolloutStatus(observe({ deployment: progressing, pods: [pod(p)], ...extra }));
    expect(verdict).toMatchObject({ state: 'failed', reason, pod: 'llm-7d9f-abcde' });
  });

  it.each<[string, Partial<PodObservation>, Partial<RolloutObservation>]>([
    [
      'one restart is not yet a crash loop',
      {
        ready: false,
        containers: [{ name: 'server', restartCount: 1, waiting: { reason: 'CrashLoopBackOff' } }],
      },
      {},
    ],
    [
      'unschedulable while the cluster autoscaler adds a GPU node',
      {
        phase: 'Pending',
        ready: false,
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
          },
        ],
      },
      {
        events: [
          {
            object: 'llm-7d9f-abcde',
            reason: 'TriggeredScaleUp',
            message: 'pod triggered scale-up: [{gpu-pool 2->3 (max: 8)}]',
          },
        ],
      },
    ],
    ['a model still loading inside its startup budget', { ready: false, createdAt: NOW - 120_000 }, {}],
    [
      'a pod created long ago whose container started recently (the wait was for a node and the image)',
      {
        ready: false,
        createdAt: NOW - 900_000,
        containers: [{ name: 'server', restartCount: 0, runningSince: NOW - 60_000 }],
      },
      {},
    ],
    [
      'unschedulable while an old pod of the Deployment is terminating (its GPU comes free)',
      {
        phase: 'Pending',
        ready: false,
        createdAt: NOW - 100_000,
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
            since: NOW - 100_000,
          },
        ],
      },
      { terminatingPods: 1 },
    ],
    [
      'unschedulable within 20 s of the last terminating pod going away',
      {
        phase: 'Pending',
        ready: false,
        createdAt: NOW - 100_000,
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', since: NOW - 100_000 },
        ],
      },
      { terminatingPods: 0, lastTerminatingAt: NOW - 5_000 },
    ],
    [
      'unschedulable while a preemption makes room (nominatedNodeName)',
      {
        phase: 'Pending',
        ready: false,
        createdAt: NOW - 100_000,
        nominatedNode: 'gpu-node-2',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', since: NOW - 100_000 },
        ],
      },
      {},
    ],
    [
      'an image pull failing for a passing reason, within its 60 s of retries',
      {
        phase: 'Pending',
        ready: false,
        pullFailingSince: NOW - 30_000,
        containers: [
          {
            name: 'server',
            restartCount: 0,
            waiting: { reason: 'ErrImagePull', message: 'toomanyrequests: rate limit exceeded' },
          },
        ],
      },
      {},
    ],
  ])('keeps waiting: %s', (_case, p, extra) => {
    expect(rolloutStatus(observe({ deployment: progressing, pods: [pod(p)], ...extra })).state).toBe(
      'progressing',
    );
  });

  it('names the pod and the cause in the message', () => {
    const verdict = rolloutStatus(
      observe({
        deployment: progressing,
        pods: [
          pod({
            ready: false,
            containers: [
              {
                name: 'server',
                restartCount: 3,
                waiting: { reason: 'CrashLoopBackOff' },
                lastTerminated: { reason: 'Error', exitCode: 1 },
              },
            ],
          }),
        ],
      }),
    );
    expect(verdict.message).toBe(
      'pod llm-7d9f-abcde: container "server" is crash-looping after 3 restarts (last exit: Error, code 1)',
    );
  });
});
