import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { defaultConfig } from '../src/check/config.js';
import { modelSizeOf } from '../src/estimate/model-size.js';
import { estimateLoadTime } from '../src/estimate/load-time.js';
import { checkText } from './helpers/check.js';
import { servicesFrom } from './helpers/service.js';
import { cli, REPO_ROOT } from './helpers/cli.js';
import { startFakeCluster, type FakeCluster } from './helpers/fake-cluster.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/estimates');
const BUDGET_RULES = ['startup-budget', 'rollback-within-budget', 'progress-deadline-within-budget'];
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const NOW = new Date('2026-11-20T12:00:00Z');

function budgetFindings(dir: string, file: string) {
  const result = runCheck({
    cwd: dir,
    paths: [file],
    only: BUDGET_RULES,
    now: NOW,
    config: defaultConfig(dir),
  });
  expect(result.problems).toEqual([]);
  return result;
}

function deployRecord(overrides: Record<string, unknown> = {}, startToReadyMs = 240_000) {
  return {
    apiVersion: 'mlready.dev/v1',
    kind: 'DeployRecord',
    deployment: 'qwen',
    namespace: 'llm',
    templateHash: '7d9f8c6b5',
    digest: '0123456789abcdef',
    revision: 7,
    model: { version: '2.5' },
    image: 'vllm/vllm-openai:v0.6.4@sha256:5a2b9f9c6d3e8b0f1c4d7e6a9b2f5c8d1e4a7b0c3d6e9f2a5b8c1d4e7f0a3b6c',
    changeCause: 'mlready deploy',
    appliedAt: '2026-11-18T09:00:00.000Z',
    outcome: 'deployed',
    rollout: {
      startedAt: '2026-11-18T09:00:00.000Z',
      totalMs: startToReadyMs + 60_000,
      source: 'pod conditions and kubelet events',
      pods: [
        { pod: 'qwen-7d9f8c6b5-a', ready: true, createdToReadyMs: startToReadyMs + 20_000, startToReadyMs },
        { pod: 'qwen-7d9f8c6b5-b', ready: true, createdToReadyMs: 150_000, startToReadyMs: 130_000 },
      ],
    },
    secrets: [],
    ...overrides,
  };
}

describe('model size from the model reference', () => {
  it.each([
    ['Qwen/Qwen2.5-1.5B-Instruct', 1.5, '1.5B in the name'],
    ['meta-llama/Llama-3.1-70B-Instruct', 70, '70B in the name'],
    ['mistralai/Mistral-7b-v0.1', 7, '7b in the name'],
    ['hf://facebook/opt-125m', 0.125, '125m in the name'],
    ['Qwen/Qwen3-30B-A3B', 30, '30B in the name'],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 46.7, 'Mixtral 8x7B: 46.7B parameters (model card)'],
    ['s3://models/foo-8x22B/v3', 176, '8x22B in the name'],
    ['openai-community/gpt2', 0.124, 'GPT-2: 124M parameters (model card)'],
    ['microsoft/Phi-3-mini-4k-instruct', 3.8, 'Phi-3 mini: 3.8B parameters (model card)'],
  ])('%s has %s B parameters (%s)', (reference, billions, source) => {
    expect(modelSizeOf(reference)).toEqual({ billions, source });
  });

  it('says nothing for a name without a size or a known family', () => {
    expect(modelSizeOf('s3://models/fraud/v3')).toBeUndefined();
    expect(modelSizeOf('meta-llama/Llama-3.1-Instruct-v1.5')).toBeUndefined();
  });
});

