import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bin, cli } from './helpers/cli.js';
import { generateRows, normal, rng, writeCsv } from './helpers/data.js';
import { tmpTree } from './helpers/tmp.js';

/** Issue 16's drift findings and issue 14's blind cases, each through the CLI as a user meets them. */

interface Feature {
  feature: string;
  status: string;
  type: string;
  distribution: { status: string; message: string };
  completeness: { status: string; reference: number; current: number };
  typeChange?: { textShare: number };
  counts: { current: { nonFinite: number; invalid: number } };
  unseen?: { rows: number; distinct: number; top: Record<string, number> };
  notes: string[];
}

async function driftJson(dir: string, args: string[]) {
  const run = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv', '--format', 'json', ...args], {
    cwd: dir,
  });
  const report = run.stdout ? (JSON.parse(run.stdout) as { status: string; features: Feature[] }) : undefined;
  return { run, report, feature: (name: string) => report!.features.find((f) => f.feature === name)! };
}

function writeRows(dir: string, file: string, rows: Record<string, unknown>[]): void {
  writeCsv(join(dir, file), rows);
}

describe('type changes and non-finite values', () => {
  it('a numeric column that turns into strings is a data-quality error (critical, exit 1), not PSI 0 "ok"', async () => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(1000, 1) as unknown as Record<string, unknown>[]);
    const current = generateRows(800, 2).map((r) => ({ ...r, amount: `EUR ${r.amount}` }));
    writeRows(dir, 'current.csv', current);
    const { run, feature } = await driftJson(dir, []);
    expect(feature('amount').status).toBe('critical');
    expect(feature('amount').typeChange?.textShare).toBe(1);
    expect(run.code).toBe(1);
    const text = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv'], { cwd: dir });
    expect(text.stdout).toContain('✖ data-quality error: amount changed type (numbers → text)');
  });

  it('Infinity tokens stay numeric: counted like missing values and said so, no false critical', async () => {
    const dir = tmpTree();
    const withInfinity = (rows: ReturnType<typeof generateRows>, every: number) =>
      rows.map((r, i) => ({ ...r, amount: i % every === 0 ? (i % 2 ? '-Infinity' : 'Infinity') : r.amount }));
    // One value in ten is ±Infinity in both files: the column is numeric and nothing changed.
    writeRows(dir, 'reference.csv', withInfinity(generateRows(2000, 1), 10));
    writeRows(dir, 'current.csv', withInfinity(generateRows(1500, 2), 10));
    const { run, feature } = await driftJson(dir, []);
    const amount = feature('amount');
    expect(amount.type).toBe('numeric');
    expect(amount.status).toBe('ok');
    expect(amount.counts.current.nonFinite).toBe(150);
    expect(amount.completeness.current).toBeCloseTo(0.1, 12);
    expect(amount.notes).toContain('150 non-finite values (±Infinity, NaN) counted as missing');
    expect(run.code).toBe(0);
  });
});

describe('completeness', () => {
  it('a feature going from 2 % to 30 % missing is flagged critical (exit 1) while its distribution is unchanged', async () => {
    const dir = tmpTree();
    const blank = (rows: ReturnType<typeof generateRows>, share: number) =>
      rows.map((r, i) => ({ ...r, age: i % 100 < share * 100 ? '' : r.age }));
    writeRows(dir, 'reference.csv', blank(generateRows(3000, 1), 0.02));
    writeRows(dir, 'current.csv', blank(generateRows(2000, 2), 0.3));
    const { run, feature } = await driftJson(dir, []);
    expect(feature('age').completeness).toMatchObject({ status: 'critical', reference: 0.02, current: 0.3 });
    expect(feature('age').distribution.status).toBe('ok');
    expect(run.code).toBe(1);
    const text = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv'], { cwd: dir });
    expect(text.stdout).toContain('✖ missing values: age 2.0% → 30.0%');
  });

  it('exports model_feature_missing_rate for the alerts check expects', async () => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(1000, 1) as unknown as Record<string, unknown>[]);
    writeRows(
      dir,
      'current.csv',
      generateRows(1000, 2).map((r, i) => ({ ...r, score: i < 250 ? 'NA' : r.score })),
    );
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--model', 'fraud', '--format', 'prometheus'],
      { cwd: dir },
    );
    expect(run.stdout).toMatch(/^model_feature_missing_rate\{model="fraud",feature="score"\} 0\.25$/m);
  });
});

/** 20 features (15 numeric, 5 categorical) drawn from one distribution; `n` rows. */
function wideRows(n: number, seed: number): Record<string, unknown>[] {
  const random = rng(seed);
  const cats = ['a', 'b', 'c', 'd', 'e'];
  return Array.from({ length: n }, () => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < 15; i++) row[`n${i}`] = Number(normal(random, i, i + 1).toFixed(4));
    for (let i = 0; i < 5; i++) row[`c${i}`] = cats[Math.floor(random() * cats.length)];
    return row;
  });
}

