#!/usr/bin/env node
// Builds dist/ after `npm install` in a source checkout; does nothing in an installed package.
//
// Why postinstall and not prepare: `npm pack` runs `prepare` and prints its banner on stdout,
// and pre-commit's node installer reads that stdout as the tarball's file name, so a `prepare`
// script breaks the `mlready-check` hook (pre-commit/pre-commit#3460). `postinstall` runs on
// `npm install` and `npm ci` in a checkout but not on `npm pack`.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url);
const isCheckout =
  existsSync(new URL('src/cli/main.ts', root)) && existsSync(new URL('tsconfig.build.json', root));
if (!isCheckout) process.exit(0);

let tsc;
try {
  tsc = createRequire(new URL('package.json', root)).resolve('typescript/bin/tsc');
} catch {
  // Installed without devDependencies (npm install --omit=dev in a checkout): nothing to build with.
  console.warn(
    'mlready: typescript is not installed; skipping the build (run npm install without --omit=dev).',
  );
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
// bin/mlready.js runs the esbuild bundle of dist/ (issue 18: start-up).
const bundled = spawnSync(process.execPath, [new URL('scripts/bundle.mjs', root).pathname], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(bundled.status ?? 1);
