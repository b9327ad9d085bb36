import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad, type Clock, type RunResult } from '../src/loadtest/run.js';
import type { Distribution, Recorder } from '../src/loadtest/record.js';
import { compareBaseline, judge, summarise } from '../src/loadtest/report.js';
import { parseSlo } from '../src/loadtest/slo.js';
import type { Sender } from '../src/loadtest/sender.js';
import { validateAgainst } from '../src/manifest/schemas.js';
import { cli } from './helpers/cli.js';
import { completeManifest } from './helpers/manifests.js';
import { faultServer, kserveServer, openAiServer, type TestServer } from './helpers/servers.js';
import { tmpTree } from './helpers/tmp.js';

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
    requests: { total: number; errors: number };
    errorsByKind: Record<string, number>;
    latency: { p50: number; p99: number; count: number };
    ttft: { p50: number; count: number };
    tpot: { p50: number };
    itl: { count: number };
    tokens: { output: number };
    rps: number;
  };
  slo: { passed: boolean; checks: { expression: string; passed: boolean }[] };
}

function delay(p99: number): Distribution {
  return { count: 100, min: 0, max: p99, mean: p99 / 2, p50: p99 / 2, p90: p99, p95: p99, p99, 'p99.9': p99 };
}

function runResult(recorder: Recorder, overrides: Partial<RunResult> = {}): RunResult {
  return {
    recorder,
    measuredMs: 1000,
    mode: 'rate',
    sent: 0,
    cancelled: 0,
    interrupted: false,
    stoppedEarly: false,
    eventLoopDelay: delay(1),
    peakInFlight: 0,
    startedAt: 0,
    ...overrides,
  };
}

/** A fake clock and sender: the statistics and thresholds without sockets or waiting. */
function fakeRun(
  latencies: (i: number) => number,
  load: Parameters<typeof runLoad>[0]['load'],
  requests: number,
  durationMs?: number,
) {
  let t = 0;
  const clock: Clock = {
    now: () => t,
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
  };
  const sender: Sender = {
    send: (_r, intended) =>
      Promise.resolve({
        intended,
        sent: t,
        end: intended + latencies(Math.round(intended)),
        ok: true,
        firstToken: intended + 10,
        outputTokens: 11,
      }),
    close: () => Promise.resolve(),
  };
  return runLoad({
    sender,
    next: () => ({ method: 'POST', path: '/', body: '', headers: {}, stream: false, expectTokens: false }),
    load,
    maxRequests: requests,
    durationMs,
    warmupMs: 0,
    clock,
  });
}

describe('statistics and thresholds (fake sender, fake clock)', () => {
  it('measures latency from the intended send time and judges p95', async () => {
    const result = await fakeRun((t) => (t % 1000 < 100 ? 500 : 20), { mode: 'rate', rate: 100 }, 1000);
    const summary = summarise(result);
    expect(summary.requests.total).toBe(1000);
    expect(summary.latency.p50).toBeCloseTo(20, 0);
    expect(summary.latency.p95).toBeCloseTo(500, -1);
    expect(summary.tpot.p50).toBeCloseTo((20 - 10) / 10, 1);
    expect(judge(summary, parseSlo('p50<50ms,p95<100ms')).map((c) => c.passed)).toEqual([true, false]);
  });

  it('fails when p95 exceeds the SLO, and flags a regression against a baseline', async () => {
    const fast = summarise(await fakeRun(() => 20, { mode: 'rate', rate: 50 }, 200));
    const slow = summarise(await fakeRun(() => 30, { mode: 'rate', rate: 50 }, 200));
    expect(judge(slow, parseSlo('p95<25ms'))[0]!.passed).toBe(false);
    expect(compareBaseline(slow, fast, 0.1).map((r) => r.metric)).toEqual([
      'latency p50 (ms)',
      'latency p95 (ms)',
      'latency p99 (ms)',
    ]);
    expect(compareBaseline(fast, fast, 0.1)).toEqual([]);
  });

  it('a series with no data fails its threshold (nothing proves it)', async () => {
    const summary = summarise(await fakeRun(() => 20, { mode: 'concurrency', concurrency: 2 }, 10));
    expect(summary.itl.count).toBe(0);
    expect(judge(summary, parseSlo('itl_p95<100ms'))).toEqual([
      { expression: 'itl_p95<100ms', actual: null, passed: false },
    ]);
  });
});

