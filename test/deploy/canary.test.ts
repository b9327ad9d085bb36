import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { judgeSample } from '../../src/deploy/canary.js';
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

describe('judgeSample', () => {
  const t = { maxLatencyIncreasePct: 20, maxErrorRate: 0.01, consecutiveFailures: 2 };
  it.each([
    [{ p95: 0.1, errorRate: 0 }, { p95: 0.1, errorRate: 0 }, 'good'],
    [{ p95: 0.119, errorRate: 0 }, { p95: 0.1, errorRate: 0 }, 'good'],
    [{ p95: 0.121, errorRate: 0 }, { p95: 0.1, errorRate: 0 }, 'bad'],
    [{ p95: 0.1, errorRate: 0.02 }, { p95: 0.1, errorRate: 0.02 }, 'bad'],
    [{ p95: undefined, errorRate: undefined }, { p95: 0.1, errorRate: 0 }, 'no-data'],
    [{ p95: 0.5, errorRate: 0 }, { p95: undefined, errorRate: undefined }, 'good'],
  ])('canary %o vs stable %o is %s', (canary, stable, verdict) => {
    expect(judgeSample(canary, stable, t).verdict).toBe(verdict);
  });
});

describe('canary rollout gated on a real Prometheus', () => {
  let cluster: FakeCluster;
  let dir: string;
  let stable: ModelExporter;
  let canary: ModelExporter;
  let prometheus: PrometheusServer;
  let stablePod: string;

  beforeAll(async () => {
    stable = await startModelExporter(0.1);
    canary = await startModelExporter(0.1);
  });
  afterAll(async () => {
    await stable.close();
    await canary.close();
  });

  beforeEach(async () => {
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator', 'istio'] });
    dir = exampleRelease('mlready-canary-', {
      rollout: [
        '    strategy: canary',
        '    canary:',
        '      steps: [25, 50]',
        '      mode: replicas',
        '    analysis:',
        '      maxLatencyIncreasePct: 20',
        '      maxErrorRate: 0.05',
        '      consecutiveFailures: 2',
      ],
    });
    expect((await cli(['deploy', '.', '--kubeconfig', cluster.kubeconfig], { cwd: dir })).code).toBe(0);
    const rs = cluster.api.objects('ReplicaSet', 'ml-serving')[0]!;
    stablePod = `${rs.metadata.name}-abcde`;
    prometheus = await startPrometheus([
      { address: stable.url, labels: { namespace: 'ml-serving', pod: stablePod } },
      { address: canary.url, labels: { namespace: 'ml-serving', pod: 'llm-chat-canary-7d9f8b6c5-xk2lp' } },
    ]);
    await waitForSamples(
      prometheus.url,
      'rate(model_inference_duration_seconds_count[10s]) > 0 and on() count(model_inference_duration_seconds_count) == 2',
    );
  }, 40_000);

  afterEach(async () => {
    await prometheus.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deployV2 = (extra: string[] = []) =>
    cli(
      [
        'deploy',
        '.',
        '--kubeconfig',
        cluster.kubeconfig,
        '--image',
        V2,
        '--prometheus-url',
        prometheus.url,
        '--step-duration',
        '2s',
        '--analysis-interval',
        '1s',
        '--format',
        'json',
        ...extra,
      ],
      { cwd: dir },
    );

  it('promotes a canary that is as fast as stable', async () => {
    stable.set(0.1, 0);
    canary.set(0.1, 0);
    const r = await deployV2();
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.outcome).toBe('deployed');
    expect(json.canary.outcome).toBe('promoted');
    expect(json.canary.samples.length).toBeGreaterThanOrEqual(3);
    expect(json.canary.samples.every((s: { verdict: string }) => s.verdict === 'good')).toBe(true);
    expect(json.canary.samples[0].stable.p95).toBeGreaterThan(0.08);
    expect(json.canary.samples[0].stable.p95).toBeLessThan(0.2);
    expect(r.stderr).toMatch(/step 25 %: llm-chat-canary at 1 replica/);
    const d = cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!;
    expect(d.spec.template.spec.containers[0].image).toBe(V2);
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-canary')).toBeUndefined();
  }, 40_000);

  it('aborts after two bad samples when the canary p95 is 3× stable, and removes it', async () => {
    stable.set(0.1, 0);
    canary.set(0.3, 0);
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.outcome).toBe('rolled-back');
    expect(json.canary.outcome).toBe('aborted');
    expect(json.message).toMatch(/canary aborted \(2 bad samples in a row: p95 \d+ ms vs stable \d+ ms/);
    expect(json.canary.samples.filter((s: { verdict: string }) => s.verdict === 'bad')).toHaveLength(2);
    expect(json.rollback.elapsedMs).toBeLessThan(5000);
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-canary')).toBeUndefined();
    expect(
      cluster.api.object('Deployment', 'ml-serving', 'llm-chat')!.spec.template.spec.containers[0].image,
    ).not.toBe(V2);
  }, 40_000);

  it('aborts a canary whose predictions moved, though it is as fast and as error-free as stable', async () => {
    stable.set(0.1, 0);
    canary.set(0.1, 0);
    stable.predict({ center: 0.3 });
    canary.predict({ center: 0.75 });
    try {
      // The exporters outlive the tests: wait until the last test's slow canary is out of the window.
      await waitForSamples(
        prometheus.url,
        'count(increase(model_prediction_value_count[10s]) > 0) == 2 and on() histogram_quantile(0.95, sum by (le) (rate(model_inference_duration_seconds_bucket{pod=~"llm-chat-canary.*"}[10s]))) < 0.15',
        30_000,
      );
      const r = await deployV2();
      expect(r.code).toBe(1);
      const json = JSON.parse(r.stdout);
      expect(json.canary.outcome).toBe('aborted');
      expect(json.message).toMatch(
        /canary aborted \(2 bad samples in a row: prediction PSI \d+\.\d+ above critical 0\.25\)/,
      );
      expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-canary')).toBeUndefined();
    } finally {
      stable.predict(undefined);
      canary.predict(undefined);
    }
  }, 60_000);

  it('aborts on a canary error rate above the limit', async () => {
    stable.set(0.1, 0);
    canary.set(0.1, 0.2);
    const r = await deployV2();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).message).toMatch(/error rate \d+\.\d+ % above 5\.00 %/);
  }, 40_000);

  it('fails safe when Prometheus cannot be queried', async () => {
    await prometheus.close();
    prometheus = { url: prometheus.url, close: () => Promise.resolve() };
    const r = await deployV2();
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    // Asked before any canary pod exists: refused with nothing changed.
    expect(json.outcome).toBe('refused');
    expect(json.message).toMatch(
      /canary refused: cannot query Prometheus at http:\/\/127\.0\.0\.1:\d+.*; nothing was changed/,
    );
    expect(cluster.api.object('Deployment', 'ml-serving', 'llm-chat-canary')).toBeUndefined();
  }, 40_000);
});
