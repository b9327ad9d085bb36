// Benchmarks mlready's load generator, every figure against a peer measured in the same run:
// - CPU per request and requests/s against autocannon (npm) and wrk (Debian, when installed): one
//   node:http server pinned to core 0, each client to the other cores, concurrency 16, 5 s each,
//   three interleaved rounds (medians: loopback numbers are noisy);
// - open-loop rate accuracy at 500 and 2 000 requests/s, counted by the server (arrivals);
// - sub-millisecond latency against a server that busy-waits 250 µs and measures itself;
// - TTFT inflation at 1 000 streams/s, with and without --workers 2, against the TTFT the
//   streaming server measured for the same requests.
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
const CLIENT_CORES = availableParallelism() > 2 ? `1-${availableParallelism() - 1}` : '1';

const SERVER = `
const http = require('node:http');
const stats = () => ({ n: 0, first: 0, last: 0, handling: [], ttft: [] });
let s = stats();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (a, q) => { const v = [...a].sort((x, y) => x - y); return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : null; };
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.end(JSON.stringify({ n: s.n, first: s.first, last: s.last,
      handlingP50: quantile(s.handling, 0.5), ttftP50: quantile(s.ttft, 0.5), ttftP99: quantile(s.ttft, 0.99) }));
    return;
  }
  if (req.method === 'GET' && req.url === '/reset') { s = stats(); res.end('{}'); return; }
  req.resume();
  req.on('end', async () => {
    const t = performance.now();
    s.n++; if (!s.first) s.first = t; s.last = t;
    if (req.url === '/delay') {
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
    const rounds = [];
    for (let round = 0; round < Number(process.env.MLREADY_BENCH_ROUNDS ?? 3); round++)
      rounds.push(measure(url, dir));
    const rateAccuracy = [];
    for (const rate of [500, 2000]) rateAccuracy.push(await measureRate(origin, rate));
    const subMillisecond = await measureSubMillisecond(origin);
    const ttftInflation = [await measureTtft(origin, 1), await measureTtft(origin, 2)];
    const median = (tool, key) => {
      const values = rounds.map((r) => r[tool][key]).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    const tools = ['mlready', 'autocannon', ...(rounds[0].wrk ? ['wrk'] : [])];
    const results = Object.fromEntries(
      tools.map((tool) => [
        tool,
        { rps: median(tool, 'rps'), cpuMicrosPerRequest: median(tool, 'cpuMicrosPerRequest') },
      ]),
    );
    return {
      name: 'loadtest',
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      rounds: rounds.length,
      ...results,
      rpsVsAutocannon: Number((results.mlready.rps / results.autocannon.rps).toFixed(2)),
      cpuPerRequestVsAutocannon: Number(
        (results.mlready.cpuMicrosPerRequest / results.autocannon.cpuMicrosPerRequest).toFixed(2),
      ),
      ...(results.wrk
        ? { rpsVsWrk: Number((results.mlready.rps / results.wrk.rps).toFixed(2)) }
        : { wrk: 'not installed (apt-get install wrk)' }),
      rateAccuracy,
      subMillisecond,
      ttftInflation,
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
  return (await fetch(`${origin}/stats`)).json();
}

async function reset(origin) {
  await fetch(`${origin}/reset`);
}

/** Runs mlready loadtest on the client cores and returns its JSON report. */
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
  return JSON.parse(run.stdout);
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
  return {
    rate,
    seconds,
    requestsExpected: rate * seconds,
    requestsSeen: s.n,
    serverRate: Number(serverRate.toFixed(2)),
    errorPct: Number((((serverRate - rate) / rate) * 100).toFixed(3)),
    offeredRps: Number(report.summary.offeredRps.toFixed(2)),
    achievedRps: Number(report.summary.rps.toFixed(2)),
    scheduleLagP99Ms: report.summary.scheduleLag.p99,
    saturated: report.summary.generator.saturated,
  };
}

/** 500 requests/s for 5 s against a 250 µs busy-wait: client p50 against the server's own p50. */
async function measureSubMillisecond(origin) {
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
  return {
    serverP50Ms: Number(s.handlingP50.toFixed(3)),
    clientP50Ms: report.summary.latency.p50,
    differenceMs: Number((report.summary.latency.p50 - s.handlingP50).toFixed(3)),
    clientMinMs: report.summary.latency.min,
  };
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
  };
}
