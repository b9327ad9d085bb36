import { build } from 'hdr-histogram-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoadtest } from '../src/loadtest/loadtest.js';
import { Recorder, distribution, type Distribution } from '../src/loadtest/record.js';
import { summarise } from '../src/loadtest/report.js';
import { realClock, runLoad, type Clock, type RunResult } from '../src/loadtest/run.js';
import { assessSaturation, monitorEventLoop } from '../src/loadtest/saturation.js';
import type { Sender } from '../src/loadtest/sender.js';
import { cli, REPO_ROOT } from './helpers/cli.js';
import { capacityServer, knownDelayServer, openAiServer, type TestServer } from './helpers/servers.js';
import { tmpTree } from './helpers/tmp.js';

/**
 * Issue 17's numbered bugs, each against a loopback server that provokes it: long streams, a
 * capacity-limited server, a sub-millisecond server, a multi-token-chunk server.
 */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve<T extends TestServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  servers.push(s);
  return s;
}

interface Json {
  summary: {
    requests: { total: number; ok: number; errors: number; queued: number; sent: number };
    rps: number;
    offeredRps: number;
    latency: Distribution;
    ttft: Distribution;
    clientQueue: Distribution;
    tokens: { output: number; tokenizerRequests: number; estimatedRequests: number };
    generator: { saturated: boolean; limited: boolean; peakConnections: number };
    interrupted: boolean;
  };
  warnings: string[];
  partial?: { reasons: string[] };
  slo: { passed: boolean };
  sweep?: { value: number; achievedRps: number; knee: boolean; passed: boolean }[];
  knee?: { value: number };
}

const json = (stdout: string) => JSON.parse(stdout) as Json;

