import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PreparedRequest } from './protocols.js';

/**
 * A minimal HTTP/1.1 keep-alive client for the load generator's hot path.
 *
 * Why not undici: measured in bench/loadtest.js on the same loopback server, undici's Pool (even
 * through its dispatch API, without a Readable or a timer per request) reached 0.73× autocannon's
 * throughput at 1.5× its CPU per request, so the generator measured itself; loading it also cost
 * start-up time. Like autocannon and wrk, this client writes each request as one pre-encoded
 * buffer and parses responses incrementally (status line, headers, Content-Length or chunked
 * bodies), with one timer for all deadlines instead of one per request.
 *
 * The pool opens connections as the schedule needs them, up to `maxConnections`; a request that
 * finds none free waits in a client-side queue, and that wait is reported to the sink
 * (`onStart`'s `queuedMs`) so it is never mistaken for server latency.
 */
export interface ResponseSink {
  /**
   * The request was written to a socket at `writtenAt`, after waiting `queuedMs` in the client's
   * queue for a connection; `abort` fails it (for example when a response limit is exceeded).
   */
  onStart(abort: (err: Error) => void, writtenAt: number, queuedMs: number): void;
  onHeaders(statusCode: number): void;
  /** Body bytes; `chunk` is only valid during the call (the client reuses its read buffer). */
  onData(chunk: Buffer): void;
  /** The response ended at `end` (on the pool's clock). */
  onComplete(end: number): void;
  onError(error: unknown): void;
}

/** Response limits: a misbehaving server must not exhaust the generator's memory. */
export interface ResponseLimits {
  /** Status line and headers, bytes (default 64 KiB). */
  maxHeaderBytes: number;
  /** Body, bytes, after chunked decoding (default 64 MiB). */
  maxBodyBytes: number;
}

export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = {
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024 * 1024,
};

/** Longest chunk-size line accepted in a chunked body (a hex size and extensions). */
const MAX_CHUNK_LINE = 4096;

interface Job {
  wire: Buffer;
  sink: ResponseSink;
  queuedAt: number;
  deadline: number;
}

type BodyMode = 'none' | 'length' | 'chunked' | 'close';

/** A failure with a code that errorKind() maps to a report category. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** A chunk size: 1 to 16 hex digits (a larger one is no safe integer), before any extension. */
const CHUNK_SIZE = /^[0-9a-f]{1,16}$/i;
const DIGITS = /^[0-9]+$/;

const malformed = (what: string) => new ClientError(`malformed response: ${what}`, 'EPROTO');

/** What the client needs from a response head, or the reason it is malformed. */
interface Head {
  status: number;
  /** Content-Length, undefined when absent. */
  length: number | undefined;
  chunked: boolean;
  keepAlive: boolean;
}

/**
 * Parses a lower-cased response head (status line and header lines, without the blank line)
 * strictly (RFC 9112): `HTTP/1.x NNN[ reason]`, every header line `name: value` (an obs-fold
 * continuation line is allowed), one Content-Length of digits (a list of equal values is one).
 * One pass over the lines, comparing names by length first: this runs once per request.
 */
