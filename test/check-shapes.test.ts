import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import type { ServiceSummary } from '../src/check/result.js';

// runCheck builds every service summary as one object literal (issue 18: one shape for V8). What a
// reader sees must not change: the keys a summary serialises, in the order the spreads gave them.

const now = new Date('2026-11-27T00:00:00Z');
const EXAMPLES = join(import.meta.dirname, '..', 'examples');
const UPSTREAM = join(import.meta.dirname, 'fixtures', 'upstream');

function summaries(cwd: string): ServiceSummary[] {
  return runCheck({ cwd, paths: ['.'], now }).services;
}

/** The keys the object spreads gave each role, in their order (loadTime only with a model server). */
function expectedKeys(s: ServiceSummary): string[] {
  const keys = ['name'];
  if (s.manifest !== undefined) keys.push('manifest');
  keys.push('objects', 'role', 'modelServers', 'supportingWorkloads', 'batchJobs', 'notChecked', 'traffic');
  if (s.readiness !== undefined) keys.push('readiness');
  if (s.role !== 'model' && s.role !== 'not-checked') keys.push('missing');
  else if (s.readiness === undefined) keys.push('missing');
  if (s.role === 'model' && s.loadTime) keys.push('loadTime');
  return keys;
}

describe('service summaries', () => {
  const dirs = [
    ...readdirSync(EXAMPLES).map((d) => join(EXAMPLES, d)),
    ...readdirSync(UPSTREAM, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(UPSTREAM, d.name)),
  ];

  it('serialise the keys of their role, in one order, on every example and upstream fixture', () => {
    const roles = new Set<string>();
    let checked = 0;
    for (const dir of dirs)
      for (const s of summaries(dir)) {
        roles.add(s.role);
        expect(Object.keys(JSON.parse(JSON.stringify(s)) as object), `${dir}: ${s.name}`).toEqual(
          expectedKeys(s),
        );
        checked++;
      }
    expect(checked).toBeGreaterThan(10);
    expect([...roles].sort()).toEqual(expect.arrayContaining(['model', 'supporting']));
  });

  it('have one set of own keys whatever their role', () => {
    const shapes = new Set<string>();
    for (const dir of dirs) for (const s of summaries(dir)) shapes.add(Object.keys(s).join(','));
    expect([...shapes]).toHaveLength(1);
  });
});
