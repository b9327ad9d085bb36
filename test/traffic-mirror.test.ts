import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { checkText } from './helpers/check.js';

const FIXTURE = 'test/fixtures/rules/shadow-prediction-metrics/valid-mirror-with-predictions.yaml';

describe('mirrors in the traffic table', () => {
  it('lists what each mirror copies to a shadow, apart from the served 100 %', () => {
    const result = checkText(readFileSync(FIXTURE, 'utf8'), { file: 'mlready.yaml' });
    expect(result.services.find((s) => s.name === 'fraud')?.traffic).toEqual([
      // A destination without a subset is named by its host (as before mirrors were read).
      { version: 'fraud', share: 100, source: 'VirtualService/fraud' },
      { version: '1.5.0', share: 20, source: 'VirtualService/fraud (mirror)', mirror: true },
      { version: '1.5.0', share: 10, source: 'HTTPRoute/fraud (mirror)', mirror: true },
    ]);
  });

  it('says "mirrored" in the text report', async () => {
    const run = await cli(['check', FIXTURE], { env: { NO_COLOR: '1' } });
    expect(run.stdout).toContain('traffic: fraud 100%, 1.5.0 20% mirrored, 1.5.0 10% mirrored');
  });
});