export function parseHead(text: string): Head | ClientError {
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = text.length;
  const minor = text.charCodeAt(7);
  if (
    !text.startsWith('http/1.') ||
    (minor !== 48 && minor !== 49) ||
    text.charCodeAt(8) !== 32 ||
    !isDigit(text.charCodeAt(9)) ||
    !isDigit(text.charCodeAt(10)) ||
    !isDigit(text.charCodeAt(11)) ||
    (lineEnd !== 12 && text.charCodeAt(12) !== 32)
  )
    return malformed('status line');
  const status = Number(text.slice(9, 12));
  if (status < 100 || status >= 600) return malformed('status code');
  let length: number | undefined;
  let chunked = false;
  let connection: string | undefined;
  while (lineEnd < text.length) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf('\r\n', start);
    if (lineEnd < 0) lineEnd = text.length;
    const colon = text.indexOf(':', start);
    if (colon < 0 || colon >= lineEnd || colon === start || text.charCodeAt(colon - 1) <= 32) {
      const first = text.charCodeAt(start);
      if (first === 32 || first === 9) continue; // obs-fold: part of the previous value
      return malformed('header line');
    }
    const nameLength = colon - start;
    if (nameLength === 14 && text.startsWith('content-length', start)) {
      const value = parseLength(text.slice(colon + 1, lineEnd));
      if (value === undefined || (length !== undefined && length !== value))
        return malformed('content-length');
      length = value;
    } else if (nameLength === 17 && text.startsWith('transfer-encoding', start))
      chunked = text
        .slice(colon + 1, lineEnd)
        .trim()
        .endsWith('chunked');
    else if (nameLength === 10 && text.startsWith('connection', start))
      connection = text.slice(colon + 1, lineEnd);
  }
  const keepAlive = connection === undefined ? minor === 49 : !connection.includes('close');
  return { status, length, chunked, keepAlive };
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** A Content-Length value: digits, or a list of equal ones ("5, 5"); undefined when malformed. */
function parseLength(raw: string): number | undefined {
  const value = raw.trim();
  if (DIGITS.test(value)) return Number(value);
  const parts = value.split(',').map((v) => v.trim());
  return parts.every((v) => DIGITS.test(v) && v === parts[0]) ? Number(parts[0]) : undefined;
}
const EMPTY = Buffer.alloc(0);

class Connection {
  private readonly socket: Socket;
  job: Job | undefined;
  /** Header bytes received so far for the current response, kept as received (joined once). */
  private headParts: Buffer[] = [];
  private headLength = 0;
  /** The last three header bytes held, to find a terminator split across reads. */
  private headTail: Buffer = EMPTY;
  private headDone = false;
  private mode: BodyMode = 'none';
  private remaining = 0;
  private bodyBytes = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private keepAlive = true;
  closed = false;
  /** Settles when the connection is established or has failed. */
  readonly connected: Promise<void>;
  /**
   * Until the connection is established (TCP connect, TLS handshake) a request started on it is
   * not on the wire yet: it is reported as written when the connection is up, so the connect is
   * client time (client queue), never server latency.
   */
  private connecting = true;
  /** Whether the request waiting for the connect had first waited in the client's queue. */
  private startedFromQueue = false;
  /** Fails the current request; one function for the connection's life, not one per request. */
  private readonly abort = (err: Error) => this.fail(err);

  constructor(private readonly pool: FastPool) {
    const { hostname, port, protocol } = pool.url;
    const options = { host: hostname, port: Number(port || (protocol === 'https:' ? 443 : 80)) };
    if (protocol === 'https:') {
      this.socket = tlsConnect({ ...options, servername: hostname, ALPNProtocols: ['http/1.1'] });
      this.socket.on('data', (data: Buffer) => this.read(data));
    } else
      // Plain TCP reads into the pool's one buffer (`onread`), without a Readable stream's push,
      // 'data' event and a new Buffer per read (docs/loadtest.md, "What the generator costs").
      // The parser copies what it keeps (header parts; a body part is the sink's to copy).
      this.socket = netConnect({
        ...options,
        onread: {
          buffer: pool.readBuffer,
          callback: (n) => {
            this.read(pool.readBuffer.subarray(0, n));
            return true;
          },
        },
      });
    this.socket.setNoDelay(true);
    this.connected = new Promise((done) => {
      this.socket.once(protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        this.onConnected();
        done();
      });
      this.socket.once('close', done);
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => {
      if (this.job && this.mode === 'close' && this.headDone) this.complete();
      else this.fail(new ClientError('connection closed', 'ECONNRESET'));
    });
  }

