import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const BASE = ['init', '--yes', '--runtime', 'vllm', '--model', 'm', '--model-version', '1.0.0'];

describe('mlready init refuses bad answers before writing, naming the flag (exit 2)', () => {
  it.each([
    [['--gpus', ''], "error: option '--gpus <n>' argument '' is invalid. expected a whole number ≥ 0"],
    [['--gpus', '0x2'], "error: option '--gpus <n>' argument '0x2' is invalid. expected a whole number"],
    [['--min-replicas', '1e1'], "error: option '--min-replicas <n>' argument '1e1' is invalid. expected a"],
    [['--p95-ms', '0x10'], "error: option '--p95-ms <ms>' argument '0x10' is invalid. expected a number"],
    [['--p95-ms', ' '], "error: option '--p95-ms <ms>' argument ' ' is invalid. expected a number"],
    [['--p95-ms', '0'], 'error: --p95-ms must be a number > 0, got 0'],
    [['--error-rate', '5'], 'error: --error-rate must be a number between 0 and 1, got 5'],
    [['--min-replicas', '5', '--max-replicas', '2'], 'error: --max-replicas (2) is below --min-replicas (5)'],
    [
      ['--drift-warn', '0.5', '--drift-critical', '0.1'],
      'error: --drift-warn (0.5) must be below --drift-critical (0.1)',
    ],
    [
      ['--name', 'Fraud_Model'],
      'error: --name must be a lowercase DNS label such as fraud-model, got "Fraud_Model"',
    ],
    [
      ['--model-version', '1.0.0\nhostPID: true'],
      'error: --model-version must be a single line of text without line breaks or control characters, got "1.0.0\\nhostPID: true"',
    ],
    [
      ['--model', 'm\u2028x'],
      'error: --model must be a single line of text without line breaks or control characters, got "m\u2028x"',
    ],
    [
      ['--drift-features', 'amount,x\ny'],
      'error: --drift-features must be a column name without commas, line breaks or control characters, got "x\\ny"',
    ],
    [['--drift-features', 'a,a'], 'error: --drift-features lists the same item twice (items 0 and 1)'],
    [
      ['--uri', 'hf://org/model@$(id)'],
      'error: --uri must be a URI without spaces or control characters, such as s3://bucket/model/1.4.2/ or hf://org/model@<revision>, got "hf://org/model@$(id)"',
    ],
    [
      ['--image', 'vllm/vllm-openai:v0.6.3 --privileged'],
      'error: --image must be an image reference without spaces or control characters',
    ],
    [['--cpu', 'lots'], 'error: --cpu must be a Kubernetes quantity such as 500m, 2, 16Gi, got "lots"'],
    [['--rollout', 'yolo'], "error: option '--rollout <strategy>' argument 'yolo' is invalid"],
    [['--bogus'], "error: unknown option '--bogus'"],
    [['extra'], "error: too many arguments for 'init'"],
  ])('%j', async (flags, message) => {
    const dir = tmpTree();
    const run = await cli([...BASE, ...flags], { cwd: dir });
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/mlready\.yaml:\d+/);
    expect(run.stderr).not.toMatch(/must be The /);
    expect(run.code).toBe(2);
    expect(existsSync(join(dir, 'mlready.yaml'))).toBe(false);
  });
});

describe('mlready scaffold refuses bad options (exit 2)', () => {
  it.each([
    [['--target', 'nomad'], "error: option '--target <target>' argument 'nomad' is invalid"],
    [['--canary', 'linkerd'], "error: option '--canary <mesh>' argument 'linkerd' is invalid"],
    [['--autoscaler', 'vpa'], "error: option '--autoscaler <kind>' argument 'vpa' is invalid"],
    [['extra'], "error: too many arguments for 'scaffold'"],
    [['--manifest', 'nope.yaml'], 'error: no manifest at nope.yaml'],
  ])('%j', async (flags, message) => {
    const run = await cli(['scaffold', ...flags], { cwd: tmpTree() });
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(2);
  });

  it('names a templates directory it cannot read', async () => {
    const dir = tmpTree();
    await cli([...BASE], { cwd: dir });
    const run = await cli(['scaffold', '--templates', 'missing-dir'], { cwd: dir });
    expect(run.stderr).toMatch(/error: cannot read templates from \S*missing-dir: ENOENT/);
    expect(run.code).toBe(2);
  });

  it('refuses --canary istio with --target kserve', async () => {
    const dir = tmpTree();
    await cli([...BASE], { cwd: dir });
    const run = await cli(['scaffold', '--target', 'kserve', '--canary', 'istio'], { cwd: dir });
    expect(run.stderr).toContain('error: --canary istio is for --target kubernetes');
    expect(run.code).toBe(2);
  });
});
