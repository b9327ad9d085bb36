// Benchmarks mlready's load generator, every figure against a peer measured in the same run:
// - CPU per request and requests/s against autocannon (npm) and wrk (Debian, when installed): one
//   node:http server pinned to core 0, each client to the other cores, concurrency 16, 5 s each,
//   three interleaved rounds (medians: loopback numbers are noisy);
// - open-loop rate accuracy at 500 and 2 000 requests/s, counted by the server (arrivals): from
//   its first to its last arrival, and fitted through all of them, with how late the first and
//   last arrivals lie off that line;
// - sub-millisecond latency against a server that busy-waits 250 µs and measures itself (its
//   handler, and from the request parsed to the response handed to the kernel), and against a
//   floor client on the same open-loop schedule (the least a Node client adds);
// - TTFT inflation at 1 000 streams/s, with and without --workers 2, against the TTFT the
//   streaming server measured for the same requests, and the CPU per stream of all processes.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const SECONDS = Number(process.env.MLREADY_BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;
/** Core 0 serves; the clients get the rest (on a 2-core machine, --workers 2 shares core 1). */
/** Which parts to run (MLREADY_BENCH_PARTS=cpu,transports runs two): all by default. */
const PARTS = (process.env.MLREADY_BENCH_PARTS ?? 'cpu,rate,submillisecond,waiting,ttft,transports').split(
  ',',
);
const CLIENT_CORES = availableParallelism() > 2 ? `1-${availableParallelism() - 1}` : '1';

