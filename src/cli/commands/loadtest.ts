import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../errors.js';
import { BUILTIN_DATASET, loadDataset } from '../../loadtest/datasets.js';
import { formatLoadText } from '../../loadtest/format.js';
import {
  assertSaneLoad,
  runLoadtest,
  sloFromManifest,
  type Sweep,
  type WorkerPool,
} from '../../loadtest/loadtest.js';
import { parseLengths, seeded, syntheticPayloads, type PayloadSource } from '../../loadtest/payloads.js';
import {
  assertProtocol,
  prepare,
  type LoadProtocol,
  type PreparedRequest,
  type RequestTarget,
} from '../../loadtest/protocols.js';
import type { FullReport } from '../../loadtest/report.js';
import { realClock, runLoad, type LoadModel } from '../../loadtest/run.js';
import { createHttpSender, probeOrigin, type SenderLimits } from '../../loadtest/sender.js';
import { parseSlo } from '../../loadtest/slo.js';
import { loadTokenizer } from '../../loadtest/tokenizer.js';
import { parseWorkerOutput, shareOfLoad, toWorkerResult, type WorkerResult } from '../../loadtest/workers.js';
import { loadManifest } from '../../manifest/load.js';
import type { ModelManifest } from '../../manifest/types.js';
import { redactText, redactUrl } from '../../redact.js';
import { parseDurationSeconds } from '../../rules/support/scaling.js';
import { VERSION } from '../../version.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';

const BIN = fileURLToPath(new URL('../../../bin/mlready.js', import.meta.url));

/** Default cap on open connections (`--max-connections`): the pool grows to what the schedule needs, up to this. */
export const DEFAULT_MAX_CONNECTIONS = 1024;

export interface LoadtestFlags {
  manifest?: string;
  protocol?: string;
  model?: string;
  endpoint: 'chat' | 'completions';
  stream: boolean;
  rate?: number;
  poisson?: boolean;
  burstiness?: number;
  maxConcurrency?: number;
  ramp?: string;
  concurrency?: number;
  sweep?: string;
  sweepConcurrency?: string;
  profile?: 'throughput';
  duration?: string;
  requests?: number;
  warmup: string;
  timeout: string;
  prompt?: string;
  body?: string;
  payloadFile?: string;
  dataset?: string;
  sample?: boolean;
  inputTokens?: string;
  outputTokens?: string;
  tokenizer?: string;
  seed: number;
  slo?: string;
  minRequests?: number;
  strict?: boolean;
  costPerHour?: number;
  metricsUrl: string[];
  header: string[];
  format: 'text' | 'json' | 'csv' | 'html';
  save?: string | boolean;
  baseline?: string;
  tolerance: number;
  force?: boolean;
  image?: string;
  maxConnections?: number;
  maxBodyBytes?: string;
  maxSseLineBytes?: string;
  maxHeaderBytes?: string;
  workers?: number;
  kubernetes?: boolean;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  headerSecret?: string;
  dryRun?: boolean;
  workerCount?: number;
  workerIndex?: number;
  startAt?: number;
}

