import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusSource } from '../../src/deploy/canary.js';
import {
  bucketsFromCumulative,
  comparePredictions,
  type PredictionPolicy,
  type VectorSample,
} from '../../src/deploy/prediction.js';
import {
  PREDICTION_BUCKETS,
  startModelExporter,
  startPrometheus,
  waitForSamples,
  type ModelExporter,
  type PrometheusServer,
} from '../helpers/prometheus.js';

const policy: PredictionPolicy = {
  metric: 'model_prediction_value',
  featureMissingMetric: 'model_feature_missing_rate',
  method: 'psi',
  warn: 0.1,
  critical: 0.25,
  minSamples: 100,
  missingWarn: 0.05,
  missingCritical: 0.2,
};

/** Cumulative `le` series from per-bucket counts, as Prometheus returns them. */
const cumulative = (les: string[], counts: number[]): VectorSample[] => {
  let sum = 0;
  return les.map((le, i) => ({ labels: { le }, value: (sum += counts[i]!) }));
};

/** PSI written out independently of src/drift/stats.ts, with the same 0.0001 floor on empty bins. */
const directPsi = (reference: number[], current: number[]) => {
  const r = reference.reduce((a, b) => a + b, 0);
  const c = current.reduce((a, b) => a + b, 0);
  return reference.reduce((acc, ref, i) => {
    const p = Math.max(ref / r, 1e-4);
    const q = Math.max(current[i]! / c, 1e-4);
    return acc + (q - p) * Math.log(q / p);
  }, 0);
};

describe('prediction comparison from histogram buckets', () => {
  const les = ['0.25', '0.5', '0.75', '+Inf'];

  it('turns cumulative le series into per-bucket counts, whatever order they come in', () => {
    const series = cumulative(les, [10, 20, 30, 40]).reverse();
    expect(bucketsFromCumulative(series)).toEqual({ les, counts: [10, 20, 30, 40] });
  });

  it('computes PSI from the bucket counts as a direct computation does', () => {
    const stable = [100, 200, 300, 400];
    const moved = [400, 300, 200, 100];
    const r = comparePredictions(cumulative(les, stable), cumulative(les, moved), policy);
    expect(r.value).toBeCloseTo(directPsi(stable, moved), 12);
    // 0.3·ln4 + 0.1·ln1.5 twice: 0.4159 + 0.0405 = 0.9129 (by hand).
    expect(r.value).toBeCloseTo(2 * (0.3 * Math.log(4) + 0.1 * Math.log(1.5)), 12);
    expect(r.verdict).toBe('bad');
    expect(r.reasons[0]).toMatch(/prediction PSI 0\.913 above critical 0\.25/);
  });

  it('passes matching distributions and warns between the thresholds', () => {
    const stable = [100, 200, 300, 400];
    expect(comparePredictions(cumulative(les, stable), cumulative(les, stable), policy).verdict).toBe('good');
    const slightly = [150, 200, 300, 350];
    const r = comparePredictions(cumulative(les, stable), cumulative(les, slightly), {
      ...policy,
      warn: 0.01,
    });
    expect(r.value).toBeCloseTo(directPsi(stable, slightly), 12);
    expect(r.verdict).toBe('warn');
  });

  it('is inconclusive with too few predictions on either side, never a pass', () => {
    const r = comparePredictions(
      cumulative(les, [100, 200, 300, 400]),
      cumulative(les, [5, 10, 15, 20]),
      policy,
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.value).toBeUndefined();
    expect(r.reasons[0]).toBe('too few predictions to compare (new 50; at least 100 each)');
  });

  it('is inconclusive when the buckets differ, and says when stable exports no histogram', () => {
    const other = cumulative(['0.1', '0.5', '+Inf'], [300, 300, 400]);
    expect(comparePredictions(cumulative(les, [100, 200, 300, 400]), other, policy).reasons[0]).toMatch(
      /buckets differ/,
    );
    expect(comparePredictions([], other, policy).verdict).toBe('absent');
  });

  it('is bad when a feature goes missing far more often in the new version', () => {
    const same = cumulative(les, [100, 200, 300, 400]);
    const r = comparePredictions(same, same, policy, {
      stable: [{ labels: { feature: 'amount' }, value: 0.01 }],
      candidate: [{ labels: { feature: 'amount' }, value: 0.4 }],
    });
    expect(r.verdict).toBe('bad');
    expect(r.reasons).toContain('feature amount missing in 40.0 % of requests vs stable 1.0 %');
  });
});

describe('PSI from the real Prometheus equals PSI from the exporters’ own counts', () => {
  let stable: ModelExporter;
  let moved: ModelExporter;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    stable = await startModelExporter(0.1);
    moved = await startModelExporter(0.1);
    stable.predict({ center: 0.3 });
    moved.predict({ center: 0.6 });
    prometheus = await startPrometheus([
      { address: stable.url, labels: { namespace: 'ml', pod: 'fraud-5d8f7-aaaaa' } },
      { address: moved.url, labels: { namespace: 'ml', pod: 'fraud-shadow-6c9d-bbbbb' } },
    ]);
    await waitForSamples(prometheus.url, 'count(model_prediction_value_count > 50) == 2');
  }, 40_000);
  afterAll(async () => {
    await prometheus.close();
    await stable.close();
    await moved.close();
  });

  it('reads the same bucket counts back and gets the same PSI', async () => {
    stable.pause(true);
    moved.pause(true);
    await sleep(2500); // two scrapes of the final counts
    const source = prometheusSource(prometheus.url);
    const bucketsOf = (pod: string) =>
      source.queryVector!(`sum by (le) (model_prediction_value_bucket{namespace="ml",pod="${pod}"})`);
    const [fromStable, fromMoved] = await Promise.all([
      bucketsOf('fraud-5d8f7-aaaaa'),
      bucketsOf('fraud-shadow-6c9d-bbbbb'),
    ]);
    const direct = { stable: await stable.predictionCounts(), moved: await moved.predictionCounts() };
    expect(bucketsFromCumulative(fromStable).counts).toEqual(direct.stable);
    expect(bucketsFromCumulative(fromStable).les).toEqual([...PREDICTION_BUCKETS.map(String), '+Inf']);
    const r = comparePredictions(fromStable, fromMoved, { ...policy, minSamples: 50 });
    expect(r.value).toBeCloseTo(directPsi(direct.stable, direct.moved), 9);
    expect(r.verdict).toBe('bad');
  }, 20_000);
});
