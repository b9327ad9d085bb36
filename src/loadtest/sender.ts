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
  const { now } = options;
  return {
    async send(request, intended) {
      const sent = now();
      const base = { intended, sent };
      const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await pool.request({ path: request.path, method: request.method, headers: request.headers, body: request.body, signal });
        if (response.statusCode >= 400) {
          await response.body.dump();
          return { ...base, end: now(), ok: false, status: response.statusCode, error: `http_${response.statusCode}` };
        }
        if (request.stream) return await readStream(response.body, base, now);
        const text = await response.body.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          if (options.protocol === 'http' || options.protocol === 'torchserve') return { ...base, end: now(), ok: true, status: response.statusCode };
          return { ...base, end: now(), ok: false, status: response.statusCode, error: 'parse' };
        }
        const end = now();
        const invalid = validateResponse(options.protocol, parsed);
        if (invalid) return { ...base, end, ok: false, status: response.statusCode, error: 'parse' };
        if (!request.expectTokens) return { ...base, end, ok: true, status: response.statusCode };
        const usage = usageOf(parsed);
        return { ...base, end, ok: true, status: response.statusCode, outputTokens: usage ?? estimateTokens(contentOf(parsed)), tokensFromUsage: usage !== undefined };
      } catch (error) {
        return { ...base, end: now(), ok: false, error: errorKind(error) };
      }
    },
    close: () => pool.close(),
  };
}

/** Reads an OpenAI Server-Sent Events stream, timing the first and every later content chunk. */
async function readStream(body: AsyncIterable<Buffer | Uint8Array>, base: { intended: number; sent: number }, now: () => number): Promise<Sample> {
  let firstToken: number | undefined;
  const chunkTimes: number[] = [];
  let chunks = 0;
  let usage: number | undefined;
  let malformed = false;
  let done = false;
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        malformed = true;
        return;
      }
      usage = usageOf(chunk) ?? usage;
      if (contentOf(chunk) !== '') {
        const t = now();
        if (firstToken === undefined) firstToken = t;
        else chunkTimes.push(t);
        chunks++;
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const piece of body) parser.feed(decoder.decode(piece, { stream: true }));
  const end = now();
  if (malformed || (!done && chunks === 0)) return { ...base, end, ok: false, error: 'parse' };
  // Without usage, each content chunk counts as one token (vLLM and TGI stream one token a chunk).
  return { ...base, end, ok: true, status: 200, firstToken, chunkTimes, outputTokens: usage ?? chunks, tokensFromUsage: usage !== undefined };
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
