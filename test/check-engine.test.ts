import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/check/config.js';
import { checkText } from './helpers/check.js';
import { ROOT } from './helpers/yaml-corpus.js';

/**
 * runCheck runs every rule of a service one after the other: nothing of one rule (its id, severity,
 * options, whether it reported) may reach the next. A guard for any later sharing of state between
 * rule runs (a context object reused across rules was tried and measured slower).
 */
describe('the rule engine', () => {
  const FIXTURES = join(ROOT, 'test/fixtures/rules');

  it('gives each rule, run with all the others, the findings it gets when run alone', () => {
    // Options and severities set for a few rules, so a context that kept the last rule's would show.
    const config = defaultConfig('/');
    config.rules['require-gpu-limit'] = { severity: 'info', options: {} };
    config.rules['replica-bounds'] = { severity: 'warning', options: { minReplicas: 5 } };
    let compared = 0;
    for (const id of readdirSync(FIXTURES)) {
      for (const file of readdirSync(join(FIXTURES, id))) {
        const text = readFileSync(join(FIXTURES, id, file), 'utf8');
        const all = checkText(text, { file, config });
        const ids = new Set([id, ...all.findings.map((f) => f.ruleId)]);
        for (const ruleId of ids) {
          const alone = checkText(text, { file, config, only: [ruleId] });
          expect(all.findings.filter((f) => f.ruleId === ruleId)).toEqual(alone.findings);
          expect(all.suppressed.filter((f) => f.ruleId === ruleId)).toEqual(alone.suppressed);
          compared += alone.findings.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
