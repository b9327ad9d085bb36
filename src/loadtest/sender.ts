import { createParser } from 'eventsource-parser';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  ClientError,
  DEFAULT_RESPONSE_LIMITS,
  FastPool,
  type ResponseLimits,
  type ResponseSink,
} from './fast-client.js';
import { NetworkError } from '../errors.js';
import {
  contentOf,
  estimateTokens,
  usageOf,
  validateResponse,
  type LoadProtocol,
  type PreparedRequest,
} from './protocols.js';
import type { Sample } from './record.js';

/** Sends one request and reports what happened; never throws for a failed request. */
export interface Sender {
  send(request: PreparedRequest, intended: number): Promise<Sample>;
  /**
   * The same as `send`, reporting to a callback: no promise and no microtask per request on the
   * generator's hot path. `done` is called exactly once, possibly before this returns.
   */
  dispatch?(request: PreparedRequest, intended: number, done: (sample: Sample) => void): void;
  close(): Promise<void>;
  /** Requests still waiting on the client for a connection fail as `interrupted` (never sent). */
  cancelQueued?(): number;
  /** Most connections open at once, for the report. */
  peakConnections?(): number;
  /**
   * Opens up to `connections` connections before the schedule starts (waiting at most `withinMs`),
   * so the first requests do not wait for a connect.
   */
  warm?(connections: number, withinMs?: number): Promise<void>;
}

export interface HttpSenderOptions {
  origin: string;
  protocol: LoadProtocol;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Most connections open at once (the pool grows to what the schedule needs, up to this). */
  maxConnections: number;
  now: () => number;
  limits?: Partial<SenderLimits>;
  /** Exact token counts for text (a Hugging Face tokenizer), when the server reports no usage. */
  countTokens?: ((text: string) => number) | undefined;
}

export interface SenderLimits extends ResponseLimits {
  /** Longest Server-Sent Events line, bytes (default 1 MiB). */
  maxSseLineBytes: number;
}

export const DEFAULT_SENDER_LIMITS: SenderLimits = {
  ...DEFAULT_RESPONSE_LIMITS,
  maxSseLineBytes: 1024 * 1024,
};

/**
 * Keep-alive connections with requests pre-encoded once (src/loadtest/fast-client.ts), so the
 * generator measures the server, not itself (bench/loadtest.js compares it with autocannon and wrk).
 */
export function createHttpSender(options: HttpSenderOptions): Sender {
  const limits = { ...DEFAULT_SENDER_LIMITS, ...options.limits };
  const pool = new FastPool(options.origin, {
    maxConnections: options.maxConnections,
    timeoutMs: options.timeoutMs,
    now: options.now,
    limits,
  });
  const context: SendContext = {
    now: options.now,
    protocol: options.protocol,
    maxSseLineBytes: limits.maxSseLineBytes,
    countTokens: options.countTokens,
  };
  const dispatch = (request: PreparedRequest, intended: number, done: (sample: Sample) => void) => {
    const handler = new ResponseHandler(context, request, intended, done);
    try {
      pool.dispatch(request, handler, handler.dispatched);
    } catch (error) {
      handler.onError(error);
    }
  };
  return {
    send: (request, intended) => new Promise<Sample>((resolve) => dispatch(request, intended, resolve)),
    dispatch,
    cancelQueued: () => pool.cancelQueued(new ClientError('interrupted before it was sent', 'INTERRUPTED')),
    peakConnections: () => pool.peakConnections,
    warm: (connections, withinMs) => pool.preconnect(connections, withinMs ?? options.timeoutMs),
    close: () => pool.close(),
  };
}

interface SendContext {
  now: () => number;
  protocol: LoadProtocol;
  maxSseLineBytes: number;
  countTokens: ((text: string) => number) | undefined;
}

/** One request's dispatch handler; a class, so a send allocates one object rather than six closures. */
class ResponseHandler implements ResponseSink {
  readonly dispatched: number;
  private sent: number;
  private queued = false;
  private status = 0;
  private chunks: Buffer[] | undefined;
  private readonly stream: SseReader | undefined;
  private abort: ((err: Error) => void) | undefined;

