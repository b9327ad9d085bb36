// Benchmarks `mlready drift` against its peer, a pandas + numpy + scipy script (bench/drift_pandas.py),
// on the same generated data in the same run: 1 000 000 rows × 20 features (15 numeric, 5
// categorical), reference and current as CSV (~125 MB each). Wall time and peak memory (the child's
// peak resident set from /usr/bin/time) of both, and the ratio. Without Python, pandas and scipy the
// peer is skipped with a message. MLREADY_BENCH_ROWS changes the size, MLREADY_BENCH_ROUNDS the
// number of interleaved rounds (the median ratio is reported).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded as rng } from '../dist/loadtest/payloads.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const PEER = join(ROOT, 'bench/drift_pandas.py');
const ROWS = Number(process.env.MLREADY_BENCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.MLREADY_BENCH_ROUNDS ?? 1);

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

/** The first python3 that has pandas and scipy (Debian's /usr/bin/python3 with python3-pandas, python3-scipy). */
function findPython() {
  const candidates = [process.env.MLREADY_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import pandas, numpy, scipy'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

/** Runs a command under /usr/bin/time -f %M: wall seconds, peak resident set (MB), stdout. */
function measure(command, args) {
  const start = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const peakKiB = Number(run.stderr.trim().split('\n').pop());
  return { seconds, peakMB: Math.round(peakKiB / 1024), stdout: run.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchDrift() {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-drift-bench-'));
  try {
    const reference = join(dir, 'reference.csv');
    const current = join(dir, 'current.csv');
    await writeData(reference, 1, false);
    await writeData(current, 2, true);
    const python = findPython();
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const drift = measure(process.execPath, [
        BIN,
        'drift',
        '-r',
        reference,
        '-c',
        current,
        '--format',
        'json',
      ]);
      const peer = python ? measure(python, [PEER, reference, current]) : undefined;
      rounds.push({ drift, peer });
    }
    const report = JSON.parse(rounds[0].drift.stdout);
    const result = {
      name: 'drift',
      rows: ROWS,
      features: report.features.length,
      fileMB: Math.round(statSync(current).size / 1e6),
      rounds: ROUNDS,
      driftSeconds: Number(median(rounds.map((r) => r.drift.seconds)).toFixed(1)),
      driftPeakMemoryMB: median(rounds.map((r) => r.drift.peakMB)),
      criticalFeatures: report.dataset.critical.length,
    };
    if (!python) {
      console.error('bench drift: no python3 with pandas, numpy and scipy: the pandas peer is skipped');
      console.error('  (Debian: apt-get install python3-pandas python3-scipy; or set MLREADY_BENCH_PYTHON)');
      return { ...result, pandas: 'skipped: no python3 with pandas, numpy and scipy' };
    }
    const peer = JSON.parse(rounds[0].peer.stdout);
    // Same bins, same data: the two must agree, or the comparison is of different work.
    const psiGap = Math.max(
      ...report.features.map((f) => Math.abs(f.psi - (peer.features[f.feature]?.psi ?? Infinity))),
    );
    return {
      ...result,
      pandasSeconds: Number(median(rounds.map((r) => r.peer.seconds)).toFixed(1)),
      pandasPeakMemoryMB: median(rounds.map((r) => r.peer.peakMB)),
      driftOverPandasWallTime: Number(median(rounds.map((r) => r.drift.seconds / r.peer.seconds)).toFixed(2)),
      driftOverPandasPeakMemory: Number(median(rounds.map((r) => r.drift.peakMB / r.peer.peakMB)).toFixed(2)),
      largestPsiDifference: psiGap,
      perRound: rounds.map((r) => ({
        drift: Number(r.drift.seconds.toFixed(1)),
        pandas: Number(r.peer.seconds.toFixed(1)),
      })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
