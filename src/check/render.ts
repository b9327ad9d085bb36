import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { redactText } from '../redact.js';

const require = createRequire(import.meta.url);

/** Output of `helm template` or `kustomize build`, split into the texts mlready checks. */
export interface Rendered {
  texts: { file: string; text: string }[];
  /** Set when nothing could be rendered: the tool is missing or failed. */
  problem?: { message: string; hint?: string };
}

export interface RenderOptions {
  /** Directory the tool runs in (the check's cwd). */
  cwd: string;
  /** Environment for the tool (PATH finds it); the process environment when undefined. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Bytes of output accepted; more is refused (the total input limit). */
  maxBytes: number;
  /** How long the tool may run. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

interface ToolRun {
  stdout: string;
  missing: boolean;
  failure?: string;
}

/**
 * Runs a tool with exec-form arguments (never a shell), bounded in time and output. Node's
 * spawnSync, not execa: execa's ~260 modules cost every `check` start-up tens of milliseconds,
 * charts or not (issue 18), and spawnSync has the few options this needs.
 */
function runTool(command: string, args: readonly string[], options: RenderOptions): ToolRun {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Required here: node:child_process (with net and dgram) loads when a chart or kustomization is
  // rendered, not at every check's start (~3.6 ms of it, issue 18).
  const { spawnSync } = require('node:child_process') as typeof ChildProcess;
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    // undefined inherits the process environment.
    env: options.env,
    timeout: timeoutMs,
    maxBuffer: options.maxBytes,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const error: Error | undefined = result.error;
  const code = error && 'code' in error ? String(error.code) : undefined;
  if (code === 'ENOENT') return { stdout: '', missing: true };
  if (error || result.status !== 0) {
    const why =
      code === 'ETIMEDOUT'
        ? `timed out after ${timeoutMs / 1000} s`
        : code === 'ENOBUFS'
          ? `its output is over the ${Math.round(options.maxBytes / (1024 * 1024))} MB left of the total input limit (maxTotalSizeMb)`
          : `exit code ${result.status ?? '?'}: ${firstLines(String(result.stderr ?? error?.message ?? ''))}`;
    return { stdout: '', missing: false, failure: redactText(why) };
  }
  return { stdout: result.stdout, missing: false };
}

/**
 * `helm template <chart>`: each template's output becomes its own text, named after the template
 * helm's `# Source:` comment gives, with " (helm template)" so nobody mistakes its line numbers
 * for the template's. Lines count as in `helm template <chart> --show-only <template>`.
 */
export function renderHelmChart(chartDir: string, shown: string, options: RenderOptions): Rendered {
  const run = runTool('helm', ['template', chartDir], options);
  if (run.missing)
    return {
      texts: [],
      problem: {
        message: `${shown} is a Helm chart (Chart.yaml); mlready renders charts with helm, which is not on PATH`,
        hint: `install helm, or render it yourself: helm template my-release ${shown} | mlready check -`,
      },
    };
  if (run.failure !== undefined)
    return { texts: [], problem: { message: `helm template ${shown} failed: ${run.failure}` } };
  return { texts: splitBySource(run.stdout, shown) };
}

/** `kustomize build <dir>`, or `kubectl kustomize <dir>` where only kubectl is installed. */
export function renderKustomization(dir: string, shown: string, options: RenderOptions): Rendered {
  const file = `${shown} (kustomize build)`;
  let run = runTool('kustomize', ['build', dir], options);
  if (run.missing) run = runTool('kubectl', ['kustomize', dir], options);
  if (run.missing)
    return {
      texts: [],
      problem: {
        message: `${shown} is a kustomization (kustomization.yaml); mlready renders it with kustomize or kubectl, and neither is on PATH`,
        hint: `install kubectl or kustomize, or render it yourself: kubectl kustomize ${shown} | mlready check -`,
      },
    };
  if (run.failure !== undefined)
    return { texts: [], problem: { message: `kustomize build ${shown} failed: ${run.failure}` } };
  return { texts: run.stdout.trim() === '' ? [] : [{ file, text: run.stdout }] };
}

const SOURCE_COMMENT = /^# Source: (.+)$/m;

function splitBySource(output: string, chartShown: string): { file: string; text: string }[] {
  const groups = new Map<string, string[]>();
  // helm separates every template's documents with a line "---" followed by "# Source: <chart>/<path>".
  for (const chunk of output.split(/^(?=---[ \t]*$)/m)) {
    if (chunk.trim() === '' || chunk.trim() === '---') continue;
    const source = SOURCE_COMMENT.exec(chunk)?.[1]?.trim();
    // "<chart name>/templates/x.yaml": the chart's own name, not its directory's, comes first.
    const relative = source ? source.split('/').slice(1).join('/') : '(no # Source: comment)';
    const file = `${chartShown.replace(/\/$/, '')}/${relative} (helm template)`;
    const list = groups.get(file);
    if (list) list.push(chunk);
    else groups.set(file, [chunk]);
  }
  return [...groups].map(([file, chunks]) => ({ file, text: chunks.join('') }));
}

function firstLines(text: string): string {
  const lines = text.trim().split('\n').slice(0, 3);
  return lines.join(' / ') || '(no message)';
}
