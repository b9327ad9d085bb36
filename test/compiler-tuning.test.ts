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
import { availableParallelism } from 'node:os';
import {
  COMPILER_FLAGS,
  compilerFlags,
  ONE_CPU_COMPILER_FLAGS,
  V8_DEFAULTS,
} from '../src/cli/compiler-tuning.js';
import { tmpTree } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}bin/mlready.js`;
const EXAMPLE = `${ROOT}examples/llm-chat`;
const NODE20_V8 = '11.3.244.8-node.33';

describe('compilerFlags', () => {
  it('applies the settings on the measured V8 line', () => {
    for (const cpus of [2, 64])
      expect(compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: {}, cpus }).flags).toEqual(
        COMPILER_FLAGS,
      );
    expect(COMPILER_FLAGS.length).toBeGreaterThan(0);
  });

  it('on one CPU, applies the one-CPU settings: a later optimizing compiler', () => {
    expect(compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: {}, cpus: 1 })).toEqual({
      flags: ONE_CPU_COMPILER_FLAGS,
      reason: 'V8 11.3, one CPU',
    });
    // The same inlining budget, a larger interrupt budget: nothing else differs.
    const budget = (flags: readonly string[]) =>
      Number(/^--interrupt-budget=(\d+)$/.exec(flags.find((f) => f.startsWith('--interrupt-budget='))!)![1]);
    expect(budget(ONE_CPU_COMPILER_FLAGS)).toBeGreaterThan(budget(COMPILER_FLAGS));
    expect(ONE_CPU_COMPILER_FLAGS.filter((f) => !f.startsWith('--interrupt-budget='))).toEqual(
      COMPILER_FLAGS.filter((f) => !f.startsWith('--interrupt-budget=')),
    );
    // MLREADY_V8_TUNING=one-cpu: a CPU quota that Node 20 cannot see.
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: 'one-cpu' }, cpus: 8 })
        .flags,
    ).toEqual(ONE_CPU_COMPILER_FLAGS);
    // MLREADY_V8_TUNING=multi-cpu, the other way (the build trains both sets on any machine).
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: 'multi-cpu' }, cpus: 1 })
        .flags,
    ).toEqual(COMPILER_FLAGS);
    // Another V8, or the user's own flags, still win.
    expect(compilerFlags({ v8Version: '12.4.254.21-node.33', execArgv: [], env: {}, cpus: 1 }).flags).toEqual(
      [],
    );
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: ['--interrupt-budget=1000'], env: {}, cpus: 1 }).flags,
    ).toEqual([]);
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: '0' }, cpus: 1 }).flags,
    ).toEqual([]);
  });

  it('applies nothing on a V8 it was not measured on', () => {
    const other = compilerFlags({ v8Version: '12.4.254.21-node.33', execArgv: [], env: {}, cpus: 2 });
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
      expect(compilerFlags({ v8Version: NODE20_V8, execArgv: [flag], env: {}, cpus: 2 }).flags).toEqual([]);
      expect(
        compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { NODE_OPTIONS: flag }, cpus: 2 }).flags,
      ).toEqual([]);
    }
    // Other flags do not count.
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: ['--max-old-space-size=512'], env: {}, cpus: 2 }).flags,
    ).toEqual(COMPILER_FLAGS);
  });

  it('is off with MLREADY_V8_TUNING=0', () => {
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: '0' }, cpus: 2 }).flags,
    ).toEqual([]);
    expect(
      compilerFlags({ v8Version: NODE20_V8, execArgv: [], env: { MLREADY_V8_TUNING: '1' }, cpus: 2 }).flags,
    ).toEqual(COMPILER_FLAGS);
  });
});

describe('the settings in this Node', () => {
  const here = compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {}, cpus: 2 });
  const oneCpu = compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {}, cpus: 1 });

  it('are flags this V8 knows (it prints "unrecognized flag" otherwise)', async () => {
    if (here.flags.length === 0) return expect(process.versions.v8).not.toMatch(/^11\.3\./);
    for (const flags of [here.flags, oneCpu.flags]) {
      const child = await execa('node', [...flags, '-e', '0'], { reject: false });
      expect(child.exitCode).toBe(0);
      expect(`${child.stdout}${child.stderr}`).toBe('');
    }
  });

  it("leave the build's code cache usable: it was written under them", async () => {
    // What src/cli/start.ts does before running the CLI's bundle, then which caches V8 took.
    const script = (tuning: string) => `
      import { setFlagsFromString } from 'node:v8';
      import { compilerFlags } from ${JSON.stringify(new URL('../dist/cli/compiler-tuning.js', import.meta.url).href)};
      import { runBundle, loadedBundles } from ${JSON.stringify(new URL('../dist/cli/code-cache.js', import.meta.url).href)};
      for (const flag of compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: { MLREADY_V8_TUNING: ${JSON.stringify(tuning)} }, cpus: 2 }).flags)
        setFlagsFromString(flag);
      runBundle(${JSON.stringify(`${ROOT}dist/bundle/cli.cjs`)});
      runBundle(${JSON.stringify(`${ROOT}dist/bundle/check.cjs`)});
      console.log(JSON.stringify(loadedBundles().map((b) => b.use)));`;
    const uses = async (tuning: string) => {
      const child = await execa('node', ['--input-type=module', '-e', script(tuning)], { reject: false });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as string[];
    };
    // Both sets of settings (several CPUs, one CPU): the build trains a cache for each.
    expect(await uses('1')).toEqual(['used', 'used']);
    expect(await uses('one-cpu')).toEqual(['used', 'used']);
    // A cache is named and keyed on the flags: V8's own settings have none of their own.
    if (here.flags.length > 0) expect(await uses('0')).toEqual(['missing', 'missing']);
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
      for (const flag of compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {}, cpus: Number(process.argv.at(-1)) }).flags)
        setFlagsFromString(flag);
      cacheRequiredUnder(${JSON.stringify(`${ROOT}dist/crd/`)});
      const require = createRequire(${JSON.stringify(`${ROOT}dist/x.js`)});
      for (const kind of ${JSON.stringify(kinds)}) require(${JSON.stringify(crd)} + kind);
      console.log(JSON.stringify(loadedBundles().map((b) => [b.file.slice(${crd.length}), b.use])));`;
    // Under both sets of settings: several CPUs, one CPU.
    for (const cpus of ['2', '1']) {
      const child = await execa('node', ['--input-type=module', '-e', script, cpus], { reject: false });
      expect(child.stderr).toBe('');
      const uses = JSON.parse(child.stdout) as [string, string][];
      // Each kind's module and its package's shared runtime, every one with its cache.
      expect(uses.map(([file]) => file).sort()).toEqual(
        [...kinds, 'prometheus-operator/runtime.cjs', 'keda/runtime.cjs', 'istio/runtime.cjs'].sort(),
      );
      for (const [file, use] of uses) expect([cpus, file, use]).toEqual([cpus, file, 'used']);
    }
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
    expect(await report('one-cpu')).toBe(tuned);
  });
});

