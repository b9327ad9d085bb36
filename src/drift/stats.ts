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

/** Exact two-sample KS statistic of two samples (used by tests as the reference implementation). */
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
  const lambda = (ne + 0.12 + 0.11 / ne) * d;
  if (lambda < 1e-3) return 1;
  let total = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    total += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, total));
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
