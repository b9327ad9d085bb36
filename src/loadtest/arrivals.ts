/**
 * When each request of an open-loop run is due. A constant rate is computed from the request's
 * index (start + i / rate), never by adding gaps up, so rounding cannot add a request at the end
 * of the run; random arrivals draw gamma-distributed gaps, as vLLM's `--burstiness` does
 * (shape = burstiness, mean = 1 / rate: 1 is Poisson, below 1 burstier, above 1 more even).
 */
export interface RateLoad {
  rate: number;
  /** Gamma shape of the inter-arrival gaps; undefined for a constant rate. */
  burstiness?: number | undefined;
  /** Stages of constant (or bursty) rate; after the last, its rate goes on. */
  stages?: { durationMs: number; rate: number }[] | undefined;
}

/** This process's share of a schedule split across workers. */
export interface Share {
  index: number;
  count: number;
}

/**
 * Offsets (ms from the start) of this worker's requests, in order, with each one's index in the
 * whole schedule (which picks its payload). With a constant rate the workers interleave: worker
 * k of n takes requests k, k + n, k + 2n … of the one schedule, so together they send exactly
 * what one process would. Random arrivals are drawn per worker at rate / n from its own seed.
 */
export function* arrivals(
  load: RateLoad,
  random: () => number,
  share: Share = { index: 0, count: 1 },
): Generator<{ offset: number; index: number }> {
  if (load.burstiness !== undefined) {
    let offset = 0;
    for (let i = 0; ; i++) {
      if (i > 0) offset += gammaGap(rateAt(load, offset) / share.count, load.burstiness, random);
      yield { offset, index: share.index + i * share.count };
    }
  }
  let j = 0;
  for (const { from, to, rate } of constantSegments(load)) {
    const gap = 1000 / rate;
    for (let m = 0; from + m * gap < to; m++, j++) {
      if (j % share.count === share.index) yield { offset: from + m * gap, index: j };
    }
  }
}

/** The stages as [from, to) segments of constant rate, the last one open-ended. */
function* constantSegments(load: RateLoad): Generator<{ from: number; to: number; rate: number }> {
  let t = 0;
  for (const stage of load.stages ?? []) {
    if (stage.rate > 0) yield { from: t, to: t + stage.durationMs, rate: stage.rate };
    t += stage.durationMs;
  }
  const rate = load.stages && load.stages.length > 0 ? load.stages[load.stages.length - 1]!.rate : load.rate;
  if (rate > 0) yield { from: t, to: Infinity, rate };
}

function rateAt(load: RateLoad, offset: number): number {
  if (!load.stages || load.stages.length === 0) return load.rate;
  let t = 0;
  for (const stage of load.stages) {
    if (offset < t + stage.durationMs) return stage.rate;
    t += stage.durationMs;
  }
  return load.stages[load.stages.length - 1]!.rate;
}

/** Mean time between requests at the start (ms), for the measured window of a request-bounded run. */
export function meanGapMs(load: RateLoad): number {
  return 1000 / Math.max(rateAt(load, 0), 1e-9);
}

/** A gamma-distributed gap with mean 1000 / rate ms and the given shape. */
function gammaGap(rate: number, shape: number, random: () => number): number {
  const mean = 1000 / Math.max(rate, 1e-9);
  return (gammaSample(shape, random) * mean) / shape;
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 boosted by U^(1/shape). */
export function gammaSample(shape: number, random: () => number): number {
  if (shape < 1) return gammaSample(shape + 1, random) * Math.pow(nonZero(random), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalSample(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = nonZero(random);
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function normalSample(random: () => number): number {
  return Math.sqrt(-2 * Math.log(nonZero(random))) * Math.cos(2 * Math.PI * random());
}

function nonZero(random: () => number): number {
  return Math.max(random(), 1e-12);
}
