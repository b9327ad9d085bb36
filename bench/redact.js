// Benchmarks the redaction gate (src/cli/gate.ts → redactText) against what it guards: `check` on
// 10 000 generated resources and the formatting of its findings, measured in the same run. The gate
// must add little to a check: the ratio redactOverCheck says how much.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../dist/check/run-check.js';
import { FORMATTERS } from '../dist/formatters/index.js';
import { redactText } from '../dist/redact.js';
import { service } from './check.js';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn) {
  const start = performance.now();
  const value = fn();
  return [performance.now() - start, value];
}

export function benchRedact() {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-bench-'));
  try {
    const big = join(dir, 'big');
    mkdirSync(big);
    for (let f = 0; f < 100; f++) {
      const docs = [];
      for (let s = 0; s < 20; s++) docs.push(service(f * 20 + s));
      writeFileSync(join(big, `services-${String(f).padStart(3, '0')}.yaml`), docs.join('---\n'));
    }
    const rows = {};
    const checkTimes = [];
    let result;
    for (let i = 0; i < 3; i++) {
      const [ms, r] = time(() => runCheck({ cwd: dir, paths: ['big'] }));
      checkTimes.push(ms);
      result = r;
    }
    const checkMs = median(checkTimes);
    for (const format of ['text', 'json', 'sarif']) {
      const formatter = FORMATTERS.get(format);
      const [formatMs, output] = time(() => formatter(result, { color: false, version: 'bench' }));
      const redactTimes = [];
      for (let i = 0; i < 3; i++) redactTimes.push(time(() => redactText(output))[0]);
      const redactMs = median(redactTimes);
      rows[format] = {
        outputBytes: output.length,
        formatMs: Math.round(formatMs),
        redactMs: Math.round(redactMs),
        redactOverCheck: Number((redactMs / checkMs).toFixed(3)),
      };
    }
    return { name: 'redact', findings: result.findings.length, checkMs: Math.round(checkMs), ...rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
