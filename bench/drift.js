// Benchmarks `mlready drift` on 1 000 000 rows × 20 features (15 numeric, 5 categorical), reference
// and current as CSV: wall time and peak memory of the CLI, against one bare csv-parse pass over the
// current file measured in the same run (the floor any CSV-based drift job pays).
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { seeded as rng } from '../dist/loadtest/payloads.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const ROWS = Number(process.env.MLREADY_BENCH_ROWS ?? 1_000_000);

async function writeData(file, seed, shift) {
  const random = rng(seed);
  const out = createWriteStream(file);
  const header = [
    ...Array.from({ length: 15 }, (_, i) => `n${i}`),
    ...Array.from({ length: 5 }, (_, i) => `c${i}`),
  ];
  out.write(`${header.join(',')}\n`);
  const cats = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (let r = 0; r < ROWS; r++) {
    const row = [];
    for (let i = 0; i < 15; i++) {
      const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
      row.push((z * (i + 1) + (shift && i < 3 ? i + 1 : 0)).toFixed(4));
    }
    for (let i = 0; i < 5; i++) row.push(cats[Math.floor(random() * (shift && i === 0 ? 6 : 5))]);
    if (!out.write(`${row.join(',')}\n`)) await new Promise((done) => out.once('drain', done));
  }
  await new Promise((done) => out.end(done));
}

async function parseOnly(file) {
  const start = performance.now();
  let rows = 0;
  for await (const _ of createReadStream(file).pipe(parse({ columns: true }))) rows++;
  return { ms: performance.now() - start, rows };
}

export async function benchDrift() {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-drift-bench-'));
  try {
    const reference = join(dir, 'reference.csv');
    const current = join(dir, 'current.csv');
    await writeData(reference, 1, false);
    await writeData(current, 2, true);
    const baseline = await parseOnly(current);
    // /usr/bin/time -f %M reports the child's peak resident set in KiB.
    const start = performance.now();
    const run = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        BIN,
        'drift',
        '--reference',
        reference,
        '--current',
        current,
        '--format',
        'json',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const ms = performance.now() - start;
    if (run.status !== 0 && run.status !== 1) throw new Error(`drift exited ${run.status}: ${run.stderr}`);
    const peakKiB = Number(run.stderr.trim().split('\n').pop());
    const report = JSON.parse(run.stdout);
    return {
      name: 'drift',
      rows: ROWS,
      features: report.features.length,
      fileMB: Math.round(statSync(current).size / 1e6),
      criticalFeatures: report.dataset.critical.length,
      driftSeconds: Number((ms / 1000).toFixed(1)),
      peakMemoryMB: Math.round(peakKiB / 1024),
      csvParsePassSeconds: Number((baseline.ms / 1000).toFixed(1)),
      driftOverOneParsePass: Number((ms / baseline.ms).toFixed(2)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
