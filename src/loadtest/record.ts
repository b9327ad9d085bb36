import type { Histogram } from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, newHistogram as buildHistogram } from './histogram.js';

/** One request as the generator saw it. Times are milliseconds on the run's clock. */
export interface Sample {
  /** When the schedule wanted the request sent. */
  intended: number;
  /** When the generator handed it to the HTTP client (intended + schedule lag); default `intended`. */
  dispatched?: number;
  /**
   * When it was written to a socket, after any wait in the client's queue (a free connection, a
   * `--max-concurrency` slot). Latency, TTFT and TPOT count from here: time spent waiting on the
   * client is reported as `client_queue`, never as server latency.
   */
  sent: number;
  /** When the response ended (or failed). */
  end: number;
  ok: boolean;
  /** http_<status>, timeout, connection, tls, parse, body_too_large, … — for failures. */
  error?: string;
  status?: number;
  /** First content token (streaming LLM endpoints). */
  firstToken?: number;
  /** Arrival time of each content chunk after the first, for inter-token latency. */
  chunkTimes?: number[];
  outputTokens?: number;
  /** Where the output token count came from: the server's usage, the tokenizer, or an estimate. */
  tokenSource?: 'usage' | 'tokenizer' | 'estimate';
  inputTokens?: number;
  inputTokenSource?: 'usage' | 'tokenizer';
  /** The request waited on the client (no free connection or concurrency slot). */
  queued?: boolean;
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

/** Per-request SLO limits (ms) for goodput: a request is good when it meets each one given. */
export interface GoodLimits {
  latency?: number;
  ttft?: number;
  tpot?: number;
}

/** Microseconds from 1 µs to an hour, three significant digits. */
export const newHistogram = (): Histogram => buildHistogram(1, 3_600_000_000, 3);

const SERIES = [
  'latency',
  'ttft',
  'tpot',
  'itl',
  'lag',
  'clientQueue',
  'inputTokens',
  'outputTokens',
] as const;
type SeriesName = (typeof SERIES)[number];

/**
 * What a worker sends back: every histogram encoded exactly (HDR's compressed encoding, as hex) and
 * the counters. Hex, not HDR's usual base64: the worker's output passes the redaction gate like all
 * output, and mixed-case base64 looks like a credential to it, while lower-case hex never does.
 */
export interface RecorderData {
  histograms: Record<SeriesName, string>;
  seconds: { second: number; requests: number; errors: number; histogram: string }[];
  errors: Record<string, number>;
  total: number;
  ok: number;
  queued: number;
  outputTokens: number;
  tokensEstimated: number;
  tokensFromTokenizer: number;
  inputTokensTotal: number;
  inputTokensMissing: number;
  good: number;
  goodBy: { latency: number; ttft: number; tpot: number };
  firstIntended: number | null;
  lastIntended: number | null;
  firstEnd: number | null;
  lastEnd: number | null;
  tail: [number, number][];
}

/** How many of the latest requests (by intended time) the achieved-rate estimate looks at. */
const TAIL = 64;

/**
 * The TAIL latest of a stream of (intended, drain) pairs by intended time, in two preallocated
 * arrays: adding costs no allocation; when 2 × TAIL are held they are cut back to the latest TAIL
 * (a copy when they came in order, as they nearly always do; a sort otherwise).
 */
class LatestTail {
  private readonly intended = new Float64Array(TAIL * 2);
  private readonly drain = new Float64Array(TAIL * 2);
  private size = 0;

  add(intended: number, drain: number): void {
    if (this.size >= TAIL && intended <= this.intended[0]!) return;
    if (this.size === TAIL * 2) this.compact();
    this.intended[this.size] = intended;
    this.drain[this.size] = drain;
    this.size++;
  }

  /** The latest TAIL pairs, oldest first. */
  latest(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let i = 0; i < this.size; i++) pairs.push([this.intended[i]!, this.drain[i]!]);
    return pairs.sort((a, b) => a[0] - b[0]).slice(-TAIL);
  }

