// Runs generated inputs through the built CLI (`mlready check - --format …`), one at a time, for
// test/fuzz/long.fuzz.ts, which watches each input for hangs from the main thread.
import { parentPort } from 'node:worker_threads';
import { runCli } from '../../dist/cli/program.js';

parentPort.on('message', async ({ id, text, format }) => {
  let stderr = '';
  const code = await runCli({
    argv: ['check', '-', '--format', format, '--no-config'],
    env: { NO_COLOR: '1' },
    cwd: '/',
    stdout: () => {},
    stderr: (s) => (stderr += s),
    writeFile: () => {},
    stdoutIsTTY: false,
    stdinIsTTY: false,
    readStdin: () => Promise.resolve(text),
  });
  parentPort.postMessage({
    id,
    code,
    internal: /internal error/.test(stderr),
    stderr: stderr.slice(0, 2000),
  });
});
