import { redactText } from '../redact.js';
import type { CliIO } from './io.js';

/**
 * The one place where text leaves mlready: standard output, standard error (errors, hints,
 * `--debug`, progress, commander's own messages) and every file a command writes (reports,
 * --output-file, saved load tests, drift profiles, the manifest, scaffolded files). runCli wraps its
 * io here first, so no command can print or save around redactText; ESLint keeps node:fs writes out
 * of every module but main.ts.
 */
export function gateOutput(io: CliIO): CliIO {
  // Object.create, not a spread: a spread would read every field now, and main.ts's stdinIsTTY is
  // a getter that builds process.stdin's stream (issue 18).
  return Object.assign(Object.create(io) as CliIO, {
    stdout: (text: string) => io.stdout(redactText(text)),
    stderr: (text: string) => io.stderr(redactText(text)),
    writeFile: (path: string, text: string) => io.writeFile(path, redactText(text)),
  });
}