describe('small samples', () => {
  it('30 rows from the reference distribution never exit 1, over many seeds, with PSI or KS; the warning says how many rows are needed', async () => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', wideRows(5000, 1));
    expect((await cli(['drift', 'profile', 'reference.csv', '-o', 'profile.json'], { cwd: dir })).code).toBe(
      0,
    );
    for (let seed = 2; seed < 22; seed++) {
      writeRows(dir, 'current.csv', wideRows(30, seed));
      for (const method of ['psi', 'ks']) {
        const run = await cli(['drift', '-r', 'profile.json', '-c', 'current.csv', '--method', method], {
          cwd: dir,
        });
        expect(run.code, `seed ${seed}, ${method}`).toBe(0);
        expect(run.stdout).toContain(
          '⚠ insufficient data: c0, c1, c2, c3, c4, n0, n1, n10, n11, n12, n13, n14, n2, n3, n4, n5, n6, n7, n8, n9 not judged — a verdict needs at least 100 rows with a value (the fewest here: 30)',
        );
        expect(run.stdout).not.toContain('no drift');
      }
    }
  }, 120_000);

  it('insufficient data never calls the webhook, and JSON output warns on stderr', async () => {
    const hook = await recorder();
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(2000, 1) as unknown as Record<string, unknown>[]);
    // 30 rows of strongly shifted data: still too few to judge.
    writeRows(dir, 'current.csv', generateRows(30, 2, true) as unknown as Record<string, unknown>[]);
    const { run } = await driftJson(dir, ['--on-critical', `${hook.base}/retrain`]);
    expect(run.code).toBe(0);
    expect(hook.requests).toHaveLength(0);
    expect(run.stderr).toContain('warning: insufficient data: ');
    expect(run.stderr).toContain('a verdict needs at least 100 rows with a value');
  });
});

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function recorder(status = 202, body = '') {
  const requests: { url: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push(server);
  return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function shiftedDir(): string {
  const dir = tmpTree();
  writeRows(dir, 'reference.csv', generateRows(2000, 1) as unknown as Record<string, unknown>[]);
  writeRows(dir, 'current.csv', generateRows(1500, 2, true) as unknown as Record<string, unknown>[]);
  return dir;
}

describe('notifications', () => {
  it('user:password@ in the Pushgateway and webhook URLs becomes Basic auth, and is never printed', async () => {
    const gateway = await recorder();
    const hook = await recorder();
    const withUser = (base: string, user: string) => base.replace('http://', `http://${user}:S3cret%2Fpass@`);
    const run = await cli(
      [
        'drift',
        '-r',
        'reference.csv',
        '-c',
        'current.csv',
        '--push',
        withUser(gateway.base, 'pusher'),
        '--on-critical',
        `${withUser(hook.base, 'hooker')}/hooks/abc`,
        '--debug',
      ],
      { cwd: shiftedDir() },
    );
    expect(run.stderr).not.toContain('error:');
    expect(run.code).toBe(1);
    const basic = (user: string) => `Basic ${Buffer.from(`${user}:S3cret/pass`).toString('base64')}`;
    expect(gateway.requests[0]?.headers.authorization).toBe(basic('pusher'));
    expect(hook.requests[0]?.headers.authorization).toBe(basic('hooker'));
    expect(hook.requests[0]?.url).toBe('/hooks/abc');
    const printed = run.stdout + run.stderr;
    expect(printed).not.toMatch(/S3cret|hooks\/abc|pusher:|hooker:/);
    expect(printed).toContain(
      `pushed drift metrics for model to the Pushgateway at ${gateway.base} (HTTP 202)`,
    );
  });

  it('a failing webhook says what failed (status and body) and does not hide the verdict: exit 1 stays 1', async () => {
    const hook = await recorder(503, 'retraining queue full (token=abcd1234abcd1234abcd)');
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--on-critical', `${hook.base}/x`],
      {
        cwd: shiftedDir(),
      },
    );
    expect(run.stderr).toContain(
      `error: the retraining webhook at ${hook.base} answered HTTP 503 Service Unavailable: retraining queue full (token=****`,
    );
    expect(run.stderr).not.toContain('abcd1234abcd1234abcd');
    expect(run.stdout).toContain('✖ critical drift');
    expect(run.code).toBe(1);
  });

  it('an unreachable webhook names the cause; the critical verdict still exits 1', async () => {
    const closed = await recorder();
    closed.server.close();
    servers.splice(0);
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--on-critical', `${closed.base}/secret-path`],
      { cwd: shiftedDir() },
    );
    expect(run.stderr).toMatch(
      /error: could not reach the retraining webhook at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    );
    expect(run.stderr).not.toContain('secret-path');
    expect(run.stderr).not.toContain('(error)');
    expect(run.code).toBe(1);
  });
});

