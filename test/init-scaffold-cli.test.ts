import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prompter } from '../src/cli/commands/init.js';
import { initCommand } from '../src/cli/commands/init.js';
import { RUNTIME_CHOICES } from '../src/cli/program.js';
import { parseManifest } from '../src/manifest/load.js';
import { RUNTIME_NAMES } from '../src/scaffold/profiles.js';
import { loadTemplates, renderScaffold } from '../src/scaffold/render.js';
import { bin, cli, REPO_ROOT } from './helpers/cli.js';
import { completeManifest } from './helpers/manifests.js';
import { tmpTree } from './helpers/tmp.js';

const FULL_FLAGS = [
  '--yes',
  '--runtime',
  'triton',
  '--model',
  'detector',
  '--model-version',
  '3.1.0',
  '--image',
  'registry.example.com/detector:3.1.0',
  '--uri',
  's3://models/detector/3.1.0/',
  '--gpus',
  '1',
  '--drift-features',
  'width,height,brightness',
  '--dataset',
  's3://data/detector',
  '--dataset-version',
  '2026-10-01',
  '--training-run',
  'mlflow://runs/42',
  '--code-commit',
  '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  '--hyperparameters',
  's3://runs/42/params.yaml',
  '--tooling-image',
  'registry.example.com/mlready:0.1.0',
];

