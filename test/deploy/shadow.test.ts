import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shadowDeployment, withMirror, withRequestMirror } from '../../src/deploy/shadow.js';
import type { KubeObject } from '../../src/k8s/types.js';
import { cli } from '../helpers/cli.js';
import { exampleRelease, IMAGE_V2 as V2 } from '../helpers/example-release.js';
import { startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import {
  startModelExporter,
  startPrometheus,
  waitForSamples,
  type ModelExporter,
  type PrometheusServer,
} from '../helpers/prometheus.js';

describe('mirror configuration', () => {
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

  it('adds mirror and mirrorPercentage to the Istio routes that send to the service, and takes them out again', () => {
    const on = withMirror(vs, 'fraud', 'fraud-shadow', 25);
    const http = (on.spec as { http: Record<string, unknown>[] }).http;
    expect(http[0]).not.toHaveProperty('mirror');
    expect(http[1]!.mirror).toEqual({ host: 'fraud-shadow', port: { number: 80 } });
    expect(http[1]!.mirrorPercentage).toEqual({ value: 25 });
    expect(withMirror(on, 'fraud', 'fraud-shadow', undefined)).toEqual(vs);
  });

  it('adds a RequestMirror filter to the HTTPRoute rules that send to the service', () => {
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'fraud', namespace: 'ml' },
      spec: { rules: [{ backendRefs: [{ name: 'fraud', port: 8080 }] }] },
    };
    const on = withRequestMirror(route, 'fraud', 'fraud-shadow', 10);
    expect((on.spec as { rules: unknown[] }).rules[0]).toEqual({
      backendRefs: [{ name: 'fraud', port: 8080 }],
      filters: [
        {
          type: 'RequestMirror',
          requestMirror: { backendRef: { name: 'fraud-shadow', port: 8080 }, percent: 10 },
        },
      ],
    });
    expect(withRequestMirror(on, 'fraud', 'fraud-shadow', undefined)).toEqual(route);
  });

  it('gives the shadow pods labels that the stable Service does not select', () => {
    const shadow = shadowDeployment(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'fraud', namespace: 'ml' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'fraud' } },
          template: { metadata: { labels: { app: 'fraud', tier: 'model' } }, spec: { containers: [] } },
        },
      },
      1,
    );
    expect(shadow.metadata.name).toBe('fraud-shadow');
    expect((shadow.spec as { replicas: number }).replicas).toBe(1);
    expect((shadow.spec as { template: { metadata: { labels: unknown } } }).template.metadata.labels).toEqual(
      {
        app: 'fraud-shadow',
        tier: 'model',
        'mlready.dev/track': 'shadow',
      },
    );
  });
});

describe('shadow release gated on a real Prometheus with prediction histograms', () => {
  let cluster: FakeCluster;
  let dir: string;
  let stable: ModelExporter;
  let shadow: ModelExporter;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    stable = await startModelExporter(0.1);
    shadow = await startModelExporter(0.1);
  });
  afterAll(async () => {
    await stable.close();
    await shadow.close();
  });

  beforeEach(async () => {
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator', 'istio'] });
    dir = exampleRelease('mlready-shadow-', {
      virtualService: true,
      rollout: [
        '    strategy: shadow',
        '    shadow:',
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
      { address: stable.url, labels: { namespace: 'ml-serving', pod: `${rs.metadata.name}-abcde` } },
      { address: shadow.url, labels: { namespace: 'ml-serving', pod: 'llm-chat-shadow-7d9f8b6c5-xk2lp' } },
    ]);
  }, 40_000);

  afterEach(async () => {
    await prometheus.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ready = () =>
    waitForSamples(
      prometheus.url,
      'count(increase(model_prediction_value_count[10s]) > 0) == 2 and on() count(rate(model_inference_duration_seconds_count[10s]) > 0) == 2',
      30_000,
    );

  /** Deploys V2 and records the mirror the VirtualService carries while it runs. */
  const deployV2 = async () => {
    const mirrors = new Set<string>();
    const poll = setInterval(() => {
      const vs = cluster.api.object('VirtualService', 'ml-serving', 'llm-chat');
      const route = vs?.spec?.http?.[0];
      if (route?.mirror) mirrors.add(JSON.stringify({ mirror: route.mirror, pct: route.mirrorPercentage }));
    }, 50);
    const args = ['deploy', '.', '--kubeconfig', cluster.kubeconfig, '--image', V2];
    const r = await cli(
      [
        ...args,
        ...['--prometheus-url', prometheus.url, '--step-duration', '4s', '--analysis-interval', '1s'],
        ...['--format', 'json'],
      ],
      { cwd: dir },
    );
    clearInterval(poll);
    return { ...r, mirrors: [...mirrors].map((m) => JSON.parse(m) as unknown) };
  };

  const stableImage = () =>
    cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!.spec.template.spec.containers[0].image;

  const shadowGone = () => {
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-shadow')).toBeUndefined();
    expect(cluster.api.object('Service', 'ml-serving', 'llm-chat-shadow')).toBeUndefined();
    expect(
      cluster.api.object('VirtualService', 'ml-serving', 'llm-chat')!.spec.http[0].mirror,
    ).toBeUndefined();
  };

  it('promotes a shadow whose predictions match stable’s', async () => {
    stable.predict({ center: 0.3 });
    shadow.predict({ center: 0.3 });
    await ready();
    const r = await deployV2();
    expect(r.stderr).not.toContain('error:');
    const json = JSON.parse(r.stdout);
    expect(json.shadow.outcome).toBe('promoted');
    expect(r.code).toBe(0);
    expect(json.outcome).toBe('deployed');
    // The mirror was on while the shadow ran: 50 % to the shadow Service.
    expect(r.mirrors).toEqual([
      { mirror: { host: 'llm-chat-shadow', port: { number: 80 } }, pct: { value: 50 } },
    ]);
    const last = json.shadow.samples.at(-1);
    expect(last.prediction.verdict).toBe('good');
    expect(last.prediction.value).toBeLessThan(0.1);
    expect(last.prediction.candidateSamples).toBeGreaterThanOrEqual(100);
    expect(stableImage()).toBe(V2);
    shadowGone();
  }, 60_000);

  it('tears down a shadow whose predictions moved, though latency and errors are equal', async () => {
    stable.predict({ center: 0.3 });
    shadow.predict({ center: 0.7 });
    await ready();
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.shadow.outcome).toBe('torn-down');
    expect(json.message).toMatch(
      /shadow failed \(2 bad samples in a row: prediction PSI \d+\.\d+ above critical 0\.25\)/,
    );
    // Latency and error rate were never the reason.
    expect(json.shadow.samples.flatMap((s: { reasons: string[] }) => s.reasons).join()).not.toMatch(
      /p95|error rate/,
    );
    expect(r.mirrors).toHaveLength(1);
    expect(stableImage()).not.toBe(V2);
    shadowGone();
  }, 60_000);

  it('is inconclusive with too little shadow traffic, never a pass', async () => {
    stable.predict({ center: 0.3 });
    shadow.predict({ center: 0.3, every: 25 }); // 2 predictions a second: ~20 in the 10 s window
    await ready();
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.shadow.outcome).toBe('inconclusive');
    expect(json.message).toMatch(
      /shadow not promoted \(prediction analysis inconclusive: too few predictions to compare \(new \d+; at least 100 each\)\)/,
    );
    expect(stableImage()).not.toBe(V2);
    shadowGone();
  }, 60_000);
});