export async function loadtestCommand(
  io: CliIO,
  url: string | undefined,
  flags: LoadtestFlags,
): Promise<number> {
  // A load generator runs long: V8's own compiler settings (src/cli/compiler-tuning.ts).
  io.compilerDefaults?.();
  const manifest = flags.manifest ? loadManifest(flags.manifest, io.cwd) : undefined;
  if (!url)
    throw new UsageError('mlready loadtest needs the endpoint URL', {
      hint: 'mlready loadtest http://127.0.0.1:8000 --manifest mlready.yaml --rate 5 --duration 60s',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${redactText(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`unsupported URL scheme ${parsed.protocol} (http or https)`);
  const protocol = flags.protocol ? assertProtocol(flags.protocol) : protocolOf(manifest?.manifest);
  const worker = flags.workerCount !== undefined;
  const share = worker ? workerShare(io, flags) : undefined;
  const random = seeded(flags.seed + (share?.index ?? 0));
  const load = loadOf(flags);
  assertSaneLoad(load, flags.force === true);
  const durationMs = flags.duration ? seconds(flags.duration, '--duration') * 1000 : undefined;
  if (durationMs === undefined && flags.requests === undefined)
    throw new UsageError('bound the run with --duration and/or --requests');
  if (durationMs !== undefined && durationMs <= 0) throw new UsageError('--duration must be above 0');
  if (flags.requests !== undefined && flags.requests < 1)
    throw new UsageError('--requests must be at least 1');
  const warmupMs = seconds(flags.warmup, '--warmup') * 1000;
  if (durationMs !== undefined && warmupMs >= durationMs)
    throw new UsageError(
      `--warmup ${flags.warmup} leaves nothing to measure in --duration ${flags.duration}`,
    );
  const timeoutMs = seconds(flags.timeout, '--timeout') * 1000;
  if (timeoutMs <= 0) throw new UsageError('--timeout must be above 0');
  const slo = flags.slo ? parseSlo(flags.slo) : sloFromManifest(manifest?.manifest);
  const headers = headersOf(flags.header, io.env, worker);
  // user:password@ in the URL is sent as Basic authentication and never shown.
  if ((parsed.username !== '' || parsed.password !== '') && headers.authorization === undefined)
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  const model = flags.model ?? manifest?.manifest.metadata.name ?? 'model';
  const baseline = flags.baseline ? readBaseline(io, flags.baseline) : undefined;
  const costPerHour = flags.costPerHour ?? manifest?.manifest.spec.resources?.costPerHour;
  if (costPerHour !== undefined && !(costPerHour > 0))
    throw new UsageError('--cost-per-hour must be above 0');
  const limits = limitsOf(flags);
  const sweep = sweepOf(flags);
  const countTokens = flags.tokenizer
    ? await loadTokenizer(resolve(io.cwd, flags.tokenizer), flags.tokenizer)
    : undefined;
  const target: RequestTarget = {
    protocol,
    path: parsed.pathname + parsed.search,
    model,
    endpoint: flags.endpoint,
    stream: flags.stream,
    headers,
  };
  const payload = payloadsOf(io, flags, protocol, random, countTokens);
  const workerCount = flags.workers ?? 1;
  if (flags.kubernetes) {
    if (flags.workers === undefined)
      throw new UsageError('--kubernetes needs --workers N (the number of pods)');
    return kubernetesRun(io, url, flags, {
      manifest: manifest?.manifest,
      protocol,
      model,
      load,
      durationMs,
      warmupMs,
      timeoutMs,
      slo,
      baseline,
      costPerHour,
      target,
      payload,
      sweep,
      countTokens,
    });
  }
  if (!flags.dryRun) await probeOrigin(parsed.origin, Math.min(timeoutMs, 10_000));
  else throw new UsageError('--dry-run prints the Kubernetes Job: use it with --kubernetes');

  const controller = new AbortController();
  io.onInterrupt?.(() => {
    io.stderr(
      '\nmlready: interrupted: no new requests; waiting for the ones in flight to finish, then reporting (Ctrl-C again quits without a report)\n',
    );
    controller.abort();
  });
  const sender = createHttpSender({
    origin: parsed.origin,
    protocol,
    timeoutMs,
    maxConnections: Math.max(
      1,
      Math.ceil((flags.maxConnections ?? DEFAULT_MAX_CONNECTIONS) / (share?.count ?? 1)),
    ),
    now: () => performance.now(),
    limits,
    countTokens,
  });
  try {
    if (share) {
      // One worker of --workers / --kubernetes: run this share of the schedule, print the raw result.
      const cpuStart = io.cpuMicros?.();
      const wallStart = performance.now();
      const myLoad = shareOfLoad(load, share);
      const startAt = flags.startAt !== undefined ? flags.startAt - performance.timeOrigin : undefined;
      const next = preparer(payload, target, countTokens);
      const result = await runLoad({
        sender,
        next,
        load: myLoad,
        durationMs,
        maxRequests: flags.requests,
        warmupMs,
        clock: realClock,
        signal: controller.signal,
        goodLimits: undefined,
        random,
        share: myLoad.mode === 'rate' ? share : undefined,
        startAt: startAt !== undefined && startAt > performance.now() ? startAt : undefined,
      });
      const cpuShare =
        io.cpuMicros && cpuStart !== undefined
          ? (io.cpuMicros() - cpuStart) / 1000 / Math.max(1, performance.now() - wallStart)
          : undefined;
      io.stdout(
        `${JSON.stringify(toWorkerResult(result, { share, timeOrigin: performance.timeOrigin, warmupMs, cpuShare }))}\n`,
      );
      return result.interrupted ? ExitCode.Interrupted : ExitCode.Ok;
    }
    let lastLine = 0;
    const pool =
      workerCount > 1
        ? localWorkers(io, url, flags, workerCount, timeoutMs, durationMs, warmupMs)
        : undefined;
    const { outcome, report } = await runLoadtest(
      {
        url,
        target,
        payload,
        load,
        durationMs,
        maxRequests: flags.requests,
        warmupMs,
        slo,
        metricsUrls: flags.metricsUrl,
        sweep,
        profile: flags.profile,
        baseline,
        tolerance: flags.tolerance,
        manifest: manifest?.manifest,
        image: flags.image,
        version: VERSION,
        signal: controller.signal,
        cpuMicros: io.cpuMicros,
        random,
        costPerHour,
        minRequests: flags.minRequests,
        strict: flags.strict,
        countTokens,
        onProgress: (line) => {
          const t = Date.now();
          if (io.stdoutIsTTY || t - lastLine >= 5000) {
            lastLine = t;
            io.stderr(io.stdoutIsTTY ? `\r\u001b[K${line}` : `mlready: ${line}\n`);
          }
        },
      },
      { sender, clock: realClock, now: () => new Date(), workers: pool },
    );
    if (io.stdoutIsTTY) io.stderr('\r\u001b[K');
    io.stdout(await render(flags.format, outcome, report, useColor(io)));
    if (flags.save !== undefined && flags.save !== false) {
      const file = saveReport(io, flags.save, report, manifest?.file);
      io.stderr(`mlready: saved the load-test report to ${file}\n`);
    }
    if (outcome.interrupted) return ExitCode.Interrupted;
    return outcome.passed ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await sender.close();
  }
}

/** The report in the chosen format; CSV and HTML load their formatters only when asked for. */
async function render(
  format: LoadtestFlags['format'],
  outcome: Parameters<typeof formatLoadText>[0],
  report: FullReport,
  color: boolean,
): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return (await import('../../loadtest/format-csv.js')).formatLoadCsv(report);
    case 'html':
      return (await import('../../loadtest/format-html.js')).formatLoadHtml(report);
    default:
      return formatLoadText(outcome, { color });
  }
}

/** The request for each index; the same payload object gives the same request, prepared once. */
function preparer(
  payload: PayloadSource,
  target: RequestTarget,
  countTokens: ((text: string) => number) | undefined,
): (i: number) => PreparedRequest {
  let lastPayload: unknown;
  let lastRequest: PreparedRequest | undefined;
  return (i) => {
    const p = payload(i);
    if (lastRequest === undefined || p !== lastPayload) {
      lastPayload = p;
      lastRequest = prepare(target, p, countTokens);
    }
    return lastRequest;
  };
}

/** --worker-count N with --worker-index i, or the Job controller's JOB_COMPLETION_INDEX. */
function workerShare(io: CliIO, flags: LoadtestFlags): { index: number; count: number } {
  const count = flags.workerCount!;
  const fromEnv = io.env.JOB_COMPLETION_INDEX;
  const index =
    flags.workerIndex ?? (fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : undefined);
  if (count < 1) throw new UsageError('--worker-count must be at least 1');
  if (index === undefined || index >= count)
    throw new UsageError('a worker needs --worker-index below --worker-count (or JOB_COMPLETION_INDEX)');
  return { index, count };
}

/** Request headers from --header "Name: value" (a malformed one is refused without echoing its value). */
function headersOf(
  given: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  worker: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  given.forEach((h, i) => {
    const at = h.indexOf(':');
    const name = at > 0 ? h.slice(0, at).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new UsageError(
        `--header #${i + 1} is not "Name: value" (its value is not shown, as it may hold a credential)`,
      );
    headers[name.toLowerCase()] = h.slice(at + 1).trim();
  });
  // A Kubernetes worker reads credentials from its Secret (envFrom with prefix MLREADY_HEADER_).
  if (worker)
    for (const [key, value] of Object.entries(env))
      if (key.startsWith('MLREADY_HEADER_') && value !== undefined)
        headers[key.slice('MLREADY_HEADER_'.length).toLowerCase().replace(/_/g, '-')] = value;
  return headers;
}

function limitsOf(flags: LoadtestFlags): Partial<SenderLimits> {
  const out: Partial<SenderLimits> = {};
  if (flags.maxBodyBytes) out.maxBodyBytes = bytes(flags.maxBodyBytes, '--max-body-bytes');
  if (flags.maxSseLineBytes) out.maxSseLineBytes = bytes(flags.maxSseLineBytes, '--max-sse-line-bytes');
  if (flags.maxHeaderBytes) out.maxHeaderBytes = bytes(flags.maxHeaderBytes, '--max-header-bytes');
  return out;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
};

function bytes(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) * unit >= 1))
    throw new UsageError(`${flag} "${text}": expected a size such as 65536, 64KiB or 16MiB`);
  return Math.floor(Number(m[1]) * unit);
}

