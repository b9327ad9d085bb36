// Loaded with `node --import`: records every module the program resolves, so a test can prove
// that --help and check never load the heavy ones. The hooks see ES module imports; the CLI's
// CommonJS bundles (dist/bundle/*.cjs, run by src/cli/code-cache.ts) require() theirs, recorded
// by wrapping Module.prototype.require.
import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const log = process.env.MLREADY_TRACE_IMPORTS;
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => appendFileSync(log, `${url}\n`));
port1.unref();
register('./trace-imports-hooks.mjs', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});

const required = Module.prototype.require;
Module.prototype.require = function (id) {
  const exports = required.call(this, id);
  const path = Module._resolveFilename(id, this);
  appendFileSync(log, `${path.startsWith('/') ? pathToFileURL(path).href : path}\n`);
  return exports;
};
