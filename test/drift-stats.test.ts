import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, rowsForDistance } from '../src/drift/compare.js';
import {
  countValue,
  cumulativeAt,
  emptyCounts,
  foldIntoBins,
  ksBetween,
  selectKnots,
  type Ecdf,
} from '../src/drift/ecdf.js';
import { mergeProfiles } from '../src/drift/merge.js';
import { POLICY_DEFAULTS, type DriftPolicy } from '../src/drift/policy.js';
import type { CurrentSummary, DriftProfile, FeatureProfile, NumericProfile } from '../src/drift/profile.js';
import { chiSquaredTest, jsDistance, ksExact, ksFromHistograms, ksPValue, psi } from '../src/drift/stats.js';

describe('drift statistics against hand-computed values', () => {
  it('PSI: 50/50 → 60/40 is 0.1·ln 1.2 + 0.1·ln 1.25 = 0.0405465', () => {
    expect(psi([50, 50], [60, 40])).toBeCloseTo(0.1 * Math.log(1.2) + 0.1 * Math.log(1.25), 12);
  });

  it('PSI smooths an empty bin to a share of 0.0001 instead of dividing by zero', () => {
    expect(psi([100, 0], [50, 50])).toBeCloseTo(0.346574 + 0.4999 * Math.log(5000), 6);
    expect(Number.isFinite(psi([0, 100], [100, 0]))).toBe(true);
  });

  it('JS distance: disjoint distributions are 1, identical 0, and [½,½] vs [1,0] is 0.557926', () => {
    expect(jsDistance([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jsDistance([3, 7], [30, 70])).toBeCloseTo(0, 12);
    expect(jsDistance([1, 1], [1, 0])).toBeCloseTo(Math.sqrt(0.5 * 0.2075187 + 0.5 * 0.4150375), 6);
  });

  it('KS: [1,2,3,4] vs [3,4,5,6] differ most at 2, by 0.5; the p-value at λ = 1.358 is 0.05', () => {
    expect(ksExact([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    const n = 20_000;
    const ne = Math.sqrt((n * n) / (2 * n));
    expect(ksPValue(1.358 / (ne + 0.12 + 0.11 / ne), n, n)).toBeCloseTo(0.05, 3);
  });

  it('χ² test of homogeneity: [[10, 20], [20, 10]] gives χ² = 6.667 with 1 df (scipy, no Yates)', () => {
    const test = chiSquaredTest([10, 20], [20, 10]);
    expect(test.statistic).toBeCloseTo(6.6667, 4);
    expect(test.df).toBe(1);
    expect(test.pValue).toBeCloseTo(0.009823, 5);
  });

  it('rows needed for PSI over 10 bins at warn 0.1: the 99th percentile of χ²(9) / 0.1 ≈ 217', () => {
    expect(rowsForDistance('psi', 0.1, 10, Infinity)).toBe(217);
    // A small reference leaves less room for the current sample's noise.
    expect(rowsForDistance('psi', 0.1, 10, 1000)).toBeGreaterThan(217);
    expect(rowsForDistance('psi', 0.1, 10, 200)).toBe(Infinity);
  });
});

/** Distinct sorted values with counts at and below each, the input selectKnots and the SQL share. */
function cumulative(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const distinct: number[] = [];
  const atMost: number[] = [];
  const below: number[] = [];
  sorted.forEach((v, i) => {
    if (distinct[distinct.length - 1] === v) atMost[atMost.length - 1] = i + 1;
    else {
      distinct.push(v);
      below.push(i);
      atMost.push(i + 1);
    }
  });
  return { distinct, atMost, below };
}

function ecdfOf(values: readonly number[], fine: number, bins = 10, all = false) {
  const { distinct, atMost, below } = cumulative(values);
  return selectKnots(distinct, atMost, below, { fine, bins, all });
}

function countsOf(knots: readonly number[], values: readonly number[]): Ecdf {
  const counts = emptyCounts(knots);
  for (const v of values) countValue(counts, v);
  return counts;
}

/** Data at any offset and scale, with ties (rounding) and heavy tails. */
const sample = fc
  .record({
    offset: fc.constantFrom(0, -50, 1e6, 1.7e9, 1e-6),
    scale: fc.constantFrom(1e-3, 1, 100, 86_400),
    decimals: fc.constantFrom(0, 2, 6),
    heavy: fc.boolean(),
    units: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 30, maxLength: 400 }),
  })
  .map(({ offset, scale, decimals, heavy, units }) =>
    units.map((u) => {
      const z = heavy ? Math.sign(u) * (Math.exp(Math.abs(u) * 2) - 1) : u;
      return Number((offset + z * scale).toFixed(decimals));
    }),
  );

describe('the knot ECDF, properties (fast-check)', () => {
  it('KS over the knots never exceeds the exact statistic, and the stated bound covers it, at any offset and scale', () => {
    fc.assert(
      fc.property(sample, sample, fc.constantFrom(10, 50, 1000), (a, b, fine) => {
        const { ecdf } = ecdfOf(a, fine);
        const ks = ksBetween(ecdf, countsOf(ecdf.knots, b));
        const exact = ksExact(a, b);
        expect(ks.statistic).toBeLessThanOrEqual(exact + 1e-12);
        expect(exact).toBeLessThanOrEqual(ks.statistic + ks.maxError + 1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('every gap holds less than 1/K of the reference, and ties stay whole (each value one knot or one gap)', () => {
    fc.assert(
      fc.property(sample, fc.constantFrom(10, 100, 1000), (a, fine) => {
        const { ecdf } = ecdfOf(a, fine);
        for (const g of ecdf.gaps) expect(g).toBeLessThan(a.length / fine + 1e-9);
        for (const [k, knot] of ecdf.knots.entries())
          expect(ecdf.atoms[k]).toBe(a.filter((v) => v === knot).length);
      }),
      { numRuns: 300 },
    );
  });

  it('with an edge at every distinct value, KS is exact (discrete features)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 5, maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 5, maxLength: 200 }),
        (a, b) => {
          const { ecdf } = ecdfOf(a, 1000, 10, true);
          const ks = ksBetween(ecdf, countsOf(ecdf.knots, b));
          expect(ks.statistic).toBeCloseTo(ksExact(a, b), 12);
          // Values the reference never had (6, 7) lie above the last knot: still exact.
          expect(ks.statistic + ks.maxError).toBeCloseTo(ksExact(a, b), 12);
        },
      ),
    );
  });

  it("PSI bins are numpy's: exact deciles (inverted CDF), bins (e₀, e₁], counted by searchsorted left", () => {
    // 0..9 ten times each plus 100 ones: ties at 1 must not split across bins.
    const values = [...Array.from({ length: 100 }, (_, i) => i % 10), ...new Array<number>(100).fill(1)];
    const { ecdf, psiEdges } = ecdfOf(values, 1000);
    // 0 holds 5 %, 1 holds 55 %: the deciles j/10 (inverted CDF) are 1 (six times), 3, 5, 7 —
    // np.unique(np.quantile(v, j/10, method='inverted_cdf')) gives [1 3 5 7] and the same counts.
    expect(psiEdges).toEqual([1, 3, 5, 7]);
    expect(foldIntoBins(ecdf, psiEdges)).toEqual([120, 20, 20, 20, 20]);
  });

  it('KS from histograms over shared bins equals the exact statistic when every value is an edge', () => {
    const a = [1, 2, 2, 3, 5];
    const b = [2, 3, 3, 4];
    const counts = (xs: number[]) => [1, 2, 3, 4, 5].map((v) => xs.filter((x) => x === v).length);
    expect(ksFromHistograms(counts(a), counts(b))).toBeCloseTo(ksExact(a, b), 12);
  });
});

function numericProfile(values: readonly number[], fine = 1000, bins = 10): NumericProfile {
  const { distinct } = cumulative(values);
  const all = distinct.length <= 20;
  const { ecdf, psiEdges } = ecdfOf(values, fine, bins, all);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return {
    type: 'numeric',
    discrete: all,
    rows: values.length,
    missing: 0,
    nonFinite: 0,
    invalid: 0,
    count: values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length,
    ...ecdf,
    psiEdges,
    rankError: 0,
  };
}

function profileOf(features: Record<string, FeatureProfile>, rows = 1000): DriftProfile {
  return {
    kind: 'DriftProfile',
    formatVersion: 2,
    source: { file: 'ref', rows, sha256: 'x' },
    bins: 10,
    fineBins: 1000,
    maxCategories: 1000,
    features,
  };
}

describe('mergeable profiles (fast-check)', () => {
  it('a merge of shard profiles gives the one-pass ECDF within the rank error it records (≤ 1/2K + rounding)', () => {
    fc.assert(
      fc.property(
        sample,
        fc.integer({ min: 2, max: 6 }),
        fc.constantFrom(10, 100),
        (values, shards, fine) => {
          fc.pre(values.length >= shards * 5);
          const size = Math.ceil(values.length / shards);
          const parts = Array.from({ length: shards }, (_, i) =>
            values.slice(i * size, (i + 1) * size),
          ).filter((p) => p.length > 0);
          const merged = mergeProfiles(
            parts.map((p, i) => ({
              profile: profileOf({ x: numericProfile(p, fine) }, p.length),
              file: `s${i}`,
            })),
          ).features.x as NumericProfile;
          const whole = numericProfile(values, fine);
          expect(merged.count).toBe(values.length);
          // Relative to the values' magnitude: at 1.7e9 (epoch seconds), or with terms that cancel, two ways
          // of summing differ by a few ulps of the largest value, far above a fixed 1e-6.
          const magnitude = values.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
          expect(Math.abs(merged.mean - whole.mean)).toBeLessThanOrEqual(1e-12 * magnitude);
          const scale = Math.max(whole.variance, 1e-12 * whole.mean ** 2, 1e-300);
          expect(Math.abs(merged.variance - whole.variance) / scale).toBeLessThan(1e-6);
          expect(merged.rankError).toBeLessThanOrEqual(1 / (2 * fine) + 1 / values.length + 1e-12);
          const slack = merged.rankError * values.length + 1e-9;
          const sorted = [...values].sort((a, b) => a - b);
          for (const x of new Set([...whole.knots, ...merged.knots])) {
            const truth = sorted.filter((v) => v <= x).length;
            const { atMost } = cumulativeAt(merged, x);
            expect(truth).toBeGreaterThanOrEqual(atMost[0] - slack);
            expect(truth).toBeLessThanOrEqual(atMost[1] + slack);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("shards that disagree on a feature's type are refused with both file names", () => {
    const numeric = profileOf({ x: numericProfile([1, 2, 3, 4, 5]) });
    const categorical = profileOf({
      x: {
        type: 'categorical',
        rows: 3,
        missing: 0,
        count: 3,
        categories: { a: 3 },
        other: 0,
        otherDistinct: 0,
      },
    });
    expect(() =>
      mergeProfiles([
        { profile: numeric, file: 'part-0.json' },
        { profile: categorical, file: 'part-1.json' },
      ]),
    ).toThrow('feature x is numeric in part-0.json but categorical in part-1.json');
  });
});

const POLICY: DriftPolicy = {
  ...POLICY_DEFAULTS,
  missing: { ...POLICY_DEFAULTS.missing },
  method: 'psi',
  warn: 0.1,
  critical: 0.25,
  perFeature: {},
};

function currentOf(
  profile: NumericProfile,
  values: readonly number[],
  extra: Partial<{ missing: number; invalid: number; nonFinite: number }> = {},
): CurrentSummary['features'][string] {
  const counts = countsOf(profile.knots, values);
  const missing = extra.missing ?? 0;
  const invalid = extra.invalid ?? 0;
  const nonFinite = extra.nonFinite ?? 0;
  return {
    type: 'numeric',
    rows: values.length + missing + invalid + nonFinite,
    missing,
    nonFinite,
    invalid,
    count: values.length,
    counts,
    quantiles: [],
    quantileSample: 0,
    plot: { edges: [], log: false, counts: [] },
  };
}

const uniform = (n: number, seed: number) => {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.round((s / 2 ** 31) * 1e4) / 100;
  });
};

describe('verdicts', () => {
  it('too few rows: insufficient data, never critical, saying how many rows are needed', () => {
    const ref = numericProfile(uniform(2000, 1));
    const report = compare(
      profileOf({ x: ref }),
      {
        file: 'cur',
        rows: 30,
        features: {
          x: currentOf(
            ref,
            uniform(30, 2).map((v) => v + 50),
          ),
        },
      },
      POLICY,
    );
    const [x] = report.features;
    expect(x!.status).toBe('insufficient');
    expect(x!.distribution.message).toBe(
      'insufficient data: 30 current rows have a value; a verdict needs at least 100 (70 more)',
    );
    expect(report.status).toBe('insufficient');
  });

  it('small samples are judged by a KS test at α, large ones by the distance', () => {
    const ref = numericProfile(uniform(5000, 1));
    const small = compare(
      profileOf({ x: ref }),
      { file: 'cur', rows: 150, features: { x: currentOf(ref, uniform(150, 3)) } },
      POLICY,
    );
    expect(small.features[0]!.distribution).toMatchObject({
      regime: 'small sample',
      method: 'ks',
      kind: 'p-value',
      status: 'ok',
    });
    const large = compare(
      profileOf({ x: ref }),
      { file: 'cur', rows: 3000, features: { x: currentOf(ref, uniform(3000, 3)) } },
      POLICY,
    );
    expect(large.features[0]!.distribution).toMatchObject({
      regime: 'large sample',
      method: 'psi',
      kind: 'distance',
      status: 'ok',
    });
  });

  it('a missing rate going from 2 % to 30 % is critical; the exit-code status follows', () => {
    const values = uniform(1000, 1);
    const ref = { ...numericProfile(values), rows: 1020, missing: 20 };
    const current = currentOf(ref, uniform(700, 5), { missing: 300 });
    const report = compare(
      profileOf({ x: ref }),
      { file: 'cur', rows: 1000, features: { x: current } },
      POLICY,
    );
    expect(report.features[0]!.completeness).toMatchObject({ status: 'critical', current: 0.3 });
    expect(report.features[0]!.completeness.reference).toBeCloseTo(20 / 1020, 12);
    expect(report.features[0]!.distribution.status).toBe('ok');
    expect(report.status).toBe('critical');
  });

  it('dataset drift is called dataset drift, with no critical feature named', () => {
    const features: Record<string, NumericProfile> = {};
    const current: CurrentSummary['features'] = {};
    for (const name of ['a', 'b', 'c', 'd']) {
      features[name] = numericProfile(uniform(5000, 1));
      // A shift of 8 in 0..100: PSI ≈ 0.18, a warning, not critical.
      const shifted =
        name === 'a' || name === 'b' ? uniform(4000, 7).map((v) => Math.min(v + 8, 100)) : uniform(4000, 7);
      current[name] = currentOf(features[name], shifted);
    }
    const report = compare(profileOf(features), { file: 'cur', rows: 4000, features: current }, POLICY);
    expect(report.features.slice(0, 2).map((f) => [f.feature, f.status])).toEqual([
      ['a', 'warn'],
      ['b', 'warn'],
    ]);
    expect(report.dataset).toMatchObject({
      drifted: ['a', 'b'],
      total: 4,
      share: 0.5,
      datasetDrift: true,
      critical: [],
    });
    expect(report.status).toBe('critical');
  });
});
