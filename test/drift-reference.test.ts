import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chiSquaredSurvival } from '../src/drift/stats.js';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

/**
 * mlready drift against numpy and scipy: the CSV files and the expected values were made once by
 * test/drift-reference/generate.py (numpy 1.24, scipy 1.10, pandas 1.5 from Debian), so this suite
 * needs no Python. The columns are the cases a value-relative sketch got wrong: a 0.5σ shift around
 * 1e6 ± 100, Unix timestamps, integers 0..5 whose shares of 2 and 3 swap, years, ties, heavy tails.
 */
const FIXTURES = new URL('./fixtures/drift-reference/', import.meta.url);

interface Expected {
  features: Record<
    string,
    {
      kind: 'continuous' | 'discrete' | 'categorical';
      psi: number;
      js: number;
      ks?: { statistic: number; pValue: number };
      chi2: { statistic: number; df: number; pValue: number };
    }
  >;
  chiSquaredSurvival: { x: number; df: number; sf: number }[];
}

interface Feature {
  feature: string;
  status: string;
  discrete: boolean;
  psi: number;
  js: number;
  ks?: { statistic: number; pValue: number; maxError: number };
  chi2: { statistic: number; df: number; pValue: number };
  distribution: { status: string; method: string };
}

const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Expected;

async function measure(): Promise<Map<string, Feature>> {
  const dir = tmpTree();
  cpSync(new URL('reference.csv', FIXTURES), join(dir, 'reference.csv'));
  cpSync(new URL('current.csv', FIXTURES), join(dir, 'current.csv'));
  const run = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv', '--format', 'json'], {
    cwd: dir,
  });
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as { features: Feature[] };
  return new Map(report.features.map((f) => [f.feature, f]));
}

describe('drift statistics against numpy and scipy', () => {
  it('PSI, Jensen–Shannon, χ² and the KS statistic match on every column', async () => {
    const measured = await measure();
    for (const [name, want] of Object.entries(expected.features)) {
      const got = measured.get(name)!;
      expect(got.discrete, name).toBe(want.kind !== 'continuous');
      // Same bins (exact deciles, snapped, ties whole) → the same numbers, not just close ones.
      expect(got.psi, `${name} PSI`).toBeCloseTo(want.psi, 9);
      expect(got.js, `${name} JS`).toBeCloseTo(want.js, 9);
      expect(got.chi2.statistic, `${name} χ²`).toBeCloseTo(want.chi2.statistic, 6);
      expect(got.chi2.df, `${name} df`).toBe(want.chi2.df);
      expect(Math.log10(got.chi2.pValue), `${name} χ² p`).toBeCloseTo(Math.log10(want.chi2.pValue), 4);
      if (want.ks) {
        // The statistic at the knots never exceeds the exact one; the stated bound covers the rest.
        expect(got.ks!.statistic, `${name} KS`).toBeLessThanOrEqual(want.ks.statistic + 1e-12);
        expect(want.ks.statistic, `${name} KS bound`).toBeLessThanOrEqual(
          got.ks!.statistic + got.ks!.maxError + 1e-12,
        );
        expect(Math.abs(got.ks!.statistic - want.ks.statistic), `${name} KS`).toBeLessThan(0.002);
      }
    }
  });

  it('the blind cases: 0.5σ shifts around 1e6 and of Unix timestamps are detected; the integer share swap reads PSI and KS within 0.01 of scipy', async () => {
    const measured = await measure();
    for (const name of ['around_1e6', 'unix_time']) {
      // PSI 0.23 and 0.31 (scipy's numbers too): at or above the warning threshold, as drift should be.
      expect(['warn', 'critical'], name).toContain(measured.get(name)!.distribution.status);
    }
    const swap = measured.get('int_swap')!;
    expect(Math.abs(swap.psi - expected.features.int_swap!.psi)).toBeLessThan(0.01);
    expect(Math.abs(swap.ks!.statistic - expected.features.int_swap!.ks!.statistic)).toBeLessThan(0.01);
    // Discrete: every value is a knot, so KS is exact, not merely bounded.
    expect(swap.ks!.maxError).toBe(0);
    expect(measured.get('same')!.status).toBe('ok');
  });

  it('KS p-values agree with scipy where they are not vanishingly small', async () => {
    const same = (await measure()).get('same')!;
    expect(same.ks!.pValue).toBeCloseTo(expected.features.same!.ks!.pValue, 2);
  });

  it('the χ² survival function matches scipy.stats.chi2.sf', () => {
    for (const { x, df, sf } of expected.chiSquaredSurvival)
      expect(chiSquaredSurvival(x, df) / sf, `χ²(${df}) > ${x}`).toBeCloseTo(1, 9);
  });
});
