import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_PRE_SWITCH_ANALYSIS } from '../../src/deploy/blue-green.js';
import { cli } from '../helpers/cli.js';
import { exampleRelease, IMAGE_V1 as V1, IMAGE_V2 as V2 } from '../helpers/example-release.js';
import { startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import { startFakePrometheus, type FakePrometheus } from '../helpers/fake-prometheus.js';

const BLUE = { 'app.kubernetes.io/name': 'llm-chat' };
const GREEN = { 'app.kubernetes.io/name': 'llm-chat-green', 'mlready.dev/track': 'green' };

describe('blue-green release (loopback API server)', () => {
  let cluster: FakeCluster;
  let prometheus: FakePrometheus;
  let dir: string;

  const setup = async (nodes?: { name: string; gpus: number }[]) => {
    cluster = await startFakeCluster({
      namespaces: ['ml-serving'],
      crds: ['prometheus-operator'],
      ...(nodes ? { nodes } : {}),
    });
    dir = exampleRelease('mlready-bg-', {
      rollout: [
        '    strategy: blue-green',
        '    analysis:',
        '      maxErrorRate: 0.05',
        '      consecutiveFailures: 2',
      ],
    });
    expect((await run(['deploy', '.'])).code).toBe(0);
  };
  beforeEach(async () => {
    prometheus = await startFakePrometheus();
  });
  afterEach(async () => {
    await prometheus.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => cli([...args, '--kubeconfig', cluster.kubeconfig], { cwd: dir });
  const selector = () => cluster.api.object('Service', 'ml-serving', 'llm-chat')!.spec.selector;
  const image = () =>
    cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!.spec.template.spec.containers[0].image;
  const deployV2 = (window: string, preSwitch = '1s', windowFlag = '--warm-window') =>
    run([
      'deploy',
      '.',
      '--image',
      V2,
      '--prometheus-url',
      prometheus.url,
      windowFlag,
      window,
      '--pre-switch-window',
      preSwitch,
      '--analysis-interval',
      '500ms',
      '--format',
      'json',
    ]);

  /** What the Service selected, and which image blue ran, whenever the selector changed. */
  const watchSwitch = () => {
    const seen: { selector: unknown; blueImage: string }[] = [];
    const timer = setInterval(() => {
      const s = JSON.stringify(selector());
      if (seen.at(-1) && JSON.stringify(seen.at(-1)!.selector) === s) return;
      seen.push({ selector: JSON.parse(s), blueImage: image() });
    }, 20);
    return { seen, stop: () => clearInterval(timer) };
  };

  it('switches all traffic to a ready green at once, keeps blue warm, then promotes', async () => {
    await setup();
    const watch = watchSwitch();
    const r = await deployV2('2s');
    watch.stop();
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.blueGreen.outcome).toBe('promoted');
    expect(json.blueGreen.switchMs).toBeGreaterThan(0);
    expect(json.blueGreen.samples.length).toBeGreaterThanOrEqual(2);
    // No route in front of the Service: nothing could reach green before the switch, and it says so.
    expect(json.blueGreen.preSwitch).toEqual({ mode: 'none', reason: NO_PRE_SWITCH_ANALYSIS });
    expect(json.warnings).toContain(NO_PRE_SWITCH_ANALYSIS);
    // Blue → green while blue still ran V1 (warm), then back to the release's own selector.
    expect(watch.seen).toEqual([
      { selector: BLUE, blueImage: V1 },
      { selector: GREEN, blueImage: V1 },
      { selector: BLUE, blueImage: V2 },
    ]);
    expect(r.stderr).toMatch(/switched Service\/llm-chat to green in \d+\.\d\d s; blue stays warm until/);
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-green')).toBeUndefined();
    expect(image()).toBe(V2);
  }, 40_000);

  it('switches back to blue when green breaches the analysis after the switch', async () => {
    await setup();
    prometheus.set('canary', { p95: 0.1, errorRate: 0.3 });
    // --step-duration still sets the warm window (as before --warm-window existed), with a warning.
    const r = await deployV2('5s', '1s', '--step-duration');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.blueGreen.warmWindowMs).toBe(5000);
    expect(json.warnings).toContain(
      '--step-duration sets the blue-green warm window only for compatibility; use --warm-window (and --pre-switch-window for the analysis before the switch)',
    );
    expect(json.blueGreen.outcome).toBe('switched-back');
    expect(json.message).toMatch(
      /green failed \(2 bad samples in a row: error rate 30\.00 % above 5\.00 %\); switched Service\/llm-chat back to blue revision 1 in \d+\.\d\d s/,
    );
    expect(json.blueGreen.switchBackMs, r.stderr).toBeGreaterThanOrEqual(0);
    expect(selector()).toEqual(BLUE);
    expect(image()).toBe(V1);
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-green')).toBeUndefined();
  }, 40_000);

  it('rollback during the warm window is the reverse switch, timed against the budget', async () => {
    await setup();
    const deploying = deployV2('30s');
    const deadline = Date.now() + 20_000;
    while (JSON.stringify(selector()) !== JSON.stringify(GREEN)) {
      if (Date.now() > deadline) throw new Error('never switched to green');
      await sleep(50);
    }
    const during = await run(['status', 'llm-chat', '-n', 'ml-serving']);
    expect(during.stdout).toMatch(/Deployment\/llm-chat-green +green .* 100 % /);
    expect(during.stdout).toMatch(/Deployment\/llm-chat +stable .* 0 % /);
    // The warm-until annotation is stored on green (a merge patch of its metadata), so status shows it.
    expect(during.stdout).toMatch(
      /blue-green: green serves \(Service\/llm-chat\); blue is warm until \d{4}-\d\d-\d\dT[\d:.]+Z: mlready rollback llm-chat switches back/,
    );
    const back = await run(['rollback', 'llm-chat', '-n', 'ml-serving']);
    expect(back.stderr).not.toContain('error:');
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/switched Service\/llm-chat back to blue/);
    expect(back.stdout).toMatch(/elapsed: \d+\.\d s \(budget 300 s\)\n/);
    expect(back.stdout).not.toContain('no release record');
    expect(selector()).toEqual(BLUE);
    const r = await deploying;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).message).toMatch(/mlready rollback switched back to blue/);
    expect(image()).toBe(V1);
  }, 60_000);

  it('pre-flight counts green and blue at once, and says so when the GPUs cannot hold both', async () => {
    // Blue holds 1 of the 2 GPUs; green (1 pod) and the final rollout's surge (1 pod) need 2 more.
    await setup([{ name: 'gpu-1', gpus: 2 }]);
    const r = await run(['deploy', '.', '--image', V2, '--prometheus-url', prometheus.url, '--dry-run']);
    expect(r.stderr + r.stdout).toMatch(
      /warning: Deployment\/llm-chat needs 2 free nvidia.com\/gpu for its blue-green release \(green at full size beside blue, plus the surge of the final rollout: 2 pods × 1\), but the matching nodes have room for 1 such pod .*blue-green runs both versions at once/,
    );
  }, 40_000);

  it('status shows the share of live traffic a shadow gets mirrored', async () => {
    await setup();
    await cluster.close();
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator', 'istio'] });
    writeFileSync(
      join(dir, 'k8s/virtualservice.yaml'),
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: { name: llm-chat, namespace: ml-serving }',
        'spec:',
        '  hosts: [llm-chat]',
        '  http: [{ route: [{ destination: { host: llm-chat } }] }]',
        '',
      ].join('\n'),
    );
    const manifest = join(dir, 'mlready.yaml');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(
        'strategy: blue-green',
        'strategy: shadow\n    shadow: { mirrorPercent: 20 }',
      ),
    );
    expect((await run(['deploy', '.'])).code).toBe(0);
    const deploying = deployV2('4s', '1s', '--step-duration');
    const deadline = Date.now() + 20_000;
    while (!cluster.api.object('VirtualService', 'ml-serving', 'llm-chat')?.spec.http[0].mirror) {
      if (Date.now() > deadline) throw new Error('never mirrored');
      await sleep(50);
    }
    const during = await run(['status', 'llm-chat', '-n', 'ml-serving']);
    expect(during.stdout).toMatch(/Deployment\/llm-chat-shadow +shadow .* 0 % /);
    expect(during.stdout).toMatch(/Deployment\/llm-chat +stable .* 100 % /);
    expect(during.stdout).toContain(
      'shadow: 20 % of live requests mirrored (VirtualService/llm-chat); its responses are discarded',
    );
    await deploying;
  }, 60_000);

  it('with a VirtualService in front, the switch is its weights 0 → 100, and rollback puts them back', async () => {
    await setup();
    await cluster.close();
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator', 'istio'] });
    writeFileSync(
      join(dir, 'k8s/virtualservice.yaml'),
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata: { name: llm-chat, namespace: ml-serving }',
        'spec:',
        '  hosts: [llm-chat]',
        '  http: [{ route: [{ destination: { host: llm-chat, port: { number: 80 } } }] }]',
        '',
      ].join('\n'),
    );
    expect((await run(['deploy', '.'])).code).toBe(0);
    const routes = () => cluster.api.object('VirtualService', 'ml-serving', 'llm-chat')!.spec.http[0].route;
    const deploying = deployV2('30s');
    const deadline = Date.now() + 20_000;
    while (routes().length < 2) {
      if (Date.now() > deadline) throw new Error('never switched to green');
      await sleep(50);
    }
    expect(routes()).toEqual([
      { destination: { host: 'llm-chat', port: { number: 80 } }, weight: 0 },
      { destination: { host: 'llm-chat-green', port: { number: 80 } }, weight: 100 },
    ]);
    // The Service itself is untouched; green is reached through its own Service.
    expect(selector()).toEqual(BLUE);
    expect(cluster.api.object('Service', 'ml-serving', 'llm-chat-green')!.spec.selector).toEqual(GREEN);
    const status = await run(['status', 'llm-chat', '-n', 'ml-serving']);
    expect(status.stdout).toContain('blue-green: green serves (VirtualService/llm-chat); blue is warm');
    const back = await run(['rollback', 'llm-chat', '-n', 'ml-serving']);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('switched VirtualService/llm-chat back to blue');
    expect(routes()).toEqual([{ destination: { host: 'llm-chat', port: { number: 80 } } }]);
    expect(cluster.api.object('Service', 'ml-serving', 'llm-chat-green')).toBeUndefined();
    expect((await deploying).code).toBe(1);
    expect(image()).toBe(V1);
  }, 60_000);
});
