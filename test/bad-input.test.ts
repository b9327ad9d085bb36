import { openSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: scorer
spec:
  containers:
    - name: scorer
      image: registry.example.com/scorer:latest
`;

describe('bad input', () => {
  it('reports invalid YAML at file:line, exits 2, and still checks the other files', async () => {
    const dir = tmpTree({ 'a-broken.yaml': 'kind: Pod\nmetadata:\n  name: [unclosed\n', 'b-pod.yaml': POD });
    const run = await cli(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/a-broken\.yaml\n\s+4:1\s+error\s+invalid YAML/);
    // The valid file was still checked and its findings reported.
    expect(run.stdout).toContain('b-pod.yaml');
    expect(run.stdout).toContain('no-floating-image-tag');
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses a YAML alias bomb quickly and clearly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const start = performance.now();
    const result = runCheck({ cwd: '/', texts: [{ file: 'bomb.yaml', text: `${levels.join('\n')}\n` }] });
    const elapsed = performance.now() - start;
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/refused: the document expands more than 100 YAML aliases/),
    ]);
    expect(elapsed).toBeLessThan(2000);
  });

  it('refuses a 50 MB file without reading it into memory', () => {
    const dir = tmpTree();
    const big = join(dir, 'huge.yaml');
    const fd = openSync(big, 'w');
    writeSync(fd, 'kind: ConfigMap\n');
    ftruncateSync(fd, 50 * 1024 * 1024); // sparse: 50 MB on paper
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const result = runCheck({ cwd: dir, paths: ['huge.yaml'] });
    const grown = process.memoryUsage().rss - before;
    expect(result.problems.map((p) => p.message)).toEqual([
      'refused: huge.yaml is 50.0 MB, over the 10.0 MB limit for one input file',
    ]);
    expect(grown).toBeLessThan(20 * 1024 * 1024);
  });

  it('refuses a binary file', () => {
    const dir = tmpTree({ 'model.yaml': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0x10]) });
    const result = runCheck({ cwd: dir, paths: ['model.yaml'] });
    expect(result.problems.map((p) => p.message)).toEqual(['refused: model.yaml is a binary file, not YAML']);
  });

  it('says there is nothing to check in an empty file, with exit 2', async () => {
    const dir = tmpTree({ 'empty.yaml': '\n  \n' });
    const run = await cli(['check', 'empty.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('nothing to check: no Kubernetes objects or mlready.yaml in the input');
    expect(run.stdout).toContain('empty.yaml (empty file)');
  });

  it('recognises a Helm template and says to render it first', async () => {
    const chart =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "llm.fullname" . }}\n';
    const dir = tmpTree({ 'templates/deployment.yaml': chart });
    const run = await cli(['check', 'templates/deployment.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('4:1');
    expect(run.stdout).toContain('is a Helm template ({{ … }} at line 4)');
    expect(run.stdout).toContain('helm template <release> <chart> | mlready check -');
  });

  it('does not mistake Prometheus alert templates for Helm', () => {
    const rule =
      'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up == 0\n          annotations:\n            summary: "{{ $labels.pod }} is down ({{ $value }})"\n';
    const result = runCheck({ cwd: '/', texts: [{ file: 'rule.yaml', text: rule }] });
    expect(result.problems).toEqual([]);
  });

  it('reports manifest schema errors as input errors with exit 2', async () => {
    const dir = tmpTree({
      'mlready.yaml':
        'apiVersion: mlready.dev/v1\nkind: ModelService\nmetadata:\n  name: m\nspec:\n  model: { name: m, version: "1" }\n  serving: { runtime: custom }\n  resources: { gpu: two }\n',
    });
    const run = await cli(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('8:21');
    expect(run.stdout).toContain('spec.resources.gpu must be an integer ≥ 0, got "two"');
  });

  it('names a missing path and exits 2', async () => {
    const dir = tmpTree({ 'pod.yaml': POD });
    const run = await cli(['check', 'pod.yaml', 'no/such/dir'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('no such file or directory: no/such/dir');
  });

  it('says a directory has no YAML', async () => {
    const dir = tmpTree({ 'src/app.py': 'print("hi")\n', 'README.md': '# x\n' });
    const run = await cli(['check', 'src'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('no YAML files (*.yaml, *.yml) in directory src');
  });

  it('never prints a stack trace for a user mistake', async () => {
    const runs = await Promise.all([
      cli(['check', '--format', 'pdf']),
      cli(['check', '--config', 'does-not-exist.yaml']),
      cli(['explain', 'no-such-rule']),
      cli(['check', '--max-warnings', 'many']),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: /m);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(runs[0]?.stderr).toContain('Allowed choices are github, json, junit, sarif, text');
    expect(runs[2]?.stderr).toContain('hint: mlready rules lists every rule id');
  });

  it('lists unknown kinds as skipped, never silently dropped', async () => {
    const dir = tmpTree({
      'all.yaml': `${POD.replace(':latest', ':1.0.0')}---\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: k\n`,
    });
    const run = await cli(['check', '.', '--format', 'json'], { cwd: dir });
    const json = JSON.parse(run.stdout) as { skipped: { kind: string; line: number; reason: string }[] };
    expect(json.skipped).toEqual([
      { file: 'all.yaml', line: 10, kind: 'Kustomization', name: 'k', reason: 'kind not checked by mlready' },
    ]);
  });
});