function protocolOf(manifest: ModelManifest | undefined): LoadProtocol {
  const declared = manifest?.spec.serving.protocol;
  if (declared === 'http-json') return 'http';
  if (declared) return declared;
  const runtime = manifest?.spec.serving.runtime;
  return runtime === 'vllm' || runtime === 'tgi'
    ? 'openai'
    : runtime === 'triton'
      ? 'kserve-v2'
      : runtime === 'tfserving'
        ? 'tfserving'
        : runtime === 'torchserve'
          ? 'torchserve'
          : 'http';
}

function loadOf(flags: LoadtestFlags): LoadModel {
  const modes = [
    flags.rate !== undefined || flags.ramp !== undefined,
    flags.concurrency !== undefined,
    flags.sweep !== undefined,
    flags.sweepConcurrency !== undefined,
    flags.profile !== undefined,
  ].filter(Boolean).length;
  if (modes > 1)
    throw new UsageError(
      'choose one load model: --rate (or --ramp), --concurrency, --sweep, --sweep-concurrency or --profile',
    );
  if (flags.burstiness !== undefined && !(flags.burstiness > 0))
    throw new UsageError('--burstiness must be above 0');
  if (flags.burstiness !== undefined && flags.poisson)
    throw new UsageError('--poisson is --burstiness 1: give one of them');
  if (flags.maxConcurrency !== undefined && flags.maxConcurrency < 1)
    throw new UsageError('--max-concurrency must be at least 1');
  if (
    flags.maxConcurrency !== undefined &&
    (flags.concurrency !== undefined || flags.sweepConcurrency !== undefined)
  )
    throw new UsageError(
      '--max-concurrency caps an open loop (--rate, --sweep, --profile): --concurrency is already a cap',
    );
  const burstiness = flags.burstiness ?? (flags.poisson ? 1 : undefined);
  if (flags.profile === 'throughput')
    return { mode: 'concurrency', concurrency: flags.maxConcurrency ?? 256 };
  if (flags.concurrency !== undefined) {
    if (flags.concurrency < 1) throw new UsageError('--concurrency must be at least 1');
    return { mode: 'concurrency', concurrency: flags.concurrency };
  }
  if (flags.sweepConcurrency !== undefined)
    return { mode: 'concurrency', concurrency: steps(flags.sweepConcurrency, '--sweep-concurrency')[0]! };
  if (flags.ramp) {
    const stages = flags.ramp.split(',').map((part) => {
      const m = /^\s*([0-9.]+(?:ms|s|m|h))\s*:\s*([0-9.]+)\s*$/.exec(part);
      if (!m) throw new UsageError(`--ramp "${part}": expected <duration>:<rate>, e.g. 30s:10`);
      return { durationMs: seconds(m[1]!, '--ramp') * 1000, rate: Number(m[2]) };
    });
    return { mode: 'rate', rate: stages[0]!.rate, burstiness, stages, maxConcurrency: flags.maxConcurrency };
  }
  if (flags.sweep)
    return {
      mode: 'rate',
      rate: steps(flags.sweep, '--sweep')[0]!,
      burstiness,
      maxConcurrency: flags.maxConcurrency,
    };
  const rate = flags.rate ?? 1;
  if (!(rate > 0)) throw new UsageError('--rate must be above 0');
  return { mode: 'rate', rate, burstiness, maxConcurrency: flags.maxConcurrency };
}

