import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { bin, cli } from './helpers/cli.js';
import { generateRows, writeCsv } from './helpers/data.js';
import { completeManifest } from './helpers/manifests.js';
import { tmpTree } from './helpers/tmp.js';

interface JsonReport {
  status: string;
  features: {
    feature: string;
    status: string;
    psi: number;
    ks?: { statistic: number; maxError: number };
    js?: number;
    counts: { current: { invalid: number } };
    completeness: { current: number };
  }[];
  dataset: { critical: string[] };
}

function dataDir(options: { shift?: boolean; refRows?: number; curRows?: number } = {}) {
  const dir = tmpTree();
  writeCsv(
    join(dir, 'reference.csv'),
    generateRows(options.refRows ?? 2000, 1) as unknown as Record<string, unknown>[],
  );
  writeCsv(
    join(dir, 'current.csv'),
    generateRows(options.curRows ?? 1500, 2, options.shift) as unknown as Record<string, unknown>[],
  );
  return dir;
}

async function driftJson(dir: string, args: string[]) {
  const run = await cli(['drift', ...args, '--format', 'json'], { cwd: dir });
  return { run, report: run.stdout ? (JSON.parse(run.stdout) as JsonReport) : undefined };
}

describe('mlready drift, end to end', () => {
  it('exits 1 naming the shifted features; 0 on data from the same distribution', async () => {
    const shifted = await bin(['drift', '--reference', 'reference.csv', '--current', 'current.csv'], {
      cwd: dataDir({ shift: true }),
    });
    expect(shifted.code).toBe(1);
    expect(shifted.stdout).toMatch(/✖ critical drift: (amount, country|country, amount)\n/);
    expect(shifted.stdout).toMatch(/^age\s+ok/m);
    const same = await bin(['drift', '--reference', 'reference.csv', '--current', 'current.csv'], {
      cwd: dataDir(),
    });
    expect(same.stdout).toContain('✔ no drift');
    expect(same.code).toBe(0);
  });

  it('the saved profile gives the same numbers as the raw reference data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.boolean(), async (seed, shift) => {
        const dir = tmpTree();
        writeCsv(join(dir, 'reference.csv'), generateRows(400, seed) as unknown as Record<string, unknown>[]);
        writeCsv(
          join(dir, 'current.csv'),
          generateRows(300, seed + 1, shift) as unknown as Record<string, unknown>[],
        );
        const raw = await driftJson(dir, ['-r', 'reference.csv', '-c', 'current.csv']);
        expect(
          (await cli(['drift', 'profile', 'reference.csv', '-o', 'profile.json'], { cwd: dir })).code,
        ).toBe(0);
        const viaProfile = await driftJson(dir, ['-r', 'profile.json', '-c', 'current.csv']);
        expect(viaProfile.report!.features).toEqual(raw.report!.features);
      }),
      { numRuns: 5 },
    );
  });

  it('reads JSON Lines, JSON arrays and Parquet to the same result as CSV', async () => {
    const dir = tmpTree();
    const reference = generateRows(800, 3);
    const current = generateRows(600, 4, true);
    writeCsv(join(dir, 'reference.csv'), reference as unknown as Record<string, unknown>[]);
    writeCsv(join(dir, 'current.csv'), current as unknown as Record<string, unknown>[]);
    writeFileSync(join(dir, 'current.jsonl'), current.map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(join(dir, 'current.json'), JSON.stringify(current));
    const { parquetWriteFile } = await import('hyparquet-writer');
    parquetWriteFile({
      filename: join(dir, 'current.parquet'),
      rowGroupSize: 250,
      columnData: [
        { name: 'amount', data: current.map((r) => r.amount), type: 'DOUBLE' },
        { name: 'age', data: current.map((r) => r.age), type: 'DOUBLE' },
        { name: 'country', data: current.map((r) => r.country), type: 'STRING' },
        { name: 'score', data: current.map((r) => r.score), type: 'DOUBLE' },
      ],
    });
    const expected = (
      await driftJson(dir, ['-r', 'reference.csv', '-c', 'current.csv'])
    ).report!.features.map((f) => [f.feature, f.psi]);
    for (const file of ['current.jsonl', 'current.json', 'current.parquet']) {
      const { report } = await driftJson(dir, ['-r', 'reference.csv', '-c', file]);
      expect(
        report!.features.map((f) => [f.feature, f.psi]),
        file,
      ).toEqual(expected);
    }
  });

  it('writes Prometheus metrics that promtool accepts, named as the drift alerts expect', async () => {
    const dir = dataDir({ shift: true });
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--model', 'fraud', '--format', 'prometheus'],
      { cwd: dir },
    );
    expect(run.stdout).toMatch(
      /^model_data_drift_score\{model="fraud",feature="amount",method="psi"\} [0-9.]+$/m,
    );
    expect(run.stdout).toMatch(/^model_data_drift_dataset_share\{model="fraud"\} /m);
    const promtool = await execa('promtool', ['check', 'metrics'], { input: run.stdout, reject: false });
    expect(promtool.stderr).toBe('');
    expect(promtool.exitCode).toBe(0);
  });

  it('writes a self-contained HTML report with a plot per feature', async () => {
    const dir = dataDir({ shift: true });
    await cli(
      [
        'drift',
        '-r',
        'reference.csv',
        '-c',
        'current.csv',
        '--format',
        'html',
        '--output-file',
        'report.html',
      ],
      { cwd: dir },
    );
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(4);
    // Self-contained: no external resource, and the policy forbids fetching any.
    expect(html).not.toMatch(/<link|src=|https?:\/\//);
    expect(html).toContain(`content="default-src 'none';`);
  });

  it('uses the manifest: features, thresholds and the model label', async () => {
    const dir = dataDir({ shift: true });
    writeFileSync(
      join(dir, 'mlready.yaml'),
      completeManifest('custom').replace('features: [f1, f2, f3]', 'features: [age, score]'),
    );
    const { run, report } = await driftJson(dir, ['-r', 'reference.csv', '-c', 'current.csv']);
    expect(report!.features.map((f) => f.feature).sort()).toEqual(['age', 'score']);
    expect(run.code).toBe(0);
  });
});