  private compact(): void {
    let ordered = true;
    for (let i = 1; i < this.size && ordered; i++) ordered = this.intended[i - 1]! <= this.intended[i]!;
    if (ordered) {
      this.intended.copyWithin(0, this.size - TAIL, this.size);
      this.drain.copyWithin(0, this.size - TAIL, this.size);
    } else {
      const kept = this.latest();
      kept.forEach(([intended, drain], i) => {
        this.intended[i] = intended;
        this.drain[i] = drain;
      });
    }
    this.size = TAIL;
  }
}

/**
 * A histogram fed through a run-length buffer: a series that repeats one value (schedule lag and
 * client queue of a closed loop are 1 µs on almost every request) costs a comparison per request
 * instead of a histogram update; the run is added with its count when the value changes or the
 * histogram is read, so what is read is exactly what was recorded.
 */
class RunLengthHistogram {
  private readonly histogram = newHistogram();
  private value = 0;
  private count = 0;

  record(value: number): void {
    if (value === this.value) this.count++;
    else {
      if (this.count > 0) this.histogram.recordValueWithCount(this.value, this.count);
      this.value = value;
      this.count = 1;
    }
  }

  /** The histogram with every value recorded so far. */
  read(): Histogram {
    if (this.count > 0) {
      this.histogram.recordValueWithCount(this.value, this.count);
      this.count = 0;
    }
    return this.histogram;
  }
}

/**
 * HDR histograms (microsecond resolution, 3 significant digits) for end-to-end latency, TTFT,
 * TPOT, inter-token latency, schedule lag and client queue time, token counts per request, error
 * counts and a per-second timeline. Histograms merge exactly (worker results add up).
 */
export class Recorder {
  readonly latency = newHistogram();
  readonly ttft = newHistogram();
  readonly tpot = newHistogram();
  readonly itl = newHistogram();
  private readonly lagRuns = new RunLengthHistogram();
  private readonly clientQueueRuns = new RunLengthHistogram();
  /** Prompt tokens per request (a count, not microseconds). */
  readonly inputTokens = newHistogram();
  /** Output tokens per request (a count). */
  readonly outputTokensPerRequest = newHistogram();
  readonly errors = new Map<string, number>();
  private readonly seconds = new Map<number, { requests: number; errors: number; histogram: Histogram }>();
  total = 0;
  ok = 0;
  /** Requests that waited on the client before being sent. */
  queued = 0;
  outputTokens = 0;
  tokensEstimated = 0;
  tokensFromTokenizer = 0;
  inputTokensTotal = 0;
  /** Successful requests whose prompt tokens are unknown (no usage from the server, no tokenizer). */
  inputTokensMissing = 0;
  /** Requests that met every per-request SLO (latency, TTFT, TPOT), for goodput. */
  good = 0;
  /** Requests that met each per-request SLO on its own, for goodput per metric. */
  readonly goodBy = { latency: 0, ttft: 0, tpot: 0 };
  firstIntended: number | undefined;
  lastIntended: number | undefined;
  firstEnd: number | undefined;
  lastEnd: number | undefined;
  /** The latest requests by intended time (intended, intended → end), for the achieved rate. */
  private readonly tail = new LatestTail();

  constructor(
    private origin: number,
    private readonly goodLimits: GoodLimits = {},
  ) {}

  /** Sets the start of the measured window (for a recorder built before the run's start was known). */
  setOrigin(origin: number): void {
    this.origin = origin;
  }

  /** Intended → handed to the client: the schedule running late (a busy generator). */
  get lag(): Histogram {
    return this.lagRuns.read();
  }

  /** Handed to the client → written to a socket: waiting for a connection or a concurrency slot. */
  get clientQueue(): Histogram {
    return this.clientQueueRuns.read();
  }

  private series(name: SeriesName): Histogram {
    return name === 'outputTokens' ? this.outputTokensPerRequest : this[name];
  }

