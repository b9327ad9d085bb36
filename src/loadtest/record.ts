import { build, type Histogram } from 'hdr-histogram-js';

/** One request as the sender saw it. Times are milliseconds since the run started. */
export interface Sample {
  /**
   * When the schedule wanted the request sent; every latency is measured from here (no coordinated
   * omission).
   */
  intended: number;
  /** When it was actually sent (intended + schedule lag). */
  sent: number;
  /** When the response ended (or failed). */
  end: number;
  ok: boolean;
  /** http_<status>, timeout, connection, tls, parse — for failures. */
  error?: string;
  status?: number;
  /** First content token (streaming LLM endpoints). */
  firstToken?: number;
  /** Arrival time of each content chunk after the first, for inter-token latency. */
  chunkTimes?: number[];
  outputTokens?: number;
  /** Tokens counted from the server's usage (true) or estimated (false). */
  tokensFromUsage?: boolean;
}

export interface Distribution {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
}

export interface TimelinePoint {
  /** Second since the start of the measured window. */
  second: number;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

/**
 * HDR histograms (microsecond resolution, 3 significant digits) for end-to-end latency, TTFT,
 * TPOT, inter-token latency and schedule lag, plus error counts and a per-second timeline.
 */
export class Recorder {
  readonly latency = newHistogram();
  readonly ttft = newHistogram();
  readonly tpot = newHistogram();
  readonly itl = newHistogram();
  readonly lag = newHistogram();
  readonly errors = new Map<string, number>();
  private readonly seconds = new Map<number, { requests: number; errors: number; histogram: Histogram }>();
  total = 0;
  ok = 0;
  outputTokens = 0;
  tokensEstimated = 0;
  /** Requests that met every per-request SLO (latency, TTFT, TPOT), for goodput. */
  good = 0;

  constructor(
    private readonly origin: number,
    private readonly goodLimits: { latency?: number; ttft?: number; tpot?: number } = {},
  ) {}

  record(sample: Sample): void {
    this.total++;
    const latency = sample.end - sample.intended;
    const second = Math.floor((sample.intended - this.origin) / 1000);
    let bucket = this.seconds.get(second);
    if (!bucket) this.seconds.set(second, (bucket = { requests: 0, errors: 0, histogram: newHistogram() }));
    bucket.requests++;
    this.lag.recordValue(toMicros(sample.sent - sample.intended));
    if (!sample.ok) {
      const kind = sample.error ?? 'error';
      this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
      bucket.errors++;
      return;
    }
    this.ok++;
    this.latency.recordValue(toMicros(latency));
    bucket.histogram.recordValue(toMicros(latency));
    let ttft: number | undefined;
    let tpot: number | undefined;
    if (sample.firstToken !== undefined) {
      ttft = sample.firstToken - sample.intended;
      this.ttft.recordValue(toMicros(ttft));
      const tokens = sample.outputTokens ?? 0;
      if (tokens > 1) {
        tpot = (latency - ttft) / (tokens - 1);
        this.tpot.recordValue(toMicros(tpot));
      }
      let previous = sample.firstToken;
      for (const t of sample.chunkTimes ?? []) {
        this.itl.recordValue(toMicros(t - previous));
        previous = t;
      }
    }
    this.outputTokens += sample.outputTokens ?? 0;
    if (sample.outputTokens !== undefined && !sample.tokensFromUsage) this.tokensEstimated++;
    const meets = (value: number | undefined, limit: number | undefined) =>
      limit === undefined || (value !== undefined && value < limit);
    if (
      meets(latency, this.goodLimits.latency) &&
      meets(ttft, this.goodLimits.ttft) &&
      meets(tpot, this.goodLimits.tpot)
    )
      this.good++;
  }

  timeline(): TimelinePoint[] {
    return [...this.seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, b]) => ({
        second,
        requests: b.requests,
        errors: b.errors,
        p50: fromMicros(b.histogram.getValueAtPercentile(50)),
        p95: fromMicros(b.histogram.getValueAtPercentile(95)),
        p99: fromMicros(b.histogram.getValueAtPercentile(99)),
      }));
  }
}

/** Percentiles of an HDR histogram, in milliseconds. */
export function distribution(h: Histogram): Distribution {
  if (h.totalCount === 0)
    return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, 'p99.9': 0 };
  return {
    count: h.totalCount,
    min: fromMicros(h.minNonZeroValue),
    max: fromMicros(h.maxValue),
    mean: Math.round(h.mean) / 1000,
    p50: fromMicros(h.getValueAtPercentile(50)),
    p90: fromMicros(h.getValueAtPercentile(90)),
    p95: fromMicros(h.getValueAtPercentile(95)),
    p99: fromMicros(h.getValueAtPercentile(99)),
    'p99.9': fromMicros(h.getValueAtPercentile(99.9)),
  };
}

function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}

function fromMicros(us: number): number {
  return Math.round(us) / 1000;
}