const SERVER = `
const http = require('node:http');
const stats = () => ({ n: 0, first: 0, last: 0, arrivals: [], handling: [], wire: [], ttft: [] });
let s = stats();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (a, q) => { const v = [...a].sort((x, y) => x - y); return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : null; };
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.end(JSON.stringify({ n: s.n, first: s.first, last: s.last, arrivals: s.arrivals,
      handlingP50: quantile(s.handling, 0.5), wireP50: quantile(s.wire, 0.5),
      ttftP50: quantile(s.ttft, 0.5), ttftP99: quantile(s.ttft, 0.99) }));
    return;
  }
  if (req.method === 'GET' && req.url === '/reset') { s = stats(); res.end('{}'); return; }
  const received = performance.now();
  req.resume();
  req.on('end', async () => {
    const t = performance.now();
    s.n++; if (!s.first) s.first = t; s.last = t;
    if (req.url === '/') s.arrivals.push(t);
    if (req.url === '/delay') {
      // From the request's headers parsed to the response handed to the kernel: the most of the
      // round trip a Node server can see of itself (the handler alone is 'handling').
      res.on('finish', () => s.wire.push(performance.now() - received));
      while ((performance.now() - t) * 1000 < 250);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
      res.end('{"ok":true}');
      s.handling.push(performance.now() - t);
      return;
    }
    if (req.url === '/v1/chat/completions') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      await sleep(20);
      for (let i = 0; i < 5; i++) {
        if (i > 0) await sleep(5);
        res.write('data: {"choices":[{"index":0,"delta":{"content":"tok "}}]}\\n\\n');
        if (i === 0) s.ttft.push(performance.now() - t);
      }
      res.end('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}\\n\\ndata: [DONE]\\n\\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

// The floor for an open-loop Node client: the same schedule as mlready's (request i due at
// i / rate, never sent early, timers only), pre-encoded requests pipelined on one keep-alive
// socket, a timestamp before each write and when its response has arrived, no parsing beyond
// counting response bodies. Open loop like mlready, so a server stall shows in both alike; what
// mlready adds to a round trip is its p50 minus this one's, against the same server in one run.
const FLOOR_CLIENT = `
const net = require('node:net');
const [port, rate, seconds] = process.argv.slice(2).map(Number);
const wire = Buffer.from('POST /delay HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\ncontent-type: application/json\\r\\ncontent-length: 2\\r\\n\\r\\n{}');
const total = rate * seconds;
const sentAt = [];
const latencies = [];
let got = '';
const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);
socket.on('data', (d) => {
  got += d.toString('latin1');
  for (let at = got.indexOf('{"ok":true}'); at >= 0; at = got.indexOf('{"ok":true}')) {
    latencies.push(performance.now() - sentAt[latencies.length]);
    got = got.slice(at + 11);
  }
  if (latencies.length === total) finish();
});
function finish() {
  latencies.sort((a, b) => a - b);
  console.log(JSON.stringify({ p50: latencies[latencies.length >> 1], n: latencies.length }));
  socket.end();
}
socket.on('connect', () => {
  const start = performance.now();
  let i = 0;
  const tick = () => {
    while (i < total && performance.now() >= start + (i * 1000) / rate) {
      sentAt.push(performance.now());
      socket.write(wire);
      i++;
    }
    if (i < total) setTimeout(tick, Math.max(0, start + (i * 1000) / rate - performance.now()));
  };
  tick();
});
`;

// Ways of waiting for a scheduled send at 2 000/s, no network: how late each send leaves and what
// share of a core the waiting takes (src/loadtest/run.ts, SPIN_MIN_GAP_MS). None may send early.
const WAITING = `
const rate = 2000, seconds = 2;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));
const ways = {
  immediateSpin: async (t) => { for (;;) { const d = t - now(); if (d <= 0) return; if (d < 1) await turn(); else await sleep(Math.floor(d)); } },
  busyLoop: async (t) => { for (;;) { const d = t - now(); if (d <= 0) return; if (d < 1) { while (now() < t); return; } await sleep(Math.floor(d)); } },
  timers: async (t) => { for (;;) { const d = t - now(); if (d <= 0) return; await sleep(d); } },
};
(async () => {
  const out = {};
  for (const [name, wait] of Object.entries(ways)) {
    const lags = [];
    const cpu = process.cpuUsage();
    const start = now() + 5;
    for (let i = 0; i < rate * seconds; i++) {
      const t = start + (i * 1000) / rate;
      if (now() < t) await wait(t);
      lags.push(now() - t);
    }
    const used = process.cpuUsage(cpu);
    lags.sort((a, b) => a - b);
    const q = (p) => Number(lags[Math.min(lags.length - 1, Math.floor(p * lags.length))].toFixed(3));
    out[name] = { lagP50Ms: q(0.5), lagP99Ms: q(0.99), early: lags[0] < 0,
      cpuShare: Number(((used.user + used.system) / 1000 / (now() - start)).toFixed(2)) };
  }
  console.log(JSON.stringify(out));
})();
`;

// One transport alone, no recorder or schedule beyond the least a load test needs: a closed loop
// of CONCURRENCY for SECONDS against '/' (CPU per request), or an open loop at 500/s for 5 s
// against '/delay' (p50 from handing the request to the transport to its last byte). The
// transports: mlready's own (src/loadtest/fast-client.ts), undici's Pool (dispatch, and request),
// node:http with a keep-alive Agent. What the rest of mlready adds is the CLI's figure minus its
// transport's.
const TRANSPORT = `
import { createRequire } from 'node:module';
const require = createRequire(process.argv[2] + '/package.json');
const [, , root, kind, mode, portText, secondsText, concurrencyText] = process.argv;
const port = Number(portText), seconds = Number(secondsText), concurrency = Number(concurrencyText);
const origin = 'http://127.0.0.1:' + port;
const path = mode === 'open' ? '/delay' : '/';
const body = mode === 'open' ? '{}' : '{"x":1}';
const headers = { 'content-type': 'application/json' };
const now = () => performance.now();
let send;
if (kind === 'mlready') {
  const { FastPool } = await import(root + '/dist/loadtest/fast-client.js');
  const pool = new FastPool(origin, { maxConnections: 1024, timeoutMs: 30000, now });
  const request = { method: 'POST', path, body, headers, stream: false, expectTokens: false };
  send = (done) => pool.dispatch(request, { onStart() {}, onHeaders() {}, onData() {},
    onComplete: () => done(true), onError: () => done(false) });
} else if (kind === 'undici-dispatch' || kind === 'undici-request') {
  const { Pool } = require('undici');
  const pool = new Pool(origin, { connections: 1024, pipelining: 1 });
  const options = { origin, method: 'POST', path, body, headers };
  send = kind === 'undici-request'
    ? (done) => pool.request(options).then((r) => r.body.dump().then(() => done(true)), () => done(false))
    : (done) => pool.dispatch(options, { onConnect() {}, onHeaders: () => true, onData: () => true,
        onComplete: () => done(true), onError: () => done(false) });
} else {
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const length = String(Buffer.byteLength(body));
  send = (done) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent,
      headers: { ...headers, 'content-length': length } }, (res) => {
      res.on('data', () => {});
      // On the next turn: the Agent frees the socket after 'end', and a request sent from 'end'
      // itself would open a new connection each time.
      res.on('end', () => setImmediate(done, true));
    });
    req.on('error', () => done(false));
    req.end(body);
  };
}
let ok = 0, failed = 0;
const latencies = [];
if (mode === 'closed') {
  const end = now() + seconds * 1000;
  await new Promise((finish) => {
    let running = concurrency;
    const loop = () => { if (now() >= end) { if (--running === 0) finish(); return; }
      send((good) => { good ? ok++ : failed++; loop(); }); };
    for (let i = 0; i < concurrency; i++) loop();
  });
} else {
  const rate = 500, total = rate * seconds;
  const start = now() + 20;
  await new Promise((finish) => {
    let i = 0, settled = 0;
    const tick = () => {
      while (i < total && now() >= start + (i * 1000) / rate) {
        const t = now(); i++;
        send((good) => { good ? ok++ : failed++; latencies.push(now() - t); if (++settled === total) finish(); });
      }
      if (i < total) setTimeout(tick, Math.max(0, start + (i * 1000) / rate - now()));
    };
    tick();
  });
}
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ ok, failed, p50: latencies.length ? latencies[latencies.length >> 1] : null }));
process.exit(0);
`;

/** Runs a client under /usr/bin/time on the client cores; returns its stdout and CPU seconds (user + system). */
function timed(command, args) {
  const run = spawnSync(
    'taskset',
    ['-c', CLIENT_CORES, '/usr/bin/time', '-f', 'CPU %U %S', command, ...args],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const cpu = /CPU ([0-9.]+) ([0-9.]+)\s*$/.exec(run.stderr);
  if (!cpu) throw new Error(`${command} failed: ${run.stderr.slice(-500)}`);
  return { stdout: run.stdout, stderr: run.stderr, cpuSeconds: Number(cpu[1]) + Number(cpu[2]) };
}

export async function benchLoadtest() {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-lt-bench-'));
  const serverFile = join(dir, 'server.cjs');
  writeFileSync(serverFile, SERVER);
  const server = spawn('taskset', ['-c', '0', process.execPath, serverFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((done) =>
      server.stdout.once('data', (d) => done(Number(String(d).trim()))),
    );
    const origin = `http://127.0.0.1:${port}`;
    const url = `${origin}/`;
    const part = (name) => PARTS.includes(name);
    const rounds = [];
    if (part('cpu'))
      for (let round = 0; round < Number(process.env.MLREADY_BENCH_ROUNDS ?? 3); round++)
        rounds.push(measure(url, dir));
    const rateAccuracy = [];
    if (part('rate')) for (const rate of [500, 2000]) rateAccuracy.push(await measureRate(origin, rate));
    const subMillisecond = part('submillisecond') ? await measureSubMillisecond(origin, dir) : undefined;
    let waitingAt2000PerSecond;
    if (part('waiting')) {
      const waitingFile = join(dir, 'waiting.cjs');
      writeFileSync(waitingFile, WAITING);
      waitingAt2000PerSecond = JSON.parse(timed(process.execPath, [waitingFile]).stdout);
    }
    const ttftInflation = part('ttft') ? [await measureTtft(origin, 1), await measureTtft(origin, 2)] : [];
    const transports = part('transports') ? await measureTransports(origin, dir) : undefined;
    const median = (tool, key) => {
      const values = rounds.map((r) => r[tool][key]).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    const tools = rounds.length === 0 ? [] : ['mlready', 'autocannon', ...(rounds[0].wrk ? ['wrk'] : [])];
    const results = Object.fromEntries(
      tools.map((tool) => [
        tool,
        { rps: median(tool, 'rps'), cpuMicrosPerRequest: median(tool, 'cpuMicrosPerRequest') },
      ]),
    );
    const ratios =
      rounds.length === 0
        ? {}
        : {
            rpsVsAutocannon: Number((results.mlready.rps / results.autocannon.rps).toFixed(2)),
            cpuPerRequestVsAutocannon: Number(
              (results.mlready.cpuMicrosPerRequest / results.autocannon.cpuMicrosPerRequest).toFixed(2),
            ),
            ...(results.wrk
              ? { rpsVsWrk: Number((results.mlready.rps / results.wrk.rps).toFixed(2)) }
              : { wrk: 'not installed (apt-get install wrk)' }),
          };
    return {
      name: 'loadtest',
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      rounds: rounds.length,
      ...results,
      ...ratios,
      rateAccuracy,
      subMillisecond,
      waitingAt2000PerSecond,
      ttftInflation,
      transports,
      parts: PARTS,
      clientCores: CLIENT_CORES,
    };
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(url, dir) {
  const results = {};

  const mlready = timed(process.execPath, [
    BIN,
    'loadtest',
    url,
    '--protocol',
    'http',
    '--body',
    '{"x":1}',
    '--concurrency',
    String(CONCURRENCY),
    '--duration',
    `${SECONDS}s`,
    '--format',
    'json',
  ]);
  const report = JSON.parse(mlready.stdout);
  results.mlready = {
    rps: Math.round(report.summary.rps),
    cpuMicrosPerRequest: Number(((mlready.cpuSeconds * 1e6) / report.summary.requests.total).toFixed(1)),
    errors: report.summary.requests.errors,
  };

  const autocannon = timed(process.execPath, [
    join(ROOT, 'node_modules/autocannon/autocannon.js'),
    '-c',
    String(CONCURRENCY),
    '-d',
    String(SECONDS),
    '-m',
    'POST',
    '-b',
    '{"x":1}',
    '-H',
    'content-type=application/json',
    '-j',
    url,
  ]);
  const ac = JSON.parse(autocannon.stdout);
  results.autocannon = {
    rps: Math.round(ac.requests.average),
    cpuMicrosPerRequest: Number(((autocannon.cpuSeconds * 1e6) / ac.requests.total).toFixed(1)),
    errors: ac.errors,
  };

  if (spawnSync('which', ['wrk']).status !== 0) return results;
  const script = join(dir, 'post.lua');
  writeFileSync(
    script,
    'wrk.method = "POST"\nwrk.body = \'{"x":1}\'\nwrk.headers["Content-Type"] = "application/json"\n',
  );
  const wrk = timed('wrk', ['-t1', `-c${CONCURRENCY}`, `-d${SECONDS}s`, '-s', script, url]);
  const total = Number(/(\d+) requests in/.exec(wrk.stdout)?.[1]);
  results.wrk = {
    rps: Math.round(Number(/Requests\/sec:\s+([0-9.]+)/.exec(wrk.stdout)?.[1])),
    cpuMicrosPerRequest: Number(((wrk.cpuSeconds * 1e6) / total).toFixed(1)),
  };

  return results;
}

async function stats(origin) {
  return (await control(`${origin}/stats`)).json();
}

/**
 * A request to the test server's control endpoints. fetch keeps its socket alive between calls that
 * are seconds apart, and the server may close it just as the next call reuses it ("other side
 * closed"): such a call is sent again, at most twice.
 */
async function control(url) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url);
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}