  /**
   * Writes the job; `fromQueue` when it waited in the client's queue for this connection. `now` is
   * the clock's reading when the caller just took it (one clock read per request, not three).
   */
  start(job: Job, fromQueue = false, now = this.pool.now()): void {
    this.job = job;
    if (this.headParts.length > 0) this.headParts = [];
    this.headLength = 0;
    this.headTail = EMPTY;
    this.headDone = false;
    this.mode = 'none';
    this.bodyBytes = 0;
    job.deadline = now + this.pool.timeoutMs;
    if (this.connecting) this.startedFromQueue = fromQueue;
    else job.sink.onStart(this.abort, now, fromQueue ? now - job.queuedAt : 0);
    if (!this.closed && this.job === job) this.socket.write(job.wire);
  }

  /** The connection is up: the request started on it goes on the wire now. */
  private onConnected(): void {
    this.connecting = false;
    const job = this.job;
    if (!job) return;
    const now = this.pool.now();
    job.sink.onStart(this.abort, now, this.startedFromQueue ? now - job.queuedAt : 0);
  }

  destroy(error: Error): void {
    this.fail(error);
  }

  private read(data: Buffer): void {
    let offset = 0;
    while (offset < data.length && this.job) {
      if (!this.headDone) {
        offset = this.readHead(data, offset);
        continue;
      }
      offset = this.readBody(data, offset);
    }
  }

  /**
   * Looks for the end of the headers in the new bytes only (plus the last three bytes seen), so
   * a header that arrives one byte at a time costs linear time, and joins the parts once.
   */
  private readHead(data: Buffer, offset: number): number {
    const fresh = data.subarray(offset);
    const limit = this.pool.limits.maxHeaderBytes;
    // Index in `fresh` just past the blank line that ends the headers, or -1.
    let endInFresh: number;
    const at = fresh.indexOf(HEAD_END);
    if (this.headLength === 0) endInFresh = at < 0 ? -1 : at + 4;
    else {
      const probe = Buffer.concat([this.headTail, fresh.subarray(0, 3)]);
      const across = probe.indexOf(HEAD_END);
      endInFresh = across >= 0 ? across + 4 - this.headTail.length : at < 0 ? -1 : at + 4;
    }
    if (endInFresh < 0) {
      if (this.headLength + fresh.length > limit) {
        this.fail(this.headerTooLarge());
        return data.length;
      }
      const kept = Buffer.from(fresh);
      this.headParts.push(kept);
      this.headLength += kept.length;
      const tail = Buffer.concat([this.headTail, kept]);
      this.headTail = tail.subarray(Math.max(0, tail.length - 3));
      return data.length;
    }
    if (this.headLength + endInFresh > limit) {
      this.fail(this.headerTooLarge());
      return data.length;
    }
    const head =
      this.headLength === 0
        ? fresh.subarray(0, endInFresh)
        : Buffer.concat([...this.headParts, fresh.subarray(0, endInFresh)]);
    this.headParts = [];
    this.headLength = 0;
    this.headTail = EMPTY;
    this.headDone = true;
    this.onHead(head.toString('latin1', 0, head.length - 4).toLowerCase());
    return offset + endInFresh;
  }

  private headerTooLarge(): ClientError {
    return new ClientError(
      `response headers exceed --max-header-bytes (${this.pool.limits.maxHeaderBytes} bytes)`,
      'HEADER_TOO_LARGE',
    );
  }