describe('mlready loadtest against loopback model servers', () => {
  it('streams from an OpenAI-compatible server: TTFT, TPOT, inter-token latency and server-reported tokens', async () => {
    const server = await serve(openAiServer({ ttftMs: 40, tokenDelayMs: 5, tokens: 10 }));
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
      '1s',
      '--format',
      'json',
      '--slo',
      'ttft_p95<400ms,error_rate<1%',
    ]);
    const json = JSON.parse(run.stdout) as Json;
    expect(run.code).toBe(0);
    expect(json.summary.requests.errors).toBe(0);
    expect(json.summary.ttft.p50).toBeGreaterThanOrEqual(40);
    expect(json.summary.ttft.p50).toBeLessThan(200);
    expect(json.summary.tpot.p50).toBeGreaterThanOrEqual(4);
    expect(json.summary.itl.count).toBe(json.summary.requests.total * 9);
    expect(json.summary.tokens.output).toBe(json.summary.requests.total * 10);
    expect(json.slo.passed).toBe(true);
  });

  it('shows a 1 s server stall in p99 of a constant-rate run (coordinated omission handled)', async () => {
    const server = await serve(openAiServer({ ttftMs: 5, tokens: 1, stall: { fromMs: 1000, toMs: 2000 } }));
    const open = JSON.parse(
      (
        await cli([
          'loadtest',
          server.url,
          '--protocol',
          'openai',
          '--no-stream',
          '--rate',
          '50',
          '--duration',
          '3s',
          '--format',
          'json',
        ])
      ).stdout,
    ) as Json;
    // Requests due during the stall waited up to a second; measured from their intended time, they count.
    expect(open.summary.latency.p99).toBeGreaterThan(800);
    expect(open.summary.latency.p50).toBeLessThan(200);
  });

  it('a closed loop with one worker hides the same stall: why the open loop is the default', async () => {
    const server = await serve(openAiServer({ ttftMs: 5, tokens: 1, stall: { fromMs: 1000, toMs: 2000 } }));
    const closed = JSON.parse(
      (
        await cli([
          'loadtest',
          server.url,
          '--protocol',
          'openai',
          '--no-stream',
          '--concurrency',
          '1',
          '--duration',
          '3s',
          '--format',
          'json',
        ])
      ).stdout,
    ) as Json;
    // Only one request saw the stall: p99 of a few hundred fast requests stays low.
    expect(closed.summary.latency.p99).toBeLessThan(500);
  });

  it('exits 1 when the SLO is broken by batch-induced slowdown', async () => {
    const server = await serve(openAiServer({ ttftMs: 20, tokenDelayMs: 2, tokens: 5, batchSlowdownMs: 40 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--concurrency',
      '8',
      '--requests',
      '40',
      '--slo',
      'ttft_p95<100ms',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✖ ttft_p95<100ms \(actual \d+/);
    expect(run.stdout).toContain('✖ SLO broken');
  });

  it('speaks KServe v2 to a Triton-like server, with the SLO from the manifest', async () => {
    const server = await serve(kserveServer({ delayMs: 3 }));
    const dir = tmpTree({ 'mlready.yaml': completeManifest('triton') });
    const run = await cli(
      [
        'loadtest',
        server.url,
        '--manifest',
        'mlready.yaml',
        '--rate',
        '30',
        '--duration',
        '1s',
        '--format',
        'json',
      ],
      { cwd: dir },
    );
    const json = JSON.parse(run.stdout) as Json;
    expect(json.summary.requests.errors).toBe(0);
    expect(json.slo.checks.map((c) => c.expression)).toEqual(['p95<150ms', 'error_rate<0.01']);
    expect(run.code).toBe(0);
  });

  it.each([
    ['500', 'http_500'],
    ['reset', 'connection'],
    ['slow-headers', 'timeout'],
  ] as const)('counts %s faults by kind, never crashing', async (fault, kind) => {
    const server = await serve(faultServer({ fault, every: 4, slowMs: 1500 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{"x":1}',
      '--concurrency',
      '4',
      '--requests',
      '24',
      '--timeout',
      '500ms',
      '--format',
      'json',
    ]);
    const json = JSON.parse(run.stdout) as Json;
    expect(json.summary.errorsByKind[kind]).toBeGreaterThanOrEqual(4);
    expect(json.summary.requests.total).toBe(24);
  });

  it('counts malformed SSE as errors', async () => {
    const server = await serve(openAiServer({ malformed: true, tokens: 3 }));
    const json = JSON.parse(
      (
        await cli([
          'loadtest',
          server.url,
          '--protocol',
          'openai',
          '--requests',
          '5',
          '--concurrency',
          '1',
          '--format',
          'json',
        ])
      ).stdout,
    ) as Json;
    expect(json.summary.errorsByKind.parse).toBe(5);
  });

  it('--save writes a report that validates against its schema and that check reads as evidence', async () => {
    const server = await serve(openAiServer({ tokens: 3 }));
    const dir = tmpTree({ 'mlready.yaml': completeManifest('vllm') });
    const run = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--rate',
        '10',
        '--duration',
        '1s',
        '--save',
        'report.json',
        '--slo',
        'p95<1000ms',
      ],
      { cwd: dir },
    );
    expect(run.stderr).toContain('saved the load-test report to report.json');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
      model: { version: string };
      image: string;
    };
    expect(validateAgainst('loadtest-report.schema.json', report)).toEqual([]);
    expect(report.model.version).toBe('2.1.0');
    expect(report.image).toBe('registry.example.com/vllm-model:2.1.0');
    const again = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--rate',
        '10',
        '--duration',
        '1s',
        '--baseline',
        'report.json',
        '--tolerance',
        '5',
        '--slo',
        'p95<1000ms',
      ],
      { cwd: dir },
    );
    expect(again.code).toBe(0);
  });

  it('sweeps the rate up until the SLO breaks and reports the highest rate that met it', async () => {
    const server = await serve(openAiServer({ ttftMs: 10, tokens: 1, batchSlowdownMs: 30 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--no-stream',
      '--sweep',
      '5:15:50',
      '--duration',
      '1s',
      '--slo',
      'p95<60ms',
    ]);
    expect(run.stdout).toMatch(/^\s+5\s+5\.0\s+5\.0 .* meets SLO$/m);
    expect(run.stdout).toMatch(
      /highest rate meeting the SLO before the knee: \d+\/s|no tested step meets the SLO/,
    );
    expect(run.stdout).toContain('latency vs load');
  });
});

