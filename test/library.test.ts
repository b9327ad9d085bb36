import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

describe('the package entry point', () => {
  it('package.json points at the built library, which exports the commands as functions', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: { '.': string };
      types: string;
    };
    expect(pkg.exports['.']).toBe('./dist/index.js');
    const library = (await import('../src/index.js')) as Record<string, unknown>;
    for (const name of [
      'runCheck',
      'renderScaffold',
      'runDrift',
      'runLoadtest',
      'rolloutStatus',
      'planRollback',
      'estimateRollbackTime',
    ]) {
      expect(typeof library[name], name).toBe('function');
    }
    const { runCheck, loadConfig } = await import('../src/index.js');
    // The repository's config keeps the example's recorded load-test report valid past 30 days.
    const config = loadConfig(`${REPO_ROOT}.mlready.yaml`, REPO_ROOT);
    expect(runCheck({ cwd: REPO_ROOT, paths: ['examples/llm-chat'], config }).findings).toEqual([]);
  });
});
