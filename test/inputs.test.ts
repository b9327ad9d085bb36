import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { insideRange } from '../src/check/inputs.js';
import { runCheck } from '../src/check/run-check.js';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/inputs/', import.meta.url));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  labels: { app: llm }
spec:
  selector: { matchLabels: { app: llm } }
  template:
    metadata: { labels: { app: llm } }
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:latest
`;

function where(result: ReturnType<typeof runCheck>, rule: string): string[] {
  return result.findings.filter((f) => f.ruleId === rule).map((f) => `${f.file}:${f.line}:${f.column}`);
}

describe('Markdown given explicitly', () => {
  it('checks the fenced yaml blocks of the vLLM Kubernetes guide at the lines of the guide', () => {
    // test/fixtures/inputs/vllm-k8s.md: vllm-project/vllm docs/deployment/k8s.md (see NOTICE).
    const result = runCheck({ cwd: FIXTURES, paths: ['vllm-k8s.md'] });
    expect(result.problems).toEqual([]);
    // The blocks inside list items are indented by six spaces: lines and columns are the guide's own.
    expect(where(result, 'no-floating-image-tag')).toEqual(['vllm-k8s.md:205:22']);
    expect(where(result, 'no-committed-secret-data')).toEqual(['vllm-k8s.md:163:7']);
    expect(where(result, 'no-unrendered-placeholder')).toEqual(['vllm-k8s.md:164:16']);
    // The ```bash blocks with heredocs are not YAML blocks and are not read.
    expect(result.findings.every((f) => f.line > 140)).toBe(true);
    expect(result.summary.objects).toBe(4);
    expect(result.skipped.map((s) => `${s.line} ${s.kind}`)).toEqual(['137 PersistentVolumeClaim']);
  });

  it('reports a parse error of a block at the Markdown line, and says when a placeholder caused it', () => {
    const markdown = [
      '# Serving',
      '',
      '- Apply this:',
      '',
      '  ```yaml',
      '  apiVersion: v1',
      '  kind: Service',
      '  metadata:',
      '    name: {docker_username}-svc: x',
      '  ```',
      '',
    ].join('\n');
    const dir = tmpTree({ 'guide.md': markdown });
    const result = runCheck({ cwd: dir, paths: ['guide.md'] });
    expect(result.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`)).toEqual([
      expect.stringMatching(
        /^guide\.md:9:\d+ invalid YAML: .* \(the line holds the unrendered placeholder \{docker_username\}: substitute it/,
      ),
    ]);
  });

  it('says a Markdown file without yaml blocks has nothing to check', () => {
    const dir = tmpTree({ 'notes.md': '# Notes\n\n```bash\nkubectl apply -f x.yaml\n```\n' });
    const result = runCheck({ cwd: dir, paths: ['notes.md'] });
    expect(result.skipped.map((s) => `${s.file}: ${s.reason}`)).toEqual(['notes.md: no fenced yaml blocks']);
    expect(result.problems.map((p) => p.message)).toEqual([
      'nothing to check: no Kubernetes objects or mlready.yaml in the input',
    ]);
  });

  it('does not pick up Markdown files when walking a directory', () => {
    const dir = tmpTree({ 'README.md': '```yaml\nkind: Pod\n```\n', 'k8s/deploy.yaml': DEPLOYMENT });
    const result = runCheck({ cwd: dir, paths: ['.'] });
    expect(result.summary.files).toBe(1);
    expect(result.findings.every((f) => f.file === 'k8s/deploy.yaml')).toBe(true);
  });
});

describe('Helm values files', () => {
  it('reads values holding template strings as values, not as a Helm template', () => {
    const values = [
      'fullnameOverride: "{{ .Release.Name }}-llm"',
      'image:',
      '  repository: vllm/vllm-openai',
      "  tag: '{{ .Chart.AppVersion }}'",
      'podAnnotations:',
      '  checksum/config: "{{ include (print $.Template.BasePath \\"/cm.yaml\\") . | sha256sum }}"',
      '',
    ].join('\n');
    const dir = tmpTree({ 'values.yaml': values });
    const result = runCheck({ cwd: dir, paths: ['values.yaml'] });
    expect(result.problems).toEqual([]);
    expect(result.summary.objects).toBe(1);
    // Helm passes these strings through tpl: they are not unrendered placeholders.
    expect(result.findings.filter((f) => f.ruleId === 'no-unrendered-placeholder')).toEqual([]);
  });

  it('still recognises a real template, whose actions are YAML structure', () => {
    const template = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include "llm.fullname" . }}\n';
    const dir = tmpTree({ 'service.yaml': template });
    const result = runCheck({ cwd: dir, paths: ['service.yaml'] });
    expect(result.problems.map((p) => `${p.line} ${p.message}`)).toEqual([
      '4 service.yaml is a Helm template ({{ … }} at line 4), not rendered YAML',
    ]);
  });
});

describe('Helm actions inside strings', () => {
  it('finds the one structural action after thousands of quoted ones, at its line', () => {
    // A values-like file of quoted actions (data), then a template line (structure). Searching every
    // string's range for every action was quadratic (20 000 actions: ~20 s); bench/check.js measures it.
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: big }', 'data:'];
    for (let i = 0; i < 2_000; i++) lines.push(`  key${i}: "{{ .Values.v${i} }}"`);
    const quotedOnly = `${lines.join('\n')}\n`;
    lines.push('  last: {{ .Values.last }}');
    const dir = tmpTree({ 'quoted.yaml': quotedOnly, 'template.yaml': `${lines.join('\n')}\n` });
    const quoted = runCheck({ cwd: dir, paths: ['quoted.yaml'] });
    expect(quoted.problems).toEqual([]);
    expect(quoted.summary.objects).toBe(1);
    const template = runCheck({ cwd: dir, paths: ['template.yaml'] });
    expect(template.problems.map((p) => `${p.line} ${p.message}`)).toEqual([
      '2005 template.yaml is a Helm template ({{ … }} at line 2005), not rendered YAML',
    ]);
  });

  it('answers whether an offset is in a string as a search of every range does', () => {
    // Disjoint ranges sorted by start, as string scalars are; offsets around every edge.
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const ranges: [number, number][] = [];
      let at = random(3);
      for (let i = random(12); i > 0; i--) {
        const from = at + random(4);
        const to = from + 1 + random(5);
        ranges.push([from, to]);
        at = to;
      }
      for (let offset = -1; offset <= at + 2; offset++) {
        const expected = ranges.some(([from, to]) => offset >= from && offset < to);
        expect(insideRange(ranges, offset), `${JSON.stringify(ranges)} @ ${offset}`).toBe(expected);
      }
    }
  });
});

/**
 * helm is not packaged for Debian, so these tests put a small fake `helm` on PATH: a shell script
 * that records its arguments and prints what `helm template` prints for a two-template chart
 * (documents separated by "---", each introduced by a "# Source: <chart>/templates/<file>" comment).
 */
function fakeHelm(output: string, exitCode = 0): { bin: string; argsFile: string } {
  const bin = tmpTree();
  const argsFile = join(bin, 'args.txt');
  const outputFile = join(bin, 'output.yaml');
  writeFileSync(outputFile, output);
  writeFileSync(
    join(bin, 'helm'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\ncat '${outputFile}'\n${exitCode === 0 ? '' : `echo 'Error: template: llm/templates/x.yaml:3: function "bad" not defined' >&2\n`}exit ${exitCode}\n`,
  );
  chmodSync(join(bin, 'helm'), 0o755);
  return { bin, argsFile };
}

const HELM_OUTPUT = `---
# Source: llm/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: release-name-llm
spec:
  selector: { app: llm }
  ports: [{ port: 80, targetPort: 8000 }]
---
# Source: llm/templates/deployment.yaml
${DEPLOYMENT}`;

describe('Helm chart directories', () => {
  it('renders the chart with helm template (exec-form arguments) and maps findings to each template', () => {
    const { bin, argsFile } = fakeHelm(HELM_OUTPUT);
    // A directory name that a shell would run: it must reach helm as one plain argument.
    const chartDir = 'charts/llm $(touch pwned)';
    const dir = tmpTree({ [`${chartDir}/Chart.yaml`]: 'apiVersion: v2\nname: llm\nversion: 0.1.0\n' });
    const result = runCheck({
      cwd: dir,
      paths: ['charts'],
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
      only: ['no-floating-image-tag'],
    });
    expect(result.problems).toEqual([]);
    expect(readFileSync(argsFile, 'utf8')).toBe(`template\n${join(dir, chartDir)}\n`);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'charts', 'pwned'))).toBe(false);
    // Line 15 of the rendered deployment.yaml, as `helm template --show-only templates/deployment.yaml` prints it.
    expect(where(result, 'no-floating-image-tag')).toEqual([
      `${chartDir}/templates/deployment.yaml (helm template):15:18`,
    ]);
    expect(result.summary.files).toBe(2);
  });

  it('says how to render the chart when helm is not on PATH (exit 2)', async () => {
    const dir = tmpTree({ 'chart/Chart.yaml': 'apiVersion: v2\nname: llm\nversion: 0.1.0\n' });
    const empty = tmpTree();
    const run = await cli(['check', 'chart'], { cwd: dir, env: { PATH: empty } });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      'chart is a Helm chart (Chart.yaml); mlready renders charts with helm, which is not on PATH',
    );
    expect(run.stdout).toContain(
      'hint: install helm, or render it yourself: helm template my-release chart | mlready check -',
    );
  });

  it('reports a failing helm template with its message (exit 2)', () => {
    const { bin } = fakeHelm('', 1);
    const dir = tmpTree({ 'chart/Chart.yaml': 'apiVersion: v2\nname: llm\nversion: 0.1.0\n' });
    const result = runCheck({
      cwd: dir,
      paths: ['chart'],
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(result.problems.map((p) => p.message)).toEqual([
      'helm template chart failed: exit code 1: Error: template: llm/templates/x.yaml:3: function "bad" not defined',
    ]);
  });
});

