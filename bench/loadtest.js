// Benchmarks mlready's HTTP client against autocannon (npm) and wrk (Debian) in the same run:
// one node:http server pinned to one core, each client pinned to the other, concurrency 16,
// 5 seconds each, three interleaved rounds (medians: loopback numbers are noisy).
// Reports requests/s and client CPU time per request (start-up included, for every tool).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const SECONDS = Number(process.env.MLREADY_BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** Runs a client under /usr/bin/time on core 1; returns its stdout and CPU seconds (user + system). */
function timed(command, args) {
  const run = spawnSync('taskset', ['-c', '1', '/usr/bin/time', '-f', 'CPU %U %S', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
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
    const url = `http://127.0.0.1:${port}/`;
    const rounds = [];
    for (let round = 0; round < Number(process.env.MLREADY_BENCH_ROUNDS ?? 3); round++)
      rounds.push(measure(url, dir));
    const median = (tool, key) => {
      const values = rounds.map((r) => r[tool][key]).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    const results = Object.fromEntries(
      ['mlready', 'autocannon', 'wrk'].map((tool) => [
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
      rpsVsWrk: Number((results.mlready.rps / results.wrk.rps).toFixed(2)),
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
