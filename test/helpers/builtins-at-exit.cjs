// Loaded with `node -r`: writes the Node built-ins this process loaded (process.moduleLoadList) to
// the file MLREADY_BUILTINS_LOG names, at exit, so a test can tell what a start-up pulled in.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  writeFileSync(process.env.MLREADY_BUILTINS_LOG, `${process.moduleLoadList.join('\n')}\n`);
});
