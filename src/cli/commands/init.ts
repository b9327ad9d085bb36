import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Runtime } from '../../manifest/types.js';
import {
  assertRuntime,
  buildManifest,
  defaultAnswers,
  REQUIRED_FLAGS,
  type InitAnswers,
} from '../../scaffold/init.js';
import { RUNTIME_NAMES } from '../../scaffold/profiles.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

export interface InitFlags {
  yes?: boolean;
  force?: boolean;
  output: string;
  runtime?: string;
  model?: string;
  modelVersion?: string;
  name?: string;
  image?: string;
  uri?: string;
  gpus?: number;
  gpuType?: string;
  cpu?: string;
  memory?: string;
  minReplicas?: number;
  maxReplicas?: number;
  p95Ms?: number;
  errorRate?: number;
  driftFeatures?: string;
  driftWarn?: number;
  driftCritical?: number;
  rollout?: 'rolling' | 'canary' | 'blue-green';
  dataset?: string;
  datasetVersion?: string;
  trainingRun?: string;
  codeCommit?: string;
  hyperparameters?: string;
  toolingImage?: string;
}

/** Asks one question per field; @inquirer/prompts on a terminal, a fake in tests. */
export interface Prompter {
  input(message: string, defaultValue: string): Promise<string>;
  number(message: string, defaultValue: number): Promise<number>;
  select<T extends string>(message: string, choices: readonly T[], defaultValue: T): Promise<T>;
}

export async function initCommand(io: CliIO, flags: InitFlags, prompter?: Prompter): Promise<number> {
  const target = resolve(io.cwd, flags.output);
  const shown = relative(io.cwd, target) || flags.output;
  if (existsSync(target) && !flags.force) {
    throw new UsageError(`${shown} already exists; refusing to overwrite it`, {
      hint: 'pass --force to replace it, or -o <file> to write elsewhere',
    });
  }
  const runtime = flags.runtime === undefined ? undefined : assertRuntime(flags.runtime);
  let answers: InitAnswers;
  if (flags.yes || !io.stdinIsTTY) {
    const missing = REQUIRED_FLAGS.filter(
      ([key]) => (key === 'runtime' ? runtime : flags[key]) === undefined,
    ).map(([, flag]) => flag);
    if (missing.length > 0) {
      const missingList = missing.join(', ');
      const verb = missing.length === 1 ? 'is' : 'are';
      const placeholders = missing.map((f) => `${f} <…>`).join(' ');
      const runtimeNames = RUNTIME_NAMES.join(', ');
      throw new UsageError(
        flags.yes
          ? `--yes needs ${missingList}`
          : `no terminal to ask on, and ${missingList} ${verb} not given`,
        { hint: `mlready init --yes ${placeholders} (runtimes: ${runtimeNames})` },
      );
    }
    answers = fromFlags(flags, runtime!);
  } else {
    answers = await ask(flags, runtime, prompter ?? (await inquirerPrompter()));
  }
  const { yaml } = buildManifest(answers);
  try {
    io.writeFile(target, yaml);
  } catch (error) {
    throw new UsageError(`cannot write ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  const summary = `${answers.name}: ${answers.model} ${answers.modelVersion} on ${answers.runtime}`;
  io.stdout(`wrote ${shown} (${summary})\nnext: mlready scaffold --manifest ${shown}\n`);
  return ExitCode.Ok;
}

function fromFlags(flags: InitFlags, runtime: Runtime): InitAnswers {
  const base = defaultAnswers(runtime, flags.model!, flags.modelVersion!);
  return {
    ...base,
    name: flags.name ?? base.name,
    image: flags.image,
    uri: flags.uri,
    gpus: flags.gpus ?? base.gpus,
    gpuType: flags.gpuType,
    cpu: flags.cpu ?? base.cpu,
    memory: flags.memory ?? base.memory,
    minReplicas: flags.minReplicas ?? base.minReplicas,
    maxReplicas: flags.maxReplicas ?? Math.max(base.maxReplicas, (flags.minReplicas ?? base.minReplicas) + 1),
    p95Ms: flags.p95Ms ?? base.p95Ms,
    errorRate: flags.errorRate ?? base.errorRate,
    driftFeatures: flags.driftFeatures
      ? flags.driftFeatures
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : base.driftFeatures,
    driftWarn: flags.driftWarn ?? base.driftWarn,
    driftCritical: flags.driftCritical ?? base.driftCritical,
    rollout: flags.rollout ?? base.rollout,
    toolingImage: flags.toolingImage,
    lineage: {
      dataset: flags.dataset,
      datasetVersion: flags.datasetVersion,
      trainingRun: flags.trainingRun,
      codeCommit: flags.codeCommit,
      hyperparameters: flags.hyperparameters,
    },
  };
}

async function ask(flags: InitFlags, runtime: Runtime | undefined, p: Prompter): Promise<InitAnswers> {
  const chosen = runtime ?? (await p.select('Serving runtime', RUNTIME_NAMES, 'vllm'));
  const model =
    flags.model ?? (await p.input('Model (e.g. meta-llama/Llama-3.1-8B-Instruct or fraud-detector)', ''));
  if (!model.trim()) throw new UsageError('a model name is needed');
  const modelVersion = flags.modelVersion ?? (await p.input('Model version', '1.0.0'));
  const d = {
    ...defaultAnswers(chosen, model, modelVersion),
    ...fromFlags({ ...flags, model, modelVersion }, chosen),
  };
  return {
    ...d,
    name: await p.input('Service name', d.name),
    protocol: await p.select(
      'Protocol',
      ['openai', 'kserve-v2', 'http-json', 'tfserving', 'torchserve'] as const,
      d.protocol,
    ),
    gpus: await p.number('GPUs per replica', d.gpus),
    gpuType: (await p.input('GPU type (node label value, empty for any)', d.gpuType ?? '')) || undefined,
    cpu: await p.input('CPU per replica', d.cpu),
    memory: await p.input('Memory per replica', d.memory),
    minReplicas: await p.number('Minimum replicas', d.minReplicas),
    maxReplicas: await p.number('Maximum replicas', d.maxReplicas),
    p95Ms: await p.number('Latency SLO, p95 in ms', d.p95Ms),
    errorRate: await p.number('Error-rate SLO (fraction, 0.01 = 1%)', d.errorRate),
    driftFeatures: (await p.input('Features to watch for drift (comma-separated)', d.driftFeatures.join(',')))
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
    driftWarn: await p.number('Drift warning threshold (PSI)', d.driftWarn),
    driftCritical: await p.number('Drift critical threshold (PSI)', d.driftCritical),
    rollout: await p.select('Rollout strategy', ['rolling', 'canary', 'blue-green'] as const, d.rollout),
  };
}

async function inquirerPrompter(): Promise<Prompter> {
  const { input, number, select } = await import('@inquirer/prompts');
  return {
    input: (message, defaultValue) => input({ message, default: defaultValue }),
    number: async (message, defaultValue) =>
      (await number({ message, default: defaultValue, step: 'any' })) ?? defaultValue,
    select: (message, choices, defaultValue) =>
      select({ message, choices: choices.map((value) => ({ value, name: value })), default: defaultValue }),
  };
}
