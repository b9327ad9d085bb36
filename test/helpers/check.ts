import { runCheck } from '../../src/check/run-check.js';
import type { CheckResult } from '../../src/check/result.js';
import type { Config } from '../../src/check/config.js';

/** Checks YAML text as if it were a file named `file`. */
export function checkText(
  text: string,
  options: { file?: string; only?: string[]; config?: Config } = {},
): CheckResult {
  return runCheck({
    cwd: '/',
    texts: [{ file: options.file ?? 'test.yaml', text }],
    only: options.only,
    config: options.config,
  });
}

/** Checks several named files together (one model service spread over files). */
export function checkFiles(
  files: Record<string, string>,
  options: { only?: string[]; config?: Config } = {},
): CheckResult {
  return runCheck({
    cwd: '/',
    texts: Object.entries(files).map(([file, text]) => ({ file, text })),
    only: options.only,
    config: options.config,
  });
}