  constructor(
    private readonly context: SendContext,
    private readonly request: PreparedRequest,
    private readonly intended: number,
    private readonly resolve: (sample: Sample) => void,
  ) {
    this.dispatched = context.now();
    this.sent = this.dispatched;
    this.stream = request.stream
      ? new SseReader(context.now, context.maxSseLineBytes, context.countTokens)
      : undefined;
  }

  onStart(abort: (err: Error) => void, writtenAt: number, queuedMs: number): void {
    this.abort = abort;
    this.sent = writtenAt;
    this.queued = queuedMs > 0;
  }

  onHeaders(statusCode: number): void {
    this.status = statusCode;
  }

  onData(chunk: Buffer): void {
    if (this.status >= 400 || this.context.protocol === 'http' || this.context.protocol === 'torchserve')
      return;
    if (this.stream) {
      try {
        this.stream.feed(chunk);
      } catch (error) {
        this.abort?.(error as Error);
      }
    } else (this.chunks ??= []).push(Buffer.from(chunk)); // the client reuses its read buffer
  }

  private base(end: number): Pick<Sample, 'intended' | 'dispatched' | 'sent' | 'end' | 'queued'> {
    return {
      intended: this.intended,
      dispatched: this.dispatched,
      sent: this.sent,
      end,
      queued: this.queued,
    };
  }

  onComplete(end: number): void {
    if (this.status >= 400)
      this.settle({ ...this.base(end), status: this.status, ok: false, error: `http_${this.status}` });
    else if (this.stream) this.settle({ ...this.base(end), ...this.stream.finish(this.request) });
    // Plain HTTP and TorchServe: any body is an answer, not decoded (the hot path of a load test:
    // one object literal, not spreads).
    else if (this.context.protocol === 'http' || this.context.protocol === 'torchserve')
      this.settle({
        intended: this.intended,
        dispatched: this.dispatched,
        sent: this.sent,
        end,
        queued: this.queued,
        status: this.status,
        ok: true,
      });
    else
      this.settle({
        ...this.base(end),
        status: this.status,
        ...judgeBody(this.context, this.request, this.chunks ?? []),
      });
  }

  onError(error: unknown): void {
    this.settle({ ...this.base(this.context.now()), ok: false, error: errorKind(error) });
  }

  private settle(sample: Sample): void {
    this.resolve(sample);
  }
}

type Outcome = Pick<
  Sample,
  'ok' | 'error' | 'outputTokens' | 'tokenSource' | 'inputTokens' | 'inputTokenSource'
>;

/** Token counts: the server's usage first, then the tokenizer, then an estimate (which the report flags). */
function tokenCounts(
  usage: { output?: number; input?: number } | undefined,
  request: PreparedRequest,
  text: () => string,
  chunks: number,
  countTokens: ((text: string) => number) | undefined,
): Outcome {
  let output: Pick<Sample, 'outputTokens' | 'tokenSource'>;
  if (usage?.output !== undefined) output = { outputTokens: usage.output, tokenSource: 'usage' };
  else if (countTokens) output = { outputTokens: countTokens(text()), tokenSource: 'tokenizer' };
  // Without usage or a tokenizer: at least one token per streamed chunk, more when the chunks
  // carry more text than that (servers that send several tokens a chunk).
  else output = { outputTokens: Math.max(chunks, estimateTokens(text())), tokenSource: 'estimate' };
  const input: Pick<Sample, 'inputTokens' | 'inputTokenSource'> =
    usage?.input !== undefined
      ? { inputTokens: usage.input, inputTokenSource: 'usage' }
      : request.inputTokens !== undefined
        ? { inputTokens: request.inputTokens, inputTokenSource: 'tokenizer' }
        : {};
  return { ok: true, ...output, ...input };
}

function judgeBody(context: SendContext, request: PreparedRequest, chunks: readonly Buffer[]): Outcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ok: false, error: 'parse' };
  }
  if (validateResponse(context.protocol, parsed)) return { ok: false, error: 'parse' };
  if (!request.expectTokens) return { ok: true };
  return tokenCounts(usageOf(parsed), request, () => contentOf(parsed), 0, context.countTokens);
}

/**
 * Reads an OpenAI Server-Sent Events stream as it arrives, timing the first and every later content
 * chunk. A line longer than the limit fails the request (an unterminated line would otherwise grow
 * in memory without bound).
 */
