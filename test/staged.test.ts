import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readStagedInputs } from '../src/check/staged.js';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const MANIFEST =
  'apiVersion: mlready.dev/v1\nkind: ModelService\nmetadata: { name: m }\nspec:\n  model: { name: m, version: "1" }\n  serving: { runtime: custom }\n';
const POD = (tag: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: c\n      image: r/p:${tag}\n      resources: { requests: { cpu: 1, memory: 1Gi }, limits: { cpu: 1, memory: 1Gi } }\n      readinessProbe: { httpGet: { path: /ready, port: 80 } }\n`;

async function repo(files: Record<string, string>) {
  const dir = tmpTree(files);
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  await git('init', '-q');
  await git('config', 'user.email', 't@example.com');
  await git('config', 'user.name', 't');
  return { dir, git };
}

describe('check --staged', () => {
  it('checks the staged content, not the working tree', async () => {
    const { dir, git } = await repo({ 'svc/mlready.yaml': MANIFEST, 'svc/k8s/pod.yaml': POD('latest') });
    await git('add', '-A');
    writeFileSync(join(dir, 'svc/k8s/pod.yaml'), POD('1.0.0')); // fixed, but not staged
    const run = await cli(['check', '--staged'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('image "r/p:latest" uses the floating tag "latest"');
  });

  it('widens a changed file to its whole model service', async () => {
    const { dir, git } = await repo({
      'svc/mlready.yaml': MANIFEST,
      'svc/k8s/pod.yaml': POD('1.0.0'),
      'other/x.yaml': POD('latest'),
    });
    await git('add', '-A');
    await git('commit', '-qm', 'init');
    writeFileSync(join(dir, 'svc/k8s/pod.yaml'), POD('1.0.1'));
    await git('add', 'svc/k8s/pod.yaml');
    const texts = await readStagedInputs(dir);
    expect(texts.map((t) => t.file)).toEqual(['svc/k8s/pod.yaml', 'svc/mlready.yaml']);
  });

  it('passes with nothing staged', async () => {
    const { dir } = await repo({ 'a.txt': 'x' });
    const run = await cli(['check', '--staged'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no staged YAML files to check');
  });

  it('outside a git repository, exits 2 with a clear error', async () => {
    const run = await cli(['check', '--staged'], { cwd: tmpTree({ 'x.yaml': POD('1') }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --staged needs a git repository/);
  });
});