describe('one load time for every budget rule', () => {
  it('the 1.5 B vLLM Deployment gets no startup-budget, rollback or progress-deadline finding', () => {
    const result = checkText(read('vllm-1.5b.yaml'), { only: BUDGET_RULES });
    expect(result.problems).toEqual([]);
    expect(result.findings).toEqual([]);
    const [service] = checkText(read('vllm-1.5b.yaml')).services;
    expect(service!.loadTime).toMatchObject({ confidence: 'model-size', seconds: 92 });
    expect(service!.loadTime!.arithmetic).toBe(
      '~1m32s: 30 s for 3 GB weights from Hugging Face at 100 MB/s + 1.5 s GPU load (2 GB/s × 1 GPU) + 60 s vLLM start-up; 1.5B parameters (1.5B in the name) × 2 bytes (fp16/bf16) = 3 GB',
    );
  });

  it('the same Deployment serving a 70 B model gets errors that show their arithmetic', () => {
    const result = checkText(read('vllm-70b.yaml'), { only: BUDGET_RULES });
    const load =
      '~25m30s: 1400 s for 140 GB weights from Hugging Face at 100 MB/s + 70 s GPU load (2 GB/s × 1 GPU) + 60 s vLLM start-up; 70B parameters (70B in the name) × 2 bytes (fp16/bf16) = 140 GB';
    expect(result.findings.map((f) => [f.ruleId, f.severity, f.message])).toEqual([
      [
        'progress-deadline-within-budget',
        'error',
        `Deployment/qwen declares a rollout failed after 5m, before one new pod can be ready (90 s pull (9 GB vLLM image at 100 MB/s) + 1530 s load + 5 s ready = 27m5s; load ${load})`,
      ],
      [
        'rollback-within-budget',
        'error',
        `rolling Deployment/qwen back takes up to 2 waves × (0 s pull (previous image cached) + 1530 s load + 5 s ready) = 51m10s > 5m budget (2 replicas, 1 per wave; load ${load})`,
      ],
      [
        'startup-budget',
        'error',
        `container "vllm" in Deployment/qwen startupProbe gives up after 3m (0 + 18 × 10 s); model load takes ${load}: crash loop`,
      ],
    ]);
  });

  it('reads quantization and tensor parallelism: a 4-bit 70 B over 4 GPUs', () => {
    const text = read('vllm-70b.yaml').replace(
      '            - --port',
      '            - --quantization\n            - awq\n            - --tensor-parallel-size\n            - "4"\n            - --port',
    );
    const service = servicesFrom(text)[0]!;
    const load = estimateLoadTime(
      { service, evidence: { deploys: [], maxAgeDays: 30 }, now: NOW },
      service.servingContainers()[0],
    );
    expect(load.arithmetic).toBe(
      '~6m54s: 350 s for 35 GB weights from Hugging Face at 100 MB/s + 4.4 s GPU load (2 GB/s × 4 GPUs (tensor × pipeline parallel)) + 60 s vLLM start-up; 70B parameters (70B in the name) × 0.5 bytes (--quantization awq: 4-bit) = 35 GB',
    );
  });

  it('counts no download for weights on a PersistentVolumeClaim', () => {
    const text = read('vllm-1.5b.yaml')
      .replace('- Qwen/Qwen2.5-1.5B-Instruct', '- /models/Qwen2.5-1.5B-Instruct')
      .replace(
        '          startupProbe:',
        '          volumeMounts: [{ name: weights, mountPath: /models, readOnly: true }]\n          startupProbe:',
      )
      .replace(
        '      containers:',
        '      volumes: [{ name: weights, persistentVolumeClaim: { claimName: qwen-weights } }]\n      containers:',
      );
    const [service] = checkText(text).services;
    expect(service!.loadTime!.arithmetic).toBe(
      '~1m2s: 1.5 s GPU load (2 GB/s × 1 GPU) + 60 s vLLM start-up; 1.5B parameters (1.5B in the name) × 2 bytes (fp16/bf16) = 3 GB, weights on PersistentVolumeClaim qwen-weights',
    );
  });

  it('a finding that rests on a runtime default only is a warning', () => {
    const text = read('vllm-70b.yaml').replace('meta-llama/Llama-3.1-70B-Instruct', 'acme/house-llm');
    const result = checkText(text, { only: ['startup-budget', 'rollback-within-budget'] });
    expect(result.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['rollback-within-budget', 'warning'],
      ['startup-budget', 'warning'],
    ]);
    expect(result.findings[1]!.message).toContain(
      'model load takes 5m (the vLLM default; model size unknown)',
    );
  });

  it('a simulator that names a model but loads none keeps the runtime default', () => {
    const text = read('vllm-70b.yaml').replace(
      /image: vllm\/vllm-openai:\S+/,
      'image: ghcr.io/llm-d/llm-d-inference-sim:v0.1.0',
    );
    const [service] = checkText(text).services;
    expect(service!.loadTime).toMatchObject({ confidence: 'runtime-default', seconds: 60 });
  });
});

