import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

/**
 * The real pre-commit (Debian package `pre-commit`, installed by `npm test`) installs this
 * repository's hook from .pre-commit-hooks.yaml the way a user's repository does — a
 * .pre-commit-config.yaml naming the repository and a revision — and runs it on staged files.
 *
 * Both repositories share one PRE_COMMIT_HOME and the same repo + rev, so pre-commit builds the
 * hook's Node environment (npm install, npm pack, install of the tarball) once, as it does for a
 * user. The hook is the committed HEAD of this checkout: uncommitted changes are not in it.
 */
describe('pre-commit hook mlready-check', () => {
  let home: string;
  let rev: string;
  beforeAll(async () => {
    const version = await execa('pre-commit', ['--version'], { reject: false });
    if (version.exitCode !== 0)
      throw new Error('pre-commit is not installed: apt-get install pre-commit (npm test installs it)');
    // Not tmpTree(): that is removed after each test, and the environment must outlive the first.
    home = mkdtempSync(join(tmpdir(), 'mlready-pre-commit-'));
    rev = (await execa('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
  });

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  async function commitHook(examples: string[]) {
    const repo = tmpTree();
    const git = (...args: string[]) => execa('git', args, { cwd: repo });
    await git('init', '-q');
    await git('config', 'user.email', 'test@example.com');
    await git('config', 'user.name', 'test');
    for (const example of examples)
      cpSync(join(REPO_ROOT, 'examples', example), join(repo, example), { recursive: true });
    // The repository's config keeps the example's recorded load-test report valid.
    cpSync(join(REPO_ROOT, '.mlready.yaml'), join(repo, '.mlready.yaml'));
    const config = { repos: [{ repo: REPO_ROOT, rev, hooks: [{ id: 'mlready-check' }] }] };
    writeFileSync(join(repo, '.pre-commit-config.yaml'), stringify(config));
    await git('add', '-A');
    return execa('pre-commit', ['run', 'mlready-check'], {
      cwd: repo,
      reject: false,
      env: { PRE_COMMIT_HOME: home, NO_COLOR: '1' },
      timeout: 420_000,
    });
  }

  it('passes a commit of a production-ready model service', async () => {
    const run = await commitHook(['llm-chat']);
    expect(run.stdout).toMatch(/mlready check\.+Passed/);
    expect(run.exitCode).toBe(0);
  }, 480_000);

  it('blocks a commit of the notebook service, printing the findings', async () => {
    const run = await commitHook(['notebook-to-production']);
    expect(run.stdout).toMatch(/mlready check\.+Failed/);
    expect(run.stdout).toContain('has no readinessProbe');
    expect(run.exitCode).toBe(1);
  }, 480_000);
});
