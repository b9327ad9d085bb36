import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { formatLoadText } from '../../loadtest/format.js';
import { assertSaneLoad, runLoadtest, sloFromManifest } from '../../loadtest/loadtest.js';
import {
  filePayloads,
  parseLengths,
  seeded,
  syntheticPayloads,
  type PayloadSource,
} from '../../loadtest/payloads.js';
import { assertProtocol, type LoadProtocol } from '../../loadtest/protocols.js';
import type { FullReport } from '../../loadtest/report.js';
import { realClock, type LoadModel } from '../../loadtest/run.js';
import { createHttpSender, probeOrigin } from '../../loadtest/sender.js';
import { parseSlo } from '../../loadtest/slo.js';
import { loadManifest } from '../../manifest/load.js';
import type { ModelManifest } from '../../manifest/types.js';
import { parseDurationSeconds } from '../../rules/support/scaling.js';
import { VERSION } from '../../version.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';

export interface LoadtestFlags {
  manifest?: string;
  protocol?: string;
  model?: string;
  endpoint: 'chat' | 'completions';
  stream: boolean;
  rate?: number;
  poisson?: boolean;
  ramp?: string;
  concurrency?: number;
  sweep?: string;
  duration?: string;
  requests?: number;
  warmup: string;
  timeout: string;
  prompt?: string;
  body?: string;
  payloadFile?: string;
  sample?: boolean;
  inputTokens?: string;
  outputTokens?: string;
  seed: number;
  slo?: string;
  metricsUrl: string[];
  header: string[];
  format: 'text' | 'json';
  save?: string | boolean;
  baseline?: string;
  tolerance: number;
  force?: boolean;
  image?: string;
}

