// Loaded with `node --import`: records every module the program resolves, so a test can prove
// that --help and check never load the heavy ones.
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';

const log = process.env.MLREADY_TRACE_IMPORTS;
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => appendFileSync(log, `${url}\n`));
port1.unref();
register('./trace-imports-hooks.mjs', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});
