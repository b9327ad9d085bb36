import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canaryStep } from '../../src/deploy/canary.js';
import { parseGoDuration, pullMsOf, PodTimingTracker } from '../../src/deploy/pod-timings.js';
import { releaseDigest, type DeployRecord } from '../../src/deploy/record.js';
import { loadDeployRecords, saveDeployRecord } from '../../src/deploy/record-file.js';
import { replaceInTexts } from '../../src/deploy/release.js';
import { planRollback, type DeploymentLike, type ReplicaSetLike } from '../../src/deploy/rollback-plan.js';
import { waitForRollout } from '../../src/deploy/wait.js';
import type { WatchClock } from '../../src/deploy/watch-rollout.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { extractOwned, ownsField } from '../../src/k8s/managed-fields.js';
import { createNodeClusterClient } from '../../src/k8s/node-client.js';
import type { KubeObject } from '../../src/k8s/types.js';
import { startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import { tmpTree } from '../helpers/tmp.js';

describe('extractOwned (what one field manager applied)', () => {
  // managedFields as a v1.32 API server returned them for a Deployment mlready applied and
  // `kubectl scale` then scaled (recorded on the real control plane of test/e2e).
  const live: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 't2',
      namespace: 'ml-serving',
      annotations: { 'deployment.kubernetes.io/revision': '1', note: 'x' },
      managedFields: [
        {
          manager: 'mlready',
          operation: 'Apply',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:annotations': { 'f:note': {} } },
            'f:spec': {
              'f:selector': {},
              'f:template': {
                'f:metadata': { 'f:labels': { 'f:app': {} } },
                'f:spec': {
                  'f:containers': {
                    'k:{"name":"c"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {} },
                  },
                },
              },
            },
          },
        },
        {
          manager: 'kubectl',
          operation: 'Update',
          subresource: 'scale',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ],
    },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: 't2' } },
      template: {
        metadata: { labels: { app: 't2', extra: 'by-someone-else' } },
        spec: {
          containers: [
            { name: 'c', image: 'x:1', args: ['a', 'b'], terminationMessagePath: '/dev/termination-log' },
            { name: 'sidecar', image: 'mesh:1' },
          ],
        },
      },
    },
    status: { replicas: 2 },
  };

  it('returns exactly the fields the manager owns, with their live values', () => {
    expect(extractOwned(live, 'mlready')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 't2', namespace: 'ml-serving', annotations: { note: 'x' } },
      spec: {
        selector: { matchLabels: { app: 't2' } },
        template: {
          metadata: { labels: { app: 't2' } },
          spec: { containers: [{ name: 'c', image: 'x:1', args: ['a', 'b'] }] },
        },
      },
    });
  });

  it('knows who owns spec.replicas', () => {
    expect(ownsField(live, 'mlready', ['spec', 'replicas'])).toBe(false);
    expect(ownsField(live, 'mlready', ['spec', 'template'])).toBe(true);
    expect(extractOwned(live, 'nobody')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 't2', namespace: 'ml-serving' },
    });
  });
});

describe('pod timings', () => {
  it.each([
    ['50ms', 50],
    ['1.5s', 1500],
    ['1m2.5s', 62_500],
    ['2h', 7_200_000],
    ['abc', undefined],
    ['5s junk', undefined],
  ])('parses the Go duration %s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it('reads the pull time from the kubelet Pulled event, 0 when the image was present', () => {
    expect(
      pullMsOf(
        'Successfully pulled image "vllm/vllm-openai:v0.6.3" in 41.212s (41.212s including waiting). Image size: 9151913032 bytes.',
      ),
    ).toBe(41_212);
    expect(pullMsOf('Container image "vllm/vllm-openai:v0.6.3" already present on machine')).toBe(0);
    expect(pullMsOf('Pulling image "x"')).toBeUndefined();
  });

  it('measures each new pod from what the watch saw, and ignores pods older than the rollout', () => {
    const t = new PodTimingTracker(100_000);
    const pod = (over: Record<string, unknown>) => ({
      name: 'p1',
      phase: 'Pending',
      createdAt: 100_000,
      ready: false,
      conditions: [],
      containers: [] as { name: string; restartCount: number; runningSince?: number }[],
      ...over,
    });
    t.observe([pod({}), pod({ name: 'old', createdAt: 10_000, ready: true })], 100_200);
    t.observe([pod({ node: 'gpu-1' })], 100_500);
    t.observe(
      [
        pod({
          node: 'gpu-1',
          phase: 'Running',
          containers: [{ name: 's', restartCount: 0, runningSince: 100_000 }],
        }),
      ],
      101_000,
    );
    t.observe(
      [
        pod({
          node: 'gpu-1',
          phase: 'Running',
          ready: true,
          containers: [{ name: 's', restartCount: 0, runningSince: 100_000 }],
        }),
      ],
      104_000,
    );
    expect(
      t.timings([
        {
          object: 'p1',
          reason: 'Pulled',
          message: 'Successfully pulled image "x" in 300ms (300ms including waiting)',
        },
      ]),
    ).toEqual([
      {
        pod: 'p1',
        node: 'gpu-1',
        ready: true,
        createdToReadyMs: 3800,
        schedulingMs: 300,
        imagePullMs: 300,
        startToReadyMs: 3000,
      },
    ]);
  });
});

