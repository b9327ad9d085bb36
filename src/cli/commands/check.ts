import { resolve } from 'node:path';
import { defaultConfig, findConfig, loadConfig, type Config } from '../../check/config.js';
import { exitCodeOf } from '../../check/result.js';
import { runCheck } from '../../check/run-check.js';
import { UsageError } from '../../errors.js';
import { FORMATTERS } from '../../formatters/index.js';
import { RULES } from '../../rules/index.js';
import { VERSION } from '../../version.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type CliIO } from '../io.js';
import { unknownRule } from './rules.js';

interface CheckFlags {
  format?: string;
  outputFile?: string;
  failOn?: 'error' | 'warning';
  maxWarnings?: number;
  config?: string | false;
  staged?: boolean;
  rule?: string[];
}

export async function checkCommand(io: CliIO, paths: string[], flags: CheckFlags): Promise<number> {
  const config = resolveConfig(io.cwd, flags.config);
  for (const id of flags.rule ?? []) {
    if (!RULES.has(id)) throw unknownRule(id);
  }
  // The default path is "."; anything else given with --staged would be silently ignored.
  if (flags.staged && (paths.length !== 1 || paths[0] !== '.'))
    throw new UsageError(`--staged checks the staged files and takes no paths (got ${paths.join(' ')})`, {
      hint: 'run mlready check --staged alone, or mlready check <paths> without --staged',
    });
  const usesStdin = paths.includes('-');
  const stdin = usesStdin ? await io.readStdin(config.maxFileBytes + 1) : undefined;
  // git (through execa) loads only for --staged.
  const texts = flags.staged
    ? await (await import('../../check/staged.js')).readStagedInputs(io.cwd)
    : undefined;
  if (texts && texts.length === 0) {
    io.stderr('mlready: no staged YAML files to check\n');
    return ExitCode.Ok;
  }
  const result = runCheck({ cwd: io.cwd, paths, stdin, texts, config, only: flags.rule, env: io.env });
  const format = FORMATTERS.get(flags.format ?? 'text')!;
  const output = format(result, { color: !flags.outputFile && useColor(io), version: VERSION });
  if (flags.outputFile) {
    const target = resolve(io.cwd, flags.outputFile);
    try {
      io.writeFile(target, output);
    } catch (error) {
      throw new UsageError(
        `cannot write ${flags.outputFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        { cause: error },
      );
    }
    io.stderr(`mlready: wrote ${flags.format ?? 'text'} report to ${flags.outputFile}\n`);
  } else {
    io.stdout(output);
  }
  return exitCodeOf(result, {
    failOn: flags.failOn ?? config.failOn ?? 'error',
    maxWarnings: flags.maxWarnings ?? config.maxWarnings,
  });
}

function resolveConfig(cwd: string, flag: string | false | undefined): Config {
  if (flag === false) return defaultConfig(cwd);
  if (typeof flag === 'string') return loadConfig(resolve(cwd, flag), cwd);
  const found = findConfig(cwd);
  return found ? loadConfig(found, cwd) : defaultConfig(cwd);
}
