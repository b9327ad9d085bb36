/**
 * The few errors mlready raises on purpose. Anything that is not an MlreadyError is a bug
 * and is reported as one by the CLI entry.
 */
export type ErrorCode = 'USAGE' | 'CONFIG' | 'INPUT' | 'MANIFEST' | 'CLUSTER' | 'NETWORK';

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Where in a file the problem is, when it is in a file. */
  file?: string;
  line?: number;
  column?: number;
}

export class MlreadyError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
  }

  /** "file:line:col: message", or the message alone when there is no file. */
  get located(): string {
    if (this.file === undefined) return this.message;
    const where = this.line === undefined ? this.file : `${this.file}:${this.line}:${this.column ?? 1}`;
    return `${where}: ${this.message}`;
  }
}

/** Bad flags or arguments. */
export class UsageError extends MlreadyError {
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE', message, options);
  }
}

/** A config file (.mlready.yaml) that cannot be used. */
export class ConfigError extends MlreadyError {
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG', message, options);
  }
}

/** Input that cannot be read or parsed: missing paths, bad YAML, invalid manifests. */
export class InputError extends MlreadyError {
  constructor(message: string, options?: ErrorOptions) {
    super('INPUT', message, options);
  }
}

/** A network peer (Pushgateway, webhook, endpoint) could not be reached or refused. */
export class NetworkError extends MlreadyError {
  constructor(message: string, options?: ErrorOptions) {
    super('NETWORK', message, options);
  }
}

export interface ClusterErrorOptions extends ErrorOptions {
  /** HTTP status from the API server, when it answered. */
  status?: number;
  /** The API's Status reason (Conflict, Forbidden, NotFound, …). */
  reason?: string;
  /** Field-level causes, e.g. the fields of an apply conflict and who owns them. */
  causes?: { field?: string; message?: string }[];
  /** The API server could not be reached at all (no HTTP answer): mlready could not run. */
  unreachable?: boolean;
}

/** The Kubernetes API refused or failed. */
export class ClusterError extends MlreadyError {
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly causes: { field?: string; message?: string }[];
  readonly unreachable: boolean;

  constructor(message: string, options: ClusterErrorOptions = {}) {
    super('CLUSTER', message, options);
    this.status = options.status;
    this.reason = options.reason;
    this.causes = options.causes ?? [];
    this.unreachable = options.unreachable === true;
  }
}

export function isMlreadyError(error: unknown): error is MlreadyError {
  return error instanceof MlreadyError;
}
