/**
 * The V8 settings the CLI runs with (src/cli/compiler-tuning.ts, issue 18): only on the V8 line
 * they were measured on, never over the user's own, known to this Node, and applied before the
 * bundles compile so that the code cache the build wrote under them is used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { COMPILER_FLAGS, compilerFlags, V8_DEFAULTS } from '../src/cli/compiler-tuning.js';
import { tmpTree } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}bin/mlready.js`;
const EXAMPLE = `${ROOT}examples/llm-chat`;
const NODE20_V8 = '11.3.244.8-node.33';

describe('compilerFlags', () => {
  it('applies the settings on the measured V8 line', () => {
    expect(compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: {} }).flags).toEqual(COMPILER_FLAGS);
    expect(COMPILER_FLAGS.length).toBeGreaterThan(0);
  });

  it('applies nothing on a V8 it was not measured on', () => {
    const other = compilerFlags({ v8Version: '12.4.254.21-node.33', execArgv: [], env: {} });
    expect(other.flags).toEqual([]);
    expect(other.reason).toContain('12.4');
  });

  it('leaves the compiler to a user who sets it', () => {
    for (const flag of [
      '--interrupt-budget=1000',
      '--no-turbo-inlining',
      '--turbo-inlining',
      '--max-inlined-bytecode-size=200',
      '--max-inlined-bytecode-size-cumulative=920',
    ]) {
      expect(compilerFlags({ v8Version: NODE20_V8, execArgv: [flag], env: {} }).flags).toEqual([]);
      expect(
        compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { NODE_OPTIONS: flag } }).flags,
      ).toEqual([]);
    }
    // Other flags do not count.
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: ['--max-old-space-size=512'], env: {} }).flags,
    ).toEqual(COMPILER_FLAGS);
  });

  it('is off with MLREADY_V8_TUNING=0', () => {
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: '0' } }).flags,
    ).toEqual([]);
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: '1' } }).flags,
    ).toEqual(COMPILER_FLAGS);
  });
});

describe('the settings in this Node', () => {
  const here = compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {} });

  it('are flags this V8 knows (it prints "unrecognized flag" otherwise)', async () => {
    if (here.flags.length === 0) return expect(process.versions.v8).not.toMatch(/^11\.3\./);
    const child = await execa('node', [...here.flags, '-e', '0'], { reject: false });
    expect(child.exitCode).toBe(0);
    expect(`${child.stdout}${child.stderr}`).toBe('');
  });

  it("leave the build's code cache usable: it was written under them", async () => {
    // What src/cli/start.ts does before running the CLI's bundle, then which caches V8 took.
    const script = (tuning: string) => `
      import { setFlagsFromString } from 'node:v8';
      import { compilerFlags } from ${JSON.stringify(new URL('../dist/cli/compiler-tuning.js', import.meta.url).href)};
      import { runBundle, loadedBundles } from ${JSON.stringify(new URL('../dist/cli/code-cache.js', import.meta.url).href)};
      for (const flag of compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: { MLREADY_V8_TUNING: ${JSON.stringify(tuning)} } }).flags)
        setFlagsFromString(flag);
      runBundle(${JSON.stringify(`${ROOT}dist/bundle/cli.cjs`)});
      console.log(JSON.stringify(loadedBundles().map((b) => b.use)));`;
    const uses = async (tuning: string) => {
      const child = await execa('node', ['--input-type=module', '-e', script(tuning)], { reject: false });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as string[];
    };
    expect(await uses('1')).toEqual(['used']);
    // The cache is keyed on the flags: without the settings the same cache is another V8's.
    if (here.flags.length > 0) expect(await uses('0')).toEqual(['stale']);
  });

  it("leave the custom resource validators' build cache usable (the build's second training run)", async () => {
    // The example needs no validator (the table walk proves its custom resources): the build writes
    // the validators' caches from scripts/crd-training.yaml, for the kinds model services use most.
    const crd = `${ROOT}dist/crd/@kubernetes-models/`;
    const kinds = [
      'prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.cjs',
      'prometheus-operator/monitoring.coreos.com/v1/PrometheusRule.cjs',
      'keda/keda.sh/v1alpha1/ScaledObject.cjs',
      'istio/networking.istio.io/v1beta1/VirtualService.cjs',
    ];
    const script = `
      import { createRequire } from 'node:module';
      import { setFlagsFromString } from 'node:v8';
      import { compilerFlags } from ${JSON.stringify(new URL('../dist/cli/compiler-tuning.js', import.meta.url).href)};
      import { cacheRequiredUnder, loadedBundles } from ${JSON.stringify(new URL('../dist/cli/code-cache.js', import.meta.url).href)};
      for (const flag of compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {} }).flags)
        setFlagsFromString(flag);
      cacheRequiredUnder(${JSON.stringify(`${ROOT}dist/crd/`)});
      const require = createRequire(${JSON.stringify(`${ROOT}dist/x.js`)});
      for (const kind of ${JSON.stringify(kinds)}) require(${JSON.stringify(crd)} + kind);
      console.log(JSON.stringify(loadedBundles().map((b) => [b.file.slice(${crd.length}), b.use])));`;
    const child = await execa('node', ['--input-type=module', '-e', script], { reject: false });
    expect(child.stderr).toBe('');
    const uses = JSON.parse(child.stdout) as [string, string][];
    // Each kind's module and its package's shared runtime, every one with its cache.
    expect(uses.map(([file]) => file).sort()).toEqual(
      [...kinds, 'prometheus-operator/runtime.cjs', 'keda/runtime.cjs', 'istio/runtime.cjs'].sort(),
    );
    for (const [file, use] of uses) expect([file, use]).toEqual([file, 'used']);
  });

  it('change no verdict: the same report with and without them', async () => {
    const report = async (tuning: string) => {
      const child = await execa('node', [BIN, 'check', '.', '--format', 'json'], {
        cwd: EXAMPLE,
        reject: false,
        env: { NO_COLOR: '1', MLREADY_V8_TUNING: tuning },
      });
      expect(child.stderr).toBe('');
      expect([0, 1]).toContain(child.exitCode);
      return child.stdout.replace(/"(?:generatedAt|durationMs)":[^,}]*/g, '');
    };
    const tuned = await report('1');
    expect(tuned).toContain('"findings"');
    expect(await report('0')).toBe(tuned);
  });
});