describe('1. connections are never the hidden bottleneck', () => {
  it('opens the connections 5-second-like streams need, so TTFT is the server’s, not a queue’s', async () => {
    // ~3 s streams at 10/s: about 30 in flight, more than the old fixed max(16, 2 × rate) = 20.
    const server = await serve(openAiServer({ ttftMs: 100, tokenDelayMs: 300, tokens: 10 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--prompt',
      'hi',
      '--rate',
      '10',
      '--duration',
      '3s',
      '--format',
      'json',
    ]);
    const s = json(run.stdout).summary;
    expect(s.requests.total).toBe(30);
    expect(s.ttft.p95).toBeLessThan(600);
    expect(s.requests.queued).toBe(0);
    expect(s.generator.peakConnections).toBeGreaterThanOrEqual(25);
  }, 20_000);

  it('measures the wait for a capped connection as client_queue, not latency, and says the generator limited the run', async () => {
    const server = await serve(openAiServer({ ttftMs: 50, tokenDelayMs: 100, tokens: 5 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--prompt',
      'hi',
      '--rate',
      '20',
      '--duration',
      '2s',
      '--max-connections',
      '3',
      '--format',
      'json',
    ]);
    const report = json(run.stdout);
    expect(report.summary.requests.queued).toBeGreaterThan(10);
    expect(report.summary.clientQueue.p95).toBeGreaterThan(100);
    // Latency counts from the write: the queue wait is not in it.
    expect(report.summary.ttft.p95).toBeLessThan(300);
    expect(report.summary.generator.limited).toBe(true);
    expect(report.warnings.join('\n')).toMatch(
      /waited on the client .* the generator, not the server, limited the run/,
    );
  }, 20_000);
});

describe('2. achieved rate is completions per second, beside the offered rate', () => {
  it('reads a 100/s server driven at 200/s as about 100/s achieved of 200/s offered', async () => {
    const server = await serve(capacityServer({ serviceMs: 10, parallel: 1 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '200',
      '--duration',
      '2s',
      '--format',
      'json',
    ]);
    const s = json(run.stdout).summary;
    expect(s.offeredRps).toBeCloseTo(200, 0);
    expect(s.rps).toBeGreaterThan(70);
    expect(s.rps).toBeLessThan(120);
  }, 20_000);

  it('--sweep stops at the knee where achieved falls behind offered, even when the SLO only gates errors', async () => {
    const server = await serve(capacityServer({ serviceMs: 10, parallel: 1 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--sweep',
      '30,60,180',
      '--duration',
      '2s',
      '--slo',
      'error_rate<1%',
      '--format',
      'json',
    ]);
    const report = json(run.stdout);
    expect(report.sweep!.map((s) => s.knee)).toEqual([false, false, true]);
    expect(report.knee!.value).toBe(60);
  }, 30_000);
});

/** A fake clock that only moves when slept, and a sender that answers after `latency` ms. */
function fakeLoad(latency = 5) {
  let t = 0;
  const clock: Clock = {
    now: () => t,
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
  };
  const sender: Sender = {
    send: (_r, intended) => Promise.resolve({ intended, sent: t, end: t + latency, ok: true }),
    close: () => Promise.resolve(),
  };
  const next = () => ({
    method: 'POST' as const,
    path: '/',
    body: '',
    headers: {},
    stream: false,
    expectTokens: false,
  });
  return { clock, sender, next };
}

describe('3. sends on time, rates over the right window, percentiles within min and max', () => {
  it('never sends a request before its scheduled time', async () => {
    const early: number[] = [];
    let sent = 0;
    const sender: Sender = {
      send: (_r, intended) => {
        const now = performance.now();
        sent++;
        if (now < intended) early.push(intended - now);
        return Promise.resolve({ intended, sent: now, end: now + 0.1, ok: true });
      },
      close: () => Promise.resolve(),
    };
    await runLoad({
      sender,
      next: fakeLoad().next,
      load: { mode: 'rate', rate: 2000 },
      durationMs: 500,
      warmupMs: 0,
      clock: realClock,
    });
    expect(sent).toBe(1000);
    expect(early).toEqual([]);
  });

  it('reads sub-millisecond latency at or above the server’s own time, not 0.001 ms', async () => {
    const server = await serve(knownDelayServer(300));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '200',
      '--duration',
      '2s',
      '--format',
      'json',
    ]);
    const s = json(run.stdout).summary;
    const times = [...server.serverTimesMs].sort((a, b) => a - b);
    const own = times[Math.floor(times.length / 2)]!;
    expect(own).toBeGreaterThanOrEqual(0.3);
    // A response never takes the client less time than the server spent on it (early sends read 0.001 ms).
    expect(s.latency.min).toBeGreaterThanOrEqual(times[0]! * 0.99);
    expect(s.latency.p50).toBeGreaterThanOrEqual(own);
    expect(s.latency.p50).toBeLessThan(own + 2);
  }, 20_000);

  it('--rate 1 --requests 10 reads 1/s, not 1.111/s', async () => {
    const { clock, sender, next } = fakeLoad();
    const result = await runLoad({
      sender,
      next,
      load: { mode: 'rate', rate: 1 },
      maxRequests: 10,
      warmupMs: 0,
      clock,
    });
    const s = summarise(result);
    expect(s.rps).toBeCloseTo(1, 3);
    expect(s.offeredRps).toBeCloseTo(1, 3);
  });

  it('sends exactly rate × duration requests (no extra one from rounding)', async () => {
    // Adding 1000 / rate up gives 7 requests in 1 s at 6/s, 361 in 60 s at 6/s, 36 in 5 s at 7/s.
    for (const [rate, ms] of [
      [6, 1000],
      [6, 60_000],
      [7, 5000],
      [3, 2000],
    ] as const) {
      const { clock, sender, next } = fakeLoad();
      const result = await runLoad({
        sender,
        next,
        load: { mode: 'rate', rate },
        durationMs: ms,
        warmupMs: 0,
        clock,
      });
      expect(result.sent).toBe((rate * ms) / 1000);
    }
  });

  it('never prints a percentile above max or below min', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let t = 0; t < 300; t++) {
      const h = build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 3_600_000_000,
        numberOfSignificantValueDigits: 3,
      });
      const n = 1 + Math.floor(random() * 200);
      for (let i = 0; i < n; i++) h.recordValue(1 + Math.floor(Math.exp(random() * 14)));
      const d = distribution(h);
      for (const p of [d.p50, d.p90, d.p95, d.p99, d['p99.9']]) {
        expect(p).toBeLessThanOrEqual(d.max);
        expect(p).toBeGreaterThanOrEqual(d.min);
      }
    }
  });
});

function dist(p99: number): Distribution {
  return { count: 100, min: 0, max: p99, mean: p99 / 2, p50: p99 / 2, p90: p99, p95: p99, p99, 'p99.9': p99 };
}

function fakeResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    recorder: new Recorder(0),
    measuredMs: 1000,
    mode: 'rate',
    sent: 0,
    cancelled: 0,
    interrupted: false,
    stoppedEarly: false,
    eventLoopDelay: dist(1),
    peakInFlight: 0,
    startedAt: 0,
    ...overrides,
  };
}

