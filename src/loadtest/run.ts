import { arrivals, meanGapMs, type RateLoad, type Share } from './arrivals.js';
import type { PreparedRequest } from './protocols.js';
import { Recorder, type Distribution, type GoodLimits, type Sample } from './record.js';
import { monitorEventLoop } from './saturation.js';
import type { Sender } from './sender.js';

export type LoadModel =
  | ({
      mode: 'rate';
      /** Deprecated spelling of burstiness 1 (Poisson arrivals). */
      poisson?: boolean | undefined;
      /** Open loop with a cap: beyond this many in flight, requests wait on the client (measured). */
      maxConcurrency?: number | undefined;
    } & RateLoad)
  | { mode: 'concurrency'; concurrency: number };

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /**
   * Yields to the event loop once (setImmediate), for waits shorter than a timer can do. Used only
   * where it is cheap: see SPIN_MIN_GAP_MS.
   */
  spin?: () => Promise<void>;
}

export interface ProgressInfo {
  elapsedMs: number;
  sent: number;
  completed: number;
  errors: number;
  inFlight: number;
  /** p95 latency of the requests completed since the last report (ms), undefined when none. */
  recentP95: number | undefined;
}

export interface RunOptions {
  sender: Sender;
  /** The request with this index in the whole schedule. */
  next: (index: number) => PreparedRequest;
  load: LoadModel;
  durationMs?: number | undefined;
  maxRequests?: number | undefined;
  /** Requests whose intended time falls in the warmup are sent but not counted. */
  warmupMs: number;
  clock: Clock;
  /** Stops sending; requests in flight finish and are counted. */
  signal?: AbortSignal | undefined;
  /** Per-request SLO limits for goodput (ms). */
  goodLimits?: GoodLimits | undefined;
  onProgress?: ((p: ProgressInfo) => void) | undefined;
  /** A seeded random source for random arrivals. */
  random?: (() => number) | undefined;
  /** This process's share of the schedule (`--workers`); the whole schedule when absent. */
  share?: Share | undefined;
  /** Clock time the schedule starts at (workers start together); now when absent. */
  startAt?: number | undefined;
}

export interface RunResult {
  recorder: Recorder;
  /** Milliseconds of the measured window: the part of the schedule after warmup that was run. */
  measuredMs: number;
  /** `rate` or `concurrency`, for the achieved-rate formula. */
  mode: LoadModel['mode'];
  sent: number;
  /** Requests the interrupt caught before they were sent (never counted). */
  cancelled: number;
  interrupted: boolean;
  /** The run stopped before its planned end (an interrupt). */
  stoppedEarly: boolean;
  /** How late a 20 ms timer fired while running (delay only). */
  eventLoopDelay: Distribution;
  /** Most requests in flight at once. */
  peakInFlight: number;
  /** Most connections the HTTP client opened at once, when the sender reports it. */
  peakConnections?: number | undefined;
  /** The run's start on the clock (workers report it to line their results up). */
  startedAt: number;
}

/**
 * Runs one load test. Open loop (`rate`): request i is due at a fixed time whatever happened to
 * earlier ones (coordinated omission; see wrk2); it is never sent before that time, and connections
 * are opened as the schedule needs them, so a server stall shows in the latency of the requests
 * sent during it. Closed loop (`concurrency`): C workers each send the next request when the last
 * one finished. Latency counts from when the request was written: time it waited on the client is
 * recorded apart (schedule lag, client queue).
 */