describe('which commands run with them (the built CLI)', () => {
  const here = compilerFlags({ v8Version: process.versions.v8, execArgv: [], env: {}, cpus: 2 });
  const TAG_HELPER = fileURLToPath(new URL('./helpers/v8-tag-at-exit.cjs', import.meta.url));

  /** V8's code-cache tag, which hashes every flag that differs from its default. */
  async function tagOf(flags: readonly string[]): Promise<string> {
    const child = await execa('node', [...flags, '-p', "require('node:v8').cachedDataVersionTag()"]);
    return child.stdout.trim();
  }
  /**
   * The tag a CLI run ended with: the compiler settings its command ran under. `prefix` runs it
   * behind another command (taskset), `env` adds to its environment.
   */
  async function tagAfter(argv: string[], prefix: string[] = [], env: Record<string, string> = {}) {
    const log = join(tmpTree(), 'tag');
    const command = [...prefix, 'node', '-r', TAG_HELPER, BIN, ...argv];
    await execa(command[0]!, command.slice(1), {
      cwd: EXAMPLE,
      reject: false,
      env: { NO_COLOR: '1', MLREADY_V8_TAG_LOG: log, ...env },
    });
    return readFileSync(log, 'utf8');
  }
  /** The first CPU this process may run on, for taskset; undefined without taskset (not Linux). */
  async function firstCpu(): Promise<string | undefined> {
    const probe = await execa('taskset', ['-cp', String(process.pid)], { reject: false });
    return probe.exitCode === 0 ? /list:\s*(\d+)/.exec(probe.stdout)?.[1] : undefined;
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
    // The settings for the CPUs this test may run on (several on every machine of ours and in CI).
    const tuned = await tagOf(availableParallelism() > 1 ? COMPILER_FLAGS : ONE_CPU_COMPILER_FLAGS);
    const defaults = await tagOf([]);
    expect(tuned).not.toBe(defaults);
    expect(await tagAfter(['check', '.'])).toBe(tuned);
    expect(await tagAfter(['--version'])).toBe(tuned);
    // Each fails on its input (exit 2) after the command began: the settings are reset first.
    expect(await tagAfter(['loadtest', 'not a url'])).toBe(defaults);
    expect(await tagAfter(['drift', '-r', 'missing.csv', '-c', 'missing.csv'])).toBe(defaults);
    expect(await tagAfter(['drift', 'profile', 'missing.csv', '-o', 'p.json'])).toBe(defaults);
  });

  it('check runs with the one-CPU settings where it may use one CPU, or where it is told to', async () => {
    if (here.flags.length === 0) return expect(process.versions.v8).not.toMatch(/^11\.3\./);
    const oneCpu = await tagOf(ONE_CPU_COMPILER_FLAGS);
    expect(oneCpu).not.toBe(await tagOf(COMPILER_FLAGS));
    expect(await tagAfter(['check', '.'], [], { MLREADY_V8_TUNING: 'one-cpu' })).toBe(oneCpu);
    // Confined to one CPU (a CI job's cpuset, here taskset): Node sees it, and so does the CLI.
    const cpu = await firstCpu();
    if (cpu === undefined) return expect(process.platform).not.toBe('linux');
    expect(await tagAfter(['check', '.'], ['taskset', '-c', cpu])).toBe(oneCpu);
  });
});