describe('4. saturation detection that cannot be missed', () => {
  it('marks a run saturated at 86 % CPU with a loop delay of 21 ms (the old 90 % and 50 ms cliffs missed it)', () => {
    const s = summarise(fakeResult({ eventLoopDelay: dist(21) }), { cpuShare: 0.86 });
    expect(s.generator.saturated).toBe(true);
    expect(s.warnings.join('\n')).toMatch(/the load generator is saturated/);
  });

  it('combines soft signals: two past their soft limits saturate, one alone does not', () => {
    const calm = dist(1);
    expect(assessSaturation({ eventLoopDelay: dist(8), scheduleLag: calm, cpuShare: 0.3 }).saturated).toBe(
      false,
    );
    expect(assessSaturation({ eventLoopDelay: dist(8), scheduleLag: calm, cpuShare: 0.7 }).saturated).toBe(
      true,
    );
    expect(assessSaturation({ eventLoopDelay: calm, scheduleLag: dist(25), cpuShare: 0.1 }).saturated).toBe(
      true,
    );
  });

  it('records event-loop delay without the sampling interval in it', async () => {
    const monitor = monitorEventLoop(() => performance.now(), 20);
    await new Promise((r) => setTimeout(r, 300));
    const start = performance.now();
    while (performance.now() - start < 60);
    await new Promise((r) => setTimeout(r, 100));
    const d = monitor.stop();
    expect(d.p50).toBeLessThan(10);
    expect(d.max).toBeGreaterThanOrEqual(35);
  });

  it('a generator blocked by its own work is marked saturated, and --strict fails the run', async () => {
    const server = await serve(openAiServer({ ttftMs: 2, tokens: 2 }));
    let n = 0;
    const blockingPayload = () => {
      if (++n % 5 === 0) {
        const start = performance.now();
        while (performance.now() - start < 40);
      }
      return { prompt: 'x', maxTokens: 2 };
    };
    const { createHttpSender } = await import('../src/loadtest/sender.js');
    const sender = createHttpSender({
      origin: server.url,
      protocol: 'openai',
      timeoutMs: 5000,
      maxConnections: 64,
      now: () => performance.now(),
    });
    try {
      const { outcome } = await runLoadtest(
        {
          url: server.url,
          target: { protocol: 'openai', path: '/', model: 'm', endpoint: 'chat', stream: true, headers: {} },
          payload: blockingPayload,
          load: { mode: 'rate', rate: 100 },
          durationMs: 1500,
          warmupMs: 0,
          slo: [],
          metricsUrls: [],
          tolerance: 0.1,
          version: 'test',
          strict: true,
        },
        { sender, clock: realClock, now: () => new Date() },
      );
      expect(outcome.summary.generator.saturated).toBe(true);
      expect(outcome.strictFailure).toBe(true);
      expect(outcome.passed).toBe(false);
    } finally {
      await sender.close();
    }
  }, 20_000);
});

describe('5. token counts without server usage', () => {
  it('counts several tokens per chunk exactly with --tokenizer (tokenizer.json), not one per chunk', async () => {
    const server = await serve(
      openAiServer({ usage: false, tokens: 4, tokenDelayMs: 1, chunkWords: ['hello', 'world', 'test'] }),
    );
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--prompt',
      'What is the capital of France',
      '--requests',
      '12',
      '--concurrency',
      '2',
      '--tokenizer',
      join(REPO_ROOT, 'test/fixtures/loadtest/tokenizer.json'),
      '--format',
      'json',
    ]);
    const s = json(run.stdout).summary;
    expect(s.requests.ok).toBe(12);
    expect(s.tokens.output).toBe(12 * 4 * 3);
    expect(s.tokens.tokenizerRequests).toBe(12);
  }, 20_000);

  it('without a tokenizer, estimates from the text (never one per chunk) and flags the estimate', async () => {
    const server = await serve(
      openAiServer({ usage: false, tokens: 4, tokenDelayMs: 1, chunkWords: ['hello', 'world', 'test'] }),
    );
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--prompt',
      'hi',
      '--requests',
      '10',
      '--concurrency',
      '2',
      '--format',
      'json',
    ]);
    const report = json(run.stdout);
    expect(report.summary.tokens.output / 10).toBeGreaterThan(4);
    expect(report.summary.tokens.estimatedRequests).toBe(10);
    expect(report.warnings.join('\n')).toMatch(/output tokens of 10 requests were estimated/);
  }, 20_000);
});

describe('6. Ctrl-C finishes the requests in flight', () => {
  it('stops sending, lets in-flight streams end and counts them, marks the run partial and exits 130', async () => {
    const server = await serve(openAiServer({ ttftMs: 100, tokenDelayMs: 150, tokens: 10 }));
    const dir = tmpTree();
    const run = await cli(
      [
        'loadtest',
        server.url,
        '--protocol',
        'openai',
        '--prompt',
        'hi',
        '--rate',
        '10',
        '--duration',
        '60s',
        '--save',
        'partial.json',
      ],
      { cwd: dir, interruptAfterMs: 1000 },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('waiting for the ones in flight to finish');
    const report = JSON.parse(readFileSync(join(dir, 'partial.json'), 'utf8')) as Json;
    // Every request sent before Ctrl-C was a ~1.5 s stream still in flight: all are counted.
    expect(report.summary.requests.total).toBeGreaterThanOrEqual(9);
    expect(report.summary.requests.total).toBe(report.summary.requests.sent);
    expect(report.summary.requests.errors).toBe(0);
    expect(report.partial!.reasons).toContain('interrupted');
    expect(report.slo.passed).toBe(false);
  }, 20_000);
});
