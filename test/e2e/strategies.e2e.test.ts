/**
 * Blue-green and shadow releases against a real Kubernetes v1.32 control plane: the switch and the
 * reverse switch of a blue-green release (timed), and a shadow whose VirtualService carries the
 * mirror while it runs and loses it when the shadow is torn down. Prometheus is the loopback
 * stand-in (the analysis against the real Prometheus is in test/deploy/).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakePrometheus, type FakePrometheus } from '../helpers/fake-prometheus.js';
import { edit, getJson, kubectl, service, until, type Service } from './cluster.js';

const V2 = `vllm/vllm-openai:v0.6.4@sha256:${'a'.repeat(64)}`;

let current: Service | undefined;
let prometheus: FakePrometheus | undefined;
afterEach(async () => {
  await prometheus?.close();
  prometheus = undefined;
  await current?.cleanup();
  current = undefined;
});

const flags = (url: string, window: string, windowFlag = '--step-duration') => [
  '--prometheus-url',
  url,
  windowFlag,
  window,
  '--analysis-interval',
  '500ms',
  '--format',
  'json',
];

const VIRTUAL_SERVICE = (ns: string) =>
  [
    'apiVersion: networking.istio.io/v1',
    'kind: VirtualService',
    'metadata:',
    '  name: llm-chat',
    `  namespace: ${ns}`,
    'spec:',
    '  hosts: [llm-chat]',
    '  http:',
    '    - route:',
    '        - destination: { host: llm-chat, port: { number: 80 } }',
    '',
  ].join('\n');

const virtualService = (ns: string) => getJson(['virtualservice.networking.istio.io', 'llm-chat', '-n', ns]);

const selector = (ns: string) =>
  getJson(['service', 'llm-chat', '-n', ns]).spec.selector as Record<string, string>;

describe('blue-green and shadow on a real control plane', () => {
  it('blue-green: one switch to a ready green, and rollback in the warm window is the reverse switch', async () => {
    const s = (current = service('e2e-bluegreen'));
    edit(s.dir, 'mlready.yaml', '    strategy: rolling\n', '    strategy: blue-green\n');
    expect((await s.mlready(['deploy', '.'])).code).toBe(0);
    await until(s.deployment, (d) => d.status?.availableReplicas === 2);
    prometheus = await startFakePrometheus();

    // 1. A good release with a short warm window: switched, promoted, back on the release's selector.
    const t0 = Date.now();
    const good = await s.mlready([
      'deploy',
      '.',
      '--image',
      V2,
      ...flags(prometheus.url, '3s', '--warm-window'),
    ]);
    const goodWallMs = Date.now() - t0;
    expect(good.stderr).not.toContain('error:');
    expect(good.code).toBe(0);
    const promoted = JSON.parse(good.stdout);
    expect(promoted.blueGreen.outcome).toBe('promoted');
    expect(selector(s.ns)).toEqual({ 'app.kubernetes.io/name': 'llm-chat' });
    expect(s.image()).toBe(V2);
    expect(() => kubectl(['get', 'deployment', 'llm-chat-green', '-n', s.ns])).toThrow();

    // 2. The next release, rolled back by hand in its warm window: the reverse switch.
    const V3 = `vllm/vllm-openai:v0.6.5@sha256:${'b'.repeat(64)}`;
    const deploying = s.mlready([
      'deploy',
      '.',
      '--image',
      V3,
      ...flags(prometheus.url, '60s', '--warm-window'),
    ]);
    await until(
      () => selector(s.ns),
      (sel) => sel['mlready.dev/track'] === 'green',
      90_000,
    );
    const switchedAt = Date.now();
    const status = await s.mlready(['status', 'llm-chat', '-n', s.ns]);
    expect(status.stdout).toMatch(/Deployment\/llm-chat-green +green .* 100 % /);
    expect(status.stdout).toMatch(
      /blue-green: green serves \(Service\/llm-chat\); blue is warm until \d{4}-\d\d-\d\dT[\d:.]+Z/,
    );
    // The warm-until annotation (a merge patch of green's metadata) is stored by the real API server.
    const annotations = getJson(['deployment', 'llm-chat-green', '-n', s.ns]).metadata.annotations;
    expect(Date.parse(annotations['mlready.dev/blue-green-warm-until'])).toBeGreaterThan(Date.now());
    const r0 = Date.now();
    const back = await s.mlready(['rollback', 'llm-chat', '-n', s.ns]);
    const rollbackWallMs = Date.now() - r0;
    expect(back.stderr).not.toContain('error:');
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/switched Service\/llm-chat back to blue/);
    const elapsed = /elapsed: ([\d.]+) s \(budget 300 s\)/.exec(back.stdout);
    expect(elapsed).not.toBeNull();
    expect(selector(s.ns)).toEqual({ 'app.kubernetes.io/name': 'llm-chat' });
    const aborted = await deploying;
    expect(aborted.code).toBe(1);
    expect(s.image()).toBe(V2);
    const timings = {
      switchMs: promoted.blueGreen.switchMs,
      goodReleaseWallMs: goodWallMs,
      reverseSwitchMs: Number(elapsed![1]) * 1000,
      rollbackCommandWallMs: rollbackWallMs,
      secondsInWarmWindowBeforeRollback: (r0 - switchedAt) / 1000,
    };
    console.log(`E2E-TIMINGS blue-green ${JSON.stringify(timings)}`);
    expect(timings.reverseSwitchMs).toBeLessThan(300_000);
  });

  it('blue-green with a VirtualService: the mirror to green before the switch and not after; switch and reverse switch timed', async () => {
    const s = (current = service('e2e-bluegreen-mirror'));
    edit(
      s.dir,
      'mlready.yaml',
      '    strategy: rolling\n',
      '    strategy: blue-green\n    blueGreen:\n      mirrorPercent: 40\n',
    );
    writeFileSync(join(s.dir, 'k8s/virtualservice.yaml'), VIRTUAL_SERVICE(s.ns));
    expect((await s.mlready(['deploy', '.'])).code).toBe(0);
    await until(s.deployment, (d) => d.status?.availableReplicas === 2);
    prometheus = await startFakePrometheus();

    // 1. A good release: mirrored to llm-chat-green (all traffic still on llm-chat), then switched.
    const t0 = Date.now();
    const deploying = s.mlready([
      'deploy',
      '.',
      '--image',
      V2,
      '--pre-switch-window',
      '4s',
      ...flags(prometheus.url, '2s', '--warm-window'),
    ]);
    const mirroring = await until(
      () => virtualService(s.ns).spec.http[0],
      (http) => http.mirror !== undefined,
      90_000,
    );
    expect(mirroring.mirror).toEqual({ host: 'llm-chat-green', port: { number: 80 } });
    expect(mirroring.mirrorPercentage).toEqual({ value: 40 });
    expect(mirroring.route).toEqual([{ destination: { host: 'llm-chat', port: { number: 80 } } }]);
    const switched = await until(
      () => virtualService(s.ns).spec.http[0],
      (http) => http.route.some((d: any) => d.destination.host === 'llm-chat-green'),
      90_000,
    );
    expect(switched.mirror).toBeUndefined();
    expect(switched.mirrorPercentage).toBeUndefined();
    expect(switched.route).toEqual([
      { destination: { host: 'llm-chat', port: { number: 80 } }, weight: 0 },
      { destination: { host: 'llm-chat-green', port: { number: 80 } }, weight: 100 },
    ]);
    const good = await deploying;
    const goodWallMs = Date.now() - t0;
    expect(good.stderr).not.toContain('error:');
    expect(good.code).toBe(0);
    const promoted = JSON.parse(good.stdout);
    expect(promoted.blueGreen.outcome).toBe('promoted');
    expect(promoted.blueGreen.preSwitch).toMatchObject({ mode: 'mirror', verdict: 'passed', percent: 40 });
    const after = virtualService(s.ns).spec.http[0];
    expect(after.mirror).toBeUndefined();
    expect(after.route).toEqual([{ destination: { host: 'llm-chat', port: { number: 80 } } }]);
    expect(s.image()).toBe(V2);
    expect(() => kubectl(['get', 'service', 'llm-chat-green', '-n', s.ns])).toThrow();

    // 2. The next release, rolled back in its warm window: the route's weights go back.
    const V3 = `vllm/vllm-openai:v0.6.5@sha256:${'b'.repeat(64)}`;
    const next = s.mlready([
      'deploy',
      '.',
      '--image',
      V3,
      '--pre-switch-window',
      '2s',
      ...flags(prometheus.url, '60s', '--warm-window'),
    ]);
    await until(
      () => virtualService(s.ns).spec.http[0],
      (http) => http.route.some((d: any) => d.destination.host === 'llm-chat-green' && d.weight === 100),
      90_000,
    );
    const r0 = Date.now();
    const back = await s.mlready(['rollback', 'llm-chat', '-n', s.ns]);
    const rollbackWallMs = Date.now() - r0;
    expect(back.stderr).not.toContain('error:');
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('switched VirtualService/llm-chat back to blue');
    const elapsed = /elapsed: ([\d.]+) s \(budget 300 s\)/.exec(back.stdout);
    expect(elapsed).not.toBeNull();
    expect(virtualService(s.ns).spec.http[0]).toEqual({
      route: [{ destination: { host: 'llm-chat', port: { number: 80 } } }],
    });
    expect((await next).code).toBe(1);
    expect(s.image()).toBe(V2);
    const timings = {
      preSwitchSamples: promoted.blueGreen.samples.filter((x: any) => x.phase === 'before-switch').length,
      switchMs: promoted.blueGreen.switchMs,
      goodReleaseWallMs: goodWallMs,
      reverseSwitchMs: Number(elapsed![1]) * 1000,
      rollbackCommandWallMs: rollbackWallMs,
    };
    console.log(`E2E-TIMINGS blue-green-mirror ${JSON.stringify(timings)}`);
  });

  it('shadow: the VirtualService carries the mirror while the shadow runs, and loses it on teardown', async () => {
    const s = (current = service('e2e-shadow'));
    edit(
      s.dir,
      'mlready.yaml',
      '    strategy: rolling\n',
      '    strategy: shadow\n    shadow:\n      mirrorPercent: 25\n    analysis:\n      consecutiveFailures: 2\n',
    );
    writeFileSync(
      join(s.dir, 'k8s/virtualservice.yaml'),
      [
        'apiVersion: networking.istio.io/v1',
        'kind: VirtualService',
        'metadata:',
        '  name: llm-chat',
        `  namespace: ${s.ns}`,
        'spec:',
        '  hosts: [llm-chat]',
        '  http:',
        '    - route:',
        '        - destination: { host: llm-chat, port: { number: 80 } }',
        '',
      ].join('\n'),
    );
    expect((await s.mlready(['deploy', '.'])).code).toBe(0);
    prometheus = await startFakePrometheus();
    prometheus.set('canary', { p95: 0.3 }); // the shadow is 3× slower than stable
    const deploying = s.mlready(['deploy', '.', '--image', V2, ...flags(prometheus.url, '30s')]);
    const vs = await until(
      () => getJson(['virtualservice.networking.istio.io', 'llm-chat', '-n', s.ns]),
      (v) => v.spec.http[0].mirror !== undefined,
      90_000,
    );
    expect(vs.spec.http[0].mirror).toEqual({ host: 'llm-chat-shadow', port: { number: 80 } });
    expect(vs.spec.http[0].mirrorPercentage).toEqual({ value: 25 });
    const status = await s.mlready(['status', 'llm-chat', '-n', s.ns]);
    expect(status.stdout).toContain('shadow: 25 % of live requests mirrored (VirtualService/llm-chat)');
    const r = await deploying;
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.shadow.outcome).toBe('torn-down');
    const after = getJson(['virtualservice.networking.istio.io', 'llm-chat', '-n', s.ns]);
    expect(after.spec.http[0].mirror).toBeUndefined();
    expect(after.spec.http[0].mirrorPercentage).toBeUndefined();
    expect(() => kubectl(['get', 'deployment', 'llm-chat-shadow', '-n', s.ns])).toThrow();
    expect(() => kubectl(['get', 'service', 'llm-chat-shadow', '-n', s.ns])).toThrow();
    expect(s.image()).not.toBe(V2);
    console.log(`E2E-TIMINGS shadow teardown ${JSON.stringify(json.shadow.teardown)}`);
  });
});
