/**
 * mlready's exit codes, one meaning each (after k6's errext/exitcodes):
 * a script in CI can tell "the model service is not ready" from "mlready could not run".
 */
export const ExitCode = {
  /** Clean: no findings at or above the fail level, SLO met, rollout succeeded. */
  Ok: 0,
  /** Findings at or above the fail level, an SLO breach, critical drift or a failed rollout. */
  Failed: 1,
  /** Could not run: bad flags, unreadable or invalid input, unreachable endpoint. */
  CouldNotRun: 2,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it); a load test still prints its partial report. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