async function reset(origin) {
  await control(`${origin}/reset`);
}

/** Runs mlready loadtest on the client cores and returns its JSON report (and its CPU seconds). */
function mlready(args) {
  const run = timed(process.execPath, [
    BIN,
    'loadtest',
    ...args,
    '--format',
    'json',
    '--min-requests',
    '1',
    '--force',
  ]);
  if (!run.stdout.trim())
    throw new Error(`mlready loadtest ${args.join(' ')} printed no report: ${run.stderr.slice(-800)}`);
  return Object.assign(JSON.parse(run.stdout), { cpuSeconds: run.cpuSeconds });
}

/** Open loop at `rate` for 10 s: the rate the server saw (its own arrival clock) against the target. */
async function measureRate(origin, rate) {
  await reset(origin);
  const seconds = 10;
  const report = mlready([
    `${origin}/`,
    '--protocol',
    'http',
    '--body',
    '{}',
    '--rate',
    String(rate),
    '--duration',
    `${seconds}s`,
  ]);
  const s = await stats(origin);
  const serverRate = (s.n - 1) / ((s.last - s.first) / 1000);
  const fit = lineFit(s.arrivals);
  return {
    rate,
    seconds,
    requestsExpected: rate * seconds,
    requestsSeen: s.n,
    serverRate: Number(serverRate.toFixed(2)),
    errorPct: Number((((serverRate - rate) / rate) * 100).toFixed(3)),
    // The same arrivals fitted by least squares (every arrival, not only the first and last), and
    // how far the first and last arrivals lie off that line: a late first arrival makes the
    // first-to-last rate read high.
    serverRateFit: Number((1000 / fit.slope).toFixed(2)),
    fitErrorPct: Number((((1000 / fit.slope - rate) / rate) * 100).toFixed(3)),
    firstArrivalLateMs: Number(fit.residual(0).toFixed(2)),
    lastArrivalLateMs: Number(fit.residual(s.arrivals.length - 1).toFixed(2)),
    offeredRps: Number(report.summary.offeredRps.toFixed(2)),
    achievedRps: Number(report.summary.rps.toFixed(2)),
    scheduleLagP99Ms: report.summary.scheduleLag.p99,
    saturated: report.summary.generator.saturated,
  };
}