describe('mlready loadtest, bad input', () => {
  it('an unreachable URL is exit 2 with a clear error', async () => {
    const closed = await serve(kserveServer());
    servers.splice(0).forEach((s) => void s.close());
    await new Promise((r) => setTimeout(r, 50));
    const run = await cli(['loadtest', closed.url, '--protocol', 'kserve-v2', '--requests', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it.each([
    [
      ['--rate', '50000', '--duration', '1s'],
      'error: --rate above 5000 requests/s is refused without --force',
    ],
    [
      ['--concurrency', '5000', '--duration', '1s'],
      'error: --concurrency above 1000 is refused without --force',
    ],
    [['--rate', '5'], 'error: bound the run with --duration and/or --requests'],
    [
      ['--rate', '5', '--duration', '1s', '--slo', 'p95<10ms,eror_rate<1%'],
      'error: invalid SLO at character 10: unknown metric "eror_rate"',
    ],
    [['--rate', '5', '--concurrency', '2', '--duration', '1s'], 'error: choose one load model'],
  ])('%j is refused with exit 2', async (args, message) => {
    const run = await cli(['loadtest', 'http://127.0.0.1:1', '--protocol', 'openai', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('a TLS error is reported as such', async () => {
    const server = await serve(kserveServer());
    const run = await cli([
      'loadtest',
      server.url.replace('http:', 'https:'),
      '--protocol',
      'kserve-v2',
      '--requests',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: (TLS error talking to|cannot reach) https:/);
  });

  it('writes payload files it cannot parse as a clear error', async () => {
    const dir = tmpTree();
    writeFileSync(join(dir, 'requests.jsonl'), '{"prompt":"a"}\n{broken\n');
    const server = await serve(openAiServer());
    const run = await cli(
      ['loadtest', server.url, '--protocol', 'openai', '--payload-file', 'requests.jsonl', '--requests', '2'],
      { cwd: dir },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: requests.jsonl:2: not valid JSON');
  });
});

describe('mlready loadtest, run control and extras', () => {
  it('Ctrl-C stops cleanly, prints and saves the partial report, exit 130', async () => {
    const server = await serve(openAiServer({ ttftMs: 20, tokens: 3 }));
    const dir = tmpTree();
    const started = Date.now();
    const run = await cli(
      [
        'loadtest',
        server.url,
        '--protocol',
        'openai',
        '--rate',
        '20',
        '--duration',
        '60s',
        '--save',
        'partial.json',
      ],
      { cwd: dir, interruptAfterMs: 1000 },
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted: no new requests');
    expect(run.stdout).toContain('partial: interrupted');
    const report = JSON.parse(readFileSync(join(dir, 'partial.json'), 'utf8')) as {
      summary: { interrupted: boolean; requests: { total: number; errors: number } };
    };
    expect(report.summary.interrupted).toBe(true);
    expect(report.summary.requests.total).toBeGreaterThan(5);
    expect(report.summary.requests.errors).toBe(0);
  });

  it('scrapes --metrics-url onto the timeline and records peak memory in the report', async () => {
    const server = await serve(kserveServer());
    let scrape = 0;
    const exporter = await serve(
      (async () => {
        const { createServer } = await import('node:http');
        const s = createServer((_req, res) => {
          scrape++;
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(
              `# HELP DCGM_FI_DEV_GPU_UTIL GPU utilisation\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\nDCGM_FI_DEV_GPU_UTIL{gpu="0"} ${60 + scrape}\nDCGM_FI_DEV_FB_USED{gpu="0"} 20480\nprocess_resident_memory_bytes ${1e9 + scrape}\nnv_inference_queue_duration_us 12\n`,
            );
        });
        await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
        const { port } = s.address() as { port: number };
        return {
          url: `http://127.0.0.1:${port}/metrics`,
          requests: 0,
          close: () => new Promise<void>((done) => s.close(() => done())),
        };
      })(),
    );
    const dir = tmpTree();
    await cli(
      [
        'loadtest',
        server.url,
        '--protocol',
        'kserve-v2',
        '--rate',
        '10',
        '--duration',
        '2500ms',
        '--metrics-url',
        exporter.url,
        '--save',
        'r.json',
      ],
      { cwd: dir },
    );
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      metrics: Record<string, { peak: number }>;
      peak: { memoryBytes: number; gpuMemoryBytes: number };
    };
    expect(report.metrics['DCGM_FI_DEV_GPU_UTIL{gpu="0"}']!.peak).toBeGreaterThan(61);
    expect(report.peak.memoryBytes).toBeGreaterThan(1e9);
    expect(report.peak.gpuMemoryBytes).toBe(20480 * 1024 * 1024);
  });

  it('open loop: ramp stages change the rate; Poisson arrivals keep the mean rate', async () => {
    const ramp = await fakeRun(
      () => 5,
      {
        mode: 'rate',
        rate: 10,
        stages: [
          { durationMs: 2000, rate: 10 },
          { durationMs: 2000, rate: 50 },
        ],
      },
      1_000_000,
      4000,
    );
    const perSecond = summarise(ramp).timeline.map((p) => p.requests);
    expect(perSecond.slice(0, 2)).toEqual([10, 10]);
    expect(perSecond.slice(2)).toEqual([50, 50]);
    let t = 0;
    const clock = {
      now: () => t,
      sleep: (ms: number) => {
        t += ms;
        return Promise.resolve();
      },
    };
    const sender: Sender = {
      send: (_r, intended) => Promise.resolve({ intended, sent: intended, end: intended + 1, ok: true }),
      close: () => Promise.resolve(),
    };
    const { seeded } = await import('../src/loadtest/payloads.js');
    const poisson = await runLoad({
      sender,
      next: () => ({ method: 'POST', path: '/', body: '', headers: {}, stream: false, expectTokens: false }),
      load: { mode: 'rate', rate: 100, poisson: true },
      durationMs: 20_000,
      warmupMs: 0,
      clock,
      random: seeded(7),
    });
    expect(poisson.sent / 20).toBeGreaterThan(90);
    expect(poisson.sent / 20).toBeLessThan(110);
  });

  it('warns when the generator itself is saturated', async () => {
    const { Recorder } = await import('../src/loadtest/record.js');
    const summary = summarise(runResult(new Recorder(0), { eventLoopDelay: delay(120) }));
    expect(summary.generator.saturated).toBe(true);
    expect(summary.warnings.join('\n')).toMatch(
      /the load generator is saturated \(event-loop delay p99 120\.0 ms \(limit 20\)/,
    );
  });
});
