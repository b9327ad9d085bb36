import { createServer, type Server } from 'node:http';
import type * as Net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * A connection that takes 80 ms to establish (as a TLS handshake or a far server can): the socket
 * mlready opens starts connecting 80 ms late, and writes wait for it, as Node's do for a socket
 * that is still connecting.
 */
const CONNECT_DELAY_MS = 80;
vi.mock('node:net', async (importOriginal) => {
  const net = await importOriginal<typeof Net>();
  return {
    ...net,
    connect: (options: Net.NetConnectOpts) => {
      // The options go to the constructor too: `onread` (how mlready reads plain TCP) is read there.
      const socket = new net.Socket(options);
      // Node queues writes on a socket that is connecting and sends them once connected.
      (socket as unknown as { connecting: boolean }).connecting = true;
      setTimeout(() => socket.connect(options), CONNECT_DELAY_MS);
      return socket;
    },
  };
});

const { createHttpSender } = await import('../src/loadtest/sender.js');

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

describe('the time to open a connection', () => {
  it('is client time (client queue), not server latency', async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const sender = createHttpSender({
      origin: `http://127.0.0.1:${port}`,
      protocol: 'http',
      timeoutMs: 5000,
      maxConnections: 8,
      now: () => performance.now(),
    });
    try {
      const intended = performance.now();
      const sample = await sender.send(
        { method: 'POST', path: '/', body: '{}', headers: {}, stream: false, expectTokens: false },
        intended,
      );
      expect(sample.ok).toBe(true);
      // Written once connected: the 80 ms connect lies between dispatch and write, not in latency.
      expect(sample.sent - (sample.dispatched ?? intended)).toBeGreaterThanOrEqual(CONNECT_DELAY_MS - 5);
      expect(sample.end - sample.sent).toBeLessThan(CONNECT_DELAY_MS / 2);
      // A wait for a connect is not a wait for a free connection: the run is not called client-limited.
      expect(sample.queued).toBe(false);
    } finally {
      await sender.close();
    }
  });
});
