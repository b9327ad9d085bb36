import { build } from 'hdr-histogram-js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FastPool, type ResponseSink } from '../src/loadtest/fast-client.js';
import { Recorder, distribution, type Sample } from '../src/loadtest/record.js';
import { runLoad, SPIN_MIN_GAP_MS, type Clock } from '../src/loadtest/run.js';
import type { Sender } from '../src/loadtest/sender.js';

/**
 * What the load generator costs and where its first requests go: the causes behind the bench goals
 * of issue 17 (bench/loadtest.js measures the figures; these tests hold the behaviour).
 */

const request = () => ({
  method: 'POST' as const,
  path: '/',
  body: '{}',
  headers: {},
  stream: false,
  expectTokens: false,
});

/**
 * A fake clock whose timers fire up to `early` ms before the time asked for (as Node's may against
 * performance.now()), counting the event-loop turns (spins) and timers used.
 */
function earlyTimerClock(early = 0.6) {
  let t = 0;
  const counts = { spins: 0, sleeps: 0 };
  const clock: Clock = {
    now: () => t,
    sleep: (ms) => {
      counts.sleeps++;
      t += Math.max(0.05, ms - early);
      return Promise.resolve();
    },
    spin: () => {
      counts.spins++;
      t += 0.01;
      return Promise.resolve();
    },
  };
  return { clock, counts, advance: (ms: number) => (t += ms), now: () => t };
}

function recordingSender(now: () => number) {
  const early: number[] = [];
  const lags: number[] = [];
  const sender: Sender = {
    send: (_r, intended) => {
      const t = now();
      if (t < intended) early.push(intended - t);
      lags.push(t - intended);
      return Promise.resolve({ intended, sent: t, end: t + 0.3, ok: true });
    },
    close: () => Promise.resolve(),
  };
  return { sender, early, lags };
}

describe('waiting for a scheduled send', () => {
  it('does not spin the event loop at 1 000 requests/s, and still never sends early', async () => {
    const { clock, counts, now } = earlyTimerClock();
    const { sender, early } = recordingSender(now);
    const result = await runLoad({
      sender,
      next: request,
      load: { mode: 'rate', rate: 1000 },
      durationMs: 1000,
      warmupMs: 0,
      clock,
    });
    expect(result.sent).toBe(1000);
    expect(early).toEqual([]);
    expect(counts.spins).toBe(0);
    expect(counts.sleeps).toBeGreaterThan(900);
  });

  it(`spins the last millisecond only when requests are at least ${SPIN_MIN_GAP_MS} ms apart`, async () => {
    const { clock, counts, now } = earlyTimerClock();
    const { sender, early, lags } = recordingSender(now);
    await runLoad({
      sender,
      next: request,
      load: { mode: 'rate', rate: 1000 / SPIN_MIN_GAP_MS },
      durationMs: 1000,
      warmupMs: 0,
      clock,
    });
    expect(early).toEqual([]);
    expect(counts.spins).toBeGreaterThan(0);
    // Spinning sends within one turn (0.01 ms here) of the time: the point of paying for it.
    expect(Math.max(...lags)).toBeLessThan(0.02);
  });
});

describe('the first requests of an open loop', () => {
  it('are not late: connections are opened before the schedule starts', async () => {
    let t = 0;
    const clock: Clock = {
      now: () => t,
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    };
    // A sender whose first request pays 30 ms for a connection unless it was opened beforehand.
    let connected = false;
    const lags: number[] = [];
    const sender: Sender = {
      send: (_r, intended) => {
        if (!connected) {
          t += 30;
          connected = true;
        }
        lags.push(t - intended);
        return Promise.resolve({ intended, sent: t, end: t + 0.3, ok: true });
      },
      warm: () => {
        t += 30;
        connected = true;
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const result = await runLoad({
      sender,
      next: request,
      load: { mode: 'rate', rate: 2000 },
      durationMs: 100,
      warmupMs: 0,
      clock,
    });
    expect(result.sent).toBe(200);
    expect(Math.max(...lags)).toBe(0);
    expect(result.startedAt).toBe(30);
  });

  it('a pool opens the connections asked for before any request, and requests reuse them', async () => {
    const events: string[] = [];
    const server: Server = createServer((req, res) => {
      events.push('request');
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    server.on('connection', (socket: Socket) => {
      events.push('connection');
      socket.on('error', () => undefined);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    const { port } = server.address() as AddressInfo;
    const pool = new FastPool(`http://127.0.0.1:${port}`, {
      maxConnections: 8,
      timeoutMs: 5000,
      now: () => performance.now(),
    });
    cleanups.push(() => pool.close());
    await pool.preconnect(2, 5000);
    expect(pool.peakConnections).toBe(2);
    const done = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number>((resolve) => {
            let status = 0;
            const sink: ResponseSink = {
              onStart: () => undefined,
              onHeaders: (code) => (status = code),
              onData: () => undefined,
              onComplete: () => resolve(status),
              onError: () => resolve(-1),
            };
            pool.dispatch(request(), sink);
          }),
      ),
    );
    expect(done).toEqual([200, 200]);
    expect(events).toEqual(['connection', 'connection', 'request', 'request']);
    expect(pool.peakConnections).toBe(2);
  });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('the recorder’s per-request bookkeeping stays exact', () => {
  const sample = (i: number, lagMs: number, queueMs: number): Sample => ({
    intended: i,
    dispatched: i + lagMs,
    sent: i + lagMs + queueMs,
    end: i + lagMs + queueMs + 1 + (i % 5) / 10,
    ok: true,
  });

  it('schedule lag and client queue read as if every value went into the histogram', () => {
    const recorder = new Recorder(0);
    const lagDirect = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000 });
    const queueDirect = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000 });
    for (let i = 0; i < 5000; i++) {
      // Runs of one value (a closed loop: 1 µs) broken by others (a busy moment).
      const lag = i % 100 < 90 ? 0 : (i % 7) * 0.3;
      const queue = i % 250 === 0 ? 2.5 : 0;
      recorder.record(sample(i, lag, queue));
      lagDirect.recordValue(Math.max(1, Math.round(lag * 1000)));
      queueDirect.recordValue(Math.max(1, Math.round(queue * 1000)));
      // Reading in the middle of a run must not lose or double what came before or after.
      if (i === 2500) expect(distribution(recorder.lag).count).toBe(2501);
    }
    expect(distribution(recorder.lag)).toEqual(distribution(lagDirect));
    expect(distribution(recorder.clientQueue)).toEqual(distribution(queueDirect));
    const merged = new Recorder(0);
    merged.merge(recorder.toData());
    expect(distribution(merged.lag)).toEqual(distribution(lagDirect));
  });

  it('keeps the 64 latest requests by intended time, whatever order they completed in', () => {
    const recorder = new Recorder(0);
    const all: [number, number][] = [];
    // Completions out of order: a slow request finishes after many later ones.
    const order = Array.from({ length: 1000 }, (_, i) => i).sort(
      (a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000),
    );
    for (const i of order) {
      const drain = 1 + (i % 13);
      recorder.record({ intended: i, sent: i, end: i + drain, ok: true });
      all.push([i, drain]);
    }
    const latest = all.sort((a, b) => a[0] - b[0]).slice(-64);
    expect(recorder.toData().tail).toEqual(latest);
    const drains = latest.map((e) => e[1]).sort((a, b) => a - b);
    expect(recorder.tailDrainMs()).toBe(drains[32]);
  });
});
