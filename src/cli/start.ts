import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { cacheRequiredUnder, runBundle, writeCodeCaches } from './code-cache.js';
import { compilerFlags } from './compiler-tuning.js';

/**
 * The CLI's entry in the bundle (scripts/bundle.mjs → dist/bundle/mlready.cjs, run by bin/mlready.js):
 * runs the CommonJS bundle of the CLI with its V8 code cache (src/cli/code-cache.ts), and has the
 * custom resource validators (dist/crd/) required with theirs.
 *
 * MLREADY_WRITE_CODE_CACHE is the build's switch (scripts/bundle.mjs runs `check` with it): after
 * the run, the caches of the bundles it ran are written beside them; all of them with `1` (the
 * bundled example), only the custom resource validators' with `crd` (scripts/crd-training.yaml, whose
 * objects the table walk cannot prove, so their validators run: the example no longer needs any).
 */
// Before any bundle is compiled: the code caches are keyed on V8's flags (src/cli/compiler-tuning.ts).
const tuning = compilerFlags({
  v8Version: process.versions.v8,
  execArgv: process.execArgv,
  env: process.env,
  cpus: availableParallelism(),
});
for (const flag of tuning.flags) setFlagsFromString(flag);
const bundle = fileURLToPath(new URL('../bundle/cli.cjs', import.meta.url));
const crdFolder = fileURLToPath(new URL('../crd/', import.meta.url));
const writeCaches = process.env.MLREADY_WRITE_CODE_CACHE;
if (writeCaches === '1' || writeCaches === 'crd') {
  process.once('exit', () => {
    for (const failure of writeCodeCaches(writeCaches === 'crd' ? crdFolder : undefined))
      process.stderr.write(`mlready: code cache not written: ${failure}\n`);
  });
}
cacheRequiredUnder(crdFolder);
const { main } = runBundle(bundle) as { main: () => Promise<void> };
// Not awaited at the top level: the entry is CommonJS (scripts/bundle.mjs); runCli catches every error.
void main();
