import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bin, cli, REPO_ROOT } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const TRACE = fileURLToPath(new URL('./helpers/trace-imports.mjs', import.meta.url));

describe('mlready (end to end, built binary)', () => {
  it('passes the bundled production-ready example with exit 0 and a readable report', async () => {
    const run = await bin(['check', 'examples/llm-chat']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ no findings · \d+ objects in \d+ files, 1 model service/m);
  });

  it('fails the notebook example with exit 1, naming file, line, rule and fix', async () => {
    const run = await bin(['check', 'examples/notebook-to-production']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('examples/notebook-to-production/deployment.yaml');
    expect(run.stdout).toMatch(
      /\d+:\d+\s+error\s+container "api" in Deployment\/churn-model has no readinessProbe\s+require-readiness-probe/,
    );
    expect(run.stdout).toContain('fix: ');
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/\u001b\[/);
  });

  it('reads standard input for "-"', async () => {
    const text = readFileSync(join(REPO_ROOT, 'examples/notebook-to-production/deployment.yaml'), 'utf8');
    const run = await bin(['check', '-', '--format', 'json'], { input: text });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as { findings: { file: string }[] };
    expect(new Set(json.findings.map((f) => f.file))).toEqual(new Set(['<stdin>']));
  });

  it('writes a report file with --output-file', async () => {
    const dir = tmpTree();
    const run = await bin(
      [
        'check',
        join(REPO_ROOT, 'examples/notebook-to-production'),
        '--format',
        'sarif',
        '--output-file',
        'report.sarif',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'report.sarif'), 'utf8'))).toMatchObject({ version: '2.1.0' });
  });

  it('exits 2 on a usage error, with the message and no stack', async () => {
    const run = await bin(['check', '--fail-on', 'never']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: option '--fail-on <level>' argument 'never' is invalid/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  // The CLI (dist/bundle/cli.cjs), check (check.cjs) and the other commands (ES module chunks) are
  // linked apart; an error thrown in either is still one of mlready's (scripts/bundle.mjs).
  it.each([
    [['check', '--rule', 'no-such-rule'], 'error: unknown rule "no-such-rule"'],
    [['drift', '-r', 'no-such-reference.csv', '-c', 'no-such-current.csv'], 'error: no such file'],
  ])('%j: an error of either bundle exits 2 as a mlready error, not as a bug', async (argv, message) => {
    const run = await bin(argv);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('internal error');
    expect(run.code).toBe(2);
  });

  it.each([[['--help']], [['check', 'examples/llm-chat']]])(
    '%j never loads the Kubernetes client or the prompt library',
    async (argv) => {
      const log = join(tmpTree(), 'imports.log');
      const run = await bin(argv, { env: { NODE_OPTIONS: `--import ${TRACE}`, MLREADY_TRACE_IMPORTS: log } });
      expect(run.code).toBe(0);
      const loaded = readFileSync(log, 'utf8');
      expect(loaded).toContain('/dist/bundle/mlready.cjs'); // the trace works
      if (argv[0] === 'check') expect(loaded).toContain('/node_modules/ajv-formats/'); // and sees require()
      expect(loaded).not.toContain('@kubernetes/client-node');
      expect(loaded).not.toContain('/dist/bundle/command-'); // the other commands' chunks
      expect(loaded).not.toContain('@inquirer');
    },
  );
});

describe('start-up (issue 18)', () => {
  const BUILTINS = fileURLToPath(new URL('./helpers/builtins-at-exit.cjs', import.meta.url));
  /** The built-ins a process loads, beyond those of `node -e 0`; stdout to /dev/null, as the bench runs it. */
  function builtins(args: string[]): string[] {
    const loaded = (argv: string[]) => {
      const log = join(tmpTree(), 'builtins.log');
      const run = spawnSync(process.execPath, ['-r', BUILTINS, ...argv], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, NO_COLOR: '1', MLREADY_BUILTINS_LOG: log },
      });
      expect(run.stderr.toString()).toBe('');
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    };
    const bare = new Set(loaded(['-e', '0']));
    return loaded(args).filter((name) => !bare.has(name));
  }

  it('check loads no built-in it does not use: child_process, tty, readline, stdin streams', () => {
    const extra = builtins([join(REPO_ROOT, 'bin/mlready.js'), 'check', 'examples/llm-chat']);
    expect(extra).toContain('NativeModule vm'); // the list works: the bundles run through vm.Script
    // The entry asks os for the CPUs it may run on, to pick its compiler settings (src/cli/start.ts;
    // 0.17 ms): chalk's colour detection loaded it with tty.
    expect(extra).toContain('NativeModule os');
    // commander's child_process (net, dgram), chalk's colour detection (tty), process.stdin.
    for (const name of [
      'child_process',
      'net',
      'dgram',
      'tty',
      'internal/readline/interface',
      'internal/fs/streams',
    ])
      expect(extra).not.toContain(`NativeModule ${name}`);
  });

  it('--version loads neither', () => {
    const extra = builtins([join(REPO_ROOT, 'bin/mlready.js'), '--version']);
    for (const name of ['child_process', 'tty']) expect(extra).not.toContain(`NativeModule ${name}`);
  });
});

describe('the bundle', () => {
  it('resolves every file URL of its ES module chunks to a file that exists', () => {
    // A module reads schemas/, templates/, data/ and bin/mlready.js relative to where tsc put it;
    // the bundle keeps those URLs relative to its own folder. An entry written one folder down
    // resolved them one level wrong: scaffold's templates and loadtest --workers broke in the build only.
    const folder = join(REPO_ROOT, 'dist/bundle');
    const chunks = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    let checked = 0;
    for (const chunk of chunks) {
      const text = readFileSync(join(folder, chunk), 'utf8');
      for (const [, base] of text.matchAll(/new URL\("([^"]+)",\s*import\.meta\.url\)/g)) {
        const module = fileURLToPath(new URL(base!, pathToFileURL(join(folder, chunk))));
        // The URL stands for the module tsc wrote: it must be a file of dist/.
        expect(existsSync(module), `${chunk}: ${base} → ${module}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});

describe('rules and explain', () => {
  it('lists the catalogue', async () => {
    const run = await cli(['rules']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^no-floating-image-tag\s+error\s+rollout\s+Images are pinned/m);
  });

  it('explains a rule: what, why and how to fix', async () => {
    const run = await cli(['explain', 'require-readiness-probe']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Why:');
    expect(run.stdout).toContain('How to fix:');
    expect(run.stdout).toContain('/v2/health/ready');
  });

  it('suggests the closest rule for a typo', async () => {
    const run = await cli(['explain', 'require-readines-probe']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: unknown rule "require-readines-probe" (did you mean "require-readiness-probe"?)',
    );
  });
});
