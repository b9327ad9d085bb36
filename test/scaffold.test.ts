import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { defaultConfig } from '../src/check/config.js';
import { parseManifest } from '../src/manifest/load.js';
import type { Runtime } from '../src/manifest/types.js';
import { loadTemplates, renderScaffold } from '../src/scaffold/render.js';
import { RUNTIME_NAMES } from '../src/scaffold/profiles.js';
import type { ScaffoldOptions } from '../src/scaffold/view.js';
import { completeManifest } from './helpers/manifests.js';

const templates = loadTemplates();

function render(
  runtime: Runtime,
  options: Partial<ScaffoldOptions> = {},
  weights?: 'baked' | 'download' | 'volume',
) {
  const text = completeManifest(runtime, { weights });
  const { manifest } = parseManifest(text, 'mlready.yaml');
  const files = renderScaffold(
    manifest,
    { target: 'kubernetes', canary: 'none', autoscaler: 'hpa', ...options },
    templates,
  );
  return { text, files };
}

function checkRendered(text: string, files: { path: string; content: string }[]) {
  const texts = [
    { file: 'mlready.yaml', text },
    ...files.filter((f) => f.path.endsWith('.yaml')).map((f) => ({ file: f.path, text: f.content })),
  ];
  return runCheck({ cwd: '/', texts, config: defaultConfig('/') });
}

const COMBINATIONS = RUNTIME_NAMES.flatMap(
  (runtime) =>
    [
      [runtime, { target: 'kubernetes' }],
      [runtime, { target: 'kubernetes', canary: 'istio' }],
      [runtime, { target: 'kubernetes', autoscaler: 'keda' }],
      [runtime, { target: 'kserve' }],
    ] as [Runtime, Partial<ScaffoldOptions>][],
);

describe('scaffold output passes mlready check', () => {
  it.each(COMBINATIONS)('%s %j: no findings but the missing load test', (runtime, options) => {
    const { text, files } = render(runtime, options);
    const result = checkRendered(text, files);
    expect(result.problems).toEqual([]);
    expect(result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.message}`)).toEqual([
      `mlready.yaml:4:9 load-test-evidence resource limits not proven under load: no load-test report for ${runtime}-model in .mlready/loadtest/`.replace(
        ':4:9',
        ':4',
      ),
    ]);
  });
});

describe('scaffold output is valid Kubernetes', () => {
  it.each(COMBINATIONS)(
    '%s %j validates against the Kubernetes OpenAPI schemas (kubernetes-models)',
    async (runtime, options) => {
      const { validateKubernetesYaml } = await import('./helpers/kubernetes-schemas.js');
      const { files } = render(runtime, options);
      for (const file of files.filter((f) => f.path.endsWith('.yaml'))) {
        const results = await validateKubernetesYaml(file.content);
        expect(results.length, file.path).toBeGreaterThan(0);
        for (const r of results) expect(r.error, `${file.path} ${r.kind}`).toBeUndefined();
      }
    },
  );

  it('the validator can fail: a string containerPort is rejected', async () => {
    const { validateKubernetesYaml } = await import('./helpers/kubernetes-schemas.js');
    const { files } = render('vllm');
    const deployment = files
      .find((f) => f.path === 'k8s/deployment.yaml')!
      .content.replace('containerPort: 8000', 'containerPort: "eight thousand"');
    const [result] = await validateKubernetesYaml(deployment);
    expect(result?.error).toMatch(/containerPort must be integer/);
  });
});

describe('scaffold rendering', () => {
  it('is deterministic', () => {
    expect(render('triton').files).toEqual(render('triton').files);
  });

  it.each(['baked', 'download'] as const)('weights %s also passes check', (weights) => {
    for (const runtime of ['vllm', 'custom', 'triton'] as Runtime[]) {
      const { text, files } = render(runtime, {}, weights);
      const result = checkRendered(text, files);
      expect(
        result.findings.filter((f) => f.ruleId !== 'load-test-evidence').map((f) => f.message),
        `${runtime} ${weights}`,
      ).toEqual([]);
    }
  });

  it('downloads weights in an init step at the pinned revision', () => {
    const deployment = render('vllm', {}, 'download').files.find(
      (f) => f.path === 'k8s/deployment.yaml',
    )!.content;
    expect(deployment).toContain(
      'command: ["huggingface-cli","download","meta-llama/Llama-3.1-8B-Instruct","--revision","0e9e39f249a16976918f6564b8830bc894c89659","--local-dir","/models/model"]',
    );
  });

  it('Dockerfiles pin the base image, run as non-root, and take no secrets through ENV or ARG', () => {
    for (const runtime of RUNTIME_NAMES) {
      const dockerfile = render(runtime, {}, 'baked').files.find((f) => f.path === 'Dockerfile')!.content;
      const from = /^FROM (\S+)/m.exec(dockerfile)?.[1] ?? '';
      expect(from, runtime).toMatch(/:[\w.-]*\d[\w.-]*$/);
      expect(dockerfile, runtime).toMatch(/^USER 1000(:1000)?$/m);
      expect(dockerfile, runtime).not.toMatch(/^(ENV|ARG)\s+\S*(TOKEN|KEY|SECRET|PASSWORD)/im);
    }
  });

  it('the custom server compiles and exposes live, ready and metrics endpoints', async () => {
    const { files } = render('custom');
    const server = files.find((f) => f.path === 'server.py')!.content;
    for (const endpoint of ['/health/live', '/health/ready', '/metrics', '/predict'])
      expect(server).toContain(`"${endpoint}"`);
    const { execa } = await import('execa');
    const compiled = await execa('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], {
      input: server,
      reject: false,
    });
    expect(compiled.stderr).toBe('');
    expect(compiled.exitCode).toBe(0);
  });

  it('names a template variable mlready does not provide', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/mlready-templates-`);
    mkdirSync(`${dir}/kubernetes`);
    writeFileSync(
      `${dir}/kubernetes/service.yaml.hbs`,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{serviceName}}\n',
    );
    const { manifest } = parseManifest(completeManifest('vllm'), 'mlready.yaml');
    expect(() =>
      renderScaffold(
        manifest,
        { target: 'kubernetes', canary: 'none', autoscaler: 'hpa' },
        loadTemplates(dir),
      ),
    ).toThrow(
      'template kubernetes/service.yaml.hbs uses {{serviceName}}, which mlready does not provide (line 4)',
    );
  });
});