class SseReader {
  private firstToken: number | undefined;
  private readonly chunkTimes: number[] = [];
  private chunks = 0;
  private readonly text: string[] = [];
  private usage: { output?: number; input?: number } | undefined;
  private malformed = false;
  private done = false;
  private lineBytes = 0;
  private readonly decoder = new TextDecoder();
  private readonly parser = createParser({
    onEvent: (event) => {
      if (event.data === '[DONE]') {
        this.done = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        this.malformed = true;
        return;
      }
      const usage = usageOf(chunk);
      if (usage) this.usage = { ...this.usage, ...usage };
      const content = contentOf(chunk);
      if (content !== '') {
        const t = this.now();
        if (this.firstToken === undefined) this.firstToken = t;
        else this.chunkTimes.push(t);
        this.chunks++;
        this.text.push(content);
      }
    },
  });

  constructor(
    private readonly now: () => number,
    private readonly maxLineBytes: number,
    private readonly countTokens: ((text: string) => number) | undefined,
  ) {}

  feed(chunk: Buffer): void {
    const lastBreak = Math.max(chunk.lastIndexOf(10), chunk.lastIndexOf(13));
    this.lineBytes = lastBreak < 0 ? this.lineBytes + chunk.length : chunk.length - lastBreak - 1;
    if (this.lineBytes > this.maxLineBytes)
      throw new ClientError(
        `a Server-Sent Events line exceeds --max-sse-line-bytes (${this.maxLineBytes} bytes)`,
        'SSE_LINE_TOO_LARGE',
      );
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  finish(request: PreparedRequest): Omit<Sample, 'intended' | 'sent' | 'end'> {
    if (this.malformed || (!this.done && this.chunks === 0)) return { ok: false, error: 'parse' };
    return {
      status: 200,
      firstToken: this.firstToken,
      chunkTimes: this.chunkTimes,
      ...tokenCounts(this.usage, request, () => this.text.join(''), this.chunks, this.countTokens),
    };
  }
}

/**
 * Report categories for client-side failures: a limit that was hit is named, not folded into "connection".
 */
const ERROR_KINDS: Record<string, string> = {
  HEADER_TOO_LARGE: 'header_too_large',
  BODY_TOO_LARGE: 'body_too_large',
  SSE_LINE_TOO_LARGE: 'sse_line_too_large',
  CLIENT_QUEUE_TIMEOUT: 'client_queue_timeout',
  INTERRUPTED: 'interrupted',
};

export function errorKind(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const code = e.code ?? e.cause?.code ?? '';
  const named = ERROR_KINDS[code];
  if (named) return named;
  if (code === 'EPROTO' && !/SSL|TLS/i.test(String((error as Error).message))) return 'parse';
  if (/CERT|TLS|SSL|DEPTH_ZERO|SELF_SIGNED/.test(code)) return 'tls';
  if (/ECONNRESET|ECONNREFUSED|EPIPE|UND_ERR_SOCKET|ENOTFOUND|EHOSTUNREACH|UND_ERR_CLOSED/.test(code))
    return 'connection';
  return 'connection';
}

/**
 * Pre-flight: can the origin be reached at all (TCP, and the TLS handshake for https)? Unreachable
 * URLs are exit 2, not a 100 % error rate.
 */
export async function probeOrigin(origin: string, timeoutMs: number): Promise<void> {
  const url = new URL(origin);
  const https = url.protocol === 'https:';
  const options = { host: url.hostname, port: Number(url.port || (https ? 443 : 80)) };
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = https
        ? tlsConnect({ ...options, servername: url.hostname }, done)
        : netConnect(options, done);
      const timer = setTimeout(
        () => fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
      function done() {
        clearTimeout(timer);
        socket.end();
        resolve();
      }
      function fail(error: Error) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      }
      socket.once('error', fail);
    });
  } catch (error) {
    const kind = errorKind(error);
    const code = (error as { code?: string }).code ?? kind;
    throw new NetworkError(
      kind === 'tls' ? `TLS error talking to ${origin} (${code})` : `cannot reach ${origin} (${code})`,
      {
        hint:
          kind === 'tls'
            ? 'check the certificate (NODE_EXTRA_CA_CERTS for a private CA)'
            : 'is the server running, and is the URL right?',
        cause: error,
      },
    );
  }
}
