/**
 * The exact empirical CDF of a numeric feature at a set of "knots" (observed values), which is all a
 * profile keeps of the reference's distribution. With knots at the exact reference quantiles k/K
 * (inverted CDF, as numpy's method='inverted_cdf'), each gap between two knots holds less than 1/K of
 * the reference rows, whatever the offset and scale of the data; ties stay whole because every knot
 * carries its own atom (the rows equal to it). Low-cardinality features keep every distinct value as a
 * knot, so their ECDF is exact everywhere. docs/drift.md states the bounds these functions guarantee.
 */
export interface Ecdf {
  /** Sorted, distinct observed values. */
  knots: number[];
  /** Rows equal to knots[k]. */
  atoms: number[];
  /**
   * Rows strictly between knots[k − 1] and knots[k]; gaps[0] lies below the first knot and
   * gaps[knots.length] above the last (length knots.length + 1).
   */
  gaps: number[];
}

export interface KnotSelection {
  ecdf: Ecdf;
  /** Knots that are the PSI bins' upper edges: the exact quantiles j/bins, j = 1 … bins − 1. */
  psiEdges: number[];
}

/**
 * Picks the knots from distinct sorted values and their counts: every value when `all`, otherwise the
 * values at which the cumulative count crosses a multiple of n/fine or of n/bins (so the PSI edges are
 * knots too). The same selection as the SQL in profile.ts; merge.ts feeds it estimated counts.
 */
export function selectKnots(
  values: readonly number[],
  atMost: readonly number[],
  below: readonly number[],
  options: { fine: number; bins: number; all: boolean },
): KnotSelection {
  const n = atMost[atMost.length - 1] ?? 0;
  const knots: number[] = [];
  const atoms: number[] = [];
  const gaps: number[] = [];
  const psiEdges: number[] = [];
  let lastKnotCum = 0;
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const cum = atMost[i]!;
    const crossesFine = Math.floor((cum * options.fine) / n) > Math.floor((previous * options.fine) / n);
    const psiEdge = crossesPsiLevel(previous, cum, n, options.bins);
    if (options.all || crossesFine || psiEdge) {
      gaps.push(below[i]! - lastKnotCum);
      knots.push(values[i]!);
      atoms.push(cum - below[i]!);
      if (psiEdge) psiEdges.push(values[i]!);
      lastKnotCum = cum;
    }
    previous = cum;
  }
  gaps.push(n - lastKnotCum);
  return { ecdf: { knots, atoms, gaps }, psiEdges: options.all ? [] : psiEdges };
}

/** Whether some level j/bins with 1 ≤ j < bins lies in (previous/n, cum/n]. */
export function crossesPsiLevel(previous: number, cum: number, n: number, bins: number): boolean {
  const first = Math.floor((previous * bins) / n) + 1;
  const last = Math.floor((cum * bins) / n);
  return first <= Math.min(last, bins - 1);
}

/** An empty count over the knots of `ecdf`, to feed countValue. */
export function emptyCounts(knots: readonly number[]): Ecdf {
  return {
    knots: [...knots],
    atoms: new Array<number>(knots.length).fill(0),
    gaps: new Array<number>(knots.length + 1).fill(0),
  };
}

/** The largest double below x. */
export function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const value = new Float64Array([x]);
  const bits = new BigInt64Array(value.buffer);
  bits[0]! += x > 0 ? -1n : 1n;
  return value[0]!;
}

/**
 * Histogram boundaries that separate each knot's atom from the gap below it: bucket (b_{i−1}, b_i]
 * with b = …, nextDown(k), k, … holds exactly the values equal to k, and the bucket before it the
 * values strictly between the previous knot and k. (DuckDB's histogram(x, boundaries) counts this way.)
 */
export function atomBoundaries(knots: readonly number[]): number[] {
  const out: number[] = [];
  knots.forEach((knot, i) => {
    const below = nextDown(knot);
    if (i === 0 || below > knots[i - 1]!) out.push(below);
    out.push(knot);
  });
  return out;
}

/** Rows at and between the knots, from a histogram over atomBoundaries (a Map boundary → rows; ∞ above). */
export function countsFromHistogram(knots: readonly number[], histogram: ReadonlyMap<number, number>): Ecdf {
  const counts = emptyCounts(knots);
  knots.forEach((knot, i) => {
    counts.atoms[i] = histogram.get(knot) ?? 0;
    const below = nextDown(knot);
    if (i === 0 || below > knots[i - 1]!) counts.gaps[i] = histogram.get(below) ?? 0;
  });
  counts.gaps[knots.length] = histogram.get(Infinity) ?? 0;
  return counts;
}

/** Counts one value into the knots: its atom when it equals a knot, else the gap holding it. */
export function countValue(counts: Ecdf, value: number): void {
  const knots = counts.knots;
  let lo = 0;
  let hi = knots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= knots[mid]!) hi = mid;
    else lo = mid + 1;
  }
  if (lo < knots.length && knots[lo] === value) counts.atoms[lo]!++;
  else counts.gaps[lo]!++;
}

export function total(ecdf: Ecdf): number {
  let n = 0;
  for (const a of ecdf.atoms) n += a;
  for (const g of ecdf.gaps) n += g;
  return n;
}

/**
 * Rows per PSI bin (−∞, e₀], (e₀, e₁], …, (e_last, ∞) where the edges are knots: each knot and the gap
 * below it fall in the bin of the first edge at or above the knot.
 */
export function foldIntoBins(counts: Ecdf, edges: readonly number[]): number[] {
  const out = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  counts.knots.forEach((knot, k) => {
    while (bin < edges.length && edges[bin]! < knot) bin++;
    out[bin]! += counts.gaps[k]! + counts.atoms[k]!;
  });
  const last = counts.knots[counts.knots.length - 1];
  while (last !== undefined && bin < edges.length && edges[bin]! <= last) bin++;
  out[bin]! += counts.gaps[counts.knots.length]!;
  return out;
}