describe('which commands run with them (the built CLI)', () => {
  const here = compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {} });
  const TAG_HELPER = fileURLToPath(new URL('./helpers/v8-tag-at-exit.cjs', import.meta.url));

  /** V8's code-cache tag, which hashes every flag that differs from its default. */
  async function tagOf(flags: readonly string[]): Promise<string> {
    const child = await execa('node', [...flags, '-p', "require('node:v8').cachedDataVersionTag()"]);
    return child.stdout.trim();
  }
  /** The tag a CLI run ended with: the compiler settings its command ran under. */
  async function tagAfter(argv: string[]): Promise<string> {
    const log = join(tmpTree(), 'tag');
    await execa('node', ['-r', TAG_HELPER, BIN, ...argv], {
      cwd: EXAMPLE,
      reject: false,
      env: { NO_COLOR: '1', MLREADY_V8_TAG_LOG: log },
    });
    return readFileSync(log, 'utf8');
  }

  it("V8_DEFAULTS are this V8's own defaults", async () => {
    if (here.flags.length === 0) return expect(process.versions.v8).not.toMatch(/^11\.3\./);
    const options = (await execa('node', ['--v8-options'])).stdout;
    for (const flag of V8_DEFAULTS) expect(options).toContain(`default: ${flag}`);
    // and setting them is the same as not setting anything
    expect(await tagOf(V8_DEFAULTS)).toBe(await tagOf([]));
  });

  it('check runs with the settings; loadtest and drift put V8 defaults back', async () => {
    if (here.flags.length === 0) return expect(process.versions.v8).not.toMatch(/^11\.3\./);
    const tuned = await tagOf(COMPILER_FLAGS);
    const defaults = await tagOf([]);
    expect(tuned).not.toBe(defaults);
    expect(await tagAfter(['check', '.'])).toBe(tuned);
    expect(await tagAfter(['--version'])).toBe(tuned);
    // Each fails on its input (exit 2) after the command began: the settings are reset first.
    expect(await tagAfter(['loadtest', 'not a url'])).toBe(defaults);
    expect(await tagAfter(['drift', '-r', 'missing.csv', '-c', 'missing.csv'])).toBe(defaults);
    expect(await tagAfter(['drift', 'profile', 'missing.csv', '-o', 'p.json'])).toBe(defaults);
  });
});
