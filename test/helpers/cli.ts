import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/mlready.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (fast; no build needed). */
export async function cli(
  argv: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string>; interruptAfterMs?: number } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    argv,
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? REPO_ROOT,
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    writeFile: (path, text) => writeFileSync(path, text),
    stdoutIsTTY: false,
    stdinIsTTY: false,
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    onInterrupt: (handler) => {
      if (options.interruptAfterMs !== undefined) setTimeout(handler, options.interruptAfterMs);
    },
  });
  return { code, stdout, stderr };
}

/** Runs the built bin/mlready.js as a user would (needs `npm run build`, which `npm test` does first). */
export async function bin(
  argv: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const result = await execa('node', [BIN, ...argv], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { NO_COLOR: '1', ...options.env },
    input: options.input,
    reject: false,
    timeout: 60_000,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}
