import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback servers that behave like model endpoints, for load tests. Each closes itself after the test. */
export interface TestServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function listen(
  handler: (
    req: IncomingMessage,
    res: ServerResponse,
    state: { requests: number; inFlight: number },
  ) => Promise<void> | void,
): Promise<TestServer> {
  const state = { requests: 0, inFlight: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    state.inFlight++;
    res.on('close', () => state.inFlight--);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      (req as IncomingMessage & { body: string }).body = body;
      void Promise.resolve(handler(req, res, state)).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export interface OpenAiOptions {
  ttftMs?: number;
  tokenDelayMs?: number;
  tokens?: number;
  /** Extra delay per request already in flight: a batch that grows slows every sequence. */
  batchSlowdownMs?: number;
  /** No token leaves the server between these times (ms since start): a stall (GC, preemption, KV-cache swap). */
  stall?: { fromMs: number; toMs: number };
  usage?: boolean;
  /** Send one broken SSE event in every response. */
  malformed?: boolean;
  /** Words per streamed chunk (several tokens a chunk, as some servers send); default one token "t<i> ". */
  chunkWords?: string[];
}

/** An OpenAI-compatible /v1/chat/completions server, streaming Server-Sent Events like vLLM. */
export function openAiServer(options: OpenAiOptions = {}): Promise<TestServer> {
  const started = Date.now();
  const waitStall = async () => {
    if (!options.stall) return;
    const t = Date.now() - started;
    if (t >= options.stall.fromMs && t < options.stall.toMs) await sleep(options.stall.toMs - t);
  };
  return listen(async (req, res, state) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
      return;
    }
    const body = JSON.parse((req as IncomingMessage & { body: string }).body) as {
      stream?: boolean;
      max_tokens?: number;
      model?: string;
    };
    const tokens = Math.min(options.tokens ?? 8, body.max_tokens ?? Infinity);
    const slowdown = (options.batchSlowdownMs ?? 0) * Math.max(0, state.inFlight - 1);
    await sleep((options.ttftMs ?? 5) + slowdown);
    await waitStall();
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'tok '.repeat(tokens) },
              finish_reason: 'length',
            },
          ],
          ...(options.usage !== false
            ? { usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 } }
            : {}),
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < tokens; i++) {
      if (i > 0) await sleep((options.tokenDelayMs ?? 2) + slowdown);
      await waitStall();
      const content = options.chunkWords ? `${options.chunkWords.join(' ')} ` : `t${i} `;
      res.write(
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
      );
      if (options.malformed && i === 0) res.write('data: {"choices": [ broken\n\n');
    }
    if (options.usage !== false)
      res.write(
        `data: ${JSON.stringify({ id: 'x', choices: [], usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: tokens + 5 } })}\n\n`,
      );
    res.end('data: [DONE]\n\n');
  });
}

/** A KServe v2 / Triton inference server: POST /v2/models/{name}/infer. */
export function kserveServer(options: { delayMs?: number } = {}): Promise<TestServer> {
  return listen(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200).end();
      return;
    }
    const m = /^\/v2\/models\/([^/]+)\/infer$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown model"}');
      return;
    }
    await sleep(options.delayMs ?? 2);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        model_name: m[1],
        outputs: [{ name: 'output', shape: [1, 2], datatype: 'FP32', data: [0.1, 0.9] }],
      }),
    );
  });
}

/** Faults: every `every`-th request answers 500, resets the connection, or holds its headers back. */
export function faultServer(options: {
  fault: '500' | 'reset' | 'slow-headers';
  every: number;
  slowMs?: number;
}): Promise<TestServer> {
  let n = 0;
  return listen(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200).end();
      return;
    }
    n++;
    if (n % options.every === 0) {
      if (options.fault === '500') {
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      if (options.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      await sleep(options.slowMs ?? 2000);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
}

/**
 * A server with a fixed capacity: `parallel` requests at a time, each taking `serviceMs`; the rest
 * wait in its queue (like a GPU server at its batch limit). Capacity = parallel × 1000 / serviceMs.
 */
export function capacityServer(options: { serviceMs: number; parallel: number }): Promise<TestServer> {
  let busy = 0;
  const queue: (() => void)[] = [];
  const done = () => {
    busy--;
    const next = queue.shift();
    if (next) next();
  };
  return listen((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200).end();
      return;
    }
    const serve = () => {
      busy++;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        done();
      }, options.serviceMs);
    };
    if (busy < options.parallel) serve();
    else queue.push(serve);
  });
}

/**
 * A raw TCP server that answers every request with a busy wait of `delayUs` microseconds and
 * records its own measurement of each response (from the request's last byte to the response
 * written), for sub-millisecond latency checks.
 */
export async function knownDelayServer(delayUs: number): Promise<TestServer & { serverTimesMs: number[] }> {
  const { createServer: createTcp } = await import('node:net');
  const serverTimesMs: number[] = [];
  const body = '{"ok":true}';
  const response = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  let requests = 0;
  const server = createTcp((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.slice(end + 4 + length);
        const start = performance.now();
        while ((performance.now() - start) * 1000 < delayUs);
        socket.write(response);
        serverTimesMs.push(performance.now() - start);
        requests++;
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    serverTimesMs,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Hostile responses: a huge body, an SSE line that never ends, headers that never end. */
export async function hostileServer(
  kind: 'huge-body' | 'endless-sse-line' | 'endless-header',
): Promise<TestServer> {
  const { createServer: createTcp } = await import('node:net');
  let requests = 0;
  const server = createTcp((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      requests++;
      if (kind === 'endless-header') socket.write('HTTP/1.1 200 OK\r\n');
      else if (kind === 'huge-body')
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 209715200\r\n\r\n{"a":"',
        );
      else
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n',
        );
      const piece = Buffer.alloc(64 * 1024, 97);
      const more = () => {
        if (socket.destroyed) return;
        if (kind === 'endless-header') socket.write(`x-pad: ${piece.toString('latin1', 0, 4000)}\r\n`);
        else if (kind === 'huge-body') socket.write(piece);
        else {
          // A well-formed chunk (its size counts the prefix): only the SSE line in it is endless.
          const data = `${kind === 'endless-sse-line' ? 'data: ' : ''}${piece.toString('latin1')}`;
          socket.write(`${data.length.toString(16)}\r\n${data}\r\n`);
        }
        setImmediate(more);
      };
      more();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
