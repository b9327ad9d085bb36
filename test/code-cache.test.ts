/**
 * The V8 code cache of the CLI's CommonJS bundles (src/cli/code-cache.ts, issue 18): used when it
 * was written for the same source, Node and V8 flags; never used, and never in the way of a run,
 * when it is stale, corrupt, truncated or cannot be written.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cacheFileOf, wrapBundle } from '../src/cli/code-cache.js';
import { tmpTree } from './helpers/tmp.js';

// The built loader (npm run build, as test/cli.test.ts needs): a fresh process runs it.
const LOADER = new URL('../dist/cli/code-cache.js', import.meta.url).href;

/** A bundle as scripts/bundle.mjs writes them: wrapped CommonJS, with __mlready for what it loads. */
function bundle(answer: number | string): Record<string, string> {
  return {
    'main.cjs': wrapBundle(`exports.answer = () => require('node:path').basename('/x/${answer}');
exports.other = () => __mlready.load('other.cjs').name;
exports.url = __mlready.url;`),
    'other.cjs': wrapBundle(`exports.name = 'other';`),
  };
}

/**
 * Runs the bundle in a fresh process (a code cache is for a new process): its answers, what
 * happened to each cache, and, with write, what could not be written.
 */
async function run(dir: string, write = false, nodeFlags: readonly string[] = []) {
  const script = `
    import { runBundle, loadedBundles, writeCodeCaches } from ${JSON.stringify(LOADER)};
    const main = runBundle(${JSON.stringify(join(dir, 'main.cjs'))});
    const result = { answer: main.answer(), other: main.other(), url: main.url };
    const failures = ${write ? 'writeCodeCaches()' : '[]'};
    console.log(JSON.stringify({ ...result, uses: loadedBundles().map((b) => b.use), failures }));`;
  const child = await execa('node', [...nodeFlags, '--input-type=module', '-e', script], {
    reject: false,
  });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as {
    answer: string;
    other: string;
    url: string;
    uses: string[];
    failures: string[];
  };
}

