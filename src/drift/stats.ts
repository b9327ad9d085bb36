/**
 * The drift statistics, as pure functions of counts. Formulas (also in docs/drift.md):
 *
 *   PSI  = Σ_i (c_i − r_i) · ln(c_i / r_i)          r_i, c_i: share of reference / current rows in bin i;
 *                                                  an empty bin counts as a share of 0.0001 (smoothing),
 *                                                  so one empty bin cannot make PSI infinite.
 *   KS   D = max_x |F_ref(x) − F_cur(x)|            two-sample Kolmogorov–Smirnov statistic;
 *        p ≈ Q_KS((√n_e + 0.12 + 0.11/√n_e) · D)   n_e = n·m/(n+m),
 *                                                  Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}
 *                                                  (Stephens' approximation, as in Numerical Recipes).
 *   JS   distance = √(½ KL(P‖M) + ½ KL(Q‖M)),  M = ½(P+Q), log base 2, so 0 ≤ JS ≤ 1.
 *   χ²   Pearson's test of homogeneity on the 2 × B table of counts (scipy's chi2_contingency without
 *        Yates' correction), p = Q(df/2, χ²/2), the regularized upper incomplete gamma function.
 */

export const PSI_EPSILON = 1e-4;

/** Population stability index between two histograms over the same bins (counts, not shares). */
export function psi(reference: readonly number[], current: readonly number[]): number {
  if (reference.length !== current.length) throw new Error('psi: bins differ');
  const rTotal = sum(reference);
  const cTotal = sum(current);
  if (rTotal === 0 || cTotal === 0) return 0;
  let value = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(reference[i]! / rTotal, PSI_EPSILON);
    const c = Math.max(current[i]! / cTotal, PSI_EPSILON);
    value += (c - r) * Math.log(c / r);
  }
  return value;
}

/** Jensen–Shannon distance (base 2) between two histograms over the same bins. */
export function jsDistance(reference: readonly number[], current: readonly number[]): number {
  const rTotal = sum(reference);
  const cTotal = sum(current);
  if (rTotal === 0 || cTotal === 0) return 0;
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / rTotal;
    const q = current[i]! / cTotal;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/** KS statistic from two histograms over the same ordered bins (the ECDFs compared at bin edges). */
export function ksFromHistograms(reference: readonly number[], current: readonly number[]): number {
  const rTotal = sum(reference);
  const cTotal = sum(current);
  if (rTotal === 0 || cTotal === 0) return 0;
  let r = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < reference.length; i++) {
    r += reference[i]!;
    c += current[i]!;
    d = Math.max(d, Math.abs(r / rTotal - c / cTotal));
  }
  return d;
}

/** Exact two-sample KS statistic of two samples (the reference implementation the tests compare with). */
export function ksExact(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Asymptotic p-value of a two-sample KS statistic D for sample sizes n and m. */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const ne = Math.sqrt((n * m) / (n + m));
  return kolmogorovQ((ne + 0.12 + 0.11 / ne) * d);
}

/** Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}, the Kolmogorov distribution's upper tail. */
function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let total = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    total += term;
    if (Math.abs(term) < 1e-16 * Math.max(total, 1e-300)) break;
  }
  return Math.min(1, Math.max(0, total));
}

/** λ with Q_KS(λ) = p, by bisection (Q_KS is decreasing). */
export function kolmogorovQuantile(p: number): number {
  let lo = 0.1;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (kolmogorovQ(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface ChiSquared {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson's χ² test of homogeneity between two histograms over the same bins: bins empty in both
 * are dropped; df = (bins − 1). Equal to scipy.stats.chi2_contingency(…, correction=False).
 */
export function chiSquaredTest(reference: readonly number[], current: readonly number[]): ChiSquared {
  const n = sum(reference);
  const m = sum(current);
  const total = n + m;
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < reference.length; i++) {
    const column = reference[i]! + current[i]!;
    if (column === 0) continue;
    bins++;
    const expectedR = (column * n) / total;
    const expectedC = (column * m) / total;
    statistic += (reference[i]! - expectedR) ** 2 / expectedR + (current[i]! - expectedC) ** 2 / expectedC;
  }
  const df = Math.max(bins - 1, 0);
  if (n === 0 || m === 0 || df === 0) return { statistic: 0, df, pValue: 1 };
  return { statistic, df, pValue: chiSquaredSurvival(statistic, df) };
}

/** P(χ²_df > x): the regularized upper incomplete gamma function Q(df/2, x/2). */
export function chiSquaredSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperGammaQ(df / 2, x / 2);
}

/** x with P(χ²_df > x) = p, by bisection on the survival function. */
export function chiSquaredQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = Math.max(10, df * 10);
  while (chiSquaredSurvival(hi, df) > p) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquaredSurvival(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/*
 * The regularized incomplete gamma function, Numerical Recipes (3rd ed., §6.2): a series below
 * x < a + 1, Lentz's continued fraction above. Hand-written rather than a dependency: the smallest
 * well-kept package (@stdlib/math-base-special-gammainc) brings 197 packages and 22 MB for these 40
 * lines; test/drift-stats.test.ts checks them against scipy.stats.chi2.sf values.
 */
function upperGammaQ(a: number, x: number): number {
  if (x < a + 1) return Math.max(0, 1 - lowerSeries(a, x));
  return continuedFraction(a, x);
}

function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let total = term;
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n);
    total += term;
    if (Math.abs(term) < Math.abs(total) * 1e-16) break;
  }
  return total * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

function continuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < g + 2; i++) s += c[i]! / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
