/** Retries transient API failures with capped exponential backoff and full jitter. */

export interface RetryOptions {
  retries: number;
  baseMs: number;
  maxMs: number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry (for --debug). */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'sleep'> = { retries: 5, baseMs: 200, maxMs: 5000 };

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ECONNABORTED',
]);

/**
 * A server-side apply the API server can never take answers 500, not 400: a field its schema does not
 * declare ("failed to create typed patch object … field not declared in schema", v1.32). Retrying
 * only delays the error.
 */
const NEVER_TAKEN = /failed to create typed patch object|field not declared in schema/;

function bodyText(error: unknown): string {
  const body = (error as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return '';
  }
}

/** Why an error is worth retrying, or undefined when it is not. */
export function transientReason(error: unknown): string | undefined {
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 500 && NEVER_TAKEN.test(bodyText(error))) return undefined;
    if (status === 429 || status === 502 || status === 503 || status === 504 || status === 500)
      return `HTTP ${status}`;
    return undefined;
  }
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return code;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /socket hang up|ECONNRESET|ECONNREFUSED|premature close|network timeout/i.test(message)
    )
      return 'connection reset';
  }
  return undefined;
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const reason = transientReason(error);
      if (reason === undefined || attempt > options.retries) throw error;
      const delay = Math.round(random() * Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1)));
      options.onRetry?.(attempt, reason, delay);
      await options.sleep(delay);
    }
  }
}
