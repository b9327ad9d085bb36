import { createParser } from 'eventsource-parser';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { FastPool } from './fast-client.js';
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
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  origin: string;
  protocol: LoadProtocol;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  connections: number;
  now: () => number;
  signal?: AbortSignal | undefined;
}

/**
 * Keep-alive connections with requests pre-encoded once (src/loadtest/fast-client.ts), so the
 * generator measures the server, not itself (bench/loadtest.js compares it with autocannon and wrk).
 */
export function createHttpSender(options: HttpSenderOptions): Sender {
  const pool = new FastPool(options.origin, {
    connections: options.connections,
    timeoutMs: options.timeoutMs,
    now: options.now,
  });
  const context: SendContext = { now: options.now, protocol: options.protocol, signal: options.signal };
  // Interrupts (Ctrl-C) end in-flight requests at once instead of after their timeout.
  options.signal?.addEventListener('abort', () => pool.abortAll(new Error('interrupted')), { once: true });
  return {
    send(request, intended) {
      return new Promise<Sample>((resolve) => {
        const handler = new ResponseHandler(context, request, intended, resolve);
        try {
          pool.dispatch(request, handler);
        } catch (error) {
          handler.onError(error);
        }
      });
    },
    close: () => pool.close(),
  };
}

interface SendContext {
  now: () => number;
  protocol: LoadProtocol;
  signal: AbortSignal | undefined;
}

/** One request's dispatch handler; a class, so a send allocates one object rather than six closures. */
class ResponseHandler {
  private readonly sent: number;
  private status = 0;
  private chunks: Buffer[] | undefined;
  private readonly stream: SseReader | undefined;
  private abort: ((err?: Error) => void) | undefined;

  constructor(
    private readonly context: SendContext,
    private readonly request: PreparedRequest,
    private readonly intended: number,
    private readonly resolve: (sample: Sample) => void,
  ) {
    this.sent = context.now();
    this.stream = request.stream ? new SseReader(context.now) : undefined;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.context.signal?.aborted) abort(new Error('interrupted'));
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status >= 400 || this.context.protocol === 'http' || this.context.protocol === 'torchserve')
      return true;
    if (this.stream) this.stream.feed(chunk);
    else (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    const end = this.context.now();
    if (this.status >= 400)
      this.settle({
        intended: this.intended,
        sent: this.sent,
        end,
        status: this.status,
        ok: false,
        error: `http_${this.status}`,
      });
    else if (this.stream) this.settle(this.stream.finish(this.intended, this.sent, end));
    // Plain HTTP and TorchServe: any body is an answer, not decoded (the hot path of a load test).
    else if (this.context.protocol === 'http' || this.context.protocol === 'torchserve')
      this.settle({ intended: this.intended, sent: this.sent, end, status: this.status, ok: true });
    else
      this.settle(
        judgeBody(this.context.protocol, this.request, this.chunks ?? [], {
          intended: this.intended,
          sent: this.sent,
          end,
          status: this.status,
        }),
      );
  }

  onError(error: unknown): void {
    this.settle({
      intended: this.intended,
      sent: this.sent,
      end: this.context.now(),
      ok: false,
      error: this.context.signal?.aborted ? 'interrupted' : errorKind(error),
    });
  }

  private settle(sample: Sample): void {
    this.resolve(sample);
  }
}

function judgeBody(
  protocol: LoadProtocol,
  request: PreparedRequest,
  chunks: readonly Buffer[],
  base: { intended: number; sent: number; end: number; status: number },
): Sample {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ...base, ok: false, error: 'parse' };
  }
  if (validateResponse(protocol, parsed)) return { ...base, ok: false, error: 'parse' };
  if (!request.expectTokens) return { ...base, ok: true };
  const usage = usageOf(parsed);
  return {
    ...base,
    ok: true,
    outputTokens: usage ?? estimateTokens(contentOf(parsed)),
    tokensFromUsage: usage !== undefined,
  };
}

/**
 * Reads an OpenAI Server-Sent Events stream as it arrives, timing the first and every later content
 * chunk.
 */
class SseReader {
  private firstToken: number | undefined;
  private readonly chunkTimes: number[] = [];
  private chunks = 0;
  private usage: number | undefined;
  private malformed = false;
  private done = false;
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
      this.usage = usageOf(chunk) ?? this.usage;
      if (contentOf(chunk) !== '') {
        const t = this.now();
        if (this.firstToken === undefined) this.firstToken = t;
        else this.chunkTimes.push(t);
        this.chunks++;
      }
    },
  });

  constructor(private readonly now: () => number) {}

  feed(chunk: Buffer): void {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
  }

  finish(intended: number, sent: number, end: number): Sample {
    if (this.malformed || (!this.done && this.chunks === 0))
      return { intended, sent, end, ok: false, error: 'parse' };
    // Without usage, each content chunk counts as one token (vLLM and TGI stream one token a chunk).
    return {
      intended,
      sent,
      end,
      ok: true,
      status: 200,
      firstToken: this.firstToken,
      chunkTimes: this.chunkTimes,
      outputTokens: this.usage ?? this.chunks,
      tokensFromUsage: this.usage !== undefined,
    };
  }
}

export function errorKind(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const code = e.code ?? e.cause?.code ?? '';
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
