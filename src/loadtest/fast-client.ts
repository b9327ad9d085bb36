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
 */
export interface ResponseSink {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(error: unknown): void;
}

interface Job {
  wire: Buffer;
  sink: ResponseSink;
  deadline: number;
}

type BodyMode = 'none' | 'length' | 'chunked' | 'close';

class ClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

class Connection {
  private socket: Socket;
  job: Job | undefined;
  private head: Buffer | undefined;
  private mode: BodyMode = 'none';
  private remaining = 0;
  private chunkState: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';
  private keepAlive = true;
  closed = false;

  constructor(private readonly pool: FastPool) {
    const { hostname, port, protocol } = pool.url;
    const options = { host: hostname, port: Number(port || (protocol === 'https:' ? 443 : 80)) };
    this.socket =
      protocol === 'https:'
        ? tlsConnect({ ...options, servername: hostname, ALPNProtocols: ['http/1.1'] })
        : netConnect(options);
    this.socket.setNoDelay(true);
    this.socket.on('data', (data: Buffer) => this.read(data));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => {
      if (this.job && this.mode === 'close' && this.headDone) this.complete();
      else this.fail(new ClientError('connection closed', 'ECONNRESET'));
    });
  }

  start(job: Job): void {
    this.job = job;
    this.head = Buffer.alloc(0);
    this.mode = 'none';
    job.sink.onConnect((err) => this.fail(err ?? new Error('aborted')));
    if (!this.closed) this.socket.write(job.wire);
  }

  destroy(error: Error): void {
    this.fail(error);
  }

  private read(data: Buffer): void {
    let offset = 0;
    while (offset < data.length && this.job) {
      if (this.head !== undefined && this.mode === 'none' && !this.headDone) {
        offset = this.readHead(data, offset);
        continue;
      }
      offset = this.readBody(data, offset);
    }
  }

  private headDone = false;

  private readHead(data: Buffer, offset: number): number {
    const joined =
      this.head!.length > 0 ? Buffer.concat([this.head!, data.subarray(offset)]) : data.subarray(offset);
    const end = joined.indexOf('\r\n\r\n');
    if (end < 0) {
      this.head = Buffer.from(joined);
      return data.length;
    }
    // Headers are read by search, not split into lines: this runs once per request.
    const text = joined.toString('latin1', 0, end).toLowerCase();
    const consumed = end + 4 - this.head!.length;
    this.head = undefined;
    this.headDone = true;
    const status = text.startsWith('http/1.') && text.charCodeAt(8) === 32 ? Number(text.slice(9, 12)) : NaN;
    if (!(status >= 100 && status < 600)) {
      this.fail(new ClientError('malformed response', 'EPROTO'));
      return data.length;
    }
    const header = (name: string): string | undefined => {
      const at = text.indexOf(`\r\n${name}:`);
      if (at < 0) return undefined;
      const start = at + name.length + 3;
      const stop = text.indexOf('\r\n', start);
      return text.slice(start, stop < 0 ? undefined : stop).trim();
    };
    const lengthText = header('content-length');
    const length = lengthText === undefined ? undefined : Number(lengthText);
    const chunked = header('transfer-encoding')?.includes('chunked') === true;
    const connection = header('connection');
    this.keepAlive =
      connection === undefined ? text.charCodeAt(7) !== 48 /* HTTP/1.0 */ : !connection.includes('close');
    this.job!.sink.onHeaders(status);
    if (status === 204 || status === 304 || (status >= 100 && status < 200) || length === 0) {
      this.mode = 'length';
      this.remaining = 0;
      this.complete();
      return offset + consumed;
    }
    if (chunked) {
      this.mode = 'chunked';
      this.chunkState = 'size';
      this.line = '';
    } else if (length !== undefined) {
      this.mode = 'length';
      this.remaining = length;
    } else {
      this.mode = 'close';
      this.keepAlive = false;
    }
    return offset + consumed;
  }

  private readBody(data: Buffer, offset: number): number {
    const job = this.job!;
    if (this.mode === 'close') {
      job.sink.onData(data.subarray(offset));
      return data.length;
    }
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, data.length - offset);
      if (take > 0) job.sink.onData(data.subarray(offset, offset + take));
      this.remaining -= take;
      if (this.remaining === 0) this.complete();
      return offset + take;
    }
    // chunked
    while (offset < data.length && this.job === job) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.remaining, data.length - offset);
        job.sink.onData(data.subarray(offset, offset + take));
        this.remaining -= take;
        offset += take;
        if (this.remaining === 0) this.chunkState = 'crlf';
        continue;
      }
      const nl = data.indexOf(10, offset);
      if (nl < 0) {
        this.line += data.toString('latin1', offset);
        return data.length;
      }
      const line = (this.line + data.toString('latin1', offset, nl)).replace(/\r$/, '');
      this.line = '';
      offset = nl + 1;
      if (this.chunkState === 'crlf') {
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) {
          this.fail(new ClientError('malformed chunk', 'EPROTO'));
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

  private complete(): void {
    const job = this.job;
    if (!job) return;
    this.job = undefined;
    this.headDone = false;
    this.mode = 'none';
    job.sink.onComplete();
    if (!this.keepAlive) {
      this.closed = true;
      this.socket.destroy();
      this.pool.release(this, false);
    } else this.pool.release(this, true);
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

export class FastPool {
  readonly url: URL;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Job[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly wires = new WeakMap<PreparedRequest, Buffer>();

  constructor(
    origin: string,
    private readonly options: { connections: number; timeoutMs: number; now: () => number },
  ) {
    this.url = new URL(origin);
    // One timer for every deadline: cheap at tens of thousands of requests per second.
    this.timer = setInterval(() => this.expire(), Math.min(250, Math.max(10, options.timeoutMs / 4)));
    this.timer.unref();
  }

  dispatch(request: PreparedRequest, sink: ResponseSink): void {
    let wire = this.wires.get(request);
    if (!wire) {
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const headers = Object.entries({
        host: this.url.host,
        connection: 'keep-alive',
        ...request.headers,
        ...(body ? { 'content-length': String(body.length) } : {}),
      })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      wire = Buffer.concat([
        Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\n${headers}\r\n`, 'latin1'),
        ...(body ? [body] : []),
      ]);
      this.wires.set(request, wire);
    }
    const job: Job = { wire, sink, deadline: this.options.now() + this.options.timeoutMs };
    const connection =
      this.idle.pop() ?? (this.all.size < this.options.connections ? this.open() : undefined);
    if (connection) connection.start(job);
    else this.queue.push(job);
  }

  release(connection: Connection, reusable: boolean): void {
    if (!reusable) {
      this.all.delete(connection);
      const idle = this.idle.indexOf(connection);
      if (idle >= 0) this.idle.splice(idle, 1);
      const next = this.queue.shift();
      if (next) this.open().start(next);
      return;
    }
    const next = this.queue.shift();
    if (next) connection.start(next);
    else this.idle.push(connection);
  }

  /** Fails every in-flight request now (interrupt). */
  abortAll(error: Error): void {
    for (const c of [...this.all]) if (c.job) c.destroy(error);
    for (const job of this.queue.splice(0)) job.sink.onError(error);
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
    return connection;
  }

  private expire(): void {
    const now = this.options.now();
    for (const c of [...this.all]) {
      if (c.job && c.job.deadline <= now)
        c.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    }
    while (this.queue.length > 0 && this.queue[0]!.deadline <= now)
      this.queue.shift()!.sink.onError(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
  }
}
