import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { defaultConfig } from '../src/check/config.js';
import { tmpTree } from './helpers/tmp.js';

const MANIFEST = `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: fraud }
spec:
  model: { name: fraud, version: 1.4.2 }
  serving: { runtime: custom, image: "r/fraud:1.4.2" }
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: fraud }
spec:
  selector: { matchLabels: { app: fraud } }
  template:
    metadata: { labels: { app: fraud } }
    spec:
      containers:
        - name: server
          image: r/fraud:1.4.2
          resources: { limits: { memory: 4Gi } }
`;
const NOW = new Date('2026-11-22T12:00:00Z');

function report(overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    kind: 'LoadTestReport',
    formatVersion: 1,
    service: 'fraud',
    model: { name: 'fraud', version: '1.4.2' },
    image: 'r/fraud:1.4.2',
    startedAt: '2026-11-10T09:00:00Z',
    slo: { passed: true, checks: [{ expression: 'p95<200ms', actual: 120, passed: true }] },
    peak: { memoryBytes: 3 * 2 ** 30 },
    ...overrides,
  });
}

function evidence(reports: Record<string, string>) {
  const files: Record<string, string> = { 'svc/mlready.yaml': MANIFEST, 'svc/deploy.yaml': DEPLOYMENT };
  for (const [name, body] of Object.entries(reports)) files[`svc/.mlready/loadtest/${name}`] = body;
  const dir = tmpTree(files);
  return runCheck({
    cwd: dir,
    paths: ['svc'],
    only: ['load-test-evidence'],
    now: NOW,
    config: defaultConfig(dir),
  }).findings.map((f) => f.message);
}

describe('load-test evidence', () => {
  it('accepts a recent passing report for this version and image', () => {
    expect(evidence({ 'a.json': report() })).toEqual([]);
  });

  it('warns when there is no report', () => {
    expect(evidence({})).toEqual([
      'resource limits not proven under load: no load-test report for fraud in .mlready/loadtest/',
    ]);
  });

  it('judges the most recent report, and names every problem with it', () => {
    const old = report();
    const bad = report({
      startedAt: '2026-09-01T00:00:00Z',
      model: { name: 'fraud', version: '1.4.1' },
      image: 'r/fraud:1.4.1',
      slo: { passed: false, checks: [{ expression: 'p95<200ms', actual: 340, passed: false }] },
      peak: { memoryBytes: 4 * 2 ** 30 },
    });
    // Only the newest report counts: a newer bad one is not excused by an older good one.
    const messages = evidence({
      'old.json': old.replace('2026-11-10', '2026-08-01'),
      'new.json': bad.replace('2026-09-01', '2026-11-01'),
    });
    expect(messages.sort()).toEqual([
      'load-test report svc/.mlready/loadtest/new.json failed its SLO (p95<200ms)',
      'load-test report svc/.mlready/loadtest/new.json peaked at 4Gi memory, at or above the 4Gi limit',
      'load-test report svc/.mlready/loadtest/new.json tested image r/fraud:1.4.1, not r/fraud:1.4.2',
      'load-test report svc/.mlready/loadtest/new.json tested model version 1.4.1, not 1.4.2',
    ]);
  });

  it('says a report is stale after maxAgeDays', () => {
    expect(evidence({ 'a.json': report({ startedAt: '2026-09-01T00:00:00Z' }) })).toEqual([
      'load-test report svc/.mlready/loadtest/a.json is 82 days old (limit 30)',
    ]);
  });

  it('reports a file that is not a load-test report', () => {
    expect(evidence({ 'broken.json': '{"kind": "LoadTestReport"' })).toContainEqual(
      expect.stringMatching(/^svc\/\.mlready\/loadtest\/broken\.json is not a valid load-test report: /),
    );
    expect(evidence({ 'other.json': '{"kind": "Something"}' })).toContainEqual(
      expect.stringMatching(/other\.json is not a valid load-test report: /),
    );
  });
});
