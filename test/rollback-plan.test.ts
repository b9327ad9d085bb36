import { describe, expect, it } from 'vitest';
import {
  planRollback,
  RollbackRefused,
  type DeploymentLike,
  type ReplicaSetLike,
} from '../src/deploy/rollback-plan.js';

const template = (image: string, hash?: string) => ({
  metadata: { labels: { app: 'llm', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'server', image }] },
});

const deployment = (revision: number, image: string, paused = false): DeploymentLike => ({
  metadata: {
    name: 'llm',
    uid: 'd-uid',
    annotations: { 'deployment.kubernetes.io/revision': String(revision) },
  },
  spec: { paused, template: template(image) },
});

const rs = (name: string, revision: number, image: string, owner = 'd-uid'): ReplicaSetLike => ({
  metadata: {
    name,
    annotations: { 'deployment.kubernetes.io/revision': String(revision) },
    ownerReferences: [{ uid: owner, kind: 'Deployment', controller: true }],
  },
  spec: { template: template(image, name.split('-').pop()) },
});

const SETS = [
  rs('llm-aaa', 1, 'vllm:1.0'),
  rs('llm-bbb', 2, 'vllm:1.1'),
  rs('llm-ccc', 3, 'vllm:1.2'),
  rs('other-ddd', 4, 'vllm:9.9', 'other-uid'),
];

describe('planRollback, as kubectl rollout undo', () => {
  it('rolls back to the previous revision by default, dropping pod-template-hash', () => {
    const plan = planRollback(deployment(3, 'vllm:1.2'), SETS);
    expect(plan).toMatchObject({ action: 'patch', fromRevision: 3, toRevision: 2, replicaSet: 'llm-bbb' });
    if (plan.action !== 'patch') throw new Error('expected a patch');
    expect(plan.template.metadata?.labels).toEqual({ app: 'llm' });
    expect(plan.patch).toEqual({
      spec: {
        template: {
          metadata: { labels: { app: 'llm' } },
          spec: { containers: [{ name: 'server', image: 'vllm:1.1' }] },
        },
      },
    });
  });

  it('goes to an explicit revision, and only among ReplicaSets the Deployment owns', () => {
    expect(planRollback(deployment(3, 'vllm:1.2'), SETS, 1)).toMatchObject({
      action: 'patch',
      toRevision: 1,
      replicaSet: 'llm-aaa',
    });
    expect(() => planRollback(deployment(3, 'vllm:1.2'), SETS, 4)).toThrow(
      'deployment "llm" has no revision 4 (known: 3, 2, 1)',
    );
  });

  it('says rolling back to the current revision is a no-op', () => {
    expect(planRollback(deployment(3, 'vllm:1.2'), SETS, 3)).toMatchObject({
      action: 'noop',
      message: 'deployment "llm" already runs the template of revision 3: nothing to roll back',
    });
  });

  it('refuses a paused Deployment and one with no history', () => {
    expect(() => planRollback(deployment(3, 'vllm:1.2', true), SETS)).toThrow(RollbackRefused);
    expect(() => planRollback(deployment(3, 'vllm:1.2', true), SETS)).toThrow(
      'is paused; resume it before rolling back',
    );
    expect(() => planRollback(deployment(1, 'vllm:1.0'), [rs('llm-aaa', 1, 'vllm:1.0')])).toThrow(
      'has no previous revision to roll back to',
    );
  });
});
