import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterError, UsageError } from '../../errors.js';
import { deploy, type DeployEvent } from '../../deploy/deploy.js';
import {
  formatDeployText,
  formatHistoryText,
  formatRollbackText,
  formatStatusText,
} from '../../deploy/format.js';
import { saveDeployRecord } from '../../deploy/record-file.js';
import { loadRelease, type LoadedRelease } from '../../deploy/release.js';
import { rollbackDeployment } from '../../deploy/rollback.js';
import { deploymentHistory, serviceStatus } from '../../deploy/status.js';
import type { WatchClock } from '../../deploy/watch-rollout.js';
import { loadKubeConfig } from '../../k8s/kubeconfig.js';
import { createNodeClusterClient } from '../../k8s/node-client.js';
import type { ClusterClient } from '../../k8s/types.js';
import { DEFAULT_ROLLBACK_BUDGET_SECONDS } from '../../manifest/types.js';
import { parseDurationSeconds } from '../../rules/support/scaling.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  format: 'text' | 'json';
  ci?: boolean;
}

export interface DeployFlags extends ClusterFlags {
  image?: string;
  timeout: string;
  dryRun?: boolean;
  skipCheck?: boolean;
  forceConflicts?: boolean;
  rollback: boolean;
  changeCause?: string;
  prometheusUrl?: string;
  stepDuration?: string;
  preSwitchWindow?: string;
  warmWindow?: string;
  analysisInterval?: string;
  pendingGrace?: string;
  save?: string | boolean;
}

export interface RollbackFlags extends ClusterFlags {
  toRevision?: number;
  deployment?: string;
  timeout: string;
  budget?: string;
  forceConflicts?: boolean;
  pendingGrace?: string;
}

export interface StatusFlags extends ClusterFlags {
  deployment?: string;
}

/** The wall clock; an aborted sleep resolves at once and its timer is gone (nothing keeps the process up). */
const realClock: WatchClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

function durationMs(text: string, flag: string): number {
  const s = parseDurationSeconds(text);
  if (s === undefined || s <= 0)
    throw new UsageError(`${flag} "${text}": expected a duration such as 90s, 10m or 1h`);
  return s * 1000;
}

function connect(io: CliIO, flags: ClusterFlags, debug: boolean): ClusterClient {
  const { config, target } = loadKubeConfig({
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    env: io.env,
    homeDir: io.env.HOME ?? io.env.USERPROFILE ?? '/',
    warn: (message) => io.stderr(`warning: ${message}\n`),
  });
  return createNodeClusterClient(config, target, {
    sleep: (ms) => sleep(ms),
    debug: debug ? (line) => io.stderr(`debug: ${line}\n`) : undefined,
  });
}