describe('mlready init', () => {
  it('offers exactly the scaffold runtimes', () => {
    expect([...RUNTIME_CHOICES]).toEqual(RUNTIME_NAMES);
  });

  it('never hangs without a terminal: exits 2 naming the flags still needed', async () => {
    const dir = tmpTree();
    const run = await bin(['init', '--runtime', 'vllm'], { cwd: dir, input: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: no terminal to ask on, and --model, --model-version are not given');
    expect(existsSync(join(dir, 'mlready.yaml'))).toBe(false);
  });

  it('with --yes and flags writes a valid manifest, and refuses to overwrite it without --force', async () => {
    const dir = tmpTree();
    expect((await cli(['init', ...FULL_FLAGS], { cwd: dir })).code).toBe(0);
    const { manifest } = parseManifest(readFileSync(join(dir, 'mlready.yaml'), 'utf8'), 'mlready.yaml');
    expect(manifest.spec.serving.runtime).toBe('triton');
    expect(manifest.spec.monitoring?.drift?.features).toEqual(['width', 'height', 'brightness']);
    expect(manifest.spec.model.lineage?.codeCommit).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    const again = await cli(['init', ...FULL_FLAGS], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('error: mlready.yaml already exists; refusing to overwrite it');
    expect((await cli(['init', ...FULL_FLAGS, '--force'], { cwd: dir })).code).toBe(0);
  });

  it('lists the runtimes for an unknown one', async () => {
    const run = await cli(
      ['init', '--yes', '--runtime', 'onnxruntime', '--model', 'm', '--model-version', '1'],
      { cwd: tmpTree() },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'unknown runtime "onnxruntime"; choose one of custom, tfserving, tgi, torchserve, triton, vllm',
    );
  });

  it('asks on a terminal, proposing per-runtime defaults', async () => {
    const dir = tmpTree();
    const asked: string[] = [];
    const prompter: Prompter = {
      input: (message, d) => {
        asked.push(message);
        return Promise.resolve(
          message.startsWith('Model (')
            ? 'mistralai/Mistral-7B-Instruct-v0.3'
            : message === 'Model version'
              ? '0.3.0'
              : d,
        );
      },
      number: (message, d) => {
        asked.push(message);
        return Promise.resolve(message === 'Minimum replicas' ? 3 : d);
      },
      select: (message, _choices, d) => {
        asked.push(message);
        return Promise.resolve(message === 'Serving runtime' ? ('tgi' as typeof d) : d);
      },
    };
    let out = '';
    const code = await initCommand(
      {
        argv: [],
        env: {},
        cwd: dir,
        stdout: (s) => (out += s),
        stderr: () => {},
        writeFile: (path, text) => writeFileSync(path, text),
        stdoutIsTTY: true,
        stdinIsTTY: true,
        readStdin: () => Promise.resolve(''),
      },
      { output: 'mlready.yaml' },
      prompter,
    );
    expect(code).toBe(0);
    expect(asked).toContain('Latency SLO, p95 in ms');
    const { manifest } = parseManifest(readFileSync(join(dir, 'mlready.yaml'), 'utf8'), 'mlready.yaml');
    expect(manifest.metadata.name).toBe('mistral-7b-instruct-v0-3');
    expect(manifest.spec.serving.runtime).toBe('tgi');
    expect(manifest.spec.scaling?.minReplicas).toBe(3);
    expect(manifest.spec.slo?.latencyMs?.p95).toBe(4000); // the TGI default
    expect(manifest.spec.resources?.gpu).toBe(1);
    expect(out).toContain('next: mlready scaffold');
  });
});

describe('mlready scaffold', () => {
  it('init → scaffold → check: zero findings once the load test is recorded', async () => {
    const dir = tmpTree();
    await cli(['init', ...FULL_FLAGS], { cwd: dir });
    const scaffold = await cli(['scaffold'], { cwd: dir });
    expect(scaffold.code).toBe(0);
    expect(scaffold.stdout).toContain('written     k8s/deployment.yaml');
    const before = await cli(['check', '.', '--format', 'json'], { cwd: dir });
    expect(
      (JSON.parse(before.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId),
    ).toEqual(['load-test-evidence']);
    mkdirSync(join(dir, '.mlready/loadtest'), { recursive: true });
    writeFileSync(
      join(dir, '.mlready/loadtest/run.json'),
      JSON.stringify({
        kind: 'LoadTestReport',
        formatVersion: 1,
        service: 'detector',
        model: { name: 'detector', version: '3.1.0' },
        image: 'registry.example.com/detector:3.1.0',
        startedAt: new Date().toISOString(),
        slo: { passed: true },
        peak: { memoryBytes: 8 * 2 ** 30 },
      }),
    );
    const after = await cli(['check', '.'], { cwd: dir });
    expect(after.stdout).toMatch(/✔ no findings/);
    expect(after.stdout).toContain('detector: readiness level 3');
    expect(after.code).toBe(0);
  });

  it('re-running keeps files a person edited, updates its own, and says which', async () => {
    const dir = tmpTree({ 'mlready.yaml': completeManifest('vllm') });
    await cli(['scaffold'], { cwd: dir });
    expect((await cli(['scaffold'], { cwd: dir })).stdout).toMatch(/^unchanged\s+k8s\/service\.yaml$/m);
    const hpa = join(dir, 'k8s/hpa.yaml');
    writeFileSync(hpa, `${readFileSync(hpa, 'utf8')}# tuned by hand\n`);
    writeFileSync(
      join(dir, 'mlready.yaml'),
      completeManifest('vllm')
        .replace('minReplicas: 2', 'minReplicas: 3')
        .replace('memory: 48Gi', 'memory: 40Gi'),
    );
    const rerun = await cli(['scaffold'], { cwd: dir });
    expect(rerun.stdout).toMatch(/^skipped\s+k8s\/hpa\.yaml$/m);
    expect(rerun.stdout).toMatch(/^updated\s+k8s\/deployment\.yaml$/m);
    expect(rerun.stderr).toContain('kept 1 file you edited; --force overwrites them');
    expect(readFileSync(hpa, 'utf8')).toContain('# tuned by hand');
    const forced = await cli(['scaffold', '--force'], { cwd: dir });
    expect(forced.stdout).toMatch(/^overwritten\s+k8s\/hpa\.yaml$/m);
    expect(readFileSync(hpa, 'utf8')).toContain('minReplicas: 3');
  });

  it('--dry-run prints the files and writes nothing', async () => {
    const dir = tmpTree({ 'mlready.yaml': completeManifest('custom') });
    const run = await cli(['scaffold', '--dry-run'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--- server.py (new)');
    expect(run.stdout).toContain('kind: Deployment');
    expect(readdirSync(dir)).toEqual(['mlready.yaml']);
  });

  it('rejects an invalid manifest with the errors check gives, writing nothing', async () => {
    const dir = tmpTree({ 'mlready.yaml': completeManifest('vllm').replace('gpu: 1', 'gpu: two') });
    const run = await cli(['scaffold'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('mlready.yaml:26:10: spec.resources.gpu must be an integer ≥ 0, got "two"');
    expect(readdirSync(dir)).toEqual(['mlready.yaml']);
  });

  it('refuses an output directory it cannot write, leaving nothing half-written', async () => {
    const dir = tmpTree({ 'mlready.yaml': completeManifest('vllm'), 'not-a-dir': 'x' });
    const run = await cli(['scaffold', '--out', 'not-a-dir/out'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: cannot write to .*not-a-dir\/out: (ENOTDIR|EEXIST); nothing was written/,
    );
    expect(readdirSync(dir).sort()).toEqual(['mlready.yaml', 'not-a-dir']);
  });

  it('the bundled example is exactly what scaffold renders from its manifest', () => {
    const example = join(REPO_ROOT, 'examples/llm-chat');
    const { manifest } = parseManifest(readFileSync(join(example, 'mlready.yaml'), 'utf8'), 'mlready.yaml');
    for (const file of renderScaffold(
      manifest,
      { target: 'kubernetes', canary: 'none', autoscaler: 'hpa' },
      loadTemplates(),
    )) {
      expect(readFileSync(join(example, file.path), 'utf8'), file.path).toBe(file.content);
    }
  });
});
