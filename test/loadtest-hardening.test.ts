import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/check/config.js';
import { runCheck } from '../src/check/run-check.js';
import { cli } from './helpers/cli.js';
import { completeManifest } from './helpers/manifests.js';
import { faultServer, hostileServer, openAiServer, type TestServer } from './helpers/servers.js';
import { tmpTree } from './helpers/tmp.js';

/** The load-test items of issue 16: no false pass, no leaked credential, bounded responses, strict options. */
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve<T extends TestServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  servers.push(s);
  return s;
}

/** The findings of check's load-test-evidence rule for a service whose report directory holds `report`. */
function evidenceFindings(dir: string): string[] {
  return runCheck({
    cwd: dir,
    paths: ['.'],
    only: ['load-test-evidence'],
    config: defaultConfig(dir),
  }).findings.map((f) => f.message);
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: vllm-model, namespace: ml }
spec:
  selector: { matchLabels: { app: vllm-model } }
  template:
    metadata: { labels: { app: vllm-model } }
    spec:
      containers:
        - name: server
          image: registry.example.com/vllm-model:2.1.0
          resources: { limits: { memory: 48Gi } }
`;

/** A model service (manifest and Deployment) whose load-test reports check reads. */
function serviceDir(files: Record<string, string> = {}): string {
  return tmpTree({ 'mlready.yaml': completeManifest('vllm'), 'deploy.yaml': DEPLOYMENT, ...files });
}

describe('no false pass', () => {
  it('a dead server (100 % errors) with no SLO fails the default error-rate gate and exits 1', async () => {
    const server = await serve(faultServer({ fault: '500', every: 1 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '20',
      '--duration',
      '1s',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('✔ SLO met');
    expect(run.stdout).toMatch(/✖ error_rate<1% \(actual 1\) \(default gate: the SLO names no error rate\)/);
    expect(run.stdout).toContain('✖ SLO broken');
  });

  it('a healthy run with no SLO says only the default gate was checked', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--rate',
      '20',
      '--duration',
      '1s',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '✔ passed the default error-rate gate (no SLO given: latency, TTFT and throughput were not judged)',
    );
  });

  it('a report of a dead server is not evidence for check', async () => {
    const server = await serve(faultServer({ fault: '500', every: 1 }));
    const dir = serviceDir();
    // An SLO with no error rate (the manifest's has one): the default gate is what fails it.
    const run = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--protocol',
        'http',
        '--body',
        '{}',
        '--rate',
        '20',
        '--duration',
        '1s',
        '--slo',
        'p95<10s',
        '--save',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(evidenceFindings(dir).join('\n')).toMatch(/failed its SLO \(p95<10s, error_rate<1%\)/);
  });

  it('an interrupted run exits 130, saves a partial report, and check refuses it as evidence', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    const dir = serviceDir();
    const run = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--rate',
        '20',
        '--duration',
        '600s',
        '--slo',
        'p95<5s',
        '--save',
      ],
      { cwd: dir, interruptAfterMs: 1500 },
    );
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(
      /✖ partial run \(interrupted; ran \d+\.\d s of the 600\.0 s asked\): not evidence/,
    );
    const [file] = readdirSync(join(dir, '.mlready/loadtest'));
    const report = JSON.parse(readFileSync(join(dir, '.mlready/loadtest', file!), 'utf8')) as {
      partial: { reasons: string[] };
      slo: { passed: boolean };
    };
    expect(report.partial.reasons[0]).toBe('interrupted');
    expect(report.slo.passed).toBe(false);
    expect(evidenceFindings(dir)).toEqual([
      expect.stringMatching(/^load-test report .* is a partial run \(interrupted; ran .*\): not evidence$/),
    ]);
  }, 20_000);

  it('a run that measured fewer than --min-requests is partial and exits 1', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    const dir = serviceDir();
    const run = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--requests',
        '3',
        '--concurrency',
        '1',
        '--slo',
        'p95<5s',
        '--save',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('measured 3 requests, fewer than the minimum of 10 (--min-requests)');
    expect(evidenceFindings(dir)).toEqual([expect.stringMatching(/is a partial run \(measured 3 requests/)]);
  });

  it('check refuses an older report that only says summary.interrupted', () => {
    const dir = serviceDir({
      '.mlready/loadtest/old.json': JSON.stringify({
        kind: 'LoadTestReport',
        formatVersion: 1,
        service: 'vllm-model',
        model: { name: 'vllm-model', version: '2.1.0' },
        startedAt: new Date().toISOString(),
        slo: { passed: true },
        peak: {},
        summary: { interrupted: true },
      }),
    });
    expect(evidenceFindings(dir).join('\n')).toContain('is a partial run (interrupted): not evidence');
  });
});

describe('no leaked credential', () => {
  it('redacts user:password@ and ?api_key= in text, JSON and the saved report, and still authenticates', async () => {
    let authorization: string | undefined;
    let query: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      query = req.url;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push({ url: '', requests: 0, close: () => new Promise((d) => server.close(() => d())) });
    const port = (server.address() as AddressInfo).port;
    const url = `http://admin:s3cretPassw0rd@127.0.0.1:${port}/predict?api_key=sk-live-abcdef0123456789`;
    const dir = tmpTree();
    const outputs: string[] = [];
    for (const format of ['text', 'json', 'csv', 'html']) {
      const run = await cli(
        [
          'loadtest',
          url,
          '--protocol',
          'http',
          '--body',
          '{}',
          '--rate',
          '20',
          '--duration',
          '1s',
          '--format',
          format,
          '--save',
          `r-${format}.json`,
        ],
        { cwd: dir },
      );
      expect(run.code).toBe(0);
      outputs.push(run.stdout, run.stderr, readFileSync(join(dir, `r-${format}.json`), 'utf8'));
    }
    const all = outputs.join('\n');
    expect(all).not.toContain('s3cretPassw0rd');
    expect(all).not.toContain('sk-live-abcdef0123456789');
    expect(all).toContain(`http://admin:****@127.0.0.1:${port}/predict?api_key=****`);
    expect(authorization).toBe(`Basic ${Buffer.from('admin:s3cretPassw0rd').toString('base64')}`);
    expect(query).toBe('/predict?api_key=sk-live-abcdef0123456789');
  }, 20_000);

  it('a malformed --header is refused without echoing its value', async () => {
    const run = await cli([
      'loadtest',
      'http://127.0.0.1:1',
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '1',
      '--duration',
      '1s',
      '--header',
      'Authorization Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4xMjM0NTY',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--header #1 is not "Name: value"');
    expect(run.stderr + run.stdout).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });

  it('an unreachable --metrics-url is reported, not silently ignored', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    const closed = await serve(faultServer({ fault: '500', every: 1 }));
    const deadUrl = `${closed.url}/metrics`;
    await servers.pop()!.close();
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--rate',
      '10',
      '--duration',
      '1500ms',
      '--metrics-url',
      deadUrl,
      '--format',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as { warnings: string[] };
    expect(run.stderr).toMatch(/cannot scrape http:\/\/127\.0\.0\.1:\d+\/metrics: ECONNREFUSED/);
    expect(report.warnings.join('\n')).toMatch(
      /metrics: \d+ of \d+ scrapes of http:\/\/127\.0\.0\.1:\d+\/metrics failed \(ECONNREFUSED\)/,
    );
  }, 20_000);
});

