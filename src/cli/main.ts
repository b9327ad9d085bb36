import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { compilerFlags, V8_DEFAULTS } from './compiler-tuning.js';
import { runCli } from './program.js';

/** The only module that touches process: it wires the real world into runCli. */
async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    chunks.push(buffer);
    // Keep one byte over the limit so the caller can tell "too big" and refuse it; stop reading there.
    if (size > maxBytes) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs the CLI with this process's arguments and streams, and sets its exit code. Called by
 * src/cli/start.ts, the bundle's entry (an export, not top-level code: the bundle that holds this
 * module is CommonJS, which has no top-level await).
 */
export async function main(): Promise<void> {
  const interruptHandlers: (() => void)[] = [];
  process.once('SIGINT', () => {
    if (interruptHandlers.length === 0) process.exit(130);
    for (const handler of interruptHandlers) handler();
  });

  // Node's own warning printer writes around the redaction gate (see CliIO.onWarning).
  process.removeAllListeners('warning');

  process.exitCode = await runCli({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    writeFile: (path, text) => writeFileSync(path, text),
    compilerDefaults: () => {
      // The same inputs as src/cli/start.ts: set back only what it set.
      const context = {
        v8Version: process.versions.v8,
        execArgv: process.execArgv,
        env: process.env,
        cpus: availableParallelism(),
      };
      if (compilerFlags(context).flags.length > 0) for (const flag of V8_DEFAULTS) setFlagsFromString(flag);
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    // A getter: process.stdin builds its stream (and loads fs streams, fs/promises and readline,
    // ~1–2 ms) on first use, and only init's prompts ask.
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    readStdin,
    onInterrupt: (handler) => interruptHandlers.push(handler),
    onWarning: (print) => process.on('warning', print),
    cpuMicros: () => {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },
  });
}