describe('the code cache of the CLI bundles', () => {
  it('is written after a run and used by the next one', async () => {
    const dir = tmpTree(bundle(42));
    expect(await run(dir, true)).toMatchObject({
      answer: '42',
      other: 'other',
      uses: ['missing', 'missing'],
    });
    const next = await run(dir);
    expect(next).toMatchObject({ answer: '42', other: 'other', uses: ['used', 'used'], failures: [] });
    expect(next.url).toBe(new URL(`file://${join(dir, 'main.cjs')}`).href);
  });

  it('is not used for other source of the same length (V8 would take it)', async () => {
    const dir = tmpTree(bundle(42));
    await run(dir, true);
    writeFileSync(join(dir, 'main.cjs'), bundle(43)['main.cjs']!);
    expect(await run(dir)).toMatchObject({ answer: '43', uses: ['stale', 'used'] });
  });

  it('keeps one cache per set of V8 flags, each used under its own flags only', async () => {
    // The CLI runs under one of two sets of compiler settings (src/cli/compiler-tuning.ts), and
    // V8 rejects a cache written under other flags: each set has its own file.
    const dir = tmpTree(bundle(42));
    const oneCpu = ['--interrupt-budget=540672'];
    expect(await run(dir, true)).toMatchObject({ uses: ['missing', 'missing'] });
    expect(await run(dir, false, oneCpu)).toMatchObject({ answer: '42', uses: ['missing', 'missing'] });
    await run(dir, true, oneCpu);
    expect(await run(dir)).toMatchObject({ answer: '42', uses: ['used', 'used'] });
    expect(await run(dir, false, oneCpu)).toMatchObject({ answer: '42', uses: ['used', 'used'] });
    expect(readdirSync(dir).filter((f) => f.startsWith('main.cjs.') && f.endsWith('.v8cache'))).toHaveLength(
      2,
    );
  });

  it('runs a bundle that is not ASCII as UTF-8, with its cache', async () => {
    const dir = tmpTree(bundle('ünïcode ✓'));
    expect(await run(dir, true)).toMatchObject({ answer: 'ünïcode ✓', uses: ['missing', 'missing'] });
    expect(await run(dir)).toMatchObject({ answer: 'ünïcode ✓', uses: ['used', 'used'] });
  });

  it('refuses a file that is not a wrapped bundle, instead of running it as something else', async () => {
    const dir = tmpTree({ 'main.cjs': `exports.answer = () => '42';` });
    const child = await execa(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { runBundle } from ${JSON.stringify(LOADER)}; runBundle(${JSON.stringify(join(dir, 'main.cjs'))});`,
      ],
      { reject: false },
    );
    expect(child.exitCode).not.toBe(0);
    expect(child.stderr).toContain('is not a bundle written by scripts/bundle.mjs');
  });

  it.each([
    [
      'a flipped byte of the data',
      (bytes: Buffer) => bytes.fill(bytes.at(-10)! ^ 0xff, bytes.length - 10, bytes.length - 9),
    ],
    ['truncated data', (bytes: Buffer) => bytes.subarray(0, bytes.length - 100)],
    ['no header', (bytes: Buffer) => bytes.subarray(bytes.indexOf(10) + 1).fill(0x41)],
    ['a header that is not JSON', (bytes: Buffer) => Buffer.concat([Buffer.from('{\n'), bytes])],
  ])('is not used with %s, and the run is the same', async (_name, damage) => {
    const dir = tmpTree(bundle(42));
    await run(dir, true);
    const file = cacheFileOf(join(dir, 'main.cjs'));
    writeFileSync(file, damage(readFileSync(file)));
    expect(await run(dir)).toMatchObject({ answer: '42', other: 'other', uses: ['corrupt', 'used'] });
  });

  it('says what it could not write, without failing the run', async () => {
    const dir = tmpTree(bundle(42));
    // A directory where the cache goes: the rename fails whoever runs the test (root included).
    mkdirSync(join(cacheFileOf(join(dir, 'main.cjs')), 'in-the-way'), { recursive: true });
    const result = await run(dir, true);
    expect(result).toMatchObject({ answer: '42', other: 'other', uses: ['missing', 'missing'] });
    expect(result.failures).toEqual([expect.stringMatching(/main\.cjs\.\d+\.v8cache: E/)]);
    expect(await run(dir)).toMatchObject({ answer: '42', uses: ['missing', 'used'] });
  });

  it('compiles what require() loads from the folder it is given with a cache, and nothing else', async () => {
    const dir = tmpTree({
      'crd/kind.cjs': `exports.kind = require('./runtime.cjs').name + '/kind';`,
      'crd/runtime.cjs': `exports.name = 'runtime';`,
      'other.cjs': `exports.other = 'other';`,
    });
    const script = `
      import { createRequire } from 'node:module';
      import { cacheRequiredUnder, loadedBundles, writeCodeCaches } from ${JSON.stringify(LOADER)};
      cacheRequiredUnder(${JSON.stringify(join(dir, 'crd/'))});
      const require = createRequire(${JSON.stringify(join(dir, 'x.js'))});
      const answers = [require('./crd/kind.cjs').kind, require('./other.cjs').other];
      if (process.argv.at(-1) === 'write') writeCodeCaches();
      console.log(JSON.stringify({ answers, loaded: loadedBundles() }));`;
    const run = async (write: boolean) => {
      const child = await execa('node', ['--input-type=module', '-e', script, write ? 'write' : 'read']);
      return JSON.parse(child.stdout) as { answers: string[]; loaded: { file: string; use: string }[] };
    };
    const kind = join(dir, 'crd/kind.cjs');
    const runtime = join(dir, 'crd/runtime.cjs');
    expect(await run(true)).toEqual({
      answers: ['runtime/kind', 'other'],
      loaded: [
        { file: kind, use: 'missing' },
        { file: runtime, use: 'missing' },
      ],
    });
    expect((await run(false)).loaded).toEqual([
      { file: kind, use: 'used' },
      { file: runtime, use: 'used' },
    ]);
  });
});