describe('mlready drift, bad input', () => {
  it.each([
    ['a missing file', ['-r', 'nope.csv', '-c', 'current.csv'], 'error: no such file: nope.csv'],
    ['an unknown format', ['-r', 'reference.csv', '-c', 'data.xlsx'], 'unknown data format ".xlsx"'],
    [
      'an empty file',
      ['-r', 'reference.csv', '-c', 'empty.csv'],
      'error: empty.csv is empty: no rows to compare',
    ],
    [
      'a header mismatch',
      ['-r', 'reference.csv', '-c', 'renamed.csv'],
      'error: renamed.csv lacks column country that the reference has',
    ],
    [
      'a feature absent from the data',
      ['-r', 'reference.csv', '-c', 'current.csv', '--features', 'amount,income'],
      'reference.csv has no column income',
    ],
    ['no --current', ['-r', 'reference.csv'], 'error: mlready drift needs --reference'],
  ])('%s: exit 2 with a clear message', async (_case, args, message) => {
    const dir = dataDir();
    writeFileSync(join(dir, 'data.xlsx'), 'PK');
    writeFileSync(join(dir, 'empty.csv'), '');
    writeFileSync(
      join(dir, 'renamed.csv'),
      readFileSync(join(dir, 'current.csv'), 'utf8').replace('country', 'nation'),
    );
    const run = await cli(['drift', ...args], { cwd: dir });
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(2);
  });

  it('counts non-numeric values in a numeric column instead of crashing', async () => {
    const dir = dataDir();
    const text = readFileSync(join(dir, 'current.csv'), 'utf8').split('\n');
    for (let i = 1; i <= 30; i++) text[i] = text[i]!.replace(/^[^,]*/, 'n/a?');
    writeFileSync(join(dir, 'current.csv'), text.join('\n'));
    const { report } = await driftJson(dir, ['-r', 'reference.csv', '-c', 'current.csv']);
    expect(report!.features.find((f) => f.feature === 'amount')!.counts.current.invalid).toBe(30);
  });

  it('refuses a profile of another model or version', async () => {
    const dir = dataDir();
    writeFileSync(
      join(dir, 'mlready.yaml'),
      completeManifest('custom').replace('features: [f1, f2, f3]', 'features: [age, score]'),
    );
    expect((await cli(['drift', 'profile', 'reference.csv', '-o', 'profile.json'], { cwd: dir })).code).toBe(
      0,
    );
    writeFileSync(
      join(dir, 'mlready.yaml'),
      completeManifest('custom')
        .replace('features: [f1, f2, f3]', 'features: [age, score]')
        .replace('version: 2.1.0', 'version: 2.2.0'),
    );
    const run = await cli(['drift', '-r', 'profile.json', '-c', 'current.csv'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: profile.json profiles custom-model 2.1.0, not custom-model 2.2.0');
  });
});

describe('mlready drift, Pushgateway and retraining webhook', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  async function recorder() {
    const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push(server);
    return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('pushes the metrics and calls the webhook on critical drift, printing neither URL nor token', async () => {
    const gateway = await recorder();
    const hook = await recorder();
    const dir = dataDir({ shift: true });
    writeFileSync(join(dir, 'token'), 's3cr3t-t0ken-value\n');
    const secretUrl = `${hook.base}/hooks/retrain-7f3a9c`;
    const run = await cli(
      [
        'drift',
        '-r',
        'reference.csv',
        '-c',
        'current.csv',
        '--model',
        'fraud',
        '--push',
        gateway.base,
        '--on-critical',
        'env:RETRAIN_URL',
        '--webhook-token-file',
        'token',
        '--debug',
      ],
      {
        cwd: dir,
        env: { RETRAIN_URL: secretUrl },
      },
    );
    expect(run.stderr).not.toContain('error:');
    expect(run.code).toBe(1);
    expect(gateway.requests).toMatchObject([
      { method: 'PUT', url: '/metrics/job/mlready_drift/model/fraud' },
    ]);
    expect(gateway.requests[0]!.body).toContain(
      'model_data_drift_score{model="fraud",feature="amount",method="psi"}',
    );
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]!.headers.authorization).toBe('Bearer s3cr3t-t0ken-value');
    const payload = JSON.parse(hook.requests[0]!.body) as { event: string; drifted: { feature: string }[] };
    expect(payload.event).toBe('critical_data_drift');
    expect(payload.drifted.map((d) => d.feature).sort()).toEqual(['amount', 'country']);
    const printed = run.stdout + run.stderr;
    expect(printed).toContain(`triggered the retraining webhook at ${hook.base} (HTTP 202)`);
    expect(printed).not.toContain('retrain-7f3a9c');
    expect(printed).not.toContain('s3cr3t');
  });

  it('does not call the webhook without critical drift', async () => {
    const hook = await recorder();
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--on-critical', `${hook.base}/x`],
      { cwd: dataDir() },
    );
    expect(run.code).toBe(0);
    expect(hook.requests).toHaveLength(0);
  });

  it('an unreachable Pushgateway is an error (exit 2) that does not echo the URL', async () => {
    const closed = await recorder();
    servers.splice(0).forEach((s) => s.close()); // nothing listens there any more
    const run = await cli(
      ['drift', '-r', 'reference.csv', '-c', 'current.csv', '--push', `${closed.base}/secret-path`],
      { cwd: dataDir() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: could not reach the Pushgateway at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+/,
    );
    expect(run.stderr).not.toContain('secret-path');
  });
});
