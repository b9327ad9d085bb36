/** What the CLI needs from the outside world; main.ts fills it from process, tests from buffers. */
export interface CliIO {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal (colour, spinners). */
  stdoutIsTTY: boolean;
  /** Whether stdin is a terminal (interactive prompts). */
  stdinIsTTY: boolean;
  /** Reads all of standard input, up to `maxBytes`. */
  readStdin: (maxBytes: number) => Promise<string>;
  /** CPU time this process used so far, in microseconds (load-generator saturation). */
  cpuMicros?: () => number;
  /**
   * Called once with the function that prints the process's warnings. Node prints them straight to
   * stderr, around the redaction gate, and a library's warning may quote the input (the yaml
   * package quotes the offending line): main.ts replaces Node's printer with this one.
   */
  onWarning?: (print: (warning: Error) => void) => void;
  /** Called once with a function that stops the running command cleanly (SIGINT). */
  onInterrupt?: (handler: () => void) => void;
  /**
   * Puts V8's own compiler settings back where the CLI's entry changed them (src/cli/compiler-tuning.ts):
   * called by the long-running commands, for which those settings were not measured to help.
   */
  compilerDefaults?: () => void;
  /** Writes a text file (reports, saved records, scaffolded files); runCli routes it through gate.ts. */
  writeFile: (path: string, text: string) => void;
}

export function useColor(io: CliIO): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdoutIsTTY && io.env.TERM !== 'dumb';
}