export async function loadtestCommand(
  io: CliIO,
  url: string | undefined,
  flags: LoadtestFlags,
): Promise<number> {
  const manifest = flags.manifest ? loadManifest(flags.manifest, io.cwd) : undefined;
  if (!url)
    throw new UsageError('mlready loadtest needs the endpoint URL', {
      hint: 'mlready loadtest http://127.0.0.1:8000 --manifest mlready.yaml --rate 5 --duration 60s',
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`unsupported URL scheme ${parsed.protocol} (http or https)`);
  const protocol = flags.protocol ? assertProtocol(flags.protocol) : protocolOf(manifest?.manifest);
  const random = seeded(flags.seed);
  const load = loadOf(flags);
  assertSaneLoad(load, flags.force === true);
  const durationMs = flags.duration ? seconds(flags.duration, '--duration') * 1000 : undefined;
  if (durationMs === undefined && flags.requests === undefined)
    throw new UsageError('bound the run with --duration and/or --requests');
  const timeoutMs = seconds(flags.timeout, '--timeout') * 1000;
  const slo = flags.slo ? parseSlo(flags.slo) : sloFromManifest(manifest?.manifest);
  const headers = Object.fromEntries(
    flags.header.map((h) => {
      const at = h.indexOf(':');
      if (at <= 0) throw new UsageError(`--header "${h}": expected Name: value`);
      return [h.slice(0, at).trim().toLowerCase(), h.slice(at + 1).trim()];
    }),
  );
  const model = flags.model ?? manifest?.manifest.metadata.name ?? 'model';
  const baseline = flags.baseline ? readBaseline(io, flags.baseline) : undefined;
  await probeOrigin(parsed.origin, Math.min(timeoutMs, 10_000));

  const controller = new AbortController();
  io.onInterrupt?.(() => {
    io.stderr(
      '\nmlready: interrupted: stopping, finishing in-flight requests, then reporting what was measured\n',
    );
    controller.abort();
  });
  const connections =
    load.mode === 'concurrency'
      ? load.concurrency
      : Math.max(16, Math.ceil(Math.max(load.rate, ...(load.stages ?? []).map((s) => s.rate)) * 2));
  const sender = createHttpSender({
    origin: parsed.origin,
    protocol,
    timeoutMs,
    connections,
    now: () => performance.now(),
    signal: controller.signal,
  });
  let lastLine = 0;
  try {
    const { outcome, report } = await runLoadtest(
      {
        url,
        target: {
          protocol,
          path: parsed.pathname + parsed.search,
          model,
          endpoint: flags.endpoint,
          stream: flags.stream,
          headers,
        },
        payload: payloadsOf(io, flags, protocol, random),
        load,
        durationMs,
        maxRequests: flags.requests,
        warmupMs: seconds(flags.warmup, '--warmup') * 1000,
        slo,
        metricsUrls: flags.metricsUrl,
        sweep: flags.sweep ? sweepRates(flags.sweep) : undefined,
        baseline,
        tolerance: flags.tolerance,
        manifest: manifest?.manifest,
        image: flags.image,
        version: VERSION,
        signal: controller.signal,
        cpuMicros: io.cpuMicros,
        random,
        onProgress: (line) => {
          const t = Date.now();
          if (io.stdoutIsTTY || t - lastLine >= 5000) {
            lastLine = t;
            io.stderr(io.stdoutIsTTY ? `\r${line}   ` : `mlready: ${line}\n`);
          }
        },
      },
      { sender, clock: realClock, now: () => new Date() },
    );
    if (io.stdoutIsTTY) io.stderr('\r\u001b[K');
    io.stdout(
      flags.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatLoadText(outcome, { color: useColor(io) }),
    );
    if (flags.save !== undefined && flags.save !== false) {
      const file = saveReport(io, flags.save, report, manifest?.file);
      io.stderr(`mlready: saved the load-test report to ${file}\n`);
    }
    return outcome.passed ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await sender.close();
  }
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
  ].filter(Boolean).length;
  if (modes > 1) throw new UsageError('choose one load model: --rate (or --ramp), --concurrency, or --sweep');
  if (flags.concurrency !== undefined) {
    if (flags.concurrency < 1) throw new UsageError('--concurrency must be at least 1');
    return { mode: 'concurrency', concurrency: flags.concurrency };
  }
  if (flags.ramp) {
    const stages = flags.ramp.split(',').map((part) => {
      const m = /^\s*([0-9.]+(?:ms|s|m|h))\s*:\s*([0-9.]+)\s*$/.exec(part);
      if (!m) throw new UsageError(`--ramp "${part}": expected <duration>:<rate>, e.g. 30s:10`);
      return { durationMs: seconds(m[1]!, '--ramp') * 1000, rate: Number(m[2]) };
    });
    return { mode: 'rate', rate: stages[0]!.rate, poisson: flags.poisson, stages };
  }
  if (flags.sweep) return { mode: 'rate', rate: sweepRates(flags.sweep)[0]! };
  const rate = flags.rate ?? 1;
  if (!(rate > 0)) throw new UsageError('--rate must be above 0');
  return { mode: 'rate', rate, poisson: flags.poisson };
}

function sweepRates(spec: string): number[] {
  const m = /^([0-9.]+):([0-9.]+):([0-9.]+)$/.exec(spec);
  if (!m) throw new UsageError(`--sweep "${spec}": expected <start>:<step>:<max> requests/s, e.g. 2:2:20`);
  const [start, step, max] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!(start > 0 && step > 0 && max >= start))
    throw new UsageError(`--sweep "${spec}": start and step must be above 0, max at least start`);
  const rates: number[] = [];
  for (let r = start; r <= max + 1e-9 && rates.length < 100; r += step) rates.push(Number(r.toFixed(3)));
  return rates;
}

function payloadsOf(
  io: CliIO,
  flags: LoadtestFlags,
  protocol: LoadProtocol,
  random: () => number,
): PayloadSource {
  if (flags.payloadFile)
    return filePayloads(resolve(io.cwd, flags.payloadFile), flags.payloadFile, flags.sample === true, random);
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
  if (protocol === 'openai')
    return () => ({
      prompt: flags.prompt ?? 'Explain in two sentences why load tests matter.',
      maxTokens: 128,
    });
  if (protocol === 'kserve-v2')
    return () => ({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] });
  if (protocol === 'tfserving') return () => ({ instances: [[0, 0, 0, 0]] });
  throw new UsageError(
    `--protocol ${protocol} needs a request body: --body '<json>' or --payload-file <file>`,
  );
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