  record(sample: Sample): void {
    this.total++;
    const dispatched = sample.dispatched ?? sample.intended;
    const latency = sample.end - sample.sent;
    const second = Math.floor((sample.intended - this.origin) / 1000);
    let bucket = this.seconds.get(second);
    if (!bucket) this.seconds.set(second, (bucket = { requests: 0, errors: 0, histogram: newHistogram() }));
    bucket.requests++;
    this.firstIntended = Math.min(this.firstIntended ?? Infinity, sample.intended);
    this.lastIntended = Math.max(this.lastIntended ?? -Infinity, sample.intended);
    this.firstEnd = Math.min(this.firstEnd ?? Infinity, sample.end);
    this.lastEnd = Math.max(this.lastEnd ?? -Infinity, sample.end);
    this.keepTail(sample.intended, sample.end - sample.intended);
    this.lagRuns.record(toMicros(dispatched - sample.intended));
    this.clientQueueRuns.record(toMicros(sample.sent - dispatched));
    if (sample.queued) this.queued++;
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
      ttft = sample.firstToken - sample.sent;
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
    if (sample.outputTokens !== undefined) {
      this.outputTokens += sample.outputTokens;
      this.outputTokensPerRequest.recordValue(Math.max(1, sample.outputTokens));
      if (sample.tokenSource === 'estimate') this.tokensEstimated++;
      if (sample.tokenSource === 'tokenizer') this.tokensFromTokenizer++;
    }
    if (sample.inputTokens !== undefined) {
      this.inputTokensTotal += sample.inputTokens;
      this.inputTokens.recordValue(Math.max(1, sample.inputTokens));
    } else if (sample.outputTokens !== undefined) this.inputTokensMissing++;
    const byLatency = meets(latency, this.goodLimits.latency);
    const byTtft = meets(ttft, this.goodLimits.ttft);
    const byTpot = meets(tpot, this.goodLimits.tpot);
    if (byLatency) this.goodBy.latency++;
    if (byTtft) this.goodBy.ttft++;
    if (byTpot) this.goodBy.tpot++;
    if (byLatency && byTtft && byTpot) this.good++;
  }

  private keepTail(intended: number, drain: number): void {
    this.tail.add(intended, drain);
  }

  /**
   * Median time from intended send to end of the latest requests: how long the server still took
   * when the schedule ended (its backlog when overloaded, its usual latency otherwise).
   */
  tailDrainMs(): number {
    const latest = this.tail.latest().map((e) => e[1]);
    if (latest.length === 0) return 0;
    latest.sort((a, b) => a - b);
    return latest[Math.floor(latest.length / 2)]!;
  }

  timeline(): TimelinePoint[] {
    return [...this.seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, b]) => {
        const [p50, p95, p99] = percentilesOf(b.histogram, [50, 95, 99]);
        return { second, requests: b.requests, errors: b.errors, p50: p50!, p95: p95!, p99: p99! };
      });
  }

  /** Everything recorded, exactly, for another process to merge. */
  toData(): RecorderData {
    const histograms = Object.fromEntries(
      SERIES.map((name) => [name, encodeHistogram(this.series(name))]),
    ) as Record<SeriesName, string>;
    const nullable = (n: number | undefined) => (n === undefined ? null : n);
    return {
      histograms,
      seconds: [...this.seconds.entries()].map(([second, b]) => ({
        second,
        requests: b.requests,
        errors: b.errors,
        histogram: encodeHistogram(b.histogram),
      })),
      errors: Object.fromEntries(this.errors),
      total: this.total,
      ok: this.ok,
      queued: this.queued,
      outputTokens: this.outputTokens,
      tokensEstimated: this.tokensEstimated,
      tokensFromTokenizer: this.tokensFromTokenizer,
      inputTokensTotal: this.inputTokensTotal,
      inputTokensMissing: this.inputTokensMissing,
      good: this.good,
      goodBy: { ...this.goodBy },
      firstIntended: nullable(this.firstIntended),
      lastIntended: nullable(this.lastIntended),
      firstEnd: nullable(this.firstEnd),
      lastEnd: nullable(this.lastEnd),
      tail: this.tail.latest(),
    };
  }

  /**
   * Adds another recorder's data: histograms add bucket by bucket, so percentiles of the merge are
   * those of one recorder that saw every request. `shiftMs` moves the other's times onto this
   * recorder's clock; `shiftSeconds` its timeline.
   */
  merge(data: RecorderData, shiftMs = 0, shiftSeconds = 0): void {
    for (const name of SERIES) this.series(name).add(decodeHistogram(data.histograms[name]));
    for (const s of data.seconds) {
      const second = s.second + shiftSeconds;
      let bucket = this.seconds.get(second);
      if (!bucket) this.seconds.set(second, (bucket = { requests: 0, errors: 0, histogram: newHistogram() }));
      bucket.requests += s.requests;
      bucket.errors += s.errors;
      bucket.histogram.add(decodeHistogram(s.histogram));
    }
    for (const [kind, n] of Object.entries(data.errors))
      this.errors.set(kind, (this.errors.get(kind) ?? 0) + n);
    this.total += data.total;
    this.ok += data.ok;
    this.queued += data.queued;
    this.outputTokens += data.outputTokens;
    this.tokensEstimated += data.tokensEstimated;
    this.tokensFromTokenizer += data.tokensFromTokenizer;
    this.inputTokensTotal += data.inputTokensTotal;
    this.inputTokensMissing += data.inputTokensMissing;
    this.good += data.good;
    this.goodBy.latency += data.goodBy.latency;
    this.goodBy.ttft += data.goodBy.ttft;
    this.goodBy.tpot += data.goodBy.tpot;
    const min = (a: number | undefined, b: number | null) =>
      b === null ? a : Math.min(a ?? Infinity, b + shiftMs);
    const max = (a: number | undefined, b: number | null) =>
      b === null ? a : Math.max(a ?? -Infinity, b + shiftMs);
    this.firstIntended = min(this.firstIntended, data.firstIntended);
    this.lastIntended = max(this.lastIntended, data.lastIntended);
    this.firstEnd = min(this.firstEnd, data.firstEnd);
    this.lastEnd = max(this.lastEnd, data.lastEnd);
    for (const [intended, drain] of data.tail) this.keepTail(intended + shiftMs, drain);
  }
}

