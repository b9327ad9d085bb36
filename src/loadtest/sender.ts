import { createParser } from 'eventsource-parser';
import { Pool, errors } from 'undici';
import { NetworkError } from '../errors.js';
import { contentOf, estimateTokens, usageOf, validateResponse, type LoadProtocol, type PreparedRequest } from './protocols.js';
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
 * An undici Pool with keep-alive: far less CPU per request than fetch, so the generator measures
 * the server, not itself (bench/loadtest.js compares it with autocannon and wrk).
 */
export function createHttpSender(options: HttpSenderOptions): Sender {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const context: SendContext = { now: options.now, protocol: options.protocol, signal: options.signal, inFlight: new Set() };
  // Interrupts (Ctrl-C) end in-flight requests at once instead of after their timeout.
  options.signal?.addEventListener('abort', () => {
    for (const handler of context.inFlight) handler.abortNow();
  }, { once: true });
  // Each distinct request is encoded once: body bytes and a flat header list.
  const encoded = new WeakMap<PreparedRequest, { body: Buffer | undefined; headers: string[] }>();
  return {
    send(request, intended) {
      let wire = encoded.get(request);
      if (wire === undefined) {
        wire = { body: request.body === undefined ? undefined : Buffer.from(request.body), headers: Object.entries(request.headers).flat() };
        encoded.set(request, wire);
      }
      return new Promise<Sample>((resolve) => {
        const handler = new ResponseHandler(context, request, intended, resolve);
        try {
          // undici's dispatch API: no Readable per response, no timer per request (the Pool's
          // headersTimeout and bodyTimeout bound each request). Far cheaper than fetch or request().
          pool.dispatch({ path: request.path, method: request.method, headers: wire.headers, body: wire.body }, handler);
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
  inFlight: Set<ResponseHandler>;
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

  abortNow(): void {
    this.abort?.(new Error('interrupted'));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    this.context.inFlight.add(this);
    if (this.context.signal?.aborted) abort(new Error('interrupted'));
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status >= 400 || this.context.protocol === 'http' || this.context.protocol === 'torchserve') return true;
    if (this.stream) this.stream.feed(chunk);
    else (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    const end = this.context.now();
    if (this.status >= 400) this.settle({ intended: this.intended, sent: this.sent, end, status: this.status, ok: false, error: `http_${this.status}` });
    else if (this.stream) this.settle(this.stream.finish(this.intended, this.sent, end));
    // Plain HTTP and TorchServe: any body is an answer, not decoded (the hot path of a load test).
    else if (this.context.protocol === 'http' || this.context.protocol === 'torchserve') this.settle({ intended: this.intended, sent: this.sent, end, status: this.status, ok: true });
    else this.settle(judgeBody(this.context.protocol, this.request, this.chunks ?? [], { intended: this.intended, sent: this.sent, end, status: this.status }));
  }

  onError(error: unknown): void {
    this.settle({ intended: this.intended, sent: this.sent, end: this.context.now(), ok: false, error: this.context.signal?.aborted ? 'interrupted' : errorKind(error) });
  }

  private settle(sample: Sample): void {
    this.context.inFlight.delete(this);
    this.resolve(sample);
  }
}

function judgeBody(protocol: LoadProtocol, request: PreparedRequest, chunks: readonly Buffer[], base: { intended: number; sent: number; end: number; status: number }): Sample {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ...base, ok: false, error: 'parse' };
  }
  if (validateResponse(protocol, parsed)) return { ...base, ok: false, error: 'parse' };
  if (!request.expectTokens) return { ...base, ok: true };
  const usage = usageOf(parsed);
  return { ...base, ok: true, outputTokens: usage ?? estimateTokens(contentOf(parsed)), tokensFromUsage: usage !== undefined };
}

/** Reads an OpenAI Server-Sent Events stream as it arrives, timing the first and every later content chunk. */
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
    if (this.malformed || (!this.done && this.chunks === 0)) return { intended, sent, end, ok: false, error: 'parse' };
    // Without usage, each content chunk counts as one token (vLLM and TGI stream one token a chunk).
    return { intended, sent, end, ok: true, status: 200, firstToken: this.firstToken, chunkTimes: this.chunkTimes, outputTokens: this.usage ?? this.chunks, tokensFromUsage: this.usage !== undefined };
  }
}

export function errorKind(error: unknown): string {
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) return 'timeout';
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const code = e.code ?? e.cause?.code ?? '';
  if (/CERT|TLS|SSL|DEPTH_ZERO|SELF_SIGNED/.test(code)) return 'tls';
  if (/ECONNRESET|ECONNREFUSED|EPIPE|UND_ERR_SOCKET|ENOTFOUND|EHOSTUNREACH|UND_ERR_CLOSED/.test(code)) return 'connection';
  return 'connection';
}

/** Pre-flight: can the origin be reached at all? Unreachable URLs are exit 2, not a 100 % error rate. */
export async function probeOrigin(origin: string, timeoutMs: number): Promise<void> {
  const pool = new Pool(origin, { connections: 1, connectTimeout: timeoutMs });
  try {
    const response = await pool.request({ path: '/', method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body.dump();
  } catch (error) {
    const kind = errorKind(error);
    const code = (error as { code?: string }).code ?? kind;
    throw new NetworkError(kind === 'tls' ? `TLS error talking to ${origin} (${code})` : `cannot reach ${origin} (${code})`, {
      hint: kind === 'tls' ? 'check the certificate (NODE_EXTRA_CA_CERTS for a private CA)' : 'is the server running, and is the URL right?',
      cause: error,
    });
  } finally {
    await pool.close();
  }
}