function sweepOf(flags: LoadtestFlags): Sweep | undefined {
  if (flags.sweep) return { kind: 'rate', values: steps(flags.sweep, '--sweep') };
  if (flags.sweepConcurrency)
    return {
      kind: 'concurrency',
      values: steps(flags.sweepConcurrency, '--sweep-concurrency').map((v) => {
        if (!Number.isInteger(v)) throw new UsageError('--sweep-concurrency takes whole numbers');
        return v;
      }),
    };
  return undefined;
}

/** `start:step:max` or a comma-separated list, e.g. 2:2:20 or 1,2,4,8. */
function steps(spec: string, flag: string): number[] {
  if (/^[0-9.]+(,[0-9.]+)*$/.test(spec)) {
    const values = spec.split(',').map(Number);
    if (values.some((v) => !(v > 0)) || values.some((v, i) => i > 0 && v <= values[i - 1]!))
      throw new UsageError(`${flag} "${spec}": values must be above 0 and increasing`);
    return values;
  }
  const m = /^([0-9.]+):([0-9.]+):([0-9.]+)$/.exec(spec);
  if (!m)
    throw new UsageError(
      `${flag} "${spec}": expected <start>:<step>:<max> or a list, e.g. 2:2:20 or 1,2,4,8`,
    );
  const [start, step, max] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!(start > 0 && step > 0 && max >= start))
    throw new UsageError(`${flag} "${spec}": start and step must be above 0, max at least start`);
  const values: number[] = [];
  for (let r = start; r <= max + 1e-9 && values.length < 100; r += step) values.push(Number(r.toFixed(3)));
  return values;
}

