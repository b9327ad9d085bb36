import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMlreadyError, UsageError } from '../../errors.js';
import type { DriftReport } from '../../drift/compare.js';
import { formatDriftJson, formatDriftPrometheus, formatDriftText } from '../../drift/format.js';
import { formatDriftHtml } from '../../drift/html.js';
import { callRetrainingWebhook, endpointOf, pushMetrics } from '../../drift/notify.js';
import type { DriftMethod } from '../../drift/policy.js';
import { createProfile, mergeProfileFiles, runDrift } from '../../drift/run-drift.js';
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
  minRows?: number;
  significance?: number;
  missingWarn?: number;
  missingCritical?: number;
  bins?: number;
  maxCategories?: number;
  memoryLimit?: string;
  format: 'text' | 'json' | 'html' | 'prometheus';
  outputFile?: string;
  push?: string;
  onCritical?: string;
  webhookTokenFile?: string;
}

/**
 * Exit code: 1 when the verdict is critical, whatever the notifications did (a failed push or webhook
 * is reported as an error but never hides the verdict); otherwise 2 when a notification failed, else 0.
 */
export async function driftCommand(io: CliIO, flags: DriftFlags): Promise<number> {
  // Reads and bins whole datasets: V8's own compiler settings (src/cli/compiler-tuning.ts).
  io.compilerDefaults?.();
  if (!flags.reference || !flags.current)
    throw new UsageError('mlready drift needs --reference <data|profile.json> and --current <data>');
  const manifest = manifestOf(io, flags.manifest);
  // Check the endpoints before measuring anything: a typo should not cost a run.
  const gateway = flags.push ? endpointOf(flags.push, '--push') : undefined;
  const webhook = flags.onCritical
    ? endpointOf(resolveSecretUrl(io, flags.onCritical), '--on-critical')
    : undefined;
  const token = webhook ? tokenOf(io, flags.webhookTokenFile) : undefined;
  if (token && webhook?.authorization)
    throw new UsageError('the webhook URL carries user:password and a bearer token is set: use one of them');
  const report = await runDrift({
    cwd: io.cwd,
    reference: flags.reference,
    current: flags.current,
    manifest,
    features: listOf(flags.features),
    prediction: flags.prediction,
    bins: flags.bins,
    maxCategories: flags.maxCategories,
    memoryLimit: flags.memoryLimit,
    method: flags.method,
    warn: flags.warn,
    critical: flags.critical,
    datasetShare: flags.datasetShare,
    minRows: flags.minRows,
    significance: flags.significance,
    missingWarn: flags.missingWarn,
    missingCritical: flags.missingCritical,
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
  if (flags.format !== 'text' || flags.outputFile) warnInsufficient(io, report);
  let notificationFailed = false;
  const notify = async (what: () => Promise<string>) => {
    try {
      io.stderr(`mlready: ${await what()}\n`);
    } catch (error) {
      if (!isMlreadyError(error) || error.code !== 'NETWORK') throw error;
      notificationFailed = true;
      io.stderr(`error: ${error.message}\n`);
    }
  };
  if (gateway)
    await notify(async () => {
      const status = await pushMetrics(gateway, service, formatDriftPrometheus(report, service));
      return `pushed drift metrics for ${service} to the Pushgateway at ${gateway.shown} (HTTP ${status})`;
    });
  if (webhook && report.status === 'critical')
    await notify(async () => {
      const status = await callRetrainingWebhook(webhook, token, report);
      return `critical drift: triggered the retraining webhook at ${webhook.shown} (HTTP ${status})`;
    });
  if (report.status === 'critical') {
    if (notificationFailed)
      io.stderr('mlready: exit 1 for the critical verdict; the notification above failed\n');
    return ExitCode.Failed;
  }
  return notificationFailed ? ExitCode.CouldNotRun : ExitCode.Ok;
}

/** With machine-readable output on stdout, the insufficient-data warning goes to stderr. */
function warnInsufficient(io: CliIO, report: DriftReport): void {
  const features = report.features.filter((f) => f.distribution.status === 'insufficient');
  if (features.length === 0) return;
  const needed = Math.max(...features.map((f) => f.distribution.rowsNeeded));
  io.stderr(
    `warning: insufficient data: ${features.map((f) => f.feature).join(', ')} not judged; a verdict needs at least ${needed} rows with a value\n`,
  );
}

export interface ProfileFlags {
  output?: string;
  manifest?: string;
  features?: string;
  prediction?: string;
  bins?: number;
  maxCategories?: number;
  memoryLimit?: string;
}

export async function driftProfileCommand(io: CliIO, data: string[], flags: ProfileFlags): Promise<number> {
  io.compilerDefaults?.();
  if (!flags.output) throw new UsageError('mlready drift profile needs -o <profile.json>');
  const manifest = manifestOf(io, flags.manifest);
  const profile = await createProfile({
    cwd: io.cwd,
    data,
    manifest,
    features: listOf(flags.features),
    prediction: flags.prediction,
    bins: flags.bins,
    maxCategories: flags.maxCategories,
    memoryLimit: flags.memoryLimit,
  });
  writeOutput(io, flags.output, `${JSON.stringify(profile)}\n`);
  io.stdout(`wrote ${flags.output}: ${describe(profile)}\n`);
  return ExitCode.Ok;
}

export function driftMergeCommand(io: CliIO, profiles: string[], flags: { output?: string }): number {
  if (!flags.output) throw new UsageError('mlready drift merge needs -o <profile.json>');
  const merged = mergeProfileFiles(io.cwd, profiles);
  writeOutput(io, flags.output, `${JSON.stringify(merged)}\n`);
  const error = Math.max(
    0,
    ...Object.values(merged.features).map((f) => (f.type === 'numeric' ? f.rankError : 0)),
  );
  io.stdout(
    `wrote ${flags.output}: ${describe(merged)}, merged from ${profiles.length} profiles; ECDF within ±${(error * 100).toPrecision(2)}% of one pass\n`,
  );
  return ExitCode.Ok;
}

function describe(profile: Awaited<ReturnType<typeof createProfile>>): string {
  const kinds = Object.values(profile.features);
  const numeric = kinds.filter((f) => f.type === 'numeric').length;
  const { rows, sha256 } = profile.source;
  return `${kinds.length} features (${numeric} numeric), ${rows} rows, sha256 ${sha256.slice(0, 12)}…`;
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