  private onHead(text: string): void {
    const head = parseHead(text);
    if (head instanceof ClientError) {
      this.fail(head);
      return;
    }
    const { status, length } = head;
    if (status < 200 && status !== 101) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      this.headDone = false;
      return;
    }
    if (status === 101) {
      this.fail(malformed('101 Switching Protocols was not asked for'));
      return;
    }
    this.keepAlive = head.keepAlive;
    this.job!.sink.onHeaders(status);
    if (!this.job) return;
    if (status === 204 || status === 304 || length === 0) {
      this.mode = 'length';
      this.remaining = 0;
      this.complete();
      return;
    }
    if (head.chunked) {
      this.mode = 'chunked';
      this.chunkState = 'size';
      this.line = '';
    } else if (length !== undefined) {
      if (length > this.pool.limits.maxBodyBytes) {
        this.fail(this.bodyTooLarge());
        return;
      }
      this.mode = 'length';
      this.remaining = length;
    } else {
      this.mode = 'close';
      this.keepAlive = false;
    }
  }

  private bodyTooLarge(): ClientError {
    return new ClientError(
      `response body exceeds --max-body-bytes (${this.pool.limits.maxBodyBytes} bytes)`,
      'BODY_TOO_LARGE',
    );
  }

  /** Hands body bytes to the sink, failing the request once the body passes its limit. */
  private deliver(job: Job, bytes: Buffer): boolean {
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.pool.limits.maxBodyBytes) {
      this.fail(this.bodyTooLarge());
      return false;
    }
    job.sink.onData(bytes);
    return this.job === job;
  }

  private readBody(data: Buffer, offset: number): number {
    const job = this.job!;
    if (this.mode === 'close') {
      this.deliver(job, data.subarray(offset));
      return data.length;
    }
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, data.length - offset);
      if (take > 0 && !this.deliver(job, data.subarray(offset, offset + take))) return data.length;
      this.remaining -= take;
      if (this.remaining === 0) this.complete();
      return offset + take;
    }
    // chunked
    while (offset < data.length && this.job === job) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.remaining, data.length - offset);
        if (!this.deliver(job, data.subarray(offset, offset + take))) return data.length;
        this.remaining -= take;
        offset += take;
        if (this.remaining === 0) this.chunkState = 'crlf';
        continue;
      }
      const nl = data.indexOf(10, offset);
      if (nl < 0) {
        this.line += data.toString('latin1', offset);
        if (this.line.length > MAX_CHUNK_LINE) this.fail(malformed('chunk-size line too long'));
        return data.length;
      }
      const line = (this.line + data.toString('latin1', offset, nl)).replace(/\r$/, '');
      this.line = '';
      offset = nl + 1;
      if (line.length > MAX_CHUNK_LINE) {
        this.fail(malformed('chunk-size line too long'));
        return data.length;
      }
      if (this.chunkState === 'crlf') {
        if (line !== '') {
          this.fail(malformed('chunk longer than its size'));
          return data.length;
        }
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const semicolon = line.indexOf(';');
        const sizeText = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
        if (!CHUNK_SIZE.test(sizeText)) {
          this.fail(malformed('chunk size'));
          return data.length;
        }
        const size = parseInt(sizeText, 16);
        if (!Number.isSafeInteger(size)) {
          this.fail(malformed('chunk size'));
          return data.length;
        }
        if (this.bodyBytes + size > this.pool.limits.maxBodyBytes) {
          this.fail(this.bodyTooLarge());
          return data.length;
        }
        if (size === 0) this.chunkState = 'trailer';
        else {
          this.remaining = size;
          this.chunkState = 'data';
        }
      } else if (line === '') {
        this.complete(); // end of trailers
      }
    }
    return offset;
  }

  /**
   * The response ended: its end is read now, the connection is freed, and only then is the sink
   * told, so a request sent from the completion (a closed loop's next) finds this connection free
   * instead of opening another; a request that waited in the queue may already be on it.
   */
  private complete(): void {
    const job = this.job;
    if (!job) return;
    const end = this.pool.now();
    this.job = undefined;
    this.headDone = false;
    this.mode = 'none';
    if (!this.keepAlive) {
      this.closed = true;
      this.socket.destroy();
      this.pool.release(this, false);
    } else this.pool.release(this, true);
    job.sink.onComplete(end);
  }

  private fail(error: unknown): void {
    const wasClosed = this.closed;
    this.closed = true;
    this.socket.destroy();
    const job = this.job;
    this.job = undefined;
    if (job) job.sink.onError(error);
    if (!wasClosed) this.pool.release(this, false);
  }
}

export interface PoolOptions {
  /** Most connections open at once; requests beyond wait in the client queue (measured). */
  maxConnections: number;
  timeoutMs: number;
  now: () => number;
  limits?: Partial<ResponseLimits>;
}