describe('bounded responses', () => {
  it.each([
    ['huge-body', 'body_too_large', ['--no-stream', '--max-body-bytes', '1MiB']],
    ['huge-body', 'body_too_large', ['--no-stream']],
    ['endless-sse-line', 'sse_line_too_large', []],
    ['endless-header', 'header_too_large', []],
  ] as const)(
    '%s is cut at its limit and counted as %s',
    async (kind, category, extra) => {
      const server = await serve(hostileServer(kind));
      const before = process.memoryUsage().rss;
      const run = await cli([
        'loadtest',
        server.url,
        '--protocol',
        'openai',
        '--prompt',
        'x',
        '--requests',
        '2',
        '--concurrency',
        '2',
        '--timeout',
        '60s',
        '--min-requests',
        '1',
        '--format',
        'json',
        ...extra,
      ]);
      const report = JSON.parse(run.stdout) as { summary: { errorsByKind: Record<string, number> } };
      expect(report.summary.errorsByKind).toEqual({ [category]: 2 });
      expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 * 1024);
    },
    60_000,
  );

  it.each([
    ['--max-body-bytes', '0'],
    ['--max-sse-line-bytes', 'lots'],
    ['--max-header-bytes', '12XB'],
  ])('%s %s is a usage error', async (flag, value) => {
    const run = await cli([
      'loadtest',
      'http://127.0.0.1:1',
      '--protocol',
      'openai',
      '--requests',
      '5',
      flag,
      value,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${flag} "${value}": expected a size such as 65536, 64KiB or 16MiB`);
  });
});

describe('strict options', () => {
  it.each([
    [['--requests', '0'], 'error: --requests must be at least 1'],
    [['--duration', '0s'], 'error: --duration must be above 0'],
    [
      ['--duration', '10s', '--warmup', '10s'],
      'error: --warmup 10s leaves nothing to measure in --duration 10s',
    ],
    [['--duration', '10s', '--warmup', '15s'], 'error: --warmup 15s leaves nothing to measure'],
    [['--duration', '1s', '--slo', 'cost_per_1k<0.5'], 'error: an SLO on cost needs the hardware price'],
    [['--duration', '1s', '--burstiness', '0'], 'error: --burstiness must be above 0'],
  ])('%j is refused with exit 2', async (args, message) => {
    const server = await serve(openAiServer({ tokens: 1 }));
    const run = await cli(['loadtest', server.url, '--protocol', 'openai', '--rate', '5', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
