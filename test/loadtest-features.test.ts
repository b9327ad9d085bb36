import { parse as parseCsv } from 'csv-parse/sync';
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../src/cli/program.js';
import { redactText } from '../src/redact.js';
import { arrivals } from '../src/loadtest/arrivals.js';
import { costOf } from '../src/loadtest/cost.js';
import { BUILTIN_DATASET, loadDataset } from '../src/loadtest/datasets.js';
import { IMAGE_PLACEHOLDER, renderLoadtestJob, runLoadtestJob } from '../src/loadtest/kubernetes.js';
import { seeded } from '../src/loadtest/payloads.js';
import { Recorder, distribution, type Sample } from '../src/loadtest/record.js';
import { mergeWorkerResults, parseWorkerOutput, type WorkerResult } from '../src/loadtest/workers.js';
import type { ClusterClient, KubeObject } from '../src/k8s/types.js';
import { BIN, cli, REPO_ROOT } from './helpers/cli.js';
import { completeManifest } from './helpers/manifests.js';
import { capacityServer, openAiServer, type TestServer } from './helpers/servers.js';
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

describe('arrivals', () => {
  it.each([0.5, 1, 4])('gamma inter-arrivals with burstiness %d keep the mean rate and have CV 1/√k', (k) => {
    const gaps: number[] = [];
    let last = 0;
    let n = 0;
    for (const { offset } of arrivals({ rate: 50, burstiness: k }, seeded(11))) {
      if (n++ > 0) gaps.push(offset - last);
      last = offset;
      if (n > 20_000) break;
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(20, 0);
    expect(sd / mean).toBeCloseTo(1 / Math.sqrt(k), 1);
  });

  it('workers interleave one constant schedule exactly', () => {
    const whole = [...take(arrivals({ rate: 7 }, Math.random), 21)].map((a) => a.offset);
    const parts = [0, 1, 2].flatMap((index) => [
      ...take(arrivals({ rate: 7 }, Math.random, { index, count: 3 }), 7),
    ]);
    expect(parts.map((a) => a.offset).sort((a, b) => a - b)).toEqual(whole);
    expect(new Set(parts.map((a) => a.index)).size).toBe(21);
  });
});

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  let i = 0;
  for (const item of items) {
    if (i++ >= n) return;
    yield item;
  }
}