describe('evidence beats estimates', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlready-estimates-'));
    writeFileSync(join(dir, 'deployment.yaml'), read('vllm-1.5b.yaml'));
    mkdirSync(join(dir, '.mlready/deploy'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const save = (name: string, record: unknown) =>
    writeFileSync(join(dir, '.mlready/deploy', name), JSON.stringify(record));

  it('a deploy record that measured 4 minutes turns the 1.5 B estimate into an error citing the measurement', () => {
    save('2026-11-18-09-00-00-qwen-2.5-7d9f8c6b5.json', deployRecord());
    const result = budgetFindings(dir, 'deployment.yaml');
    expect(result.findings.map((f) => [f.ruleId, f.severity, f.message])).toEqual([
      [
        'progress-deadline-within-budget',
        'error',
        'Deployment/qwen declares a rollout failed after 5m, before one new pod can be ready (90 s pull (9 GB vLLM image at 100 MB/s) + 240 s load + 0 s ready = 5m30s; load measured 4m at release 7 (slowest of 2 pods, container start → ready, .mlready/deploy/2026-11-18-09-00-00-qwen-2.5-7d9f8c6b5.json))',
      ],
      [
        'rollback-within-budget',
        'error',
        'rolling Deployment/qwen back takes up to 2 waves × (0 s pull (previous image cached) + 240 s load + 0 s ready) = 8m > 5m budget (2 replicas, 1 per wave; load measured 4m at release 7 (slowest of 2 pods, container start → ready, .mlready/deploy/2026-11-18-09-00-00-qwen-2.5-7d9f8c6b5.json))',
      ],
      [
        'startup-budget',
        'error',
        'container "vllm" in Deployment/qwen startupProbe gives up after 3m (0 + 18 × 10 s); model load takes measured 4m at release 7 (slowest of 2 pods, container start → ready, .mlready/deploy/2026-11-18-09-00-00-qwen-2.5-7d9f8c6b5.json): crash loop',
      ],
    ]);
  });

  it('ignores stale and mismatched records with a note, and uses the newest that matches', () => {
    save('a.json', deployRecord({ appliedAt: '2026-09-01T09:00:00.000Z', revision: 3 }));
    save(
      'b.json',
      deployRecord({ appliedAt: '2026-11-19T09:00:00.000Z', revision: 9, image: 'vllm/vllm-openai:v0.7.0' }),
    );
    save(
      'c.json',
      deployRecord({ appliedAt: '2026-11-19T10:00:00.000Z', revision: 10, model: { version: '3.0' } }),
    );
    save('d.json', deployRecord({ appliedAt: '2026-11-17T10:00:00.000Z', revision: 6 }, 100_000));
    const result = runCheck({ cwd: dir, paths: ['deployment.yaml'], now: NOW, config: defaultConfig(dir) });
    expect(result.services[0]!.loadTime).toEqual({
      seconds: 130,
      confidence: 'measured',
      source: 'measured 2m10s at release 6',
      arithmetic:
        'measured 2m10s at release 6 (slowest of 2 pods, container start → ready, .mlready/deploy/d.json)',
      notes: [
        '.mlready/deploy/c.json ignored: model version 3.0, not 2.5',
        '.mlready/deploy/b.json ignored: image vllm/vllm-openai:v0.7.0, not vllm/vllm-openai:v0.6.4@sha256:5a2b9f9c6d3e8b0f1c4d7e6a9b2f5c8d1e4a7b0c3d6e9f2a5b8c1d4e7f0a3b6c',
      ],
    });
    expect(result.findings.filter((f) => BUDGET_RULES.includes(f.ruleId))).toEqual([]);
    rmSync(join(dir, '.mlready/deploy/d.json'));
    const stale = runCheck({ cwd: dir, paths: ['deployment.yaml'], now: NOW, config: defaultConfig(dir) });
    expect(stale.services[0]!.loadTime!.confidence).toBe('model-size');
    expect(stale.services[0]!.loadTime!.notes).toContain(
      '.mlready/deploy/a.json ignored: 80 days old (limit 30)',
    );
  });
});

describe('deploy, then check the same files', () => {
  let cluster: FakeCluster;
  let dir: string;
  const V1 =
    'vllm/vllm-openai:v0.6.3@sha256:4f1a8e8b5c2d7a9e0b3c6d5f8a1e4b7c0d3f6a9e2b5c8d1f4a7e0b3c6d9f2a5e';
  beforeEach(async () => {
    cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator'] });
    dir = mkdtempSync(join(tmpdir(), 'mlready-deploy-check-'));
    const { cpSync } = await import('node:fs');
    cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
  });
  afterEach(async () => {
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the measured start-up replaces the estimate', async () => {
    const before = await cli(['check', '.', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(before.stdout).services[0].loadTime).toMatchObject({
      confidence: 'declared',
      seconds: 180,
      source: 'serving.expectedLoadSeconds',
    });
    cluster.api.onImage(V1, { type: 'ready', afterMs: 400 });
    const deployed = await cli(['deploy', '.', '--save', '--kubeconfig', cluster.kubeconfig], { cwd: dir });
    expect(deployed.code).toBe(0);
    const after = await cli(['check', '.', '--format', 'json'], { cwd: dir });
    const load = JSON.parse(after.stdout).services[0].loadTime;
    expect(load.confidence).toBe('measured');
    expect(load.source).toMatch(/^measured \d+(\.\d)?s at release 1$/);
    expect(load.seconds).toBeGreaterThanOrEqual(0.3);
    expect(load.seconds).toBeLessThan(10);
    const text = await cli(['check', '.'], { cwd: dir });
    expect(text.stdout).toMatch(/model load: measured \d+(\.\d)?s at release 1/);
  });
});

describe('docs/estimates.md', () => {
  it('documents every constant the estimate uses, with the same value', async () => {
    const c = await import('../src/estimate/constants.js');
    const doc = readFileSync(join(REPO_ROOT, 'docs/estimates.md'), 'utf8');
    expect(doc).toContain(`| ${c.NETWORK_BANDWIDTH.value / 1e6} MB/s |`);
    expect(doc).toContain(`| ${c.GPU_LOAD_BANDWIDTH.value / 1e9} GB/s per GPU |`);
    expect(doc).toContain(
      `| vLLM start-up | ${c.RUNTIME_STARTUP_SECONDS.vllm} s (${c.VLLM_EAGER_STARTUP_SECONDS} s with`,
    );
    expect(doc).toContain(`| TGI start-up | ${c.RUNTIME_STARTUP_SECONDS.tgi} s |`);
    expect(doc).toContain(`| vLLM image (compressed) | ${c.RUNTIME_IMAGE_BYTES.vllm! / 1e9} GB |`);
    expect(doc).toContain(`| TGI image | ${c.RUNTIME_IMAGE_BYTES.tgi! / 1e9} GB |`);
    expect(doc).toContain(`| Triton image | ${c.RUNTIME_IMAGE_BYTES.triton! / 1e9} GB |`);
    expect(doc).toContain(`| NIM image | ${c.RUNTIME_IMAGE_BYTES.nim! / 1e9} GB |`);
  });
});
