/**
 * Blue-green analysis before the switch, against the real Debian Prometheus scraping prom-client
 * exporters that emit prediction histograms (blue's and green's): with a VirtualService in front
 * of the Service, live traffic is mirrored to green and judged before any traffic moves; without
 * one, the release says that no analysis before the switch was possible.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { switchedRoute } from '../../src/deploy/blue-green.js';
import { mirrored } from '../../src/deploy/shadow.js';
import type { KubeObject } from '../../src/k8s/types.js';
import { cli } from '../helpers/cli.js';
import { exampleRelease, IMAGE_V1 as V1, IMAGE_V2 as V2 } from '../helpers/example-release.js';
import { startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import {
  startModelExporter,
  startPrometheus,
  waitForSamples,
  type ModelExporter,
  type PrometheusServer,
} from '../helpers/prometheus.js';

const BLUE = { 'app.kubernetes.io/name': 'llm-chat' };

interface Route {
  destination: { host: string };
  weight?: number;
}
interface HttpRoute {
  route: Route[];
  mirror?: { host: string; port?: unknown };
  mirrorPercentage?: { value: number };
}

describe('the switch of a mirrored route', () => {
  it('sets an Istio route to green at 100 and takes the mirror to green out, in one object', () => {
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'fraud', namespace: 'ml' },
      spec: {
        http: [
          { match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] },
          { route: [{ destination: { host: 'fraud.ml.svc.cluster.local', port: { number: 80 } } }] },
        ],
      },
    };
    const on = mirrored(vs, 'fraud', 'fraud-green', 30);
    expect((on.spec as { http: HttpRoute[] }).http[1]!.mirror).toEqual({
      host: 'fraud-green',
      port: { number: 80 },
    });
    expect((switchedRoute(on, 'fraud', 'fraud-green').spec as { http: unknown[] }).http).toEqual([
      { match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] },
      {
        route: [
          { destination: { host: 'fraud.ml.svc.cluster.local', port: { number: 80 } }, weight: 0 },
          { destination: { host: 'fraud-green', port: { number: 80 } }, weight: 100 },
        ],
      },
    ]);
  });

  it('sets an HTTPRoute rule to green at 100 and drops its RequestMirror to green, keeping other filters', () => {
    const header = {
      type: 'RequestHeaderModifier',
      requestHeaderModifier: { add: [{ name: 'x-model', value: 'fraud' }] },
    };
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'fraud', namespace: 'ml' },
      spec: { rules: [{ backendRefs: [{ name: 'fraud', port: 8080 }], filters: [header] }] },
    };
    const on = mirrored(route, 'fraud', 'fraud-green', 100);
    expect((on.spec as { rules: { filters: unknown[] }[] }).rules[0]!.filters).toHaveLength(2);
    expect((switchedRoute(on, 'fraud', 'fraud-green').spec as { rules: unknown[] }).rules).toEqual([
      {
        backendRefs: [
          { name: 'fraud', port: 8080, weight: 0 },
          { name: 'fraud-green', port: 8080, weight: 100 },
        ],
        filters: [header],
      },
    ]);
  });
});

describe('blue-green analysis before the switch (real Prometheus, prediction histograms)', () => {
  let cluster: FakeCluster;
  let dir: string;
  let blue: ModelExporter;
  let green: ModelExporter;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    blue = await startModelExporter(0.1);
    green = await startModelExporter(0.1);
  });
  afterAll(async () => {
    await blue.close();
    await green.close();
  });
  afterEach(async () => {
    await prometheus?.close();
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The release at V1 (with the VirtualService or without), and Prometheus scraping blue and green. */
  const setup = async (withRoute: boolean) => {
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator', 'istio'] });
    dir = exampleRelease('mlready-bg-pre-', {
      virtualService: withRoute,
      rollout: [
        '    strategy: blue-green',
        '    blueGreen:',
        '      mirrorPercent: 50',
        '    analysis:',
        '      maxLatencyIncreasePct: 20',
        '      maxErrorRate: 0.05',
        '      consecutiveFailures: 2',
        '      prediction:',
        '        minSamples: 100',
      ],
    });
    expect((await cli(['deploy', '.', '--kubeconfig', cluster.kubeconfig], { cwd: dir })).code).toBe(0);
    const rs = cluster.api.objects('ReplicaSet', 'ml-serving')[0]!;
    prometheus = await startPrometheus([
      { address: blue.url, labels: { namespace: 'ml-serving', pod: `${rs.metadata.name}-abcde` } },
      { address: green.url, labels: { namespace: 'ml-serving', pod: 'llm-chat-green-7d9f8b6c5-xk2lp' } },
    ]);
    await waitForSamples(
      prometheus.url,
      'count(increase(model_prediction_value_count[10s]) > 0) == 2 and on() count(rate(model_inference_duration_seconds_count[10s]) > 0) == 2',
      30_000,
    );
  };

  /** Deploys V2 and records every state of the VirtualService the API server stored, write by write. */
  const deployV2 = async (format: 'json' | 'text' = 'json', whileMirrored?: () => Promise<void>) => {
    const states: HttpRoute[] = [];
    let mirrored: () => void = () => undefined;
    const mirroring = new Promise<void>((resolve) => (mirrored = resolve));
    const stop = cluster.api.store.subscribe((e) => {
      if (e.info.plural !== 'virtualservices' || e.type === 'DELETED') return;
      const http = structuredClone((e.object.spec as { http: HttpRoute[] }).http[0]!);
      states.push(http);
      if (http.mirror) mirrored();
    });
    const during = whileMirrored ? mirroring.then(whileMirrored) : undefined;
    const r = await cli(
      [
        ...['deploy', '.', '--kubeconfig', cluster.kubeconfig, '--image', V2],
        ...['--prometheus-url', prometheus.url, '--analysis-interval', '1s'],
        ...['--pre-switch-window', '4s', '--warm-window', '2s', '--format', format],
      ],
      { cwd: dir },
    );
    stop();
    await during;
    return { ...r, states };
  };

  const selector = () => cluster.api.object('Service', 'ml-serving', 'llm-chat')!.spec.selector;
  const image = () =>
    cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!.spec.template.spec.containers[0].image;
  const toGreen = (s: HttpRoute) => s.route.some((d) => d.destination.host === 'llm-chat-green');
  const greenGone = () => {
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-green')).toBeUndefined();
    expect(cluster.api.object('Service', 'ml-serving', 'llm-chat-green')).toBeUndefined();
    expect(
      cluster.api.object('VirtualService', 'ml-serving', 'llm-chat')!.spec.http[0].mirror,
    ).toBeUndefined();
  };

  it('mirrors live traffic to green and judges it before the switch; then one write switches and removes the mirror', async () => {
    blue.predict({ center: 0.3 });
    green.predict({ center: 0.3 });
    await setup(true);
    let status = '';
    const r = await deployV2('json', async () => {
      status = (await cli(['status', 'llm-chat', '-n', 'ml-serving', '--kubeconfig', cluster.kubeconfig]))
        .stdout;
    });
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    // While green was judged, status said blue serves and green gets the mirrored copies.
    expect(status).toContain(
      'blue-green: blue serves; green gets 50 % of live requests mirrored (VirtualService/llm-chat) for the analysis before the switch',
    );
    const json = JSON.parse(r.stdout);
    expect(json.blueGreen.outcome).toBe('promoted');
    expect(json.blueGreen.preSwitch).toMatchObject({
      mode: 'mirror',
      route: 'VirtualService/llm-chat',
      target: 'llm-chat-green',
      percent: 50,
      verdict: 'passed',
    });
    const before = json.blueGreen.samples.filter((s: { phase: string }) => s.phase === 'before-switch');
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.at(-1).prediction.verdict).toBe('good');
    expect(before.at(-1).prediction.candidateSamples).toBeGreaterThanOrEqual(100);
    // The stored states: the mirror to green while all traffic still went to blue, then the switch
    // (green at 100) in the very next write, without the mirror; never both at once.
    const mirroredAt = r.states.findIndex((s) => s.mirror !== undefined);
    expect(mirroredAt).toBeGreaterThanOrEqual(0);
    expect(r.states[mirroredAt]).toEqual({
      route: [{ destination: { host: 'llm-chat', port: { number: 80 } } }],
      mirror: { host: 'llm-chat-green', port: { number: 80 } },
      mirrorPercentage: { value: 50 },
    });
    expect(r.states[mirroredAt + 1]).toEqual({
      route: [
        { destination: { host: 'llm-chat', port: { number: 80 } }, weight: 0 },
        { destination: { host: 'llm-chat-green', port: { number: 80 } }, weight: 100 },
      ],
    });
    expect(r.states.filter((s) => s.mirror !== undefined && toGreen(s))).toEqual([]);
    expect(image()).toBe(V2);
    greenGone();
  }, 90_000);

  it('removes green and the mirror when its predictions moved (latency and errors equal): traffic never moved', async () => {
    blue.predict({ center: 0.3 });
    green.predict({ center: 0.7 });
    await setup(true);
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.blueGreen.outcome).toBe('torn-down');
    expect(json.blueGreen.preSwitch.verdict).toBe('failed');
    expect(json.message).toMatch(
      /green failed the analysis before the switch \(2 bad samples in a row: prediction PSI \d+\.\d+ above critical 0\.25\); traffic never moved: removed mirror in VirtualService\/llm-chat, Deployment\/llm-chat-green, Service\/llm-chat-green/,
    );
    expect(json.blueGreen.samples.flatMap((s: { reasons: string[] }) => s.reasons).join()).not.toMatch(
      /p95|error rate/,
    );
    expect(json.blueGreen.switchMs).toBeUndefined();
    // The mirror was on, traffic never went to green, and the mirror is gone.
    expect(r.states.some((s) => s.mirror?.host === 'llm-chat-green')).toBe(true);
    expect(r.states.filter(toGreen)).toEqual([]);
    expect(selector()).toEqual(BLUE);
    expect(image()).toBe(V1);
    greenGone();
  }, 90_000);

  it('is inconclusive with too little mirrored traffic, never a pass: traffic never moved', async () => {
    blue.predict({ center: 0.3 });
    green.predict({ center: 0.3, every: 25 }); // 2 predictions a second: well under 100 in the window
    await setup(true);
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.blueGreen.outcome).toBe('inconclusive');
    expect(json.blueGreen.preSwitch.verdict).toBe('inconclusive');
    expect(json.message).toMatch(
      /green not switched to \(prediction analysis inconclusive: too few predictions to compare \(new \d+; at least 100 each\)\); traffic never moved/,
    );
    expect(r.states.filter(toGreen)).toEqual([]);
    expect(image()).toBe(V1);
    greenGone();
  }, 90_000);

  it('without a route, says that no analysis before the switch was possible, and judges green after it', async () => {
    blue.predict({ center: 0.3 });
    green.predict({ center: 0.3 });
    await setup(false);
    const r = await deployV2('text');
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    const statement =
      'analysis before the switch was not possible (no Istio VirtualService or Gateway API HTTPRoute in front of the Service to mirror live traffic to green): latency, errors and predictions were judged only after the switch, in the warm window, with the reverse switch as the protection';
    expect(r.stdout).toContain(`warning ${statement}`);
    expect(r.stdout).toContain(
      'before the switch: not analysed (no route to mirror to green); judged only after the switch, in the warm window',
    );
    expect(r.stdout).toMatch(
      /no analysis before the switch \(no route to mirror to green\); switched to green/,
    );
    expect(r.stdout).toMatch(/switch: \d+\.\d\d s; warm window: [1-9]\d* sample\(s\), 0 bad/);
    expect(image()).toBe(V2);
  }, 90_000);
});