export async function runLoad(options: RunOptions): Promise<RunResult> {
  const { clock, sender } = options;
  const share = options.share ?? { index: 0, count: 1 };
  // Everything that takes time once (connections, histograms, the first run of this code) is done
  // before the schedule starts: the first requests would otherwise go late and leave bunched
  // together, and a server counting arrivals from the first would read a rate too high.
  const recorder = new Recorder(0, options.goodLimits);
  const eventLoop = monitorEventLoop(() => performance.now());
  await sender.warm?.(
    options.load.mode === 'concurrency' ? options.load.concurrency : 1,
    options.startAt === undefined ? undefined : options.startAt - clock.now(),
  );
  const start = options.startAt ?? clock.now();
  if (clock.now() < start) await waitUntil(clock, start);
  const warmEnd = start + options.warmupMs;
  const end = options.durationMs === undefined ? Infinity : start + options.durationMs;
  recorder.setOrigin(warmEnd);
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let cancelled = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  let lastIntended = start;
  let lastSentAt = start;
  let stopAt: number | undefined;
  let limitReached = false;
  // Callbacks, not a promise per request, where the sender has them (the HTTP sender does).
  const sendWith: (request: PreparedRequest, intended: number, done: (sample: Sample) => void) => void =
    sender.dispatch
      ? sender.dispatch.bind(sender)
      : (request, intended, done) => void sender.send(request, intended).then(done);
  /** Settles the wait for the last in-flight request at the end of an open loop. */
  let allSettled: (() => void) | undefined;
  const aborted = () => options.signal?.aborted === true;
  // Latencies completed since the last progress line (only with a progress callback): pushed to an
  // array and sorted once a second, cheaper than a histogram update on every request.
  let recent: number[] = [];
  const tracksRecent = options.onProgress !== undefined;
  const finish = (sample: Sample) => {
    // Requests an interrupt caught before they were written measured nothing.
    if (sample.error === 'interrupted') {
      cancelled++;
      return;
    }
    completed++;
    if (!sample.ok) errors++;
    else if (tracksRecent) recent.push(sample.end - sample.sent);
    if (sample.intended >= warmEnd) recorder.record(sample);
  };
  const progressTimer = options.onProgress
    ? setInterval(() => {
        const p95 = percentile(recent, 0.95);
        recent = [];
        options.onProgress?.({
          elapsedMs: clock.now() - start,
          sent,
          completed,
          errors,
          inFlight,
          recentP95: p95,
        });
      }, 1000)
    : undefined;
  progressTimer?.unref();
  const onAbort = () => {
    stopAt ??= clock.now();
    cancelled += sender.cancelQueued?.() ?? 0;
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const launch = (index: number, intended: number, dispatched?: number) => {
    sent++;
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    lastSentAt = clock.now();
    sendWith(options.next(index), intended, (sample) => {
      inFlight--;
      finish(dispatched === undefined ? sample : { ...sample, dispatched, queued: true });
      releaseSlot();
      if (inFlight === 0) allSettled?.();
    });
  };

  // --rate with --max-concurrency: requests over the cap wait here, their wait measured as client queue.
  const waiting: { index: number; intended: number; dispatched: number }[] = [];
  const maxConcurrency =
    options.load.mode === 'rate' && options.load.maxConcurrency !== undefined
      ? Math.max(1, Math.round(options.load.maxConcurrency / share.count))
      : Infinity;
  const drained: (() => void)[] = [];
  const releaseSlot = () => {
    if (aborted()) cancelled += waiting.splice(0).length;
    const next = waiting.shift();
    if (next) launch(next.index, next.intended, next.dispatched);
    if (waiting.length === 0 && drained.length > 0) for (const done of drained.splice(0)) done();
  };

  const limit = options.maxRequests ?? Infinity;
  if (options.load.mode === 'rate') {
    const load = options.load;
    const rateLoad: RateLoad = {
      rate: load.rate,
      burstiness: load.burstiness ?? (load.poisson ? 1 : undefined),
      stages: load.stages,
    };
    let previous = start;
    for (const { offset, index } of arrivals(rateLoad, options.random ?? Math.random, share)) {
      if (aborted()) break;
      if (index >= limit) {
        limitReached = true;
        break;
      }
      const intended = start + offset;
      if (intended >= end) break;
      const spin = intended - previous >= SPIN_MIN_GAP_MS;
      previous = intended;
      if (clock.now() < intended) await waitUntil(clock, intended, options.signal, spin);
      if (aborted()) break;
      lastIntended = intended;
      if (inFlight >= maxConcurrency) waiting.push({ index, intended, dispatched: clock.now() });
      else launch(index, intended);
    }
    // Wait for the queue behind --max-concurrency to drain (each completion launches the next).
    while (waiting.length > 0) await new Promise<void>((done) => drained.push(done));
  } else {
    const concurrency = options.load.concurrency;
    let issued = 0;
    await new Promise<void>((allDone) => {
      let running = concurrency;
      // A response that settles while its request is being handed over (a synchronous failure)
      // sends the next one on a later turn: no unbounded recursion, no starved event loop.
      let handing = false;
      const next = (): void => {
        if (aborted() || clock.now() >= end) return stop();
        const index = share.index + issued * share.count;
        if (index >= limit) {
          limitReached = true;
          return stop();
        }
        issued++;
        const intended = clock.now();
        lastIntended = intended;
        sent++;
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        lastSentAt = intended;
        handing = true;
        sendWith(options.next(index), intended, onSample);
        handing = false;
      };
      const onSample = (sample: Sample) => {
        inFlight--;
        finish(sample);
        if (handing) setImmediate(next);
        else next();
      };
      const stop = () => {
        if (--running === 0) allDone();
      };
      for (let i = 0; i < concurrency; i++) next();
    });
  }
  if (inFlight > 0) await new Promise<void>((done) => (allSettled = done));
  options.signal?.removeEventListener('abort', onAbort);
  if (progressTimer) clearInterval(progressTimer);
  const interrupted = aborted();
  const measuredMs = windowMs();
  return {
    recorder,
    measuredMs,
    mode: options.load.mode,
    sent,
    cancelled,
    interrupted,
    stoppedEarly: interrupted && (stopAt ?? clock.now()) < end,
    eventLoopDelay: eventLoop.stop(),
    peakInFlight,
    peakConnections: sender.peakConnections?.(),
    startedAt: start,
  };

  /**
   * The measured window: from the end of warmup to the end of the schedule that ran — the planned
   * end, the interrupt, or (for a request-bounded open loop) one mean gap after the last request.
   */
  function windowMs(): number {
    let scheduleEnd: number;
    if (stopAt !== undefined) scheduleEnd = Math.min(stopAt, end);
    else if (!limitReached && end !== Infinity) scheduleEnd = end;
    else if (options.load.mode === 'rate')
      scheduleEnd = Math.min(end, lastIntended + meanGapMs(options.load) * share.count);
    else scheduleEnd = Math.min(end, lastSentAt);
    return Math.max(1e-3, scheduleEnd - warmEnd);
  }
}

/** The q-quantile of the values (nearest rank), undefined when there are none; sorts them. */
function percentile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/**
 * The shortest gap between a process's requests for which the last millisecond before a send is
 * spun (event-loop turns) rather than slept: spinning costs up to a millisecond of CPU per
 * request, 10 % of a core at this gap but all of it at 1 000 requests/s and more, where it made
 * the generator look saturated and, with `--workers` sharing a core, took the core from the
 * other worker's responses. Measured (bench/loadtest.js, `waitingAt2000PerSecond`; docs/loadtest.md,
 * "Waiting for a send"): timers send about 0.6 ms late at the median for 5 % of a core; the spin
 * within about 0.06 ms for all of the core it can get.
 */
export const SPIN_MIN_GAP_MS = 10;

/**
 * Waits until the clock reads `t`, never returning before it. Node's timers may fire up to a
 * millisecond early against performance.now(), so the wait is checked and repeated: with `spin`,
 * a timer for the whole milliseconds and event-loop turns (setImmediate) for what is left;
 * without, timers only (a send may then be up to about a millisecond late, never early).
 */
export async function waitUntil(clock: Clock, t: number, signal?: AbortSignal, spin = true): Promise<void> {
  for (;;) {
    const d = t - clock.now();
    if (d <= 0 || signal?.aborted) return;
    if (spin && clock.spin) {
      if (d < 1) await clock.spin();
      else await clock.sleep(Math.max(1, Math.floor(d)));
    } else await clock.sleep(d);
  }
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  spin: () => new Promise((done) => setImmediate(done)),
};