/** Rows per distinct value (the atoms), then one bin for every other value (the gaps): discrete PSI bins. */
export function valueBins(counts: Ecdf): number[] {
  let other = 0;
  for (const g of counts.gaps) other += g;
  return [...counts.atoms, other];
}

export interface KsResult {
  /** The largest |F_ref − F_cur| at the knots and just below them, where both ECDFs are exact. */
  statistic: number;
  /** The exact statistic lies in [statistic − referenceError, statistic + maxError]. */
  maxError: number;
}

/**
 * Two-sample KS statistic over shared knots. Both ECDFs are exact at each knot and just below it, so
 * the statistic found there is attained by the data (never above the exact one); inside a gap both
 * ECDFs stay between their values at the gap's ends, which bounds how far the exact statistic can lie
 * above it. `referenceError` is the reference's own rank error (0 unless it was merged from shards).
 */
export function ksBetween(reference: Ecdf, current: Ecdf, referenceError = 0): KsResult {
  const n = total(reference);
  const m = total(current);
  if (n === 0 || m === 0) return { statistic: 0, maxError: 0 };
  let f = 0;
  let g = 0;
  let d = 0;
  let upper = 0;
  const k = reference.knots.length;
  for (let i = 0; i <= k; i++) {
    const fStart = f;
    const gStart = g;
    f += reference.gaps[i]! / n;
    g += current.gaps[i]! / m;
    if (reference.gaps[i]! > 0 || current.gaps[i]! > 0) upper = Math.max(upper, f - gStart, g - fStart);
    d = Math.max(d, Math.abs(f - g));
    if (i < k) {
      f += reference.atoms[i]! / n;
      g += current.atoms[i]! / m;
      d = Math.max(d, Math.abs(f - g));
    }
  }
  return { statistic: d, maxError: Math.max(upper - d, 0) + referenceError };
}

export interface CumulativeBounds {
  /** Rows ≤ x, between lo and hi. */
  atMost: [number, number];
  /** Rows < x, between lo and hi. */
  below: [number, number];
}

/** Rows at or below each knot (a prefix sum, for cumulativeAt over many points). */
export function cumulativeCounts(ecdf: Ecdf): number[] {
  const out: number[] = [];
  let cum = 0;
  ecdf.knots.forEach((_, k) => {
    cum += ecdf.gaps[k]! + ecdf.atoms[k]!;
    out.push(cum);
  });
  return out;
}

/** What the ECDF says about the rows at or below x: exact at a knot, an interval inside a gap. */
export function cumulativeAt(
  ecdf: Ecdf,
  x: number,
  cumulative: readonly number[] = cumulativeCounts(ecdf),
): CumulativeBounds {
  const { knots, atoms, gaps } = ecdf;
  let lo = 0;
  let hi = knots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= knots[mid]!) hi = mid;
    else lo = mid + 1;
  }
  const base = lo === 0 ? 0 : cumulative[lo - 1]!;
  if (lo < knots.length && knots[lo] === x) {
    const atMost = base + gaps[lo]! + atoms[lo]!;
    return { atMost: [atMost, atMost], below: [atMost - atoms[lo]!, atMost - atoms[lo]!] };
  }
  return { atMost: [base, base + gaps[lo]!], below: [base, base + gaps[lo]!] };
}

/**
 * Rows per plotting bin (edges ascending, bin i = (edges[i], edges[i+1]], the first also taking
 * edges[0]) estimated from the ECDF: atoms exactly, each gap spread evenly between its knots (or
 * between min and the first knot, the last knot and max). For pictures only, never for a verdict.
 */
export function estimateHistogram(
  ecdf: Ecdf,
  range: { min: number; max: number },
  edges: readonly number[],
): number[] {
  const out = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  if (out.length === 0) return out;
  const binOfValue = (v: number) => {
    let lo = 0;
    let hi = out.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= edges[mid + 1]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const spread = (from: number, to: number, mass: number) => {
    if (mass === 0) return;
    if (!(to > from)) {
      out[binOfValue(to)]! += mass;
      return;
    }
    for (let b = 0; b < out.length; b++) {
      const lo = Math.max(from, edges[b]!);
      const hi = Math.min(to, edges[b + 1]!);
      if (hi > lo) out[b]! += (mass * (hi - lo)) / (to - from);
    }
    // Mass outside the plotted range goes to the end bins.
    if (from < edges[0]!) out[0]! += (mass * (Math.min(to, edges[0]!) - from)) / (to - from);
    const top = edges[edges.length - 1]!;
    if (to > top) out[out.length - 1]! += (mass * (to - Math.max(from, top))) / (to - from);
  };
  const { knots, atoms, gaps } = ecdf;
  knots.forEach((knot, k) => {
    spread(k === 0 ? Math.min(range.min, knot) : knots[k - 1]!, knot, gaps[k]!);
    out[binOfValue(knot)]! += atoms[k]!;
  });
  const last = knots[knots.length - 1];
  if (last !== undefined) spread(last, Math.max(range.max, last), gaps[knots.length]!);
  return out;
}

/** The value at quantile q (inverted CDF) of an ECDF: exact when it falls on a knot's atom. */
export function quantileOf(ecdf: Ecdf, q: number): number | undefined {
  const n = total(ecdf);
  if (n === 0) return undefined;
  const target = q * n;
  let cum = 0;
  for (let k = 0; k < ecdf.knots.length; k++) {
    cum += ecdf.gaps[k]! + ecdf.atoms[k]!;
    if (cum >= target) return ecdf.knots[k];
  }
  return ecdf.knots[ecdf.knots.length - 1];
}
