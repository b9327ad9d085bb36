import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { createNodeClusterClient } from '../../src/k8s/node-client.js';
import type { ClusterClient, KubeObject, WatchEvent } from '../../src/k8s/types.js';
import { ClusterError } from '../../src/errors.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';

let cluster: FakeCluster;
let client: ClusterClient;
let debug: string[];

function deployment(image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'model', namespace: 'ml' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'model' } },
      template: { metadata: { labels: { app: 'model' } }, spec: { containers: [{ name: 'server', image }] } },
      ...extra,
    },
  };
}

async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(value)?.slice(0, 300)}`);
    await sleep(10);
  }
}

beforeEach(async () => {
  cluster = await startFakeCluster({ namespaces: ['ml'], crds: ['prometheus-operator'] });
  const { config, target } = loadKubeConfig({
    kubeconfig: cluster.kubeconfig,
    env: {},
    homeDir: '/nonexistent',
  });
  debug = [];
  client = createNodeClusterClient(config, target, {
    sleep: (ms) => sleep(ms),
    retry: { baseMs: 5, maxMs: 20 },
    debug: (l) => debug.push(l),
  });
});

afterEach(async () => {
  await cluster.close();
});

describe('ClusterClient over @kubernetes/client-node against the loopback API server', () => {
  it('server-side applies with field manager mlready and the Deployment controller rolls out a revision', async () => {
    const applied = await client.apply(deployment('model:v1'));
    expect(applied.metadata.generation).toBe(1);
    const apply = cluster.api.requests.find((r) => r.method === 'PATCH');
    expect(apply).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'mlready', force: 'false', fieldValidation: 'Strict' },
    });
    const done = await until(
      () => client.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' }),
      (d) => (d?.status as { availableReplicas?: number } | undefined)?.availableReplicas === 2,
    );
    expect(done?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect((done?.status as { observedGeneration: number }).observedGeneration).toBe(1);
    const sets = await client.list('apps/v1', 'ReplicaSet', 'ml');
    expect(sets).toHaveLength(1);
    expect(sets[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: done?.metadata.uid,
      controller: true,
    });
  });

  it("sends every field as written, also those client-node's typed models do not know", async () => {
    // client-node's own patch serialized the body through its V1Deployment model, which dropped
    // unknown fields without a word: a newer Kubernetes field, or a misspelt one the real API server
    // refuses (test/e2e/client.e2e.test.ts), never reached the API server and the apply succeeded.
    const object = deployment('model:v1', { futureScheduling: { gang: 'llm' } });
    const template = (object.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template;
    template.spec.containers[0]!.imagePulPolicy = 'Always';
    await client.apply(object, { dryRun: true });
    const sent = cluster.api.requests.find((r) => r.method === 'PATCH');
    expect(JSON.parse(sent!.body!)).toEqual(object);
  });

  it('bumps generation on a spec change only, gives a new template the next revision, and drops fields no longer applied', async () => {
    await client.apply(deployment('model:v1'));
    await client.apply({
      ...deployment('model:v1'),
      metadata: { name: 'model', namespace: 'ml', annotations: { note: 'x' } },
    });
    expect(
      (await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' }))
        ?.metadata.generation,
    ).toBe(1);
    const second = await client.apply(deployment('model:v2'));
    expect(second.metadata.generation).toBe(2);
    const d = await until(
      () => client.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' }),
      (o) => o?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2',
    );
    // Server-side apply removes a field its manager set before and no longer applies.
    expect(d?.metadata.annotations?.note).toBeUndefined();
  });

  it('reports a 409 conflict with the owning manager and field, and takes the field over with force', async () => {
    await client.apply(deployment('model:v1'));
    cluster.api.update('kube-controller-manager', 'Deployment', 'ml', 'model', { spec: { replicas: 5 } });
    const error = await client.apply(deployment('model:v1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    const e = error as ClusterError;
    expect(e.status).toBe(409);
    expect(e.message).toContain('conflict with "kube-controller-manager"');
    expect(e.causes.map((c) => c.field)).toEqual(['.spec.replicas']);
    expect(e.hint).toContain('--force-conflicts');
    const forced = await client.apply(deployment('model:v1'), { force: true });
    expect((forced.spec as { replicas: number }).replicas).toBe(2);
  });

  it('leaves fields another manager set alone when the manifest does not mention them', async () => {
    const { replicas: _r, ...spec } = deployment('model:v1').spec as Record<string, unknown>;
    await client.apply({ ...deployment('model:v1'), spec });
    cluster.api.update('kube-controller-manager', 'Deployment', 'ml', 'model', { spec: { replicas: 4 } });
    const again = await client.apply({
      ...deployment('model:v2'),
      spec: { ...spec, template: (deployment('model:v2').spec as { template: unknown }).template },
    });
    expect((again.spec as { replicas: number }).replicas).toBe(4);
  });

  it('asks for a dry run with dryRun=All and persists nothing', async () => {
    const result = await client.apply(deployment('model:v1'), { dryRun: true });
    expect(result.metadata.name).toBe('model');
    expect(cluster.api.requests.find((r) => r.method === 'PATCH')?.query.dryRun).toBe('All');
    expect(
      await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' }),
    ).toBeUndefined();
  });

  it('retries 5xx answers and connection resets with backoff, then succeeds', async () => {
    cluster.api.faults.push(
      { method: 'PATCH', action: 503, times: 2 },
      { method: 'PATCH', action: 'reset', times: 1 },
    );
    await client.apply(deployment('model:v1'));
    expect(cluster.api.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([
      503, 503, -1, 201,
    ]);
    expect(debug.filter((l) => l.includes('retry'))).toHaveLength(3);
  });

  it('gives up after its retries with a clear error', async () => {
    cluster.api.faults.push({ method: 'GET', path: /deployments/, action: 500, times: 100 });
    const error = (await client
      .get({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' })
      .catch((e: unknown) => e)) as ClusterError;
    expect(error).toBeInstanceOf(ClusterError);
    expect(error.message).toMatch(/get Deployment\/model in namespace ml: the server is currently unable/);
  });

  it('does not retry a client error', async () => {
    const error = (await client
      .apply({ ...deployment('model:v1'), metadata: { name: 'model', namespace: 'nope' } })
      .catch((e: unknown) => e)) as ClusterError;
    expect(error.status).toBe(404);
    expect(error.message).toContain('namespaces "nope" not found');
    expect(cluster.api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('tells whether a CRD kind is served', async () => {
    expect(await client.servesKind('monitoring.coreos.com/v1', 'ServiceMonitor')).toBe(true);
    expect(await client.servesKind('networking.istio.io/v1beta1', 'VirtualService')).toBe(false);
    expect(await client.servesKind('apps/v1', 'Deployment')).toBe(true);
  });

  it('says the credentials were refused without printing them', async () => {
    const { config, target } = loadKubeConfig({ kubeconfig: cluster.kubeconfig, env: {}, homeDir: '/x' });
    (config.getCurrentUser() as { token?: string }).token = 'wrong-token';
    const bad = createNodeClusterClient(config, target, { sleep: (ms) => sleep(ms) });
    const error = (await bad.list('v1', 'Pod', 'ml').catch((e: unknown) => e)) as ClusterError;
    expect(error.status).toBe(401);
    expect(error.hint).toContain('did not accept the credentials');
    expect(`${error.message} ${error.hint}`).not.toContain('wrong-token');
    expect(`${error.message} ${error.hint}`).not.toContain(FAKE_TOKEN);
  });

  it('watches changes and resumes after the server drops the stream, without missing one', async () => {
    const seen: WatchEvent[] = [];
    const handle = client.watch('v1', 'ConfigMap', 'ml', {}, (e) => seen.push(e));
    try {
      const cm = (name: string, v: string): KubeObject => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'ml' },
        data: { v },
      });
      await client.apply(cm('a', '1'));
      await until(
        () => seen.length,
        (n) => n >= 1,
      );
      await until(
        () => cluster.api.dropWatches(),
        (n) => n > 0,
      );
      await client.apply(cm('a', '2'));
      await client.apply(cm('b', '1'));
      await until(
        () => seen.length,
        (n) => n >= 3,
      );
      expect(
        seen.map((e) => `${e.type} ${e.object.metadata.name} ${(e.object.data as { v: string }).v}`),
      ).toEqual(['ADDED a 1', 'MODIFIED a 2', 'ADDED b 1']);
      const watches = cluster.api.requests.filter((r) => r.query.watch === 'true');
      expect(watches.length).toBeGreaterThanOrEqual(2);
      expect(watches[1]?.query.resourceVersion).toBeDefined();
    } finally {
      handle.stop();
    }
  });

  it('reads the last lines of a pod log', async () => {
    cluster.api.onImage('model:bad', { type: 'crashloop' }, [
      'loading weights',
      'torch.cuda.OutOfMemoryError: CUDA out of memory',
    ]);
    await client.apply(deployment('model:bad'));
    const pods = await until(
      () => client.list('v1', 'Pod', 'ml', { labelSelector: 'app=model' }),
      (p) => p.length === 2,
    );
    expect(await client.podLogs('ml', pods[0]!.metadata.name, 'server', 1)).toBe(
      'torch.cuda.OutOfMemoryError: CUDA out of memory\n',
    );
  });
});

describe('the loopback API server agrees with a real v1.32 one (checked on the control plane of test/e2e)', () => {
  async function withIstio(): Promise<ClusterClient> {
    await cluster.close();
    cluster = await startFakeCluster({ namespaces: ['ml'], crds: ['istio'] });
    const { config, target } = loadKubeConfig({ kubeconfig: cluster.kubeconfig, env: {}, homeDir: '/x' });
    return createNodeClusterClient(config, target, {
      sleep: (ms) => sleep(ms),
      retry: { baseMs: 5, maxMs: 20 },
    });
  }
  const vs = (canary: number): KubeObject => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: { name: 't1', namespace: 'ml' },
    spec: {
      hosts: ['t1'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 't1', subset: 'stable' }, weight: 100 - canary },
            { destination: { host: 't1', subset: 'canary' }, weight: canary },
          ],
        },
      ],
    },
  });
  const ref = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    name: 't1',
    namespace: 'ml',
  };

  it('a merge patch and an apply by the same manager name are two owners: the apply conflicts on an atomic CRD list', async () => {
    const istio = await withIstio();
    await istio.apply(vs(0));
    await istio.patch(ref, { spec: { http: (vs(50).spec as { http: unknown }).http } });
    expect(cluster.api.managers('VirtualService', 'ml', 't1').sort()).toEqual([
      'mlready:Apply',
      'mlready:Update',
    ]);
    const error = (await istio.apply(vs(0)).catch((e: unknown) => e)) as ClusterError;
    expect(error.status).toBe(409);
    expect(error.message).toContain(
      'Apply failed with 1 conflict: conflict with "mlready" using networking.istio.io/v1beta1: .spec.http',
    );
    // Once the weights are only ever applied, one owner is left and no step conflicts.
    await istio.apply(vs(25), { force: true });
    await istio.apply(vs(50));
    await istio.apply(vs(0));
    expect(cluster.api.managers('VirtualService', 'ml', 't1')).toEqual(['mlready:Apply']);
  });

  it('a merge patch of metadata.annotations adds them, as on the real API server (blue-green warm-until)', async () => {
    // On a v1.32 kube-apiserver the same requests give the same annotations and owners (checked
    // against the real control plane: test/e2e/strategies.e2e.test.ts reads warm-until back).
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'model', namespace: 'ml' };
    await client.apply({ ...deployment('model:v1'), metadata: { ...ref, annotations: { a: '1' } } });
    await client.patch(ref, { metadata: { annotations: { 'mlready.dev/blue-green-warm-until': 'soon' } } });
    const patched = await client.get(ref);
    expect(patched?.metadata.annotations).toMatchObject({
      a: '1',
      'mlready.dev/blue-green-warm-until': 'soon',
    });
    expect(cluster.api.managers('Deployment', 'ml', 'model')).toContain('mlready:Update');
    expect(cluster.api.ownedBy('Deployment', 'ml', 'model', 'mlready')).toContain(
      'metadata.annotations.mlready.dev/blue-green-warm-until',
    );
    await client.patch(ref, { metadata: { annotations: { a: null } } });
    expect((await client.get(ref))?.metadata.annotations).not.toHaveProperty('a');
  });

  it('the scale subresource takes spec.replicas from its owner, and gives it to nobody when nobody owned it', async () => {
    await client.apply(deployment('model:v1'));
    cluster.api.scale('kube-controller-manager', 'ml', 'model', 3);
    expect(cluster.api.ownedBy('Deployment', 'ml', 'model', 'mlready')).not.toContain('spec.replicas');
    expect(cluster.api.managers('Deployment', 'ml', 'model')).toContain(
      'kube-controller-manager:Update:scale',
    );
    const { replicas: _r, ...spec } = deployment('model:v1').spec as Record<string, unknown>;
    await client.apply({
      ...deployment('model:v1'),
      metadata: { name: 'other', namespace: 'ml' },
      spec: {
        ...spec,
        selector: { matchLabels: { app: 'o' } },
        template: { metadata: { labels: { app: 'o' } }, spec: { containers: [{ name: 's', image: 'o:1' }] } },
      },
    });
    cluster.api.scale('kube-controller-manager', 'ml', 'other', 3);
    expect(cluster.api.managers('Deployment', 'ml', 'other')).toEqual(['mlready:Apply']);
  });

  it('a handover manager keeps spec.replicas when mlready stops applying it', async () => {
    await client.apply(deployment('model:v1'));
    await client.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'model', namespace: 'ml' },
        spec: { replicas: 2 },
      },
      { fieldManager: 'mlready-handover' },
    );
    const { replicas: _r, ...spec } = deployment('model:v1').spec as Record<string, unknown>;
    const after = await client.apply({ ...deployment('model:v1'), spec });
    expect((after.spec as { replicas: number }).replicas).toBe(2);
    expect(cluster.api.ownedBy('Deployment', 'ml', 'model', 'mlready-handover')).toEqual(['spec.replicas']);
  });

  it('renumbers a revision a rollback returns to, keeping the old number in revision-history', async () => {
    await client.apply(deployment('model:v1'));
    await until(
      () => client.list('apps/v1', 'ReplicaSet', 'ml'),
      (s) => s.length === 1,
    );
    await client.apply(deployment('model:v2'));
    await until(
      () => client.list('apps/v1', 'ReplicaSet', 'ml'),
      (s) => s.length === 2,
    );
    await client.apply(deployment('model:v1'));
    const back = await until(
      () => client.list('apps/v1', 'ReplicaSet', 'ml'),
      (s) => s.some((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3'),
    );
    const renumbered = back.find(
      (rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3',
    )!;
    expect(renumbered.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
  });
});
