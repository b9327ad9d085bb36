import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDeployRecords } from '../../src/deploy/record-file.js';
import { cli, REPO_ROOT } from '../helpers/cli.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';

const V1 = 'vllm/vllm-openai:v0.6.3@sha256:4f1a8e8b5c2d7a9e0b3c6d5f8a1e4b7c0d3f6a9e2b5c8d1f4a7e0b3c6d9f2a5e';
const V2 = 'vllm/vllm-openai:v0.6.4@sha256:5a2b9f9c6d3e8b0f1c4d7e6a9b2f5c8d1e4a7b0c3d6e9f2a5b8c1d4e7f0a3b6c';
const BAD = 'vllm/vllm-openai:v0.7.0@sha256:6b3c0a0d7e4f9c1a2d5e8f7b0c3a6d9e2f5b8c1d4e7a0b3c6d9e2f5a8b1c4d7e';

let cluster: FakeCluster;
let dir: string;

beforeEach(async () => {
  cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator'] });
  dir = mkdtempSync(join(tmpdir(), 'mlready-deploy-'));
  cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
});

afterEach(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], options: { interruptAfterMs?: number } = {}) =>
  cli([...args, '--kubeconfig', cluster.kubeconfig], { cwd: dir, ...options });
const deployment = () => cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!;
const imageOf = (d: Record<string, any>) => d.spec.template.spec.containers[0].image as string;

