import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAgainst } from '../src/manifest/schemas.js';
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { generateValidators } from '../scripts/build-validators.mjs';

const ROOT = join(import.meta.dirname, '..');

describe('precompiled schema validators', () => {
  it('are fresh: regenerating them from schemas/ gives the committed module', () => {
    const committed = readFileSync(join(ROOT, 'src/manifest/validators.generated.ts'), 'utf8');
    expect((generateValidators as () => string)()).toBe(committed);
  });

  it('still reject what the schema rejects, with the path of the problem', () => {
    const problems = validateAgainst('mlready.schema.json', { apiVersion: 'mlready.dev/v1', kind: 'Nope' });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map((p) => p.path.join('.'))).toContain('kind');
  });
});
