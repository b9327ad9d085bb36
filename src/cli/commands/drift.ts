import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { DriftMethod } from '../../drift/compare.js';
import {
  formatDriftHtml,
  formatDriftJson,
  formatDriftPrometheus,
  formatDriftText,
} from '../../drift/format.js';
import { callRetrainingWebhook, pushMetrics } from '../../drift/notify.js';
import { createProfile, runDrift } from '../../drift/run-drift.js';
import { loadManifest } from '../../manifest/load.js';
import type { ModelManifest } from '../../manifest/types.js';
import { VERSION } from '../../version.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';

export interface DriftFlags {
  reference?: string;
  current?: string;
  manifest?: string;
  model?: string;
  features?: string;
  prediction?: string;
  method?: DriftMethod;
  warn?: number;
  critical?: number;
  datasetShare?: number;
  bins?: number;
  format: 'text' | 'json' | 'html' | 'prometheus';
  outputFile?: string;
  push?: string;
  onCritical?: string;
  webhookTokenFile?: string;
}

export async function driftCommand(io: CliIO, flags: DriftFlags): Promise<number> {
  if (!flags.reference || !flags.current)
    throw new UsageError('mlready drift needs --reference <data|profile.json> and --current <data>');
  const manifest = manifestOf(io, flags.manifest);
  const webhook = flags.onCritical ? resolveSecretUrl(io, flags.onCritical) : undefined;
  const report = await runDrift({
    cwd: io.cwd,
    reference: flags.reference,
    current: flags.current,
    manifest,
    features: listOf(flags.features),
    prediction: flags.prediction,
    bins: flags.bins,
    method: flags.method,
    warn: flags.warn,
    critical: flags.critical,
    datasetShare: flags.datasetShare,
  });
  const service = manifest?.metadata.name ?? flags.model ?? 'model';
  const output =
    flags.format === 'json'
      ? formatDriftJson(report, VERSION)
      : flags.format === 'html'
        ? formatDriftHtml(report)
        : flags.format === 'prometheus'
          ? formatDriftPrometheus(report, service)
          : formatDriftText(report, { color: !flags.outputFile && useColor(io) });
  if (flags.outputFile) {
    writeOutput(io, flags.outputFile, output);
    io.stderr(`mlready: wrote ${flags.format} drift report to ${flags.outputFile}\n`);
  } else io.stdout(output);
  if (flags.push) {
    const status = await pushMetrics(flags.push, service, formatDriftPrometheus(report, service));
    io.stderr(`mlready: pushed drift metrics for ${service} to the Pushgateway (HTTP ${status})\n`);
  }
  if (webhook && report.status === 'critical') {
    const token = tokenOf(io, flags.webhookTokenFile);
    const status = await callRetrainingWebhook(webhook, token, report);
    io.stderr(`mlready: critical drift: triggered the retraining webhook (HTTP ${status})\n`);
  }
  return report.status === 'critical' ? ExitCode.Failed : ExitCode.Ok;
}

export interface ProfileFlags {
  output?: string;
  manifest?: string;
  features?: string;
  prediction?: string;
  bins?: number;
}

export async function driftProfileCommand(io: CliIO, data: string, flags: ProfileFlags): Promise<number> {
  if (!flags.output) throw new UsageError('mlready drift profile needs -o <profile.json>');
  const manifest = manifestOf(io, flags.manifest);
  const profile = await createProfile({
    cwd: io.cwd,
    data,
    manifest,
    features: listOf(flags.features),
    prediction: flags.prediction,
    bins: flags.bins,
  });
  writeOutput(io, flags.output, `${JSON.stringify(profile, null, 2)}\n`);
  const kinds = Object.values(profile.features);
  const numeric = kinds.filter((f) => f.type === 'numeric').length;
  const { rows, sha256 } = profile.source;
  const digest = sha256.slice(0, 12);
  io.stdout(
    `wrote ${flags.output}: ${kinds.length} features (${numeric} numeric), ${rows} rows, sha256 ${digest}…\n`,
  );
  return ExitCode.Ok;
}

function manifestOf(io: CliIO, flag: string | undefined): ModelManifest | undefined {
  if (flag) return loadManifest(flag, io.cwd).manifest;
  return existsSync(resolve(io.cwd, 'mlready.yaml'))
    ? loadManifest('mlready.yaml', io.cwd).manifest
    : undefined;
}

function listOf(value: string | undefined): string[] | undefined {
  const list = value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

/** "env:NAME" reads the URL from the environment, so it never appears in a command line or a log. */
function resolveSecretUrl(io: CliIO, value: string): string {
  if (!value.startsWith('env:')) return value;
  const name = value.slice(4);
  const url = io.env[name];
  if (!url) throw new UsageError(`--on-critical env:${name}: the environment variable ${name} is not set`);
  return url;
}

function tokenOf(io: CliIO, file: string | undefined): string | undefined {
  if (file) {
    try {
      return readFileSync(resolve(io.cwd, file), 'utf8').trim();
    } catch (error) {
      throw new UsageError(
        `cannot read the webhook token file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
  return io.env.MLREADY_WEBHOOK_TOKEN || undefined;
}

function writeOutput(io: CliIO, file: string, text: string): void {
  try {
    io.writeFile(resolve(io.cwd, file), text);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
}