describe('mlready deploy', () => {
  it('applies every object with server-side apply, waits for the rollout, and records the release', async () => {
    const r = await run(['deploy', '.']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ Deployment\/llm-chat rolled out revision 1 \(model 1\.2\.0\)/);
    const applies = cluster.api.requests.filter(
      (q) => q.method === 'PATCH' && q.contentType === 'application/apply-patch+yaml',
    );
    expect(applies.length).toBeGreaterThanOrEqual(8);
    expect(applies.every((q) => q.query.fieldManager === 'mlready')).toBe(true);
    const d = deployment();
    expect(d.metadata.annotations['mlready.dev/model-version']).toBe('1.2.0');
    expect(d.metadata.annotations['kubernetes.io/change-cause']).toBe(
      'mlready deploy model meta-llama/Llama-3.1-8B-Instruct 1.2.0',
    );
    expect(cluster.api.managers('Deployment', 'ml-serving', 'llm-chat')).toContain('mlready:Apply');
    expect(cluster.api.object('PrometheusRule', 'ml-serving', 'llm-chat')).toBeDefined();
    // The release record is keyed by the ReplicaSet's pod-template-hash, not the revision number.
    const hash = cluster.api.objects('ReplicaSet', 'ml-serving')[0]!.metadata.labels['pod-template-hash'];
    const record = cluster.api.object('ConfigMap', 'ml-serving', `mlready-release-llm-chat-${hash}`)!;
    expect(record.metadata.labels['mlready.dev/release-of']).toBe('llm-chat');
    expect(record.metadata.labels['mlready.dev/pod-template-hash']).toBe(hash);
    expect(JSON.parse(record.data['objects.json']).map((o: { kind: string }) => o.kind)).toContain(
      'PrometheusRule',
    );
    expect(JSON.parse(record.data['record.json'])).toMatchObject({
      kind: 'DeployRecord',
      apiVersion: 'mlready.dev/v1',
      outcome: 'deployed',
      revision: 1,
      model: { version: '1.2.0' },
    });
  });

  it('fails fast on CrashLoopBackOff, shows the pod log with secrets redacted, rolls back, and exits 1', async () => {
    expect((await run(['deploy', '.'])).code).toBe(0);
    cluster.api.onImage(BAD, { type: 'crashloop', everyMs: 50 }, [
      'INFO loading /models/model',
      'HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 ERROR torch.cuda.OutOfMemoryError: CUDA out of memory',
    ]);
    const r = await run(['deploy', '.', '--image', BAD]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /rollout failed \(CrashLoopBackOff, detected in [\d.]+ s\); rolled back to revision 1 in [\d.]+ s/,
    );
    expect(r.stdout).toMatch(
      /cause: pod llm-chat-\w+-\w+: container "server" is crash-looping after \d+ restarts \(last exit: Error, code 1\)/,
    );
    expect(r.stdout).toContain('CUDA out of memory');
    expect(r.stdout).toContain('HF_TOKEN=hf_****6789');
    expect(`${r.stdout}${r.stderr}`).not.toContain('AbCdEfGhIjKlMnOp');
    expect(r.stdout).toMatch(/rollback: [\d.]+ s \(budget 300 s\)/);
    const d = deployment();
    expect(imageOf(d)).toBe(V1);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.status.availableReplicas).toBe(1);
    const history = await run(['history', '.']);
    expect(history.stdout).toMatch(
      /3 \* \(was 1\)\s+1\.2\.0\s+vllm\/vllm-openai:v0\.6\.3@\S+\s+1\s+deployed\s+\S+\s+mlready rollback to revision 1 \(model 1\.2\.0\)/,
    );
    expect(history.stdout).toMatch(
      /2\s+1\.2\.0\s+vllm\/vllm-openai:v0\.7\.0@\S+\s+0\s+failed\s+\S+\s+mlready deploy model .* image vllm\/vllm-openai:v0\.7\.0/,
    );
  });

  it('reports the measured times in --format json', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(BAD, { type: 'image-pull' });
    const r = await run(['deploy', '.', '--image', BAD, '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      outcome: 'rolled-back',
      previousRevision: 1,
      revision: 2,
      failure: { reason: 'ImagePullBackOff' },
      rollback: { outcome: 'rolled-back', toRevision: 1 },
    });
    expect(json.detectionMs).toBeGreaterThan(0);
    expect(json.detectionMs).toBeLessThan(10_000);
    expect(json.rollback.elapsedMs).toBeGreaterThan(0);
    expect(json.timeline.length).toBeGreaterThan(3);
  });

  it('keeps the failed state with --no-rollback and says how to roll back', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(BAD, { type: 'config-error', message: 'secret "hf-token" not found' });
    const r = await run(['deploy', '.', '--image', BAD, '--no-rollback']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('left as is (--no-rollback)');
    expect(r.stdout).toContain('CreateContainerConfigError: secret "hf-token" not found');
    expect(r.stdout).toContain(
      'next: mlready rollback deployment/llm-chat -n ml-serving to return to revision 1',
    );
    expect(imageOf(deployment())).toBe(BAD);
  });

  it('fails fast when no node has a free GPU, after warning about it in pre-flight', async () => {
    await cluster.close();
    cluster = await startFakeCluster({
      namespaces: ['ml-serving'],
      crds: ['prometheus-operator'],
      nodes: [{ name: 'gpu-1', gpus: 1 }],
    });
    expect((await run(['deploy', '.'])).code).toBe(0);
    const r = await run(['deploy', '.', '--image', V2, '--pending-grace', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /warning: Deployment\/llm-chat needs 1 free nvidia.com\/gpu for its rollout \(1 surge pod × 1\), but the matching nodes have room for 0 such pods \(0 free: gpu-1 0\)/,
    );
    expect(r.stdout).toMatch(/rollout failed \(InsufficientGPU/);
    expect(r.stdout).toContain('Insufficient nvidia.com/gpu');
    expect(imageOf(deployment())).toBe(V1);
  });

  it('waits instead of failing when a cluster autoscaler is adding a GPU node', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(V2, {
      type: 'unschedulable',
      scaleUp: true,
      message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
    });
    const r = await run(['deploy', '.', '--image', V2, '--timeout', '2s', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failure.reason).toBe('Timeout');
  });

  it('asks the API server for a dry run and changes nothing', async () => {
    await run(['deploy', '.']);
    const writesBefore = cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All');
    const r = await run(['deploy', '.', '--image', V2, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run: 1 of 8 object\(s\) would change/);
    expect(r.stdout).toMatch(/configured\s+Deployment\/llm-chat/);
    expect(r.stdout).toContain('spec.template.spec.containers[0].image: "vllm/vllm-openai:v0.6.3');
    expect(cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All')).toHaveLength(
      writesBefore.length,
    );
    expect(imageOf(deployment())).toBe(V1);
    expect(
      cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All').length,
    ).toBeGreaterThan(0);
    expect(
      cluster.api.requests
        .slice(-20)
        .filter((q) => q.method === 'PATCH')
        .every((q) => q.query.dryRun === 'All'),
    ).toBe(true);
  });

  it('reports a field-manager conflict clearly and takes the field over with --force-conflicts', async () => {
    await run(['deploy', '.']);
    cluster.api.update('kubectl-edit', 'Deployment', 'ml-serving', 'llm-chat', {
      spec: { progressDeadlineSeconds: 900 },
    });
    const writesBefore = cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All');
    const r = await run(['deploy', '.', '--image', V2]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /✖ the API server refused the release in a dry run \(dryRun=All\); nothing was changed: apply Deployment\/llm-chat in namespace ml-serving \(dry run\): Apply failed with 1 conflict: conflict with "kubectl-edit" using apps\/v1: \.spec\.progressDeadlineSeconds/,
    );
    expect(r.stdout).toContain('next: Deployment/llm-chat: another field manager owns these fields');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
    expect(cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All')).toHaveLength(
      writesBefore.length,
    );
    expect(imageOf(deployment())).toBe(V1);
    const forced = await run(['deploy', '.', '--image', V2, '--force-conflicts']);
    expect(forced.code).toBe(0);
    expect(deployment().spec.progressDeadlineSeconds).toBe(300);
  });

  it('warns about and skips kinds whose CRDs the cluster lacks', async () => {
    await cluster.close();
    cluster = await startFakeCluster({ namespaces: ['ml-serving'] });
    const r = await run(['deploy', '.']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warning: the cluster does not serve PrometheusRule \(the Prometheus Operator CRDs \(monitoring.coreos.com\/v1\) not installed\); skipping PrometheusRule\/llm-chat/,
    );
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat')).toBeDefined();
  });

  it('refuses to deploy what mlready check rejects, unless --skip-check, and never prints Secret values or the kubeconfig token', async () => {
    writeFileSync(
      join(dir, 'k8s', 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: hf-token\n  namespace: ml-serving\nstringData:\n  HF_TOKEN: hf_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210\n',
    );
    const manifest = join(dir, 'k8s', 'deployment.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(
        '          env:\n',
        '          env:\n            - name: WANDB_API_KEY\n              value: "wandb_QpWoEiRuTyAlSkDjFhGz1029384756"\n',
      ),
    );
    const refused = await run(['deploy', '.']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/mlready check found \d+ error\(s\); refusing to deploy/);
    // Nothing written: the cluster was only read (and asked for a dry run) while the check ran.
    expect(cluster.api.requests.filter((q) => q.method === 'PATCH' && q.query.dryRun !== 'All')).toHaveLength(
      0,
    );
    const forced = await cli(
      [
        '--debug',
        'deploy',
        '.',
        '--skip-check',
        '--kubeconfig',
        cluster.kubeconfig,
        '--image',
        V2,
        '--dry-run',
      ],
      { cwd: dir },
    );
    const again = await cli(
      ['--debug', 'deploy', '.', '--skip-check', '--kubeconfig', cluster.kubeconfig, '--format', 'json'],
      { cwd: dir },
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('WARNING: --skip-check');
    expect(again.stderr).toContain('debug: apply Secret/hf-token');
    for (const out of [refused, forced, again].flatMap((x) => [x.stdout, x.stderr])) {
      expect(out).not.toContain('ZyXwVuTsRqPoNmLk');
      expect(out).not.toContain('QpWoEiRuTyAlSkDj');
      expect(out).not.toContain(FAKE_TOKEN);
      expect(out).not.toContain(FAKE_TOKEN.slice(-20));
    }
    const [record] = cluster.api
      .objects('ConfigMap', 'ml-serving')
      .filter((cm) => cm.metadata.labels?.['mlready.dev/release-of'] === 'llm-chat');
    expect(record).toBeDefined();
    expect(JSON.stringify(record)).not.toContain('ZyXwVuTsRqPoNmLk');
    expect(JSON.parse(record!.data['record.json']).secrets).toEqual(['hf-token']);
  });

  it('on Ctrl-C stops watching, leaves the cluster consistent, and says how to go on', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(V2, { type: 'never-ready' });
    const r = await run(['deploy', '.', '--image', V2], { interruptAfterMs: 2500 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /interrupted: stopped watching Deployment\/llm-chat revision 2 \(\d+ of 1 replicas updated, \d+ available\); the rollout goes on in the cluster/,
    );
    expect(r.stdout).toContain(
      'next: mlready rollback deployment/llm-chat -n ml-serving to return to revision 1',
    );
    // Every object was applied completely; the old pod still serves while the new one waits.
    expect(imageOf(deployment())).toBe(V2);
    expect(deployment().status.availableReplicas).toBe(1);
    expect(cluster.api.object('ServiceMonitor', 'ml-serving', 'llm-chat')).toBeDefined();
  });

  it('survives API 5xx answers, connection resets and a dropped watch during a rollout', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(V2, { type: 'ready', afterMs: 400 });
    cluster.api.faults.push(
      { method: 'PATCH', path: /deployments/, action: 503, times: 1 },
      { method: 'GET', path: /replicasets/, action: 'reset', times: 2 },
      { method: 'GET', path: /pods$/, action: 500, times: 2 },
    );
    setTimeout(() => cluster.api.dropWatches(), 200);
    const r = await run(['deploy', '.', '--image', V2]);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolled out revision 2');
    expect(cluster.api.faults.every((f) => f.times === 0)).toBe(true);
  });

  it("records each new pod's measured start-up time, and --save writes the record beside the manifest", async () => {
    cluster.api.onImage(V1, { type: 'ready', afterMs: 400 });
    const r = await run(['deploy', '.', '--save']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /new pods: 1 ready in [\d.]+ s median \(scheduling [\d.]+ s, image pull 0\.0 s, start → ready [\d.]+ s\)/,
    );
    const saved = /saved the deploy record to (\S+)/.exec(r.stderr)?.[1];
    expect(saved).toMatch(
      /^\.mlready\/deploy\/\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-llm-chat-1\.2\.0-[a-z0-9]+\.json$/,
    );
    const [loaded] = loadDeployRecords(dir, 'mlready.yaml');
    expect(loaded?.error).toBeUndefined();
    const record = loaded!.record!;
    expect(record).toMatchObject({
      kind: 'DeployRecord',
      deployment: 'llm-chat',
      namespace: 'ml-serving',
      context: 'fake',
      outcome: 'deployed',
      revision: 1,
      model: { name: 'meta-llama/Llama-3.1-8B-Instruct', version: '1.2.0' },
      image: V1,
    });
    const [pod] = record.rollout!.pods;
    // The fake kubelet starts the container at once and marks it ready 400 ms later.
    expect(pod!.ready).toBe(true);
    expect(pod!.createdToReadyMs).toBeGreaterThanOrEqual(350);
    expect(pod!.startToReadyMs).toBeGreaterThanOrEqual(300);
    expect(pod!.startToReadyMs).toBeLessThanOrEqual(pod!.createdToReadyMs!);
    expect(pod!.schedulingMs).toBeLessThanOrEqual(pod!.createdToReadyMs!);
    expect(pod!.imagePullMs).toBe(4);
    expect(record.rollout!.totalMs).toBeGreaterThanOrEqual(pod!.createdToReadyMs!);
    // The cluster keeps the same record, keyed by the ReplicaSet's pod-template-hash.
    const inCluster = cluster.api
      .objects('ConfigMap', 'ml-serving')
      .find((cm) => cm.metadata.labels?.['mlready.dev/pod-template-hash'] === record.templateHash)!;
    expect(JSON.parse(inCluster.data['record.json']).rollout.pods[0].createdToReadyMs).toBe(
      pod!.createdToReadyMs,
    );

    cluster.api.onImage(BAD, { type: 'crashloop', everyMs: 50 });
    const failed = await run(['deploy', '.', '--image', BAD, '--save']);
    expect(failed.code).toBe(1);
    const records = loadDeployRecords(dir, 'mlready.yaml').map((l) => l.record!);
    expect(records.map((x) => x.outcome)).toEqual(['deployed', 'failed']);
    expect(records[1]!.failure?.reason).toBe('CrashLoopBackOff');
  });

  it('still reports a good rollout when the cluster will not store its record, and says what that costs', async () => {
    cluster.api.admission.push((req) =>
      req.kind === 'ConfigMap' && req.name.startsWith('mlready-release-') && !req.dryRun
        ? {
            code: 403,
            reason: 'Forbidden',
            message: 'configmaps is forbidden: quota for ConfigMaps exceeded',
          }
        : undefined,
    );
    const r = await run(['deploy', '.']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolled out revision 1');
    expect(r.stdout).toMatch(
      /warning the release record could not be stored in the cluster \(.*quota for ConfigMaps exceeded\)/,
    );
  });

  it('exits 2 with file and line for input it cannot deploy', async () => {
    writeFileSync(
      join(dir, 'k8s', 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [unclosed\n',
    );
    const r = await run(['deploy', '.']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: k8s\/broken\.yaml:\d+:\d+: /);
    expect(cluster.api.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
  });

  it('exits 2 when the kubeconfig is missing and names the file', async () => {
    const r = await cli(['deploy', '.', '--kubeconfig', join(dir, 'nope')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kubeconfig ${join(dir, 'nope')} does not exist`);
  });
});

describe('mlready rollback', () => {
  it('returns to the previous revision with its other objects, prints the time, and exits 0 within budget', async () => {
    await run(['deploy', '.']);
    const rule = readFileSync(join(dir, 'k8s', 'prometheusrule.yaml'), 'utf8');
    writeFileSync(join(dir, 'k8s', 'prometheusrule.yaml'), rule.replace(/for: \S+/, 'for: 17m'));
    writeFileSync(
      join(dir, 'k8s', 'extra.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: llm-chat-prompts\n  namespace: ml-serving\ndata:\n  system: be brief\n',
    );
    expect((await run(['deploy', '.', '--image', V2])).code).toBe(0);
    expect(JSON.stringify(cluster.api.object('PrometheusRule', 'ml-serving', 'llm-chat'))).toContain('17m');
    const r = await run(['rollback', '.']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ Deployment\/llm-chat: rolled back to revision 1 \(model 1\.2\.0\)/);
    expect(r.stdout).toMatch(/elapsed: [\d.]+ s \(budget 300 s\)/);
    expect(r.stdout).toContain('deleted: ConfigMap/llm-chat-prompts');
    expect(imageOf(deployment())).toBe(V1);
    expect(JSON.stringify(cluster.api.object('PrometheusRule', 'ml-serving', 'llm-chat'))).not.toContain(
      '17m',
    );
    expect(cluster.api.object('ConfigMap', 'ml-serving', 'llm-chat-prompts')).toBeUndefined();
  });

  it('goes to a named revision, and says a rollback to the current one is a no-op', async () => {
    await run(['deploy', '.']);
    await run(['deploy', '.', '--image', V2]);
    const same = await run(['rollback', '.', '--to-revision', '2']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/revision 2 is already the current revision|already/);
    const r = await run([
      'rollback',
      '--deployment',
      'llm-chat',
      '-n',
      'ml-serving',
      '--to-revision',
      '1',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'rolled-back',
      fromRevision: 2,
      toRevision: 1,
      withinBudget: true,
    });
    const missing = await run(['rollback', '.', '--to-revision', '9']);
    expect(missing.code).not.toBe(0);
  });

  it('refuses a paused Deployment', async () => {
    await run(['deploy', '.']);
    await run(['deploy', '.', '--image', V2]);
    cluster.api.update('kubectl', 'Deployment', 'ml-serving', 'llm-chat', { spec: { paused: true } });
    const r = await run(['rollback', '.']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('is paused; resume it before rolling back');
  });

  it('exits 1 when the rollback takes longer than the budget', async () => {
    cluster.api.onImage(V1, { type: 'ready', afterMs: 1500 });
    await run(['deploy', '.']);
    await run(['deploy', '.', '--image', V2]);
    const r = await run(['rollback', '.', '--budget', '1s']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/elapsed: [\d.]+ s \(budget 1\.0 s\) over budget/);
  });
});

describe('mlready status and history', () => {
  it('shows which version serves which share of traffic, and the revisions with causes', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(V2, { type: 'never-ready' });
    await run(['deploy', '.', '--image', V2, '--timeout', '1s']);
    const status = await run(['status', '.', '--format', 'json']);
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout);
    expect(
      json.versions.map((v: { revision: number; trafficPct: number }) => [v.revision, v.trafficPct]),
    ).toEqual([[3, 100]]);
    const text = await run(['status', '.']);
    expect(text.stdout).toMatch(/Deployment\/llm-chat\s+stable\s+3\s+1\.2\.0\s+1\/1\s+100 %\s+replicas/);
  });

  it('splits traffic by replicas while two ReplicaSets serve', async () => {
    await run(['deploy', '.']);
    cluster.api.onImage(V2, { type: 'never-ready' });
    await run(['deploy', '.', '--image', V2, '--no-rollback', '--timeout', '1s']);
    const json = JSON.parse((await run(['status', '.', '--format', 'json'])).stdout);
    expect(json.rolloutInProgress).toBe(true);
    expect(
      json.versions.map((v: { revision: number; ready: number; replicas: number; trafficPct: number }) => [
        v.revision,
        v.ready,
        v.replicas,
        v.trafficPct,
      ]),
    ).toEqual([
      [2, 0, 1, 0],
      [1, 1, 1, 100],
    ]);
  });
});