/**
 * Percentiles of an HDR histogram, in milliseconds. HDR reports a percentile as the highest value
 * equivalent to its bucket, which can lie a little above the largest value recorded; `maxValue`
 * is that raw value in one histogram but a bucket bound after a merge. So max is read the way the
 * percentiles are (the 100th percentile: the same in one process and merged from workers) and
 * every percentile is clamped to [min, max]: p99 is never printed above max.
 */
export function distribution(h: Histogram): Distribution {
  return scaled(h, 1000);
}

/** Percentiles of a histogram of counts (tokens per request), unscaled. */
export function countDistribution(h: Histogram): Distribution {
  return scaled(h, 1);
}

function scaled(h: Histogram, divisor: number): Distribution {
  if (h.totalCount === 0)
    return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, 'p99.9': 0 };
  const [min, max, p50, p90, p95, p99, p999] = percentilesOf(h, [0, 100, 50, 90, 95, 99, 99.9], divisor);
  return {
    count: h.totalCount,
    min: min!,
    max: max!,
    mean: Math.round((h.mean / divisor) * 1000) / 1000,
    p50: p50!,
    p90: p90!,
    p95: p95!,
    p99: p99!,
    'p99.9': p999!,
  };
}

/**
 * Percentiles of a histogram (0 is the minimum), clamped to [min, max] as `distribution` says, in
 * milliseconds (or divided by `divisor`); 0 for an empty histogram. Without the mean, which walks
 * every recorded value (about a millisecond a histogram): the timeline reads one histogram a second
 * of the run.
 */
function percentilesOf(h: Histogram, percentiles: readonly number[], divisor = 1000): number[] {
  if (h.totalCount === 0) return percentiles.map(() => 0);
  const min = h.minNonZeroValue;
  const max = h.getValueAtPercentile(100);
  return percentiles.map(
    (p) => Math.round(p === 0 ? min : Math.min(max, Math.max(min, h.getValueAtPercentile(p)))) / divisor,
  );
}

/** Whether a value meets a per-request limit (no limit: it does). */
function meets(value: number | undefined, limit: number | undefined): boolean {
  return limit === undefined || (value !== undefined && value < limit);
}

function toMicros(ms: number): number {
  return Math.max(1, Math.round(ms * 1000));
}
