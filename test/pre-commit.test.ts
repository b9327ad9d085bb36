import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

// The real pre-commit (Debian package `pre-commit`, installed by .ci/run) installs this repository's
// hook from .pre-commit-hooks.yaml the way a user's repo would, and runs it on staged files.
describe('pre-commit hook mlready-check', () => {
  let home: string;
  beforeAll(async () => {
    const version = await execa('pre-commit', ['--version'], { reject: false });
    if (version.exitCode !== 0)
      throw new Error('pre-commit is not installed: apt-get install pre-commit (as .ci/run does)');
    home = tmpTree();
  });

  async function tryRepo(examples: string[]) {
    const repo = tmpTree();
    const git = (...args: string[]) => execa('git', args, { cwd: repo });
    await git('init', '-q');
    await git('config', 'user.email', 'test@example.com');
    await git('config', 'user.name', 'test');
    for (const example of examples)
      cpSync(join(REPO_ROOT, 'examples', example), join(repo, example), { recursive: true });
    // The repository's config keeps the example's recorded load-test report valid.
    cpSync(join(REPO_ROOT, '.mlready.yaml'), join(repo, '.mlready.yaml'));
    await git('add', '-A');
    return execa('pre-commit', ['try-repo', REPO_ROOT, 'mlready-check'], {
      cwd: repo,
      reject: false,
      env: { PRE_COMMIT_HOME: home, NO_COLOR: '1' },
      timeout: 240_000,
    });
  }

  it('passes a commit of a production-ready model service', async () => {
    const run = await tryRepo(['llm-chat']);
    expect(run.stdout).toMatch(/mlready check\.+Passed/);
    expect(run.exitCode).toBe(0);
  }, 300_000);

  it('blocks a commit of the notebook service, printing the findings', async () => {
    const run = await tryRepo(['notebook-to-production']);
    expect(run.stdout).toMatch(/mlready check\.+Failed/);
    expect(run.stdout).toContain('has no readinessProbe');
    expect(run.exitCode).toBe(1);
  }, 300_000);
});
