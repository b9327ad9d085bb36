// npm run bench: runs every benchmark and prints one JSON line each (ratios are against a
// baseline measured in the same run, so machines can be compared by ratio, not by seconds).
import { benchCheck } from './check.js';
import { benchDeploy } from './deploy.js';
import { benchDrift } from './drift.js';
import { benchLoadtest } from './loadtest.js';
import { benchRedact } from './redact.js';

const benches = {
  check: benchCheck,
  redact: benchRedact,
  loadtest: benchLoadtest,
  drift: benchDrift,
  deploy: benchDeploy,
};
const only = process.argv.slice(2);
for (const [name, bench] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(JSON.stringify(await bench()));
}
