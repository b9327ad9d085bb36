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

function send(pool: FastPool, request = REQUEST): Promise<{ status: number; body: string; error?: unknown }> {
  return new Promise((resolve) => {
    let status = 0;
    const chunks: Buffer[] = [];
    const sink: ResponseSink = {
      onConnect: () => {},
      onHeaders: (s) => ((status = s), true),
      onData: (c) => (chunks.push(Buffer.from(c)), true),
      onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
      onError: (error) => resolve({ status, body: '', error }),
    };
    pool.dispatch(request, sink);
  });
}

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
    const pool = new FastPool(url, { connections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toEqual({ status: 200, body: '{"n":0}' });
    expect(await send(pool)).toEqual({ status: 200, body: '{"n":1}' });
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
    const pool = new FastPool(url, { connections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toEqual({ status: 200, body: 'hello world' });
    expect(await send(pool)).toEqual({ status: 200, body: 'hello world' });
    await pool.close();
  });

  it('reads to the end of the connection without a length, and opens a new one after Connection: close', async () => {
    const url = await raw((socket) => {
      socket.write('HTTP/1.0 200 OK\r\n\r\nuntil close');
      setTimeout(() => socket.end(), 5);
    });
    const pool = new FastPool(url, { connections: 1, timeoutMs: 2000, now: () => performance.now() });
    expect(await send(pool)).toEqual({ status: 200, body: 'until close' });
    expect(await send(pool)).toEqual({ status: 200, body: 'until close' });
    await pool.close();
  });

  it('reports a malformed status line, a reset and a timeout as errors', async () => {
    const url = await raw((socket, n) => {
      if (n === 0) socket.write('garbage\r\n\r\n');
      else if (n === 1) socket.destroy();
      // n === 2: never answers
    });
    const pool = new FastPool(url, { connections: 1, timeoutMs: 300, now: () => performance.now() });
    expect(((await send(pool)).error as { code: string }).code).toBe('EPROTO');
    expect(((await send(pool)).error as { code: string }).code).toBe('ECONNRESET');
    const started = performance.now();
    expect(((await send(pool)).error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(1500);
    await pool.close();
  });

  it('queues requests beyond the connection limit', async () => {
    const url = await raw((socket) => {
      setTimeout(() => socket.write('HTTP/1.1 204 No Content\r\n\r\n'), 20);
    });
    const pool = new FastPool(url, { connections: 2, timeoutMs: 2000, now: () => performance.now() });
    const results = await Promise.all(Array.from({ length: 6 }, () => send(pool)));
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 204]);
    await later(10);
    await pool.close();
  });
});
