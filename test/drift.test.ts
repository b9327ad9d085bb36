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

describe('the scaffolded drift CronJob', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  it('runs mlready drift on the fetched data, pushes the scores and triggers retraining; critical drift does not fail the job', async () => {
    const { parseManifest } = await import('../src/manifest/load.js');
    const { loadTemplates, renderScaffold } = await import('../src/scaffold/render.js');
    const { parse } = await import('yaml');
    const { BIN } = await import('./helpers/cli.js');
    const text = completeManifest('custom').replace(
      'features: [f1, f2, f3]',
      'features: [amount, age, country]',
    );
    const { manifest } = parseManifest(text, 'mlready.yaml');
    const cron = renderScaffold(
      manifest,
      { target: 'kubernetes', canary: 'none', autoscaler: 'hpa' },
      loadTemplates(),
    ).find((f) => f.path === 'k8s/drift-cronjob.yaml')!;
    const job = parse(cron.content) as {
      spec: {
        schedule: string;
        jobTemplate: {
          spec: {
            template: {
              spec: {
                containers: {
                  args: string[];
                  env: { name: string; valueFrom?: { secretKeyRef: { name: string } } }[];
                }[];
              };
            };
          };
        };
      };
    };
    const container = job.spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(container.env.find((e) => e.name === 'RETRAINING_WEBHOOK_URL')?.valueFrom?.secretKeyRef.name).toBe(
      'custom-model-retraining',
    );
    // Run the job's own command line here, with the local build in place of `npm exec mlready@…`.
    const dir = dataDir({ shift: true });
    await cli(
      [
        'drift',
        'profile',
        'reference.csv',
        '--features',
        'amount,age,country',
        '-o',
        'reference-profile.json',
      ],
      { cwd: dir },
    );
    const script = container.args[0]!.replace(/npm exec --yes mlready@\S+ --/, `node ${BIN}`)
      .replace('/data/reference-profile.json', join(dir, 'reference-profile.json'))
      .replace('/data/current.parquet', join(dir, 'current.csv'));
    const gateway = await recorder(servers);
    const hook = await recorder(servers);
    const run = await execa('sh', ['-c', script], {
      env: { PUSHGATEWAY_URL: gateway.base, RETRAINING_WEBHOOK_URL: `${hook.base}/retrain`, NO_COLOR: '1' },
      reject: false,
    });
    expect(run.stdout).toMatch(/✖ critical drift: (amount, country|country, amount)\n/);
    expect(run.exitCode).toBe(0);
    expect(gateway.requests[0]?.url).toBe('/metrics/job/mlready_drift/model/custom-model');
    expect(hook.requests).toHaveLength(1);
  });
});

async function recorder(servers: { close(): void }[]) {
  const requests: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push(server);
  return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('mlready drift profile over shards, then merge', () => {
  it('gives the numbers of one pass over all the data, within the bound the merge prints', async () => {
    const dir = tmpTree();
    const all = generateRows(6000, 11) as unknown as Record<string, unknown>[];
    writeCsv(join(dir, 'reference.csv'), all);
    for (let i = 0; i < 3; i++) writeCsv(join(dir, `part-${i}.csv`), all.slice(i * 2000, (i + 1) * 2000));
    writeCsv(join(dir, 'current.csv'), generateRows(3000, 12, true) as unknown as Record<string, unknown>[]);
    for (let i = 0; i < 3; i++)
      expect(
        (await cli(['drift', 'profile', `part-${i}.csv`, '-o', `part-${i}.json`], { cwd: dir })).code,
      ).toBe(0);
    const merge = await cli(
      ['drift', 'merge', 'part-0.json', 'part-1.json', 'part-2.json', '-o', 'merged.json'],
      {
        cwd: dir,
      },
    );
    expect(merge.code).toBe(0);
    const bound = Number(/ECDF within ±([\d.]+)% of one pass/.exec(merge.stdout)?.[1]) / 100;
    expect(bound).toBeGreaterThan(0);
    expect(bound).toBeLessThanOrEqual(1 / 2000 + 1 / 2000);
    const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as {
      source: { rows: number; shards: unknown[] };
    };
    expect(merged.source.rows).toBe(6000);
    expect(merged.source.shards).toHaveLength(3);
    const viaMerge = (await driftJson(dir, ['-r', 'merged.json', '-c', 'current.csv'])).report!;
    const onePass = (await driftJson(dir, ['-r', 'reference.csv', '-c', 'current.csv'])).report!;
    expect(viaMerge.status).toBe(onePass.status);
    for (const f of onePass.features) {
      const g = viaMerge.features.find((x) => x.feature === f.feature)!;
      expect(g.status, f.feature).toBe(f.status);
      // Both bracket the exact KS statistic: [statistic, statistic + maxError] (maxError includes the rank error).
      if (f.ks) {
        expect(g.ks!.statistic, f.feature).toBeLessThanOrEqual(f.ks.statistic + f.ks.maxError + bound + 1e-9);
        expect(f.ks.statistic, f.feature).toBeLessThanOrEqual(g.ks!.statistic + g.ks!.maxError + 1e-9);
      }
      expect(Math.abs(g.psi - f.psi), f.feature).toBeLessThan(0.01);
    }
  });

  it('refuses shard profiles made with different options', async () => {
    const dir = tmpTree();
    writeCsv(join(dir, 'a.csv'), generateRows(300, 1) as unknown as Record<string, unknown>[]);
    await cli(['drift', 'profile', 'a.csv', '-o', 'a.json'], { cwd: dir });
    await cli(['drift', 'profile', 'a.csv', '-o', 'b.json', '--bins', '5'], { cwd: dir });
    const run = await cli(['drift', 'merge', 'a.json', 'b.json', '-o', 'm.json'], { cwd: dir });
    expect(run.stderr).toContain(
      'error: b.json differs from a.json in --bins: profiles of one dataset must agree',
    );
    expect(run.code).toBe(2);
  });
});