describe('bounded categories', () => {
  it('unbounded distinct ids in the current data: a configurable cap and a clear message', async () => {
    const dir = tmpTree();
    const ids = (n: number, prefix: string) =>
      generateRows(n, 1).map((r, i) => ({ ...r, user: `${prefix}-${i}` }));
    writeRows(
      dir,
      'reference.csv',
      ids(1000, 'old').map((r, i) => ({ ...r, user: `u${i % 50}` })),
    );
    writeRows(dir, 'current.csv', ids(5000, 'new'));
    const { feature } = await driftJson(dir, ['--max-categories', '20']);
    const user = feature('user');
    expect(Object.keys(user.unseen!.top)).toHaveLength(20);
    expect(user.unseen).toMatchObject({ rows: 5000, distinct: 5000 });
    expect(user.notes).toContain(
      '5000 distinct values the reference never saw, more than the 20 kept (--max-categories): an identifier? Leave it out with --features',
    );
  });
});

describe('strict options', () => {
  it.each([
    [['--bins', '0'], '--bins must be a whole number from 2 to 100, got 0'],
    [['--bins', '1e9'], "option '--bins <n>' argument '1e9' is invalid. expected a whole number"],
    [['--bins', '1000000000'], '--bins must be a whole number from 2 to 100, got 1000000000'],
    [['--warn', '0.3', '--critical', '0.2'], '--warn (0.3) is above --critical (0.2)'],
    [['--warn=-1'], '--warn must be a number ≥ 0, got -1'],
    [['--critical=-0.5', '--warn', '0'], '--critical must be a number ≥ 0, got -0.5'],
    [['--dataset-share', '2'], '--dataset-share must be a share above 0 and at most 1, got 2'],
    [['--dataset-share', '0'], '--dataset-share must be a share above 0 and at most 1, got 0'],
    [['--method', 'ks', '--critical', '3'], '--critical must be at most 1 for KS'],
    [['--significance', '1.5'], '--significance must be a probability above 0 and at most 0.5'],
    [
      ['--missing-warn', '0.5', '--missing-critical', '0.1'],
      '--missing-warn (0.5) is above --missing-critical (0.1)',
    ],
    [['--min-rows', '0'], '--min-rows must be a whole number from 1 to 1e9, got 0'],
    [['--memory-limit', 'lots'], '--memory-limit must be a size like 512MB or 2GB, got "lots"'],
    [['--push', 'ftp://gateway'], '--push must be an http:// or https:// URL'],
    [['--on-critical', 'not a url'], '--on-critical is not a URL'],
  ])('%j is a usage error (exit 2) with a clear message', async (args, message) => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(200, 1) as unknown as Record<string, unknown>[]);
    writeRows(dir, 'current.csv', generateRows(200, 2) as unknown as Record<string, unknown>[]);
    const run = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv', ...args], { cwd: dir });
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(2);
  });

  it('--bins out of range is refused by drift profile too', async () => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(200, 1) as unknown as Record<string, unknown>[]);
    const run = await cli(['drift', 'profile', 'reference.csv', '-o', 'p.json', '--bins', '1'], { cwd: dir });
    expect(run.stderr).toContain('error: --bins must be a whole number from 2 to 100, got 1');
    expect(run.code).toBe(2);
  });
});

describe('ragged CSV rows', () => {
  it('a row with the wrong number of fields is an error naming the file and line (exit 2), never accepted silently', async () => {
    const dir = tmpTree();
    writeRows(dir, 'reference.csv', generateRows(200, 1) as unknown as Record<string, unknown>[]);
    const lines = readFileSync(join(dir, 'reference.csv'), 'utf8').split('\n');
    writeFileSync(
      join(dir, 'current.csv'),
      [...lines.slice(0, 57), '12.5,40,de', ...lines.slice(57)].join('\n'),
    );
    const run = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv'], { cwd: dir });
    expect(run.stderr).toContain('error: current.csv:58:1: ragged row: expected 4 columns, found 3');
    expect(run.code).toBe(2);
  });

  it('a ragged row early in the file, where the type sniffer looks, gets the same error', async () => {
    const dir = tmpTree({ 'current.csv': 'a,b,c\n1,x,2\n2,y,3\n3,z\n4,w,5\n' });
    writeRows(dir, 'reference.csv', [{ a: 1, b: 'x', c: 2 }]);
    const run = await cli(['drift', '-r', 'reference.csv', '-c', 'current.csv'], { cwd: dir });
    expect(run.stderr).toContain('error: current.csv:4:1: ragged row: expected 3 columns, found 2');
    expect(run.code).toBe(2);
  });
});

describe('the engine closes only when nothing runs', () => {
  it('a reference that fails while the current data is still loading is a clear error (exit 2), never a crash', async () => {
    // The reference loads fast and lacks a feature; the large current file is still loading when
    // that error closes the engine. Closing DuckDB under a running query crashed the process
    // (SIGSEGV): the subprocess shows it as a signal instead of exit 2.
    const dir = tmpTree();
    writeCsv(join(dir, 'reference.csv'), generateRows(50, 1) as unknown as Record<string, unknown>[]);
    writeCsv(join(dir, 'current.csv'), generateRows(400_000, 2) as unknown as Record<string, unknown>[]);
    for (let i = 0; i < 3; i++) {
      const run = await bin(
        ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--features', 'amount,income'],
        {
          cwd: dir,
        },
      );
      expect(run.stderr).toContain('reference.csv has no column income');
      expect(run.code).toBe(2);
    }
  }, 120_000);
});