describe('planRollback passes over failed releases', () => {
  const rs = (revision: number, hash: string): ReplicaSetLike => ({
    metadata: {
      name: `llm-${hash}`,
      labels: { 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ uid: 'd1', kind: 'Deployment', controller: true }],
    },
    spec: {
      template: { metadata: { labels: { app: 'llm', 'pod-template-hash': hash } }, spec: { image: hash } },
    },
  });
  const d: DeploymentLike = {
    metadata: { name: 'llm', uid: 'd1', annotations: { 'deployment.kubernetes.io/revision': '4' } },
    spec: { template: { metadata: { labels: { app: 'llm' } }, spec: { image: 'bbb' } } },
  };
  const sets = [rs(4, 'bbb'), rs(3, 'bad'), rs(1, 'aaa')];

  it('returns to the newest earlier revision that did not fail', () => {
    expect(planRollback(d, sets, undefined, new Set(['bad']))).toMatchObject({
      action: 'patch',
      toRevision: 1,
      templateHash: 'aaa',
      skipped: [3],
    });
  });

  it('returns to a failed revision when it is named', () => {
    expect(planRollback(d, sets, 3, new Set(['bad']))).toMatchObject({ action: 'patch', toRevision: 3 });
  });

  it('says which revisions failed when nothing else is left', () => {
    expect(() => planRollback(d, [rs(4, 'bbb'), rs(3, 'bad')], undefined, new Set(['bad']))).toThrow(
      'has no previous revision to roll back to: revision 3 failed when mlready deployed it (name one with --to-revision to return to it anyway)',
    );
  });
});

describe('canaryStep', () => {
  it.each<['istio' | 'replicas', number, number, number, number]>([
    ['replicas', 10, 2, 1, 33],
    ['replicas', 25, 3, 1, 25],
    ['replicas', 50, 4, 4, 50],
    ['istio', 10, 2, 1, 10],
  ])(
    '%s mode, %i %% with %i stable replicas: %i canary pod(s), %i %% of traffic',
    (mode, weight, stable, pods, pct) => {
      expect(canaryStep(mode, weight, stable)).toEqual({ weight, canaryReplicas: pods, actualPct: pct });
    },
  );
});

describe('replaceInTexts (the --image the check judges)', () => {
  it('replaces the value in place, quoted as JSON, leaving comments and other documents alone', () => {
    const text = [
      '# the model server',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: a }',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: server',
      '          image: old:1 # pinned',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: b }',
      'spec: { template: { spec: { containers: [{ name: server, image: keep:1 }] } } }',
      '',
    ].join('\n');
    const hostile = 'evil:1"\n  hostPID: true';
    const [out] = replaceInTexts(
      [{ file: 'd.yaml', text }],
      [
        {
          file: 'd.yaml',
          pick: (v) => (v.metadata as { name: string }).name === 'a',
          path: () => ['spec', 'template', 'spec', 'containers', 0, 'image'],
          value: hostile,
        },
      ],
    );
    expect(out!.text).toContain('# pinned');
    expect(out!.text).toContain('image: keep:1');
    const docs = out!.text.split('\n---\n').map((d) => parse(d) as { spec: any });
    expect(docs[0]!.spec.template.spec.containers[0].image).toBe(hostile);
    expect(docs[0]!.spec.hostPID).toBeUndefined();
  });
});

