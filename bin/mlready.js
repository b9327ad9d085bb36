#!/usr/bin/env node
// CommonJS (bin/package.json): no ES module loader at start-up (issue 18, scripts/bundle.mjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose, see above
require('../dist/bundle/mlready.cjs');
