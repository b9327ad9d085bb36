import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PreparedRequest } from './protocols.js';
import { Recorder, type Sample } from './record.js';
import type { Sender } from './sender.js';

export type LoadModel =
  | { mode: 'rate'; rate: number; poisson?: boolean; stages?: { durationMs: number; rate: number }[] }
  | { mode: 'concurrency'; concurrency: number };

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface RunOptions {
  sender: Sender;
  /** The i-th request to send. */
  next: (i: number) => PreparedRequest;
  load: LoadModel;
  durationMs?: number | undefined;
  maxRequests?: number | undefined;
  /** Requests whose intended time falls in the warmup are sent but not counted. */
  warmupMs: number;
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Open loop: requests in flight beyond this are counted as dropped (the client cannot keep up). */
  maxInFlight?: number;
  /** Per-request SLO limits for goodput (ms). */
  goodLimits?: { latency?: number; ttft?: number; tpot?: number };
  onProgress?: (p: {
    elapsedMs: number;
    sent: number;
    completed: number;
    errors: number;
    inFlight: number;
  }) => void;
  /** A seeded random source for Poisson arrivals. */
  random?: () => number;
}

export interface RunResult {
  recorder: Recorder;
  /** Milliseconds of the measured window (after warmup). */
  measuredMs: number;
  sent: number;
  dropped: number;
  interrupted: boolean;
  /** Event-loop delay p99 in ms while running: high values mean the generator is saturated. */
  eventLoopP99Ms: number;
}

/**
 * Runs one load test. Open loop (`rate`): request i is due at a fixed time whatever happened to
 * earlier ones, and its latency counts from that intended time, so a server stall shows up in the
 * percentiles instead of silently slowing the generator down (coordinated omission; see wrk2).
 * Closed loop (`concurrency`): C workers each send the next request when the last one finished.
 */
export async function runLoad(options: RunOptions): Promise<RunResult> {
  const { clock, sender } = options;
  const start = clock.now();
  const warmEnd = start + options.warmupMs;
  const end = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const limit = options.maxRequests ?? Infinity;
  const recorder = new Recorder(warmEnd, options.goodLimits);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const aborted = () => options.signal?.aborted === true;
  const finish = (sample: Sample) => {
    // Requests cut short by an interrupt measured nothing; the partial report leaves them out.
    if (sample.error === 'interrupted') return;
    completed++;
    if (!sample.ok) errors++;
    if (sample.intended >= warmEnd) recorder.record(sample);
  };
  let lastProgress = start;
  const progress = () => {
    const t = clock.now();
    if (options.onProgress && t - lastProgress >= 1000) {
      lastProgress = t;
      options.onProgress({ elapsedMs: t - start, sent, completed, errors, inFlight });
    }
  };

  if (options.load.mode === 'rate') {
    const load = options.load;
    const maxInFlight = options.maxInFlight ?? 10_000;
    const random = options.random ?? Math.random;
    let intended = start;
    for (let i = 0; i < limit && !aborted(); i++) {
      if (i > 0) intended += gapMs(load, intended - start, random);
      if (intended >= end) break;
      const wait = intended - clock.now();
      if (wait > 1) await clock.sleep(wait);
      if (aborted()) break;
      progress();
      if (inFlight >= maxInFlight) {
        dropped++;
        finish({ intended, sent: clock.now(), end: clock.now(), ok: false, error: 'client_saturated' });
        continue;
      }
      sent++;
      inFlight++;
      const promise: Promise<void> = sender.send(options.next(i), intended).then((sample) => {
        inFlight--;
        finish(sample);
        pending.delete(promise);
      });
      pending.add(promise);
    }
  } else {
    const workers = Array.from({ length: options.load.concurrency }, async () => {
      while (!aborted() && sent < limit && clock.now() < end) {
        const i = sent++;
        inFlight++;
        const sample = await sender.send(options.next(i), clock.now());
        inFlight--;
        finish(sample);
        progress();
      }
    });
    await Promise.all(workers);
  }
  await Promise.all(pending);
  delay.disable();
  const stop = Math.min(clock.now(), end === Infinity ? clock.now() : end);
  return {
    recorder,
    measuredMs: Math.max(1, stop - warmEnd),
    sent,
    dropped,
    interrupted: aborted(),
    eventLoopP99Ms: delay.percentile(99) / 1e6,
  };
}

/** Milliseconds to the next arrival at this point of the run (constant or Poisson, per stage). */
function gapMs(load: Extract<LoadModel, { mode: 'rate' }>, elapsedMs: number, random: () => number): number {
  let rate = load.rate;
  if (load.stages) {
    let t = 0;
    rate = load.stages[load.stages.length - 1]!.rate;
    for (const stage of load.stages) {
      if (elapsedMs < t + stage.durationMs) {
        rate = stage.rate;
        break;
      }
      t += stage.durationMs;
    }
  }
  const mean = 1000 / Math.max(rate, 1e-9);
  return load.poisson ? -Math.log(1 - random()) * mean : mean;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
};
