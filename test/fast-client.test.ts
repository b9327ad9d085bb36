import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FastPool, type ResponseSink } from '../src/loadtest/fast-client.js';
import type { PreparedRequest } from '../src/loadtest/protocols.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A raw TCP server that answers each request with the given byte pieces, written separately. */
async function raw(respond: (socket: Socket, n: number) => void): Promise<string> {
  let n = 0;
  const server = createServer((socket) => {
    // The client hangs up on purpose in some tests (limits): the server side just stops.
    socket.on('error', () => {});
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        const head = buffer.slice(0, buffer.indexOf('\r\n\r\n'));
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buffer = buffer.slice(head.length + 4 + length);
        respond(socket, n++);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const REQUEST: PreparedRequest = {
  method: 'POST',
  path: '/x',
  body: '{"a":1}',
  headers: { 'content-type': 'application/json' },
  stream: false,
  expectTokens: false,
};

interface Sent {
  status: number;
  body: string;
  error?: unknown;
  queuedMs?: number;
}

function send(pool: FastPool, request = REQUEST): Promise<Sent> {
  return new Promise((resolve) => {
    let status = 0;
    let queuedMs: number | undefined;
    const chunks: Buffer[] = [];
    const sink: ResponseSink = {
      onStart: (_abort, _at, queued) => (queuedMs = queued),
      onHeaders: (s) => (status = s),
      onData: (c) => chunks.push(Buffer.from(c)),
      onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString(), queuedMs }),
      onError: (error) => resolve({ status, body: '', error, queuedMs }),
    };
    pool.dispatch(request, sink);
  });
}

const code = (r: Sent) => (r.error as { code?: string } | undefined)?.code;

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the load generator HTTP/1.1 client', () => {
  it('reads Content-Length bodies split across packets and reuses the connection', async () => {
    let connections = 0;
    const url = await raw((socket, n) => {
      if (n === 0) connections++;
      const body = `{"n":${n}}`;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Le`);
      setTimeout(() => socket.write(`ngth: ${body.length}\r\n\r\n${body.slice(0, 3)}`), 5);
      setTimeout(() => socket.write(body.slice(3)), 10);
    });
    const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toMatchObject({ status: 200, body: '{"n":0}' });
    expect(await send(pool)).toMatchObject({ status: 200, body: '{"n":1}' });
    expect(connections).toBe(1);
    await pool.close();
  });

  it('decodes chunked bodies, including chunk headers cut in the middle', async () => {
    const url = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
      setTimeout(() => socket.write('lo\r\n'), 5);
      setTimeout(() => socket.write('6\r'), 10);
      setTimeout(() => socket.write('\n world\r\n0\r\n\r\n'), 15);
    });
    const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'hello world' });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'hello world' });
    await pool.close();
  });

  it('reads to the end of the connection without a length, and opens a new one after Connection: close', async () => {
    const url = await raw((socket) => {
      socket.write('HTTP/1.0 200 OK\r\n\r\nuntil close');
      setTimeout(() => socket.end(), 5);
    });
    const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'until close' });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'until close' });
    await pool.close();
  });

  it('reports a malformed status line, a reset and a timeout as errors', async () => {
    const url = await raw((socket, n) => {
      if (n === 0) socket.write('garbage\r\n\r\n');
      else if (n === 1) socket.destroy();
      // n === 2: never answers
    });
    const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 300, now: () => performance.now() });
    expect(((await send(pool)).error as { code: string }).code).toBe('EPROTO');
    expect(((await send(pool)).error as { code: string }).code).toBe('ECONNRESET');
    const started = performance.now();
    expect(((await send(pool)).error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(1500);
    await pool.close();
  });

  it('queues requests beyond the connection limit and says how long each waited on the client', async () => {
    const url = await raw((socket) => {
      setTimeout(() => socket.write('HTTP/1.1 204 No Content\r\n\r\n'), 20);
    });
    const pool = new FastPool(url, { maxConnections: 2, timeoutMs: 2000, now: () => performance.now() });
    const results = await Promise.all(Array.from({ length: 6 }, () => send(pool)));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 204]);
    expect(results.slice(0, 2).map((r) => r.queuedMs)).toEqual([0, 0]);
    expect(Math.min(...results.slice(2).map((r) => r.queuedMs!))).toBeGreaterThanOrEqual(15);
    expect(pool.queuedRequests).toBe(4);
    expect(pool.peakConnections).toBe(2);
    await later(10);
    await pool.close();
  });

  it('opens connections as requests need them, up to the cap, instead of queueing behind a fixed few', async () => {
    const url = await raw((socket) => {
      setTimeout(() => socket.write('HTTP/1.1 204 No Content\r\n\r\n'), 100);
    });
    const pool = new FastPool(url, { maxConnections: 1024, timeoutMs: 2000, now: () => performance.now() });
    const results = await Promise.all(Array.from({ length: 40 }, () => send(pool)));
    expect(results.every((r) => r.status === 204 && r.queuedMs === 0)).toBe(true);
    expect(pool.peakConnections).toBe(40);
    await pool.close();
  });
});

describe('response limits', () => {
  it('fails a response whose headers never end at --max-header-bytes, naming the limit', async () => {
    let stop = false;
    const url = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const drip = () => {
        if (stop || socket.destroyed) return;
        socket.write(`x-filler: ${'a'.repeat(1000)}\r\n`);
        setImmediate(drip);
      };
      drip();
    });
    const pool = new FastPool(url, {
      maxConnections: 1,
      timeoutMs: 10_000,
      now: () => performance.now(),
      limits: { maxHeaderBytes: 64 * 1024 },
    });
    const result = await send(pool);
    stop = true;
    expect(code(result)).toBe('HEADER_TOO_LARGE');
    expect((result.error as Error).message).toContain('--max-header-bytes (65536 bytes)');
    await pool.close();
  });

  it('reads headers that arrive one byte at a time in linear time', async () => {
    const head = `HTTP/1.1 200 OK\r\n${'x-pad: y\r\n'.repeat(3000)}content-length: 2\r\n\r\nok`;
    const url = await raw((socket) => {
      let i = 0;
      const next = () => {
        if (i >= head.length || socket.destroyed) return;
        socket.write(head.slice(i, i + 1));
        i++;
        setImmediate(next);
      };
      next();
    });
    const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 20_000, now: () => performance.now() });
    expect(await send(pool)).toMatchObject({ status: 200, body: 'ok' });
    await pool.close();
  });

  it.each([
    ['a Content-Length over the limit', (n: number) => `HTTP/1.1 200 OK\r\ncontent-length: ${n}\r\n\r\n`],
    [
      'a chunked body that grows past the limit',
      () => 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n',
    ],
  ])('fails %s at --max-body-bytes', async (_name, headFor) => {
    const limit = 256 * 1024;
    const url = await raw((socket) => {
      socket.write(headFor(limit * 4));
      const chunk = Buffer.alloc(16 * 1024, 97);
      let sent = 0;
      const more = () => {
        if (socket.destroyed || sent > limit * 4) return;
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write('\r\n');
        sent += chunk.length;
        setImmediate(more);
      };
      more();
    });
    const pool = new FastPool(url, {
      maxConnections: 1,
      timeoutMs: 10_000,
      now: () => performance.now(),
      limits: { maxBodyBytes: limit },
    });
    const result = await send(pool);
    expect(code(result)).toBe('BODY_TOO_LARGE');
    expect((result.error as Error).message).toContain('--max-body-bytes (262144 bytes)');
    await pool.close();
  });
});

describe('connection reuse', () => {
  it('hands a connection whose response just ended to the request sent from that completion', async () => {
    // A closed loop sends its next request from the completion of the last one: it must find the
    // connection that just became free, not open another (a closed loop of 1 uses 1 connection).
    const url = await raw((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    const pool = new FastPool(url, { maxConnections: 64, timeoutMs: 2000, now: () => performance.now() });
    let left = 20;
    await new Promise<void>((done) => {
      const next = () => {
        const sink: ResponseSink = {
          onStart: () => {},
          onHeaders: () => {},
          onData: () => {},
          onComplete: () => (--left === 0 ? done() : next()),
          onError: (error) => {
            throw error;
          },
        };
        pool.dispatch(REQUEST, sink);
      };
      next();
    });
    expect(pool.peakConnections).toBe(1);
    await pool.close();
  });
});
