import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { validateAgainst } from './schemas.js';
import type { ModelManifest } from './types.js';
import { parseYaml } from './yaml.js';

/**
 * Reads and validates mlready.yaml for the commands that need a manifest (scaffold, loadtest,
 * drift, deploy). Every problem comes back as file:line:column, as `check` reports them.
 */
export function loadManifest(file: string, cwd: string): { manifest: ModelManifest; file: string } {
  const absolute = resolve(cwd, file);
  const shown = relative(cwd, absolute) || file;
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `no manifest at ${shown}` : `cannot read ${shown}: ${code ?? String(error)}`,
      {
        hint: code === 'ENOENT' ? 'create one with `mlready init`, or pass --manifest <file>' : undefined,
        cause: error,
      },
    );
  }
  return parseManifest(text, shown);
}

export function parseManifest(text: string, shown: string): { manifest: ModelManifest; file: string } {
  const parsed = parseYaml(text, shown);
  const lines = parsed.problems.map((p) => `${shown}:${p.line}:${p.column}: ${p.message}`);
  const doc = parsed.documents[0];
  if (lines.length === 0 && !doc) lines.push(`${shown}: the manifest is empty`);
  if (doc) {
    for (const problem of validateAgainst('mlready.schema.json', doc.value)) {
      const pos = doc.positionOf(problem.path, { key: problem.atKey === true });
      lines.push(`${shown}:${pos.line}:${pos.column}: ${problem.message}`);
    }
  }
  if (lines.length > 0) {
    throw new InputError(`invalid manifest:\n  ${lines.join('\n  ')}`, {
      hint: 'mlready check shows the same problems; the schema is schemas/mlready.schema.json',
    });
  }
  return { manifest: doc!.value as ModelManifest, file: shown };
}