function payloadsOf(
  io: CliIO,
  flags: LoadtestFlags,
  protocol: LoadProtocol,
  random: () => number,
  countTokens: ((text: string) => number) | undefined,
): PayloadSource {
  const file = flags.dataset ?? flags.payloadFile;
  if (flags.dataset && flags.payloadFile) throw new UsageError('give --dataset or --payload-file, not both');
  const datasetOptions = { sample: flags.sample === true, random, endpoint: flags.endpoint, countTokens };
  if (file)
    return file === 'builtin'
      ? loadDataset(BUILTIN_DATASET, 'the bundled prompt set', datasetOptions)
      : loadDataset(resolve(io.cwd, file), file, datasetOptions);
  if (flags.body) {
    let body: unknown;
    try {
      body = JSON.parse(flags.body);
    } catch (error) {
      throw new UsageError(
        `--body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return () => body;
  }
  if (flags.inputTokens || flags.outputTokens) {
    if (protocol !== 'openai')
      throw new UsageError('--input-tokens and --output-tokens make synthetic prompts for --protocol openai');
    return syntheticPayloads(
      parseLengths(flags.inputTokens ?? '128', random),
      parseLengths(flags.outputTokens ?? '128', random),
    );
  }
  if (protocol === 'openai') {
    if (flags.prompt) return () => ({ prompt: flags.prompt, maxTokens: 128 });
    // Out of the box: the bundled prompt set (single- and multi-turn conversations).
    return loadDataset(BUILTIN_DATASET, 'the bundled prompt set', datasetOptions);
  }
  if (protocol === 'kserve-v2')
    return () => ({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] });
  if (protocol === 'tfserving') return () => ({ instances: [[0, 0, 0, 0]] });
  throw new UsageError(
    `--protocol ${protocol} needs a request body: --body '<json>' or --payload-file <file>`,
  );
}

/**
 * The worker command line for one load: the run's settings as flags (exec-form), plus the share.
 * Files are passed as absolute paths (local workers) — Kubernetes workers cannot read them.
 */
function workerArgs(
  io: CliIO,
  url: string,
  flags: LoadtestFlags,
  load: LoadModel,
  count: number,
  durationMs: number | undefined,
  warmupMs: number,
  options: { forPods: boolean },
): string[] {
  const args = ['loadtest', url, '--worker-count', String(count)];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--protocol', flags.protocol);
  add('--model', flags.model);
  add('--endpoint', flags.endpoint);
  if (!flags.stream) args.push('--no-stream');
  if (load.mode === 'rate') {
    if (load.stages) add('--ramp', load.stages.map((s) => `${s.durationMs}ms:${s.rate}`).join(','));
    else add('--rate', load.rate);
    add('--burstiness', load.burstiness ?? (load.poisson ? 1 : undefined));
    add('--max-concurrency', load.maxConcurrency);
  } else add('--concurrency', load.concurrency);
  add('--duration', durationMs === undefined ? undefined : `${durationMs}ms`);
  add('--requests', flags.requests);
  add('--warmup', `${warmupMs}ms`);
  add('--timeout', flags.timeout);
  add('--prompt', flags.prompt);
  add('--body', flags.body);
  const file = flags.dataset ?? flags.payloadFile;
  if (file && file !== 'builtin' && options.forPods)
    throw new UsageError('--kubernetes cannot ship a local --dataset or --payload-file to the pods yet', {
      hint: 'use --dataset builtin, --prompt, --body or --input-tokens/--output-tokens, or run --workers locally',
    });
  add('--dataset', file === undefined || file === 'builtin' ? file : resolve(io.cwd, file));
  if (flags.sample) args.push('--sample');
  add('--input-tokens', flags.inputTokens);
  add('--output-tokens', flags.outputTokens);
  if (flags.tokenizer && options.forPods)
    throw new UsageError('--kubernetes cannot ship a local --tokenizer to the pods yet');
  add('--tokenizer', flags.tokenizer === undefined ? undefined : resolve(io.cwd, flags.tokenizer));
  add('--seed', flags.seed);
  add('--max-connections', flags.maxConnections);
  add('--max-body-bytes', flags.maxBodyBytes);
  add('--max-sse-line-bytes', flags.maxSseLineBytes);
  add('--max-header-bytes', flags.maxHeaderBytes);
  if (!options.forPods) for (const h of flags.header) args.push('--header', h);
  if (flags.force) args.push('--force');
  return args;
}

/** N local worker processes, each running its share of the schedule from a common start time. */
function localWorkers(
  io: CliIO,
  url: string,
  flags: LoadtestFlags,
  count: number,
  timeoutMs: number,
  durationMs: number | undefined,
  warmupMs: number,
): WorkerPool {
  return {
    count,
    describe: `${count} local worker processes`,
    async run(load) {
      const { execa } = await import('execa');
      // Start together, after the processes have had time to load.
      const startAt = Date.now() + 1500;
      const runs = Array.from({ length: count }, (_, index) =>
        execa(
          process.execPath,
          [
            BIN,
            ...workerArgs(io, url, flags, load, count, durationMs, warmupMs, { forPods: false }),
            '--worker-index',
            String(index),
            '--start-at',
            String(startAt),
          ],
          {
            cwd: io.cwd,
            env: { ...io.env, NO_COLOR: '1' },
            reject: false,
            stdin: 'ignore',
            timeout: (durationMs ?? 3_600_000) + timeoutMs + 60_000,
            maxBuffer: 256 * 1024 * 1024,
          },
        ),
      );
      const results: WorkerResult[] = [];
      const failures: string[] = [];
      for (const [index, run] of (await Promise.all(runs)).entries()) {
        try {
          results.push(parseWorkerOutput(String(run.stdout), `worker ${index}`));
        } catch (error) {
          const detail = redactText(String(run.stderr).trim().split('\n').slice(-3).join(' '));
          failures.push(
            `worker ${index} of ${count} returned no result (exit ${run.exitCode ?? 'none'}${detail ? `: ${detail}` : ''})`,
          );
          void error;
        }
      }
      return { results, failures };
    },
  };
}

interface KubernetesContext {
  manifest: ModelManifest | undefined;
  protocol: LoadProtocol;
  model: string;
  load: LoadModel;
  durationMs: number | undefined;
  warmupMs: number;
  timeoutMs: number;
  slo: ReturnType<typeof parseSlo>;
  baseline: FullReport['summary'] | undefined;
  costPerHour: number | undefined;
  target: RequestTarget;
  payload: PayloadSource;
  sweep: Sweep | undefined;
  countTokens: ((text: string) => number) | undefined;
}

/** --kubernetes --workers N: render the Indexed Job (--dry-run prints it), run it, merge the pods' results. */
async function kubernetesRun(
  io: CliIO,
  url: string,
  flags: LoadtestFlags,
  k: KubernetesContext,
): Promise<number> {
  const { loadtestJobName, renderLoadtestJob, runLoadtestJob } = await import('../../loadtest/kubernetes.js');
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '' || redactUrl(url) !== url || flags.header.length > 0)
    throw new UsageError(
      '--kubernetes does not put credentials (URL userinfo, credential parameters, --header) into the Job',
      {
        hint: 'put the headers in a Secret (keys are header names) and pass --header-secret <name>',
      },
    );
  if (k.sweep)
    throw new UsageError('--kubernetes runs one load; sweep locally (--workers) or run one Job per step');
  const workers = flags.workers!;
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  const name = loadtestJobName(k.manifest?.metadata.name ?? k.model, new Date());
  const namespace = flags.namespace ?? k.manifest?.metadata.namespace ?? 'default';
  const flagsForPods = { ...flags, protocol: k.protocol, model: k.model };
  const args = workerArgs(io, url, flagsForPods, k.load, workers, k.durationMs, k.warmupMs, {
    forPods: true,
  });
  const runSeconds = Math.ceil(((k.durationMs ?? 3_600_000) + k.timeoutMs) / 1000);
  const job = renderLoadtestJob({
    name,
    namespace,
    image: k.manifest?.spec.tooling?.image,
    workers,
    args,
    headerSecret: flags.headerSecret,
    activeDeadlineSeconds: runSeconds + 600,
  });
  if (flags.dryRun) {
    const { stringify } = await import('yaml');
    io.stdout(stringify(job));
    return ExitCode.Ok;
  }
  const { loadKubeConfig } = await import('../../k8s/kubeconfig.js');
  const { createNodeClusterClient } = await import('../../k8s/node-client.js');
  const { config, target } = loadKubeConfig({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    env: io.env,
    homeDir: io.env.HOME ?? io.env.USERPROFILE ?? '/',
    warn: (message) => io.stderr(`warning: ${message}\n`),
  });
  const cluster = createNodeClusterClient(config, target, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const pool: WorkerPool = {
    count: workers,
    describe: `Indexed Job ${namespace}/${name} (${workers} pods)`,
    run: () =>
      runLoadtestJob(cluster, job, {
        timeoutMs: (runSeconds + 600) * 1000,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => Date.now(),
        onProgress: (line) => io.stderr(`mlready: ${line}\n`),
      }),
  };
  const idle = createHttpSender({
    origin: parsed.origin,
    protocol: k.protocol,
    timeoutMs: k.timeoutMs,
    maxConnections: 1,
    now: () => performance.now(),
  });
  try {
    const { outcome, report } = await runLoadtest(
      {
        url,
        target: k.target,
        payload: k.payload,
        load: k.load,
        durationMs: k.durationMs,
        maxRequests: flags.requests,
        warmupMs: k.warmupMs,
        slo: k.slo,
        metricsUrls: flags.metricsUrl,
        baseline: k.baseline,
        tolerance: flags.tolerance,
        manifest: k.manifest,
        image: flags.image,
        version: VERSION,
        costPerHour: k.costPerHour,
        minRequests: flags.minRequests,
        strict: flags.strict,
        countTokens: k.countTokens,
      },
      { sender: idle, clock: realClock, now: () => new Date(), workers: pool },
    );
    io.stdout(await render(flags.format, outcome, report, useColor(io)));
    if (flags.save !== undefined && flags.save !== false) {
      const file = saveReport(io, flags.save, report, flags.manifest);
      io.stderr(`mlready: saved the load-test report to ${file}\n`);
    }
    return outcome.passed ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await idle.close();
  }
}

function seconds(text: string, flag: string): number {
  const value = parseDurationSeconds(text);
  if (value === undefined)
    throw new UsageError(`${flag} "${text}": expected a duration such as 500ms, 30s or 2m`);
  return value;
}

function readBaseline(io: CliIO, file: string): FullReport['summary'] {
  try {
    const report = JSON.parse(readFileSync(resolve(io.cwd, file), 'utf8')) as Partial<FullReport>;
    if (report.kind !== 'LoadTestReport' || !report.summary)
      throw new Error('not a report written by mlready loadtest --save');
    return report.summary;
  } catch (error) {
    throw new UsageError(
      `cannot use baseline ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function saveReport(
  io: CliIO,
  save: string | true,
  report: FullReport,
  manifestFile: string | undefined,
): string {
  const base = manifestFile ? dirname(resolve(io.cwd, manifestFile)) : io.cwd;
  const startedAt = report.startedAt.slice(0, 19).replace(/[:T]/g, '-');
  const service = report.service ?? 'model';
  const name = `${startedAt}-${service}-${report.model.version}.json`;
  const target = typeof save === 'string' ? resolve(io.cwd, save) : join(base, '.mlready', 'loadtest', name);
  try {
    mkdirSync(dirname(target), { recursive: true });
    io.writeFile(target, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    throw new UsageError(
      `cannot save the report to ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return relative(io.cwd, target) || target;
}