/** Least-squares line through arrival times against their index: ms per request, and residuals. */
function lineFit(times) {
  const n = times.length;
  const meanX = (n - 1) / 2;
  const meanY = times.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  times.forEach((y, x) => {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  });
  const slope = sxy / sxx;
  return { slope, residual: (i) => times[i] - (meanY + slope * (i - meanX)) };
}

/**
 * 500 requests/s for 5 s against a 250 µs busy-wait: mlready's p50 against the server's own
 * measurements (its handler alone, and from its request parsed to its response handed to the
 * kernel) and against the floor client (the least a Node client adds), all in the same run.
 */
async function measureSubMillisecond(origin, dir) {
  await reset(origin);
  const floorFile = join(dir, 'floor.cjs');
  writeFileSync(floorFile, FLOOR_CLIENT);
  const floor = JSON.parse(timed(process.execPath, [floorFile, new URL(origin).port, '500', '5']).stdout);
  const floorServer = await stats(origin);
  await reset(origin);
  const report = mlready([
    `${origin}/delay`,
    '--protocol',
    'http',
    '--body',
    '{}',
    '--rate',
    '500',
    '--duration',
    '5s',
  ]);
  const s = await stats(origin);
  const p50 = report.summary.latency.p50;
  const ms = (v) => Number(v.toFixed(3));
  return {
    serverP50Ms: ms(s.handlingP50),
    serverWireP50Ms: ms(s.wireP50),
    clientP50Ms: p50,
    differenceMs: ms(p50 - s.handlingP50),
    differenceFromWireMs: ms(p50 - s.wireP50),
    floorClientP50Ms: ms(floor.p50),
    floorServerWireP50Ms: ms(floorServer.wireP50),
    differenceFromFloorMs: ms(p50 - floor.p50),
    clientMinMs: report.summary.latency.min,
  };
}