describe('release records', () => {
  const record: DeployRecord = {
    apiVersion: 'mlready.dev/v1',
    kind: 'DeployRecord',
    deployment: 'llm-chat',
    namespace: 'ml-serving',
    templateHash: '7d9f8b6c5',
    digest: 'abc',
    revision: 3,
    model: { name: 'meta-llama/Llama-3.1-8B-Instruct', version: '1.2.0' },
    image: 'vllm/vllm-openai:v0.6.3',
    changeCause: 'mlready deploy --change-cause "token=ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"',
    appliedAt: '2026-11-27T10:00:00.000Z',
    outcome: 'deployed',
    rollout: {
      startedAt: '2026-11-27T10:00:01.000Z',
      totalMs: 95_000,
      source: 'watch',
      pods: [{ pod: 'llm-chat-7d9f8b6c5-abcde', ready: true, createdToReadyMs: 93_000, imagePullMs: 41_000 }],
    },
    secrets: ['hf-token'],
  };

  it('digests applied objects whatever their key order', () => {
    const a = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'n' },
      data: { a: '1' },
    };
    const b = {
      data: { a: '1' },
      metadata: { namespace: 'n', name: 'x' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
    };
    expect(releaseDigest([a])).toBe(releaseDigest([b as KubeObject]));
    expect(releaseDigest([a])).not.toBe(releaseDigest([{ ...a, data: { a: '2' } }]));
  });

  it('are saved beside the manifest, validated and read back by loadDeployRecords, without secrets', () => {
    const dir = tmpTree({ 'svc/mlready.yaml': 'kind: ModelService\n' });
    const file = saveDeployRecord(dir, 'svc/mlready.yaml', record, undefined, (path, text) =>
      writeFileSync(path, text),
    );
    expect(file).toBe('svc/.mlready/deploy/2026-11-27-10-00-00-llm-chat-1.2.0-7d9f8b6c5.json');
    expect(readFileSync(join(dir, file), 'utf8')).not.toContain('AbCdEfGhIjKlMnOp');
    writeFileSync(join(dir, 'svc/.mlready/deploy/broken.json'), '{"kind":"DeployRecord"}');
    const loaded = loadDeployRecords(dir, 'svc/mlready.yaml');
    expect(loaded.map((l) => l.file)).toEqual([
      'svc/.mlready/deploy/broken.json',
      'svc/.mlready/deploy/2026-11-27-10-00-00-llm-chat-1.2.0-7d9f8b6c5.json',
    ]);
    expect(loaded[0]!.error).toBeDefined();
    expect(loaded[1]!.record).toMatchObject({
      kind: 'DeployRecord',
      model: { version: '1.2.0' },
      rollout: { totalMs: 95_000, pods: [{ createdToReadyMs: 93_000, imagePullMs: 41_000 }] },
    });
  });
});

describe('waitForRollout leaves nothing running when it returns', () => {
  let cluster: FakeCluster;
  afterEach(async () => {
    await cluster.close();
  });

  it('cancels its poll timer when a watch event ends the nap (no 2 s linger after the verdict)', async () => {
    cluster = await startFakeCluster({ namespaces: ['ml'] });
    cluster.api.onImage('m:1', { type: 'ready', afterMs: 600 });
    const { config, target } = loadKubeConfig({ kubeconfig: cluster.kubeconfig, env: {}, homeDir: '/x' });
    const client = createNodeClusterClient(config, target, { sleep: (ms) => sleep(ms) });
    const pending = new Set<number>();
    let id = 0;
    const clock: WatchClock = {
      now: () => Date.now(),
      sleep: (ms, signal) => {
        const me = ++id;
        pending.add(me);
        return sleep(ms, undefined, { signal })
          .catch(() => undefined)
          .finally(() => pending.delete(me));
      },
    };
    await client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'm', namespace: 'ml' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'm' } },
        template: { metadata: { labels: { app: 'm' } }, spec: { containers: [{ name: 's', image: 'm:1' }] } },
      },
    });
    const result = await waitForRollout({
      cluster: client,
      namespace: 'ml',
      name: 'm',
      clock,
      timeoutMs: 30_000,
      startupBudgetSeconds: 60,
      pollMs: 60_000,
    });
    expect(result.verdict.state).toBe('complete');
    expect(id).toBeGreaterThan(0);
    // Settled promises run their finally on the next turn.
    await sleep(0);
    expect(pending.size).toBe(0);
  });
});