function kubectlKustomize(): boolean {
  try {
    execFileSync('kubectl', ['kustomize', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('kustomize directories', () => {
  // The real kubectl kustomize (kubectl ships kustomize); skipped, with this reason, where kubectl is missing.
  it.skipIf(!kubectlKustomize())(
    'renders the kustomization with kubectl kustomize and checks its output',
    () => {
      const dir = tmpTree({
        'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
        'base/deployment.yaml': DEPLOYMENT,
        'overlays/prod/kustomization.yaml':
          'resources: [../../base]\nnamePrefix: prod-\nimages:\n  - name: vllm/vllm-openai\n    newTag: v0.6.3\n',
      });
      // Only kubectl on PATH (no kustomize): the fallback path.
      const path = tmpTree();
      execFileSync('ln', [
        '-s',
        execFileSync('sh', ['-c', 'command -v kubectl']).toString().trim(),
        join(path, 'kubectl'),
      ]);
      const result = runCheck({ cwd: dir, paths: ['overlays/prod'], env: { PATH: path } });
      expect(result.problems).toEqual([]);
      const objects = result.services.flatMap((s) => s.objects);
      expect(objects).toEqual(['Deployment/prod-llm']);
      // The overlay pinned the image: the rendered output, not the base, is what was checked.
      expect(result.findings.filter((f) => f.ruleId === 'no-floating-image-tag')).toEqual([]);
      expect(result.findings[0]?.file).toBe('overlays/prod (kustomize build)');
    },
  );

  it.skipIf(kubectlKustomize())('is not run against a real kustomize: kubectl is not installed here', () => {
    expect(kubectlKustomize()).toBe(false);
  });

  it('says how to render a kustomization when neither kustomize nor kubectl is on PATH', () => {
    const dir = tmpTree({ 'k/kustomization.yaml': 'resources: []\n' });
    const result = runCheck({ cwd: dir, paths: ['k'], env: { PATH: tmpTree() } });
    expect(result.problems.map((p) => [p.message, p.hint])).toEqual([
      [
        'k is a kustomization (kustomization.yaml); mlready renders it with kustomize or kubectl, and neither is on PATH',
        'install kubectl or kustomize, or render it yourself: kubectl kustomize k | mlready check -',
      ],
    ]);
  });
});
