import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/check/config.js';
import { runCheck } from '../src/check/run-check.js';
import { cli } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

/** Regression tests for the input bugs of issue 16: each failed before its fix. */

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: scorer
spec:
  containers:
    - name: scorer
      image: registry.example.com/scorer:latest
`;

function configMap(keys: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: big', 'data:'];
  for (let i = 0; i < keys; i++) lines.push(`  key${i}: v`);
  return `${lines.join('\n')}\n`;
}

function messages(result: { problems: { message: string }[] }): string[] {
  return result.problems.map((p) => p.message);
}

describe('input limits', () => {
  it('reads a ConfigMap with 40 000 keys in linear time (the quadratic duplicate-key check took 15–30 s)', () => {
    const start = performance.now();
    const result = runCheck({ cwd: '/', texts: [{ file: 'cm.yaml', text: configMap(40_000) }] });
    const elapsed = performance.now() - start;
    expect(result.problems).toEqual([]);
    expect(result.summary.objects).toBe(1);
    // About 1 s on the 2-core machine; the old check needed 15–30 s. Generous for a loaded machine.
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);

  it('still reports a duplicate key at the line of its second occurrence', () => {
    const text = configMap(5).replace('  key3: v\n', '  key3: v\n  key1: again\n');
    const result = runCheck({ cwd: '/', texts: [{ file: 'cm.yaml', text }] });
    expect(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '10:3 invalid YAML: Map keys must be unique',
    ]);
  });

  it('finds duplicate keys in flow mappings and nested mappings too', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, labels: { x: "1", x: "2" } }\n';
    const result = runCheck({ cwd: '/', texts: [{ file: 'cm.yaml', text }] });
    expect(result.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '3:40 invalid YAML: Map keys must be unique',
    ]);
  });

  it('refuses input over the total size limit, naming the limit, without parsing any of it', async () => {
    const dir = tmpTree({
      'a.yaml': POD,
      'b.yaml': POD.replace('scorer', 'other'),
      '.mlready.yaml': 'maxTotalSizeMb: 0.0002\n',
    });
    const run = await cli(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      'refused: b.yaml would take the input over the 0.0 MB limit for all input together (maxTotalSizeMb); nothing was checked',
    );
    expect(run.stdout).not.toContain('no-floating-image-tag');
  });

  it('refuses more documents than the limit, naming it, and stops reading there', () => {
    // 8 MB of "---" took 2 GB before; 400 000 separators are refused after the 10 000th.
    const start = performance.now();
    const result = runCheck({ cwd: '/', texts: [{ file: 'seps.yaml', text: '---\n'.repeat(400_000) }] });
    expect(messages(result)).toEqual([
      'refused: more than 10000 YAML documents in the input (the limit maxDocuments in .mlready.yaml)',
    ]);
    expect(result.problems[0]?.line).toBe(10_001);
    expect(performance.now() - start).toBeLessThan(10_000);
  }, 60_000);

  it('counts documents over all files together, as configured', async () => {
    const dir = tmpTree({
      'a.yaml': `${POD}---\n${POD.replace(/scorer/g, 'b')}`,
      'b.yaml': `${POD.replace(/scorer/g, 'c')}---\n${POD.replace(/scorer/g, 'd')}`,
      '.mlready.yaml': 'maxDocuments: 3\n',
    });
    const run = await cli(['check', '.', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(2);
    const json = JSON.parse(run.stdout) as { problems: { file: string; line: number; message: string }[] };
    expect(json.problems).toEqual([
      {
        file: 'b.yaml',
        line: 9,
        column: 1,
        message: 'refused: more than 3 YAML documents in the input (the limit maxDocuments in .mlready.yaml)',
      },
    ]);
  });

  it('refuses the first document past the limit even when an earlier file ended exactly at it', () => {
    const result = runCheck({
      cwd: '/',
      texts: [
        { file: 'a.yaml', text: `${POD}---\n${POD.replace(/scorer/g, 'b')}` },
        { file: 'b.yaml', text: POD.replace(/scorer/g, 'c') },
      ],
      config: { ...defaultConfig('/'), maxDocuments: 2 },
    });
    expect(result.problems.map((p) => `${p.file}:${p.line} ${p.message}`)).toEqual([
      'b.yaml:1 refused: more than 2 YAML documents in the input (the limit maxDocuments in .mlready.yaml)',
    ]);
  });

  it('refuses deep nesting with a clear message, never "Maximum call stack size exceeded"', () => {
    for (const text of [
      `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
      `a: ${'['.repeat(300)}${']'.repeat(300)}\n`,
      `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
    ]) {
      const result = runCheck({ cwd: '/', texts: [{ file: 'deep.yaml', text }] });
      expect(messages(result)).toEqual([
        'refused: the document nests more than 200 levels deep; Kubernetes objects nest a few dozen',
      ]);
    }
  });
});

describe('inputs as they come', () => {
  it('reads the items of a kind: List, each at its own lines', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n${POD.replace(/^/gm, '    ')
      .replace(/^ {4}apiVersion/, '  - apiVersion')
      .trimEnd()}\n`;
    const result = runCheck({
      cwd: '/',
      texts: [{ file: 'list.yaml', text: list }],
      only: ['no-floating-image-tag'],
    });
    expect(result.skipped).toEqual([]);
    expect(result.findings.map((f) => `${f.line}:${f.column} ${f.object} ${f.path}`)).toEqual([
      '11:18 Pod/scorer spec.containers[0].image',
    ]);
  });

  it('reports a symbolic link loop instead of skipping it silently', async () => {
    const dir = tmpTree({ 'pod.yaml': POD });
    symlinkSync('loop-b.yaml', join(dir, 'loop-a.yaml'));
    symlinkSync('loop-a.yaml', join(dir, 'loop-b.yaml'));
    const run = await cli(['check', '.'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('loop-a.yaml is a symbolic link loop: it never reaches a file');
    expect(run.stdout).toContain('loop-b.yaml is a symbolic link loop: it never reaches a file');
    // The rest was still checked.
    expect(run.stdout).toContain('no-floating-image-tag');
  });

  it('follows a link to a directory once and names a link back to an ancestor', () => {
    const dir = tmpTree({ 'k8s/pod.yaml': POD });
    symlinkSync('..', join(dir, 'k8s', 'up'));
    const result = runCheck({ cwd: dir, paths: ['.'] });
    expect(result.problems).toEqual([]);
    expect(result.summary.files).toBe(1);
    expect(result.skipped.map((s) => `${s.file}: ${s.reason}`)).toEqual([
      'k8s/up: symbolic link back to a directory being checked (a loop); not followed',
    ]);
  });

  it('reports a looping path given on the command line', () => {
    const dir = tmpTree();
    symlinkSync('self.yaml', join(dir, 'self.yaml'));
    const result = runCheck({ cwd: dir, paths: ['self.yaml'] });
    expect(messages(result)).toEqual(['self.yaml is a symbolic link loop: it never reaches a file']);
  });

  it.each([
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POD, 'utf16le')])],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(POD, 'utf16le').swap16()])],
    ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(POD)])],
  ])('decodes %s and checks it', (_name, bytes) => {
    const dir = tmpTree({ 'pod.yaml': bytes });
    const result = runCheck({ cwd: dir, paths: ['pod.yaml'], only: ['no-floating-image-tag'] });
    expect(result.problems).toEqual([]);
    expect(result.findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`)).toEqual([
      '8:14 no-floating-image-tag',
    ]);
  });

  it('says UTF-16 without a byte-order mark is UTF-16, not binary', () => {
    const dir = tmpTree({ 'pod.yaml': Buffer.from(POD, 'utf16le') });
    const result = runCheck({ cwd: dir, paths: ['pod.yaml'] });
    expect(result.problems.map((p) => [p.message, p.hint])).toEqual([
      [
        'refused: pod.yaml looks like UTF-16 text without a byte-order mark',
        'save it as UTF-8 (iconv -f UTF-16 -t UTF-8 in.yaml > out.yaml)',
      ],
    ]);
  });

  it('says UTF-16 on standard input is UTF-16', async () => {
    const stdin = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POD, 'utf16le')]).toString('utf8');
    const run = await cli(['check', '-'], { stdin });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('refused: <stdin> looks like UTF-16 text; standard input must be UTF-8');
  });

  it('still refuses real binary data', () => {
    const dir = tmpTree();
    writeFileSync(
      join(dir, 'model.yaml'),
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0x10, 0x00]),
    );
    expect(messages(runCheck({ cwd: dir, paths: ['model.yaml'] }))).toEqual([
      'refused: model.yaml is a binary file, not YAML',
    ]);
  });
});

describe('manifest schema errors', () => {
  const manifest = (spec: string) =>
    `apiVersion: mlready.dev/v1\nkind: ModelService\nmetadata:\n  name: m\nspec:\n  model: { name: m, version: "1" }\n  serving: { runtime: custom }\n${spec}`;

  it('never print a secret that was put in the wrong field', async () => {
    const token = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const dir = tmpTree({
      'mlready.yaml': manifest(
        `  resources: { gpu: "${token}" }\n  drift:\n    pushgateway: "ftp://push:hunter2secret@gw.example.com"\n`,
      ),
    });
    const runs = await Promise.all(
      ['text', 'json', 'sarif', 'junit', 'github'].map((format) =>
        cli(['check', '.', '--format', format], { cwd: dir }),
      ),
    );
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).not.toContain(token);
      expect(run.stdout + run.stderr).not.toContain('hunter2secret');
    }
    expect(runs[0]?.stdout).toContain('spec.resources.gpu must be an integer ≥ 0, got "ghp_****');
  });

  it('never pastes a sentence-style description after "must be"', () => {
    const result = runCheck({
      cwd: '/',
      texts: [{ file: 'mlready.yaml', text: manifest('').replace('name: m, version', 'name: 5, version') }],
    });
    expect(messages(result)).toEqual([
      'spec.model.name must be a single line of text without line breaks or control characters, got 5',
    ]);
  });
});

describe('check options', () => {
  it.each([
    [['--max-warnings', '']],
    [['--max-warnings', '-1']],
    [['--max-warnings', '0x10']],
    [['--max-warnings', '1.5']],
    [['--format', 'pdf']],
    [['--fail-on', 'info']],
    [['--staged']],
  ])('refuses %j as a usage error (exit 2)', async (flags) => {
    const dir = tmpTree({ 'pod.yaml': POD });
    const run = await cli(['check', 'pod.yaml', ...flags], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: /m);
    expect(run.stdout).toBe('');
  });
});