export class FastPool {
  readonly url: URL;
  readonly now: () => number;
  readonly timeoutMs: number;
  readonly limits: ResponseLimits;
  /** Most connections that were open at once. */
  peakConnections = 0;
  /** Requests that had to wait for a connection. */
  queuedRequests = 0;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Job[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly wires = new WeakMap<PreparedRequest, Buffer>();
  /** Where plain-TCP connections read to; one is enough, each read is parsed before the next. */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    origin: string,
    private readonly options: PoolOptions,
  ) {
    this.url = new URL(origin);
    this.now = options.now;
    this.timeoutMs = options.timeoutMs;
    this.limits = { ...DEFAULT_RESPONSE_LIMITS, ...options.limits };
    // One timer for every deadline: cheap at tens of thousands of requests per second.
    this.timer = setInterval(() => this.expire(), Math.min(250, Math.max(10, options.timeoutMs / 4)));
    this.timer.unref();
  }

  /** Sends the request, or queues it when no connection is free; `now` is the clock's reading now. */
  dispatch(request: PreparedRequest, sink: ResponseSink, now = this.options.now()): void {
    let wire = this.wires.get(request);
    if (!wire) {
      wire = encodeRequest(this.url, request);
      this.wires.set(request, wire);
    }
    const job: Job = { wire, sink, queuedAt: now, deadline: now + this.options.timeoutMs };
    const connection =
      this.idle.pop() ?? (this.all.size < this.options.maxConnections ? this.open() : undefined);
    if (connection) connection.start(job, false, now);
    else {
      this.queuedRequests++;
      this.queue.push(job);
    }
  }

  release(connection: Connection, reusable: boolean): void {
    if (!reusable) {
      this.all.delete(connection);
      const idle = this.idle.indexOf(connection);
      if (idle >= 0) this.idle.splice(idle, 1);
      const next = this.queue.shift();
      if (next) this.open().start(next, true);
      return;
    }
    const next = this.queue.shift();
    if (next) connection.start(next, true);
    else this.idle.push(connection);
  }

  /**
   * Opens connections until `count` are open (at most `maxConnections`) and waits until they are
   * established or failed, at most `withinMs`; they wait idle for the first requests. A failed one
   * is dropped (the requests will report the error when they open their own).
   */
  async preconnect(count: number, withinMs: number): Promise<void> {
    const opened: Connection[] = [];
    while (this.all.size < Math.min(count, this.options.maxConnections)) {
      const connection = this.open();
      this.idle.push(connection);
      opened.push(connection);
    }
    if (opened.length === 0 || !(withinMs > 0)) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(opened.map((c) => c.connected)),
      new Promise<void>((done) => (timer = setTimeout(done, withinMs))),
    ]);
    clearTimeout(timer);
  }

  /** Requests still waiting for a connection fail with `error` (they were never sent). */
  cancelQueued(error: Error): number {
    const jobs = this.queue.splice(0);
    for (const job of jobs) job.sink.onError(error);
    return jobs.length;
  }

  /** Fails every in-flight and queued request now. */
  abortAll(error: Error): void {
    for (const c of [...this.all]) if (c.job) c.destroy(error);
    this.cancelQueued(error);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    for (const c of [...this.all]) c.destroy(new Error('closed'));
    this.all.clear();
    this.idle.length = 0;
    return Promise.resolve();
  }

  private open(): Connection {
    const connection = new Connection(this);
    this.all.add(connection);
    this.peakConnections = Math.max(this.peakConnections, this.all.size);
    return connection;
  }

  private expire(): void {
    const now = this.options.now();
    for (const c of [...this.all]) {
      if (c.job && c.job.deadline <= now)
        c.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    }
    while (this.queue.length > 0 && this.queue[0]!.deadline <= now)
      this.queue
        .shift()!
        .sink.onError(new ClientError('timed out waiting for a free connection', 'CLIENT_QUEUE_TIMEOUT'));
  }
}

function encodeRequest(url: URL, request: PreparedRequest): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers = Object.entries({
    host: url.host,
    connection: 'keep-alive',
    ...request.headers,
    ...(body ? { 'content-length': String(body.length) } : {}),
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\n${headers}\r\n`, 'latin1'),
    ...(body ? [body] : []),
  ]);
}
