import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { yamlInput } from './arbitraries.js';

/**
 * `npm run fuzz`: FUZZ_COUNT (default 100 000) generated inputs through `mlready check -` in worker
 * threads, each watched from here: a crash, an exit code other than 0/1/2 or an input that takes
 * longer than FUZZ_HANG_MS fails the run and is saved under .mlready-fuzz/ to reproduce.
 */
const COUNT = Number(process.env.FUZZ_COUNT ?? 100_000);
const HANG_MS = Number(process.env.FUZZ_HANG_MS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const FORMATS = ['text', 'json', 'sarif', 'junit', 'github'];
const OUT = join(REPO_ROOT, '.mlready-fuzz');

interface Result {
  id: number;
  code: number;
  internal: boolean;
  stderr: string;
}

it(`runs ${COUNT} generated inputs through check with no crash, hang or exit code other than 0/1/2`, async () => {
  mkdirSync(OUT, { recursive: true });
  const started = performance.now();
  const codes: Record<string, number> = {};
  const failures: { id: number; why: string; text: string }[] = [];
  const batchSize = 1000;
  let next = 0;
  let batch: string[] = [];
  let batchStart = 0;
  const inputAt = (id: number): string => {
    if (id >= batchStart + batch.length) {
      batchStart = id;
      batch = fc.sample(yamlInput, { numRuns: Math.min(batchSize, COUNT - id), seed: SEED + id });
    }
    return batch[id - batchStart]!;
  };
  const workers = Math.max(1, Math.min(2, availableParallelism()));
  await Promise.all(
    Array.from(
      { length: workers },
      () =>
        new Promise<void>((done) => {
          let worker: Worker | undefined;
          let current: { id: number; text: string; timer: NodeJS.Timeout } | undefined;
          const send = () => {
            if (next >= COUNT || failures.length >= 20) {
              void worker?.terminate().then(() => done());
              return;
            }
            const id = next++;
            const text = inputAt(id);
            const timer = setTimeout(() => {
              failures.push({ id, why: `no answer within ${HANG_MS} ms (hang)`, text });
              void worker?.terminate();
              worker = spawn();
              send();
            }, HANG_MS);
            current = { id, text, timer };
            worker!.postMessage({ id, text, format: FORMATS[id % FORMATS.length] });
          };
          const spawn = () => {
            const w = new Worker(new URL('./check-worker.mjs', import.meta.url));
            w.on('message', (result: Result) => {
              if (!current || result.id !== current.id) return;
              clearTimeout(current.timer);
              codes[result.code] = (codes[result.code] ?? 0) + 1;
              if (![0, 1, 2].includes(result.code) || result.internal)
                failures.push({
                  id: result.id,
                  why: `exit ${result.code}: ${result.stderr}`,
                  text: current.text,
                });
              send();
            });
            w.on('error', (error) => {
              if (current) {
                clearTimeout(current.timer);
                failures.push({ id: current.id, why: `crash: ${String(error)}`, text: current.text });
              }
              worker = spawn();
              send();
            });
            return w;
          };
          worker = spawn();
          send();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    inputs: COUNT,
    seed: SEED,
    workers,
    seconds: Math.round(seconds),
    exitCodes: codes,
    failures: failures.length,
  };
  writeFileSync(join(OUT, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  for (const f of failures) writeFileSync(join(OUT, `failure-${f.id}.yaml`), f.text);
  console.log(`fuzz: ${JSON.stringify(summary)}`);
  expect(failures.map((f) => `#${f.id} ${f.why}`)).toEqual([]);
  expect(Object.values(codes).reduce((a, b) => a + b, 0)).toBe(COUNT);
});
