/**
 * V8 settings the CLI runs with (issue 18, docs/check-speed.md "Ninth round").
 *
 * A `check` of a large tree is short for a JIT: its functions become hot during the run and
 * TurboFan compiles them while the run goes on, on a helper thread. With V8's defaults those
 * compiles are large: on the bench's 10 000 resources (bench/check.js) they took ~1.5 s of compiler
 * CPU in a first check and ~0.9 s in a second one in the same process, next to ~0.75 s and ~0.5 s
 * of the checks themselves. On a CI runner with one core that time is paid on the check's core.
 * - an inlining budget of 100 bytes of bytecode per optimized function (default 920; small helpers
 *   are still inlined) halves the compiler's CPU: on one core, a first check took ~0.75× and a
 *   second ~0.8× the time, and a fully warm one took no longer than before; unconfined, the same or
 *   better;
 * - twice V8's interrupt budget (a function is optimized after twice as much of its bytecode ran)
 *   leaves code that is only warm to the baseline compiler: on one core another ~0.9× of the second
 *   check, on both the generated input and upstream manifests; unconfined, no change.
 * - where the process may run on one CPU only (taskset, a cpuset, MLREADY_V8_TUNING=one-cpu), eight
 *   times the interrupt budget: every optimized compile there is paid on the check's own core, and
 *   compiling later pays. A first check of the bench's tree 0.89×, of upstream manifests ×40 0.86×
 *   (their second check 0.81×); with two CPUs the same budget costs (first check 1.11×, second 1.25×),
 *   so it is not the default.
 * Measured on V8 11.3 (Node 20), docs/check-speed.md "Ninth round" and "Eleventh round".
 *
 * The settings are applied by the CLI's entry before any bundle is compiled (src/cli/start.ts), so
 * the V8 code cache that the build writes (src/cli/code-cache.ts keys it on V8's flag hash) was
 * written under the same settings and stays valid.
 *
 * Only on the V8 line they were measured on: V8 prints "unrecognized flag" for a flag it does not
 * know, and another line's compiler would need its own measurement. A user's own flags for the same
 * things win (on the node command line; Node 20 does not take them in NODE_OPTIONS, a later Node
 * might), MLREADY_V8_TUNING=0 turns the settings off, and MLREADY_V8_TUNING=one-cpu picks the one-CPU
 * settings where Node cannot see the limit (a CPU quota, which os.availableParallelism() does not read
 * on Node 20); MLREADY_V8_TUNING=multi-cpu picks the others whatever the CPUs (the build trains a code
 * cache for each set, on whatever machine it runs).
 */

/** The settings, as V8 command-line flags. */
export const COMPILER_FLAGS: readonly string[] = [
  '--max-inlined-bytecode-size-cumulative=100',
  // V8 11.3's default is 67 584.
  '--interrupt-budget=135168',
];

/**
 * The settings on one CPU: the same inlining budget, eight times V8's interrupt budget (swept at ×2,
 * ×4, ×6, ×8, ×12 and ×16 on two inputs: ×8 had the fastest first check on both, and no slower a
 * second one).
 */
export const ONE_CPU_COMPILER_FLAGS: readonly string[] = [
  '--max-inlined-bytecode-size-cumulative=100',
  '--interrupt-budget=540672',
];

/**
 * V8 11.3's own values of the same settings, put back by the long-running commands (loadtest,
 * drift): the settings were measured to help a check, and a load generator's hot loop runs long
 * enough for V8's defaults (loadtest's CPU per request, five interleaved pairs: median 16.1 µs with
 * the settings against 15.4 µs without). Set at start all the same, and reset when the command
 * starts: the code cache of the CLI's bundle is keyed on the settings (see above).
 */
export const V8_DEFAULTS: readonly string[] = [
  '--max-inlined-bytecode-size-cumulative=920',
  '--interrupt-budget=67584',
];

/** V8 versions (process.versions.v8) the settings were measured on: Node 20's. */
const MEASURED_V8 = /^11\.3\./;

/** Flags that set the same things: if the user passes one, theirs win. */
const USER_FLAG = /--(?:no-)?(?:turbo-inlining|max-inlined-bytecode-size|interrupt-budget)/;

export interface CompilerContext {
  /** process.versions.v8 */
  v8Version: string;
  /** process.execArgv */
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** os.availableParallelism(): the CPUs this process may run on (its affinity mask on Linux). */
  cpus: number;
}

/** The flags to set in this process, and why; empty when they do not apply. */
export function compilerFlags(context: CompilerContext): { flags: readonly string[]; reason: string } {
  const setting = context.env.MLREADY_V8_TUNING;
  if (setting === '0') return { flags: [], reason: 'MLREADY_V8_TUNING=0' };
  if (!MEASURED_V8.test(context.v8Version))
    return { flags: [], reason: `V8 ${context.v8Version} is not the measured 11.3` };
  const own = [...context.execArgv, context.env.NODE_OPTIONS ?? ''];
  if (own.some((arg) => USER_FLAG.test(arg)))
    return { flags: [], reason: 'the node command line sets the compiler itself' };
  if (setting === 'one-cpu')
    return { flags: ONE_CPU_COMPILER_FLAGS, reason: 'V8 11.3, MLREADY_V8_TUNING=one-cpu' };
  if (setting === 'multi-cpu')
    return { flags: COMPILER_FLAGS, reason: 'V8 11.3, MLREADY_V8_TUNING=multi-cpu' };
  if (context.cpus <= 1) return { flags: ONE_CPU_COMPILER_FLAGS, reason: 'V8 11.3, one CPU' };
  return { flags: COMPILER_FLAGS, reason: 'V8 11.3' };
}