describe('datasets', () => {
  it('reads ShareGPT and OpenAI-messages JSON and JSONL, one request per user turn with its history', () => {
    const dir = tmpTree({
      'share.json': JSON.stringify([
        {
          id: 'a',
          conversations: [
            { from: 'human', value: 'Hi there' },
            { from: 'gpt', value: 'Hello! How can I help you today with anything?' },
            { from: 'human', value: 'Tell me a joke' },
            { from: 'gpt', value: 'Why did the GPU cross the road?' },
          ],
        },
      ]),
      'chat.jsonl': `${JSON.stringify({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Define p99.' },
        ],
      })}\n${JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'raw body' }], temperature: 0 })}\n`,
    });
    const share = loadDataset(join(dir, 'share.json'), 'share.json', {
      sample: false,
      random: Math.random,
      endpoint: 'chat',
    });
    expect(share(0)).toEqual({ messages: [{ role: 'user', content: 'Hi there' }], max_tokens: 12 });
    expect(share(1)).toEqual({
      messages: [
        { role: 'user', content: 'Hi there' },
        { role: 'assistant', content: 'Hello! How can I help you today with anything?' },
        { role: 'user', content: 'Tell me a joke' },
      ],
      max_tokens: 8,
    });
    const chat = loadDataset(join(dir, 'chat.jsonl'), 'chat.jsonl', {
      sample: false,
      random: Math.random,
      endpoint: 'completions',
    });
    expect(chat(0)).toEqual({ prompt: 'Be brief.\nDefine p99.' });
    // A full request body is sent as it is.
    expect(chat(1)).toEqual({
      model: 'x',
      messages: [{ role: 'user', content: 'raw body' }],
      temperature: 0,
    });
  });

  it('names the line of a malformed conversation', () => {
    const dir = tmpTree({
      'bad.jsonl': `{"conversations":[{"from":"human","value":"a"}]}\n{"conversations":[{"from":"robot","value":"b"}]}\n`,
    });
    expect(() =>
      loadDataset(join(dir, 'bad.jsonl'), 'bad.jsonl', {
        sample: false,
        random: Math.random,
        endpoint: 'chat',
      }),
    ).toThrow('bad.jsonl:2: conversations[0] needs "from" (human, gpt, system) and a string "value"');
  });

  it('the bundled prompt set loads, with multi-turn conversations', () => {
    const source = loadDataset(BUILTIN_DATASET, 'builtin', {
      sample: false,
      random: Math.random,
      endpoint: 'chat',
    });
    const requests = Array.from({ length: 60 }, (_, i) => source(i) as { messages: unknown[] });
    expect(requests.every((r) => Array.isArray(r.messages))).toBe(true);
    expect(Math.max(...requests.map((r) => r.messages.length))).toBeGreaterThanOrEqual(3);
  });

  it('--tokenizer counts input tokens when the server reports no usage', async () => {
    const server = await serve(openAiServer({ usage: false, tokens: 2 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'openai',
      '--prompt',
      'What is the capital of France',
      '--concurrency',
      '2',
      '--requests',
      '10',
      '--tokenizer',
      join(REPO_ROOT, 'test/fixtures/loadtest/tokenizer.json'),
      '--format',
      'json',
    ]);
    const s = (
      JSON.parse(run.stdout) as {
        summary: { inputTokens: { p50: number; count: number }; tokens: { input: number } };
      }
    ).summary;
    expect(s.inputTokens.count).toBe(10);
    expect(s.inputTokens.p50).toBe(6);
    expect(s.tokens.input).toBe(60);
  });
});

describe('load models', () => {
  it('--rate with --max-concurrency queues on the client, measured as client_queue, not latency', async () => {
    const server = await serve(capacityServer({ serviceMs: 50, parallel: 8 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '80',
      '--max-concurrency',
      '2',
      '--duration',
      '1s',
      '--format',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as {
      summary: {
        latency: { p95: number };
        clientQueue: { p95: number };
        requests: { queued: number };
        generator: { peakInFlight: number };
      };
      warnings: string[];
    };
    expect(report.summary.generator.peakInFlight).toBe(2);
    expect(report.summary.latency.p95).toBeLessThan(200);
    expect(report.summary.clientQueue.p95).toBeGreaterThan(300);
    expect(report.warnings.join('\n')).toContain(
      'for a --max-concurrency 2 slot: the concurrency cap, not the server, limited the rate',
    );
  }, 20_000);

  it('--sweep-concurrency stops where more concurrency no longer raises throughput', async () => {
    // 4 at a time, 50 ms each: 20, 40, 80, then still 80 requests/s.
    const server = await serve(capacityServer({ serviceMs: 50, parallel: 4 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--sweep-concurrency',
      '1,2,4,8,16',
      '--duration',
      '2s',
      '--format',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as {
      sweep: { value: number; knee: boolean }[];
      knee: { value: number };
    };
    expect(report.sweep.map((s) => s.value)).toEqual([1, 2, 4, 8]);
    expect(report.sweep.at(-1)!.knee).toBe(true);
    expect(report.knee.value).toBe(4);
  }, 40_000);

  it('--profile throughput finds the server’s capacity', async () => {
    const server = await serve(capacityServer({ serviceMs: 20, parallel: 2 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--profile',
      'throughput',
      '--max-concurrency',
      '16',
      '--duration',
      '2s',
    ]);
    expect(run.stdout).toContain('(max-throughput profile)');
    const achieved = Number(/achieved ([0-9.]+)\/s/.exec(run.stdout)![1]);
    expect(achieved).toBeGreaterThan(70);
    expect(achieved).toBeLessThan(110);
  }, 20_000);
});

describe('goodput, cost and reports', () => {
  it('reports goodput per SLO metric, cost per 1 000 requests and per million tokens, and judges cost_per_1k', async () => {
    const server = await serve(openAiServer({ ttftMs: 5, tokens: 10, tokenDelayMs: 1 }));
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
      '--cost-per-hour',
      '3.6',
      '--slo',
      'ttft_p95<2s,p95<5s,cost_per_1k<0.01',
      '--format',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as {
      summary: { rps: number; goodputBy: Record<string, number>; tokens: { perSecond: number } };
      cost: { per1kRequests: number; perMillionOutputTokens: number; band: string };
      slo: { checks: { expression: string; passed: boolean; actual: number }[] };
    };
    expect(Object.keys(report.summary.goodputBy).sort()).toEqual(['latency', 'ttft']);
    const expected = costOf(3.6, report.summary.rps, report.summary.tokens.perSecond);
    expect(report.cost.per1kRequests).toBe(expected.per1kRequests);
    expect(report.cost.per1kRequests).toBeCloseTo(0.05, 2);
    expect(report.cost.perMillionOutputTokens).toBeCloseTo(5, 0);
    expect(report.cost.band).toBe('healthy');
    expect(report.slo.checks.find((c) => c.expression === 'cost_per_1k<0.01')!.passed).toBe(false);
    expect(run.code).toBe(1);
  }, 20_000);

  it('puts cost bands at the checklist’s $0.50 and $1.00 per 1 000 calls', () => {
    expect(costOf(1.8, 1, 0).band).toBe('healthy'); // $0.50
    expect(costOf(3.6, 1, 0).band).toBe('warning'); // $1.00
    expect(costOf(3.7, 1, 0).band).toBe('critical');
  });

  it('--format csv has one row per sweep step, parseable', async () => {
    const server = await serve(capacityServer({ serviceMs: 2, parallel: 8 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--sweep',
      '10,20',
      '--duration',
      '2s',
      '--format',
      'csv',
    ]);
    const rows = parseCsv<Record<string, string>>(run.stdout, { columns: true });
    expect(rows.map((r) => r.step)).toEqual(['10', '20']);
    expect(Number(rows[1]!.achieved_rps)).toBeGreaterThan(15);
    expect(Number(rows[0]!.latency_p95_ms)).toBeGreaterThan(0);
  }, 20_000);

  it('--format html is one self-contained page with charts, and escapes what the run reports', async () => {
    const server = await serve(openAiServer({ tokens: 3 }));
    const dir = tmpTree({
      'mlready.yaml': completeManifest('vllm').replace(
        'version: 2.1.0',
        'version: "<script>alert(1)</script>"',
      ),
    });
    const run = await cli(
      [
        'loadtest',
        server.url,
        '-m',
        'mlready.yaml',
        '--sweep',
        '5,10',
        '--duration',
        '1s',
        '--format',
        'html',
      ],
      { cwd: dir },
    );
    expect(run.stdout).toMatch(/^<!doctype html>/);
    expect(run.stdout).toContain('<svg');
    expect(run.stdout).toContain('Latency vs load');
    expect(run.stdout).not.toContain('<script>');
    expect(run.stdout).toContain('&lt;script&gt;');
    // Nothing is fetched: no external scripts, styles or images.
    expect(run.stdout).not.toMatch(/<(script|link|img)\b/);
    expect(run.stdout).not.toMatch(/src=|href=/);
  }, 20_000);

  it('summarises scraped metrics in the text report', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    const { createServer } = await import('node:http');
    const exporter = createServer((_req, res) =>
      res.end('DCGM_FI_DEV_GPU_UTIL{gpu="0"} 73\nvllm:num_requests_waiting 4\n'),
    );
    await new Promise<void>((done) => exporter.listen(0, '127.0.0.1', done));
    servers.push({ url: '', requests: 0, close: () => new Promise((d) => exporter.close(() => d())) });
    const port = (exporter.address() as { port: number }).port;
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
      `http://127.0.0.1:${port}/metrics`,
    ]);
    expect(run.stdout).toContain('scraped metrics (peak / mean):');
    expect(run.stdout).toContain('DCGM_FI_DEV_GPU_UTIL{gpu="0"}  73 / 73');
    expect(run.stdout).toContain('vllm:num_requests_waiting  4 / 4');
  }, 20_000);

  it('shows a live line with the current p95 and the requests in flight on a terminal', async () => {
    const server = await serve(openAiServer({ tokens: 2 }));
    let stderr = '';
    const code = await runCli({
      argv: ['loadtest', server.url, '--protocol', 'openai', '--rate', '20', '--duration', '2500ms'],
      env: { NO_COLOR: '1' },
      cwd: REPO_ROOT,
      stdout: () => {},
      stderr: (s) => (stderr += s),
      stdoutIsTTY: true,
      stdinIsTTY: false,
      readStdin: () => Promise.resolve(''),
      writeFile: (path, text) => writeFileSync(path, text),
    });
    expect(code).toBe(0);
    // The line is redrawn in place: carriage return, erase line (ESC [K), then the status.
    expect(stderr).toContain('\r\u001b[K');
    expect(stderr).toMatch(/\ds: \d+ done, 0 errors, \d+ in flight, p95 [0-9.]+ ms/);
  }, 20_000);
});

function sample(latency: number, i: number): Sample {
  return {
    intended: i * 10,
    sent: i * 10,
    end: i * 10 + latency,
    ok: true,
    firstToken: i * 10 + latency / 2,
    outputTokens: 5,
  };
}

describe('workers', () => {
  it('merges HDR histograms exactly: two halves give the percentiles of the whole', () => {
    const whole = new Recorder(0);
    const halves = [new Recorder(0), new Recorder(0)];
    let seed = 3;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 16807) % 2147483647;
      const latency = 0.2 + (seed % 100_000) / 100;
      whole.record(sample(latency, i));
      halves[i % 2]!.record(sample(latency, i));
    }
    const merged = new Recorder(0);
    for (const h of halves) merged.merge(h.toData());
    expect(distribution(merged.latency)).toEqual(distribution(whole.latency));
    expect(distribution(merged.ttft)).toEqual(distribution(whole.ttft));
    expect(merged.timeline()).toEqual(whole.timeline());
    expect(merged.total).toBe(5000);
  });

  it("a worker's result passes the redaction gate unchanged, so pods' and processes' output merges", () => {
    const recorder = new Recorder(0);
    for (let i = 0; i < 2000; i++) recorder.record(sample(0.2 + (i % 997) / 7, i));
    const text = JSON.stringify(recorder.toData());
    expect(redactText(text)).toBe(text);
  });

  it('--workers 2 runs two processes on one schedule and merges their results', async () => {
    const server = await serve(capacityServer({ serviceMs: 2, parallel: 16 }));
    const run = await cli([
      'loadtest',
      server.url,
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '40',
      '--duration',
      '2s',
      '--workers',
      '2',
      '--format',
      'json',
    ]);
    const report = JSON.parse(run.stdout) as {
      summary: { requests: { total: number }; offeredRps: number };
      load: { runner: string };
    };
    expect(run.code).toBe(0);
    expect(report.summary.requests.total).toBe(80);
    expect(server.requests).toBe(80);
    expect(report.summary.offeredRps).toBeCloseTo(40, 0);
    expect(report.load.runner).toBe('2 local worker processes');
  }, 60_000);
});

describe('--kubernetes --workers N', () => {
  it('renders an Indexed Job with exec-form args and the manifest’s tooling image, valid against the Kubernetes schema', async () => {
    const dir = tmpTree({
      'mlready.yaml': completeManifest('vllm').replace(
        'image: registry.example.com/mlready:0.1.0',
        `image: registry.example.com/mlready@sha256:${'a'.repeat(64)}`,
      ),
    });
    const run = await cli(
      [
        'loadtest',
        'http://vllm-model.ml:8000',
        '-m',
        'mlready.yaml',
        '--rate',
        '40',
        '--duration',
        '30s',
        '--kubernetes',
        '--workers',
        '4',
        '--dry-run',
        '--header-secret',
        'llm-api-key',
      ],
      { cwd: dir },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = parseYaml(run.stdout) as KubeObject & {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: {
          spec: { containers: { image: string; args: string[]; command?: string[]; envFrom: unknown[] }[] };
        };
      };
    };
    const { Job } = await import('kubernetes-models/batch/v1/Job');
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    const container = job.spec.template.spec.containers[0]!;
    expect(container.image).toBe(`registry.example.com/mlready@sha256:${'a'.repeat(64)}`);
    expect(container.command).toBeUndefined();
    expect(container.args.slice(0, 4)).toEqual([
      'loadtest',
      'http://vllm-model.ml:8000',
      '--worker-count',
      '4',
    ]);
    expect(container.args).not.toContain('sh');
    expect(container.args.join(' ')).toContain('--protocol openai --model vllm-model');
    expect(container.envFrom).toEqual([{ prefix: 'MLREADY_HEADER_', secretRef: { name: 'llm-api-key' } }]);
  });

  it('without spec.tooling.image renders a placeholder that says to set it, and refuses to start the Job', async () => {
    const run = await cli([
      'loadtest',
      'http://m:8000',
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '5',
      '--duration',
      '10s',
      '--kubernetes',
      '--workers',
      '2',
      '--dry-run',
    ]);
    expect(run.stdout).toContain(`image: ${IMAGE_PLACEHOLDER}`);
    const job = renderLoadtestJob({
      name: 'j',
      namespace: 'ns',
      image: undefined,
      workers: 2,
      args: [],
      activeDeadlineSeconds: 60,
    });
    await expect(
      runLoadtestJob({} as ClusterClient, job, {
        timeoutMs: 1000,
        sleep: () => Promise.resolve(),
        now: () => 0,
      }),
    ).rejects.toThrow('the load-test Job needs an image: set spec.tooling.image in mlready.yaml');
  });

  it('refuses to put credentials into the Job', async () => {
    const run = await cli([
      'loadtest',
      'http://user:pw@m:8000',
      '--protocol',
      'http',
      '--body',
      '{}',
      '--rate',
      '5',
      '--duration',
      '10s',
      '--kubernetes',
      '--workers',
      '2',
      '--dry-run',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kubernetes does not put credentials');
  });

  it('runs the worker command as the pods would, reads their logs and merges the results', async () => {
    const server = await serve(capacityServer({ serviceMs: 2, parallel: 16 }));
    const job = renderLoadtestJob({
      name: 'mlready-loadtest-test',
      namespace: 'ml',
      image: 'registry.example.com/mlready:1',
      workers: 3,
      args: [
        'loadtest',
        server.url,
        '--worker-count',
        '3',
        '--protocol',
        'http',
        '--body',
        '{}',
        '--rate',
        '30',
        '--duration',
        '2s',
      ],
      activeDeadlineSeconds: 120,
    });
    const logs = new Map<string, string>();
    let applied: KubeObject | undefined;
    const client: Partial<ClusterClient> = {
      apply: async (object) => {
        applied = object;
        // The "pods": the container's args after the image's entrypoint (mlready), one per index.
        const container = (object.spec as { template: { spec: { containers: { args: string[] }[] } } })
          .template.spec.containers[0]!;
        await Promise.all(
          [0, 1, 2].map(async (index) => {
            const pod = await execa(process.execPath, [BIN, ...container.args], {
              env: { JOB_COMPLETION_INDEX: String(index), NO_COLOR: '1' },
              reject: false,
            });
            logs.set(`pod-${index}`, pod.stdout);
          }),
        );
        return object;
      },
      get: () =>
        Promise.resolve({
          ...applied!,
          status: { succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] },
        }),
      list: (_v, _k, _ns, options) => {
        expect(options?.labelSelector).toBe('batch.kubernetes.io/job-name=mlready-loadtest-test');
        return Promise.resolve(
          [0, 1, 2].map((i) => ({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              name: `pod-${i}`,
              annotations: { 'batch.kubernetes.io/job-completion-index': String(i) },
            },
          })),
        );
      },
      podLogs: (_ns, pod) => Promise.resolve(logs.get(pod) ?? ''),
    };
    const { results, failures } = await runLoadtestJob(client as ClusterClient, job, {
      timeoutMs: 60_000,
      sleep: () => Promise.resolve(),
      now: () => Date.now(),
    });
    expect(failures).toEqual([]);
    expect(results.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    const merged = mergeWorkerResults(results);
    expect(merged.recorder.total).toBe(60);
    expect(server.requests).toBe(60);
    expect(results.map((r: WorkerResult) => r.recorder.total)).toEqual([20, 20, 20]);
    expect(() => parseWorkerOutput('no result here', 'pod x')).toThrow(
      'pod x printed no load-test worker result',
    );
  }, 60_000);
});
