import type { CheckResult } from '../check/result.js';

export interface FormatOptions {
  /** ANSI colour, decided by the CLI from the TTY and NO_COLOR. */
  color: boolean;
  /** mlready's version, for machine formats. */
  version: string;
}

/** Turns a check result into text. Pure: no I/O, same input → same output. */
export type Formatter = (result: CheckResult, options: FormatOptions) => string;
