import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare } from '../src/drift/compare.js';
import { binOf, foldCounts } from '../src/drift/profile.js';
import { jsDistance, ksExact, ksFromHistograms, ksPValue, psi } from '../src/drift/stats.js';

describe('drift statistics against hand-computed values', () => {
  it('PSI: 50/50 → 60/40 is 0.1·ln 1.2 + 0.1·ln 1.25 = 0.0405465', () => {
    expect(psi([50, 50], [60, 40])).toBeCloseTo(0.1 * Math.log(1.2) + 0.1 * Math.log(1.25), 12);
    expect(psi([50, 50], [60, 40])).toBeCloseTo(0.0405465, 6);
  });

  it('PSI smooths an empty bin to a share of 0.0001 instead of dividing by zero', () => {
    // r = [1, 0.0001], c = [0.5, 0.5]: (0.5−1)·ln 0.5 + (0.5−0.0001)·ln 5000 = 0.346574 + 4.257741
    expect(psi([100, 0], [50, 50])).toBeCloseTo(0.346574 + 0.4999 * Math.log(5000), 6);
    expect(Number.isFinite(psi([0, 100], [100, 0]))).toBe(true);
  });

  it('PSI is 0 for identical distributions, whatever the sample sizes', () => {
    expect(psi([10, 20, 30], [100, 200, 300])).toBe(0);
  });

  it('JS distance: disjoint distributions are 1, identical 0, and [½,½] vs [1,0] is 0.557926', () => {
    expect(jsDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jsDistance([3, 7], [30, 70])).toBeCloseTo(0, 12);
    // M = [¾, ¼]; KL(P‖M) = ½log₂(⅔) + ½log₂2 = 0.207519; KL(Q‖M) = log₂(4/3) = 0.415037
    expect(jsDistance([1, 1], [1, 0])).toBeCloseTo(Math.sqrt(0.5 * 0.2075187 + 0.5 * 0.4150375), 6);
  });

  it('KS: [1,2,3,4] vs [3,4,5,6] differ most at 2, by 0.5', () => {
    expect(ksExact([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksExact([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it('KS p-value: D at the 5 % critical value (λ = 1.358) gives p ≈ 0.05', () => {
    const n = 20_000;
    const ne = Math.sqrt((n * n) / (2 * n));
    expect(ksPValue(1.358 / (ne + 0.12 + 0.11 / ne), n, n)).toBeCloseTo(0.05, 3);
    expect(ksPValue(0, 100, 100)).toBe(1);
  });

  it('bins values as (−∞, e0], (e0, e1], … and folds fine bins into PSI bins', () => {
    expect([0, 1, 1.5, 2, 3].map((v) => binOf([1, 2], v))).toEqual([0, 0, 1, 1, 2]);
    expect(foldCounts([1, 2, 3], [5, 6, 7, 8], [2])).toEqual([11, 15]);
  });
});

describe('drift statistics, properties (fast-check)', () => {
  const sample = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 20, maxLength: 300 });

  it('identical data: PSI and KS are 0', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 2, maxLength: 20 }), (counts) => {
        fc.pre(counts.some((c) => c > 0));
        return (
          psi(counts, counts) === 0 &&
          ksFromHistograms(counts, counts) === 0 &&
          jsDistance(counts, counts) < 1e-7
        );
      }),
    );
    fc.assert(fc.property(sample, (xs) => ksExact(xs, xs) === 0));
  });

  it('KS on binned data never exceeds the exact statistic and is exact at the bin edges', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const edges = [...new Set([...a, ...b])].sort((x, y) => x - y);
        const histogram = (xs: number[]) => {
          const counts = new Array<number>(edges.length + 1).fill(0);
          for (const x of xs) counts[binOf(edges, x)]!++;
          return counts;
        };
        // With an edge at every distinct value, binned KS equals the exact statistic.
        return Math.abs(ksFromHistograms(histogram(a), histogram(b)) - ksExact(a, b)) < 1e-12;
      }),
    );
  });

  it('a shift of two standard deviations exceeds the critical thresholds', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (mean, sd) => {
          // Ten equal-mass reference bins; a +2σ shift of a normal puts ~85 % of the mass in the top bin.
          const edges = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816].map(
            (z) => mean + z * sd,
          );
          const shifted = [...edges.map((e) => normalCdf((e - (mean + 2 * sd)) / sd)), 1];
          const current = shifted.map((p, i) => Math.round((p - (i === 0 ? 0 : shifted[i - 1]!)) * 10_000));
          const reference = new Array<number>(10).fill(1000);
          return psi(reference, current) > 0.25 && ksFromHistograms(reference, current) > 0.2;
        },
      ),
    );
  });
});

describe('verdicts', () => {
  it('judges each feature by the thresholds and the dataset by the share of drifted features', () => {
    const profile = {
      kind: 'DriftProfile' as const,
      formatVersion: 1 as const,
      source: { file: 'ref', rows: 100, sha256: '' },
      bins: 2,
      features: {
        a: {
          type: 'numeric' as const,
          rows: 100,
          missing: 0,
          invalid: 0,
          min: 0,
          max: 1,
          mean: 0.5,
          edges: [0.5],
          psiEdges: [0.5],
          counts: [50, 50],
        },
        b: { type: 'categorical' as const, rows: 100, missing: 0, categories: { x: 50, y: 50 }, other: 0 },
      },
    };
    const current = {
      file: 'cur',
      rows: 100,
      features: {
        a: { rows: 100, missing: 0, invalid: 2, counts: [90, 8] },
        b: { rows: 100, missing: 10, invalid: 0, categories: { x: 45, y: 45 } },
      },
    };
    const report = compare(profile, current, { method: 'psi', warn: 0.1, critical: 0.25, datasetShare: 0.5 });
    expect(report.features.map((f) => [f.feature, f.status])).toEqual([
      ['a', 'critical'],
      ['b', 'ok'],
    ]);
    expect(report.features[1]!.missingRate).toEqual({ reference: 0, current: 0.1, change: 0.1 });
    expect(report.features[0]!.invalid).toBe(2);
    expect(report.dataset).toEqual({
      driftedFeatures: 1,
      total: 2,
      share: 0.5,
      drifted: true,
      critical: ['a'],
    });
    expect(report.status).toBe('critical');
  });
});

function normalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return 0.5 * (1 + Math.sign(z) * erf);
}
