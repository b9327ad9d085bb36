import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { findConfig, loadConfig } from '../src/check/config.js';
import { cli } from './helpers/cli.js';

// These tests are about configuration, so they run the three rules the fixture exercises.
const ONLY = ['no-floating-image-tag', 'require-readiness-probe', 'ignore-without-reason'];
import { tmpTree } from './helpers/tmp.js';

const DEPLOYMENT = (annotations = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: scorer
${annotations}spec:
  selector:
    matchLabels: { app: scorer }
  template:
    metadata:
      labels: { app: scorer }
    spec:
      containers:
        - name: scorer
          image: registry.example.com/scorer:latest
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          resources:
            requests: { cpu: "1", memory: 1Gi }
            limits: { cpu: "1", memory: 1Gi }
`;

describe('.mlready.yaml', () => {
  it('is found in a parent directory of cwd', () => {
    const dir = tmpTree({ '.mlready.yaml': 'failOn: warning\n', 'services/a/x.yaml': '' });
    expect(findConfig(`${dir}/services/a`)).toBe(`${dir}/.mlready.yaml`);
  });

  it('turns rules off and overrides severities', () => {
    const dir = tmpTree({
      '.mlready.yaml': 'rules:\n  no-floating-image-tag: warning\n',
      'deploy.yaml': DEPLOYMENT(),
    });
    const config = loadConfig(`${dir}/.mlready.yaml`, dir);
    const result = runCheck({ cwd: dir, paths: ['.'], config, only: ONLY });
    expect(result.findings.map((f) => `${f.ruleId}:${f.severity}`)).toEqual([
      'no-floating-image-tag:warning',
    ]);
    const off = runCheck({
      cwd: dir,
      paths: ['.'],
      config: { ...config, rules: { 'no-floating-image-tag': { severity: 'off', options: {} } } },
      only: ONLY,
    });
    expect(off.findings).toEqual([]);
  });

  it('fails on warnings when failOn says so, through the CLI', async () => {
    const dir = tmpTree({
      '.mlready.yaml': 'failOn: warning\nrules:\n  no-floating-image-tag: warning\n',
      'deploy.yaml': DEPLOYMENT(),
    });
    expect((await cli(['check', '--rule', ...ONLY], { cwd: dir })).code).toBe(1);
    expect((await cli(['check', '--no-config', '--rule', ...ONLY], { cwd: dir })).code).toBe(1); // error by default
    const lenient = tmpTree({
      '.mlready.yaml': 'rules:\n  no-floating-image-tag: warning\n',
      'deploy.yaml': DEPLOYMENT(),
    });
    expect((await cli(['check', '--rule', ...ONLY], { cwd: lenient })).code).toBe(0);
    expect((await cli(['check', '--max-warnings', '0', '--rule', ...ONLY], { cwd: lenient })).code).toBe(1);
    expect((await cli(['check', '--fail-on', 'warning', '--rule', ...ONLY], { cwd: lenient })).code).toBe(1);
  });

  it('skips ignored paths when walking directories', () => {
    const dir = tmpTree({
      '.mlready.yaml': 'ignore: ["legacy/**"]\n',
      'legacy/deploy.yaml': DEPLOYMENT(),
      'current/deploy.yaml': DEPLOYMENT().replace(':latest', ':1.0.0'),
    });
    const result = runCheck({
      cwd: dir,
      paths: ['.'],
      config: loadConfig(`${dir}/.mlready.yaml`, dir),
      only: ONLY,
    });
    expect(result.summary.files).toBe(1);
    expect(result.findings).toEqual([]);
  });

  it('rejects an unknown rule id with file:line and a suggestion', async () => {
    const dir = tmpTree({
      '.mlready.yaml': 'rules:\n  no-floating-image-tags: off\n',
      'deploy.yaml': DEPLOYMENT(),
    });
    const run = await cli(['check'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: .mlready.yaml:2:3: unknown rule "no-floating-image-tags" (did you mean "no-floating-image-tag"?)',
    );
  });

  it('validates itself against its schema', async () => {
    const dir = tmpTree({ '.mlready.yaml': 'failOn: sometimes\n', 'deploy.yaml': DEPLOYMENT() });
    const run = await cli(['check'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: .mlready.yaml:1:9: failOn must be one of error, warning; got "sometimes"',
    );
  });
});

describe('mlready.dev/ignore annotations', () => {
  it('suppress the named rules on that object and count them', () => {
    const annotations =
      '  annotations:\n    mlready.dev/ignore: "no-floating-image-tag, require-readiness-probe"\n    mlready.dev/ignore-reason: "image is rebuilt nightly by the platform team"\n';
    const result = runCheck({
      cwd: '/',
      texts: [{ file: 'd.yaml', text: DEPLOYMENT(annotations) }],
      only: ONLY,
    });
    expect(result.findings).toEqual([]);
    expect(result.suppressed.map((f) => f.ruleId)).toEqual(['no-floating-image-tag']);
    expect(result.summary.suppressed).toBe(1);
  });

  it('without a reason, still suppress but warn', () => {
    const annotations = '  annotations:\n    mlready.dev/ignore: no-floating-image-tag\n';
    const result = runCheck({
      cwd: '/',
      texts: [{ file: 'd.yaml', text: DEPLOYMENT(annotations) }],
      only: ONLY,
    });
    expect(result.findings.map((f) => `${f.line} ${f.ruleId} ${f.severity}`)).toEqual([
      '6 ignore-without-reason warning',
    ]);
    expect(result.summary.suppressed).toBe(1);
  });
});