/** Live progress: an ora spinner on a terminal, one line per event in CI. */
async function progressReporter(
  io: CliIO,
  flags: ClusterFlags,
): Promise<{ onEvent: (e: DeployEvent) => void; stop: () => void }> {
  const interactive = io.stdoutIsTTY && !flags.ci && flags.format === 'text';
  if (!interactive) {
    return {
      onEvent: (e) => {
        const elapsed = (e.atMs / 1000).toFixed(1).padStart(6);
        const prefix = e.kind === 'warning' ? 'warning: ' : e.kind === 'failure' ? 'failed: ' : '';
        io.stderr(`mlready: [${elapsed} s] ${prefix}${e.message}\n`);
      },
      stop: () => undefined,
    };
  }
  const { default: ora } = await import('ora');
  const stream = Object.assign(
    new Writable({ write: (chunk: Buffer, _enc, done) => (io.stderr(chunk.toString()), done()) }),
    { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
  );
  const spinner = ora({ stream: stream as unknown as NodeJS.WriteStream, isEnabled: true, color: 'cyan' });
  const stamp = (e: DeployEvent) => {
    const dim = useColor(io) ? '\u001b[2m' : '';
    const elapsed = (e.atMs / 1000).toFixed(1);
    const undim = useColor(io) ? '\u001b[22m' : '';
    return `${e.message} ${dim}(${elapsed} s)${undim}`;
  };
  return {
    onEvent: (e) => {
      if (e.kind === 'step' || e.kind === 'progress') {
        if (spinner.isSpinning) spinner.text = e.message;
        else spinner.start(e.message);
      } else if (e.kind === 'warning') spinner.warn(stamp(e));
      else if (e.kind === 'failure') spinner.fail(stamp(e));
      else if (e.kind === 'done') spinner.succeed(stamp(e));
      else spinner.info(stamp(e));
    },
    stop: () => spinner.stop(),
  };
}

function interruptSignal(io: CliIO, what: string): AbortSignal {
  const controller = new AbortController();
  io.onInterrupt?.(() => {
    io.stderr(`\nmlready: interrupted: ${what}\n`);
    controller.abort();
  });
  return controller.signal;
}

export async function deployCommand(
  io: CliIO,
  paths: string[],
  flags: DeployFlags,
  debug: boolean,
): Promise<number> {
  const timeoutMs = durationMs(flags.timeout, '--timeout');
  const canary = {
    stepMs: flags.stepDuration ? durationMs(flags.stepDuration, '--step-duration') : undefined,
    sampleMs: flags.analysisInterval ? durationMs(flags.analysisInterval, '--analysis-interval') : undefined,
  };
  const blueGreen = {
    preSwitchMs: flags.preSwitchWindow ? durationMs(flags.preSwitchWindow, '--pre-switch-window') : undefined,
    warmWindowMs: flags.warmWindow ? durationMs(flags.warmWindow, '--warm-window') : undefined,
  };
  const grace = graceOf(flags);
  const cluster = connect(io, flags, debug);
  const signal = interruptSignal(
    io,
    'stopping after the current API call; the cluster is left as it is and described below',
  );
  const progress = await progressReporter(io, flags);
  try {
    const result = await deploy(
      {
        cwd: io.cwd,
        paths,
        namespace: flags.namespace,
        image: flags.image,
        timeoutMs,
        dryRun: flags.dryRun,
        skipCheck: flags.skipCheck,
        forceConflicts: flags.forceConflicts,
        rollback: flags.rollback,
        changeCause: flags.changeCause,
        prometheusUrl: flags.prometheusUrl,
        canary,
        blueGreen,
        grace,
      },
      { cluster, clock: realClock, signal, onEvent: progress.onEvent },
    );
    progress.stop();
    if (flags.save !== undefined && flags.save !== false) {
      if (result.record) {
        const file = saveDeployRecord(
          io.cwd,
          result.manifestFile,
          result.record,
          typeof flags.save === 'string' ? flags.save : undefined,
          io.writeFile,
        );
        io.stderr(`mlready: saved the deploy record to ${file}\n`);
      } else
        io.stderr(`mlready: --save: no release was recorded (${result.outcome}), so nothing was saved\n`);
    }
    if (flags.skipCheck && result.check.errors > 0)
      io.stderr(
        `mlready: WARNING: --skip-check: deployed with ${result.check.errors} error(s) from mlready check\n`,
      );
    io.stdout(
      flags.format === 'json'
        ? `${JSON.stringify(result, null, 2)}\n`
        : formatDeployText(result, { color: useColor(io) }),
    );
    return result.outcome === 'deployed' || result.outcome === 'dry-run' ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    progress.stop();
  }
}

/** `deployment/NAME`, `deploy/NAME`, `deployments.apps/NAME` (and, for status, an InferenceService). */
const KIND_PREFIX = /^(?:deployments?|deploy|deployments?\.apps|inferenceservices?|isvc)\/(.+)$/i;
const DNS_NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const MANIFEST_NAMES = ['mlready.yaml', 'mlready.yml'];

interface Target {
  name: string;
  namespace: string;
  release: LoadedRelease | undefined;
}

/**
 * What `rollback`, `status` and `history` act on, as kubectl names it: `NAME`, `deployment/NAME`,
 * or the service's files (the first Deployment in them). With no argument, ./mlready.yaml alone
 * is read (its metadata.name and namespace); the working directory is never scanned.
 */
function target(
  io: CliIO,
  args: string[],
  flags: ClusterFlags & { deployment?: string },
  cluster: ClusterClient,
  command: string,
): Target {
  const names: string[] = flags.deployment ? [flags.deployment] : [];
  const paths: string[] = [];
  for (const arg of args) {
    const prefixed = KIND_PREFIX.exec(arg);
    if (prefixed) names.push(prefixed[1]!);
    else if (existsSync(resolve(io.cwd, arg))) paths.push(arg);
    else if (DNS_NAME.test(arg)) names.push(arg);
    else
      throw new UsageError(`"${arg}" is neither a file nor the name of a Deployment`, {
        hint: `mlready ${command} NAME, mlready ${command} deployment/NAME, or mlready ${command} <the service's files>`,
      });
  }
  if (names.length > 1) throw new UsageError(`one Deployment at a time: got ${names.join(', ')}`);
  const manifestOnly =
    names.length === 0 && paths.length === 0
      ? MANIFEST_NAMES.find((f) => existsSync(resolve(io.cwd, f)))
      : undefined;
  const release =
    paths.length > 0
      ? loadRelease(io.cwd, paths)
      : manifestOnly
        ? loadRelease(io.cwd, [manifestOnly])
        : undefined;
  const problem = release?.problems[0];
  if (problem && names.length === 0)
    throw new UsageError(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`);
  const workload = release?.objects.find(
    (o) => o.object.kind === 'Deployment' || o.object.kind === 'InferenceService',
  )?.object;
  const name = names[0] ?? workload?.metadata.name ?? release?.manifest?.metadata.name;
  if (!name)
    throw new UsageError(
      paths.length > 0
        ? 'no Deployment found in the given files'
        : "which Deployment? name it, or pass the service's files",
      {
        hint: `mlready ${command} NAME -n NAMESPACE, mlready ${command} deployment/NAME, or run it where mlready.yaml is`,
      },
    );
  const namespace =
    flags.namespace ??
    release?.manifest?.metadata.namespace ??
    workload?.metadata.namespace ??
    cluster.target.namespace;
  return { name, namespace, release };
}

function graceOf(flags: { pendingGrace?: string }) {
  return flags.pendingGrace
    ? { unschedulable: durationMs(flags.pendingGrace, '--pending-grace') / 1000 }
    : undefined;
}

const contextNote = (cluster: ClusterClient) =>
  cluster.target.context ? `context ${cluster.target.context}` : 'no kubeconfig context';

export async function rollbackCommand(
  io: CliIO,
  paths: string[],
  flags: RollbackFlags,
  debug: boolean,
): Promise<number> {
  const timeoutMs = durationMs(flags.timeout, '--timeout');
  const cluster = connect(io, flags, debug);
  const { name, namespace, release } = target(io, paths, flags, cluster, 'rollback');
  const budgetMs = flags.budget
    ? durationMs(flags.budget, '--budget')
    : (parseDurationSeconds(release?.manifest?.spec.rollout?.rollbackBudget ?? '') ??
        DEFAULT_ROLLBACK_BUDGET_SECONDS) * 1000;
  const signal = interruptSignal(
    io,
    'stopped waiting; the rollback goes on in the cluster (mlready status shows it)',
  );
  const progress = await progressReporter(io, flags);
  const started = Date.now();
  try {
    const current = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
    if (!current)
      throw new ClusterError(
        `Deployment ${name} does not exist in namespace ${namespace} (${contextNote(cluster)})`,
      );
    // What the undone release added comes from its release record in the cluster, not from files.
    const result = await rollbackDeployment({
      cluster,
      namespace,
      name,
      toRevision: flags.toRevision,
      clock: realClock,
      timeoutMs,
      signal,
      force: flags.forceConflicts === true,
      grace: graceOf(flags),
      onEvent: (message) => progress.onEvent({ kind: 'info', message, atMs: Date.now() - started }),
      onChange: (v, at) => progress.onEvent({ kind: 'progress', message: v.message, atMs: at }),
    });
    progress.stop();
    const withBudget = { ...result, budgetMs, name, withinBudget: result.elapsedMs <= budgetMs };
    io.stdout(
      flags.format === 'json'
        ? `${JSON.stringify(withBudget, null, 2)}\n`
        : formatRollbackText(withBudget, { color: useColor(io) }),
    );
    if (result.outcome === 'noop') return ExitCode.Ok;
    return result.outcome === 'rolled-back' && withBudget.withinBudget ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    progress.stop();
  }
}

export async function statusCommand(
  io: CliIO,
  paths: string[],
  flags: StatusFlags,
  debug: boolean,
): Promise<number> {
  const cluster = connect(io, flags, debug);
  const { name, namespace } = target(io, paths, flags, cluster, 'status');
  const result = await serviceStatus(cluster, namespace, name);
  if (result.versions.length === 0)
    throw new ClusterError(
      `nothing named ${name} is deployed in namespace ${namespace} (${contextNote(cluster)})`,
    );
  io.stdout(
    flags.format === 'json'
      ? `${JSON.stringify(result, null, 2)}\n`
      : formatStatusText(result, { color: useColor(io) }),
  );
  return ExitCode.Ok;
}

export async function historyCommand(
  io: CliIO,
  paths: string[],
  flags: StatusFlags,
  debug: boolean,
): Promise<number> {
  const cluster = connect(io, flags, debug);
  const { name, namespace } = target(io, paths, flags, cluster, 'history');
  const entries = await deploymentHistory(cluster, namespace, name);
  if (!entries)
    throw new ClusterError(
      `Deployment ${name} does not exist in namespace ${namespace} (${contextNote(cluster)})`,
    );
  io.stdout(
    flags.format === 'json'
      ? `${JSON.stringify({ name, namespace, revisions: entries }, null, 2)}\n`
      : formatHistoryText(name, entries),
  );
  return ExitCode.Ok;
}
