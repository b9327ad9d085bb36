import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FastPool, type ResponseSink } from '../src/loadtest/fast-client.js';
import { errorKind } from '../src/loadtest/sender.js';
import type { PreparedRequest } from '../src/loadtest/protocols.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A raw TCP server that answers every request it reads with `reply` (bytes, then maybe a close). */
async function raw(reply: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let buffer = '';
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        const head = buffer.slice(0, buffer.indexOf('\r\n\r\n'));
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buffer = buffer.slice(head.length + 4 + length);
        reply(socket);
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
  body: '{}',
  headers: { 'content-type': 'application/json' },
  stream: false,
  expectTokens: false,
};

interface Outcome {
  status: number;
  body: string;
  kind?: string;
}

function send(pool: FastPool): Promise<Outcome> {
  return new Promise((resolve) => {
    let status = 0;
    const chunks: Buffer[] = [];
    const sink: ResponseSink = {
      onStart: () => {},
      onHeaders: (s) => (status = s),
      onData: (c) => chunks.push(Buffer.from(c)),
      onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString('latin1') }),
      onError: (error) => resolve({ status, body: '', kind: errorKind(error) }),
    };
    pool.dispatch(REQUEST, sink);
  });
}

/** Sends one request to a server that answers `bytes` (then closes when `close`), within 3 s. */
async function answer(bytes: string, close = false): Promise<Outcome> {
  const url = await raw((socket) => {
    socket.write(bytes, 'latin1');
    if (close) socket.end();
  });
  const pool = new FastPool(url, { maxConnections: 1, timeoutMs: 3000, now: () => performance.now() });
  try {
    return await send(pool);
  } finally {
    await pool.close();
  }
}

describe('hostile response bytes are a categorized error, never a crash or a hang', () => {
  it.each([
    ['no status line', 'garbage\r\n\r\n'],
    ['a status code that is not a number', 'HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n'],
    ['a four-digit status code', 'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n'],
    ['a status code out of range', 'HTTP/1.1 999 Nope\r\ncontent-length: 0\r\n\r\n'],
    ['an HTTP/2 status line', 'HTTP/2 200\r\ncontent-length: 0\r\n\r\n'],
    ['a 101 Switching Protocols never asked for', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n'],
    [
      'a chunk-size line over 4 KiB',
      `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2;${'x'.repeat(5000)}\r\nhi\r\n0\r\n\r\n`,
    ],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken header\r\ncontent-length: 2\r\n\r\nok'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\nok'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\nok'],
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\nokokok',
    ],
    [
      'a chunk size that is not hex',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n',
    ],
    ['a negative chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n-1\r\nhi\r\n0\r\n\r\n'],
    [
      'a chunk size with trailing garbage',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2x\r\nhi\r\n0\r\n\r\n',
    ],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'an enormous chunk size',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffffff\r\nhi\r\n0\r\n\r\n',
    ],
  ])('%s is a parse error', async (_name, bytes) => {
    expect(await answer(bytes)).toMatchObject({ kind: 'parse' });
  });

  it.each([
    ['inside a Content-Length body', 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'],
    ['inside a chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\na\r\nabc'],
    ['between chunks', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhi\r\n'],
    ['inside the headers', 'HTTP/1.1 200 OK\r\ncontent-le'],
    ['before any byte', ''],
  ])('a server closing %s is a connection error', async (_name, bytes) => {
    expect(await answer(bytes, true)).toMatchObject({ kind: 'connection' });
  });

  it('skips an interim 1xx response and reads the final one', async () => {
    const outcome = await answer(
      'HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
    );
    expect(outcome).toEqual({ status: 200, body: 'ok' });
  });

  it('accepts a status line without a reason phrase and a chunk extension', async () => {
    const outcome = await answer(
      'HTTP/1.1 200\r\ntransfer-encoding: chunked\r\n\r\n2;name=value\r\nok\r\n0\r\nx-trailer: 1\r\n\r\n',
    );
    expect(outcome).toEqual({ status: 200, body: 'ok' });
  });
});

describe('the HTTP sender', () => {
  it('keeps a JSON body read in pieces intact while other connections read into the same buffer', async () => {
    // Two responses, each body in two pieces, the pieces interleaved across the two connections:
    // the client reads every plain-TCP connection into one buffer, so a body part kept without a
    // copy would be overwritten by the other connection's next read.
    const { createHttpSender } = await import('../src/loadtest/sender.js');
    const sockets: Socket[] = [];
    const body = (n: number) =>
      JSON.stringify({
        choices: [{ message: { content: `answer ${n} `.repeat(20) } }],
        usage: { completion_tokens: n },
      });
    const url = await raw((socket) => {
      sockets.push(socket);
      if (sockets.length < 2) return;
      const parts = sockets.map((s, i) => {
        const text = body(i + 1);
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${text.length}\r\n\r\n${text.slice(0, 100)}`);
        return text.slice(100);
      });
      setTimeout(() => sockets[0]!.write(parts[0]!), 20);
      setTimeout(() => sockets[1]!.write(parts[1]!), 40);
    });
    const sender = createHttpSender({
      origin: url,
      protocol: 'openai',
      timeoutMs: 3000,
      maxConnections: 2,
      now: () => performance.now(),
    });
    const request = { ...REQUEST, expectTokens: true };
    try {
      const samples = await Promise.all([sender.send(request, 0), sender.send(request, 0)]);
      expect(samples.map((s) => [s.ok, s.error, s.outputTokens]).sort()).toEqual([
        [true, undefined, 1],
        [true, undefined, 2],
      ]);
    } finally {
      await sender.close();
    }
  });
});
