import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/check/result.js';
import { runCheck } from '../../src/check/run-check.js';
import { MlreadyError } from '../../src/errors.js';
import { FORMATTERS } from '../../src/formatters/index.js';
import { parseManifest } from '../../src/manifest/load.js';
import { cli } from '../helpers/cli.js';
import { tmpTree } from '../helpers/tmp.js';
import { cliArgs, manifestInput, markdownInput, yamlInput } from './arbitraries.js';

// Bounded for CI: a fixed seed, a run count and a time limit per property. `npm run fuzz` runs
// 100 000 inputs through the whole program with a hang watchdog.
const BOUND = { seed: 16, interruptAfterTimeLimit: 15_000 } as const;

/** Time one input may take through check and every formatter (bounded time on any input). */
const PER_INPUT_MS = 2_000;

describe('fuzz (fast-check, bounded)', () => {
  it('check reads any YAML without throwing, exits 0/1/2, and every formatter renders the result', () => {
    fc.assert(
      fc.property(yamlInput, (text) => {
        const start = performance.now();
        const result = runCheck({ cwd: '/', texts: [{ file: 'fuzz.yaml', text }] });
        expect([0, 1, 2]).toContain(exitCodeOf(result, { failOn: 'error' }));
        for (const finding of result.findings) expect(finding.line).toBeGreaterThanOrEqual(1);
        for (const format of FORMATTERS.values()) {
          const output = format(result, { color: false, version: 'fuzz' });
          expect(typeof output).toBe('string');
        }
        JSON.parse(FORMATTERS.get('json')!(result, { color: false, version: 'fuzz' }));
        JSON.parse(FORMATTERS.get('sarif')!(result, { color: false, version: 'fuzz' }));
        expect(performance.now() - start).toBeLessThan(PER_INPUT_MS);
      }),
      { ...BOUND, numRuns: 300 },
    );
  });

  it('check reads the YAML blocks of any Markdown guide without throwing', () => {
    fc.assert(
      fc.property(markdownInput, (text) => {
        const start = performance.now();
        const result = runCheck({ cwd: '/', texts: [{ file: 'guide.md', text, format: 'markdown' }] });
        expect([0, 1, 2]).toContain(exitCodeOf(result, { failOn: 'error' }));
        for (const finding of result.findings) expect(finding.line).toBeGreaterThanOrEqual(1);
        expect(performance.now() - start).toBeLessThan(PER_INPUT_MS);
      }),
      { ...BOUND, numRuns: 100 },
    );
  });

  it('a manifest either loads or is refused with an MlreadyError naming file:line', () => {
    fc.assert(
      fc.property(manifestInput, (text) => {
        try {
          parseManifest(text, 'mlready.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(MlreadyError);
          expect((error as Error).message).toMatch(/mlready\.yaml(:\d+:\d+)?: /);
        }
      }),
      { ...BOUND, numRuns: 300 },
    );
  });

  it('the whole program takes any options of check, init, scaffold, drift, rules and explain: exit 0, 1 or 2, never a crash', async () => {
    const dir = tmpTree({
      'mlready.yaml': (await import('../helpers/manifests.js')).completeManifest('custom'),
    });
    await fc.assert(
      fc.asyncProperty(cliArgs, yamlInput, async (argv, stdin) => {
        const run = await cli(argv, { cwd: dir, stdin });
        expect([0, 1, 2], `${JSON.stringify(argv)}\n${run.stderr}`).toContain(run.code);
        expect(run.stderr).not.toMatch(/internal error/);
        if (!argv.includes('--debug')) expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      }),
      { ...BOUND, numRuns: 150 },
    );
  });
});
