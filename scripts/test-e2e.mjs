#!/usr/bin/env node
// The end-to-end suite on a real Kubernetes control plane (vitest.e2e.config.ts). It needs the
// control-plane kit beside the repository (../shared/k8s: `build`, `up`, `down`, sim-kubelet.js)
// and its binaries built; without them it says plainly that it did not run and exits 0, so a
// machine without the kit never reports end-to-end tests as passed. The whole run is bounded
// (MLREADY_E2E_TIMEOUT_S, default 1200 s).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const up = resolve(repo, process.env.MLREADY_K8S_KIT ?? '../shared/k8s', 'up');

function notRun(reason) {
  process.stdout.write(
    `mlready e2e: NOT RUN — ${reason}\n` +
      'mlready e2e: no end-to-end test was run, none passed or failed. ' +
      'Build the kit with ../shared/k8s/build (about 6 minutes), then run npm run test:e2e again.\n',
  );
  process.exit(0);
}

if (!existsSync(up)) notRun(`the control-plane kit is not at ${up}`);
const check = spawnSync('bash', [up, '--check'], { encoding: 'utf8' });
if (check.status !== 0)
  notRun(`its prerequisites are missing: ${(check.stderr || check.stdout).trim().split('\n').pop()}`);

const limitS = Number(process.env.MLREADY_E2E_TIMEOUT_S ?? 1200);
const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
const child = spawn(
  process.execPath,
  [vitest, 'run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)],
  {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, MLREADY_K8S_UP: up },
  },
);
const timer = setTimeout(() => {
  process.stderr.write(`mlready e2e: stopped after ${limitS} s (MLREADY_E2E_TIMEOUT_S)\n`);
  child.kill('SIGTERM');
}, limitS * 1000);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  // test/e2e/setup.ts stops the control plane; after a timeout or a crash, make sure of it
  // (`down` stops exactly the processes `up` recorded, nothing else).
  spawnSync('bash', [join(dirname(up), 'down')], { stdio: 'ignore' });
  process.exit(code ?? (signal ? 1 : 0));
});
