// Loaded with `node -r`: writes V8's code-cache tag (its version and the flags in effect) to the
// file MLREADY_V8_TAG_LOG names, at exit, so a test can tell which compiler settings a command ended with.
const { writeFileSync } = require('node:fs');
const { cachedDataVersionTag } = require('node:v8');
process.on('exit', () => writeFileSync(process.env.MLREADY_V8_TAG_LOG, String(cachedDataVersionTag())));