/**
 * Each transport alone (TRANSPORT) against autocannon, interleaved, MLREADY_BENCH_ROUNDS rounds:
 * CPU per request in a closed loop of CONCURRENCY, and p50 at 500/s against the 250 µs server
 * beside the server's own handler time and the floor client's p50.
 */
async function measureTransports(origin, dir) {
  const file = join(dir, 'transport.mjs');
  writeFileSync(file, TRANSPORT);
  const floorFile = join(dir, 'floor.cjs');
  writeFileSync(floorFile, FLOOR_CLIENT);
  const port = new URL(origin).port;
  const kinds = ['mlready', 'undici-dispatch', 'undici-request', 'node-http'];
  const cpu = Object.fromEntries([...kinds, 'autocannon'].map((k) => [k, []]));
  for (let round = 0; round < Number(process.env.MLREADY_BENCH_ROUNDS ?? 3); round++) {
    for (const kind of kinds) {
      const run = timed(process.execPath, [
        file,
        ROOT,
        kind,
        'closed',
        port,
        String(SECONDS),
        String(CONCURRENCY),
      ]);
      const out = JSON.parse(run.stdout);
      cpu[kind].push({
        rps: out.ok / SECONDS,
        cpuMicrosPerRequest: (run.cpuSeconds * 1e6) / out.ok,
        failed: out.failed,
      });
    }
    const ac = timed(process.execPath, [
      join(ROOT, 'node_modules/autocannon/autocannon.js'),
      ...['-c', String(CONCURRENCY), '-d', String(SECONDS), '-m', 'POST', '-b', '{"x":1}'],
      ...['-H', 'content-type=application/json', '-j', `${origin}/`],
    ]);
    const acOut = JSON.parse(ac.stdout);
    cpu.autocannon.push({
      rps: acOut.requests.average,
      cpuMicrosPerRequest: (ac.cpuSeconds * 1e6) / acOut.requests.total,
    });
  }
  const med = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const closedLoop = Object.fromEntries(
    Object.entries(cpu).map(([kind, runs]) => [
      kind,
      {
        rps: Math.round(med(runs.map((r) => r.rps))),
        cpuMicrosPerRequest: Number(med(runs.map((r) => r.cpuMicrosPerRequest)).toFixed(1)),
        cpuVsAutocannon: Number(
          (
            med(runs.map((r) => r.cpuMicrosPerRequest)) /
            med(cpu.autocannon.map((r) => r.cpuMicrosPerRequest))
          ).toFixed(2),
        ),
      },
    ]),
  );
  const openLoopP50Ms = {};
  for (const kind of [...kinds, 'floor']) {
    await reset(origin);
    const run =
      kind === 'floor'
        ? timed(process.execPath, [floorFile, port, '500', '5'])
        : timed(process.execPath, [file, ROOT, kind, 'open', port, '5', '0']);
    const s = await stats(origin);
    openLoopP50Ms[kind] = {
      clientP50: Number(JSON.parse(run.stdout).p50.toFixed(3)),
      serverHandlerP50: Number(s.handlingP50.toFixed(3)),
      serverWireP50: Number(s.wireP50.toFixed(3)),
    };
  }
  return { closedLoop, openLoopP50Ms };
}

/** 1 000 streams/s for 5 s: client TTFT p99 minus the server's TTFT p99 (how much the client adds). */
async function measureTtft(origin, workers) {
  await reset(origin);
  const report = mlready([
    origin,
    '--protocol',
    'openai',
    '--prompt',
    'hi',
    '--rate',
    '1000',
    '--duration',
    `${SECONDS}s`,
    ...(workers > 1 ? ['--workers', String(workers)] : []),
  ]);
  const s = await stats(origin);
  return {
    workers,
    streamsPerSecond: 1000,
    serverTtftP50Ms: Number(s.ttftP50.toFixed(2)),
    serverTtftP99Ms: Number(s.ttftP99.toFixed(2)),
    clientTtftP50Ms: report.summary.ttft.p50,
    clientTtftP99Ms: report.summary.ttft.p99,
    inflationP99Ms: Number((report.summary.ttft.p99 - s.ttftP99).toFixed(2)),
    saturated: report.summary.generator.saturated,
    achievedRps: Number(report.summary.rps.toFixed(1)),
    // CPU of every process (coordinator and workers, start-up included) per stream: what a worker costs.
    cpuMicrosPerStream: Number(((report.cpuSeconds * 1e6) / report.summary.requests.total).toFixed(1)),
  };
}
