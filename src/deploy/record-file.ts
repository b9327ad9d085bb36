import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { InputError } from '../errors.js';
import { validateAgainst } from '../manifest/schemas.js';
import { redactRecord, type DeployRecord } from './record.js';

/** Where `deploy --save` writes records, relative to the manifest's directory. */
export const DEPLOY_RECORD_PATTERN = '.mlready/deploy/*.json';

export interface LoadedDeployRecord {
  /** Relative to cwd. */
  file: string;
  record?: DeployRecord;
  /** Why the file is not a usable record. */
  error?: string;
}

/**
 * Deploy records saved by `mlready deploy --save` for a model service (the files under
 * .mlready/deploy/ beside its manifest), validated against schemas/deploy-record.schema.json,
 * oldest first. `check` reads them to prefer measured start-up times over estimates.
 */
export function loadDeployRecords(
  cwd: string,
  manifestFile: string,
  pattern = DEPLOY_RECORD_PATTERN,
): LoadedDeployRecord[] {
  const base = resolve(cwd, dirname(manifestFile));
  const files = globSync(pattern, { cwd: base, absolute: true, dot: true });
  return files
    .sort()
    .map((file) => {
      const shown = relative(cwd, file) || file;
      try {
        const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
        const problem = validateAgainst('deploy-record.schema.json', value)[0];
        if (problem) return { file: shown, error: problem.message };
        return { file: shown, record: value as DeployRecord };
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        return { file: shown, error: reason };
      }
    })
    .sort((a, b) => (a.record?.appliedAt ?? '').localeCompare(b.record?.appliedAt ?? ''));
}

/**
 * Writes a record as JSON beside the manifest
 * (.mlready/deploy/<time>-<deployment>-<model version>-<pod-template-hash>.json)
 * or to `target`, through `write` (the CLI's io.writeFile, behind the redaction gate); returns the
 * path written, relative to cwd.
 */
export function saveDeployRecord(
  cwd: string,
  manifestFile: string | undefined,
  record: DeployRecord,
  target: string | undefined,
  write: (path: string, text: string) => void,
): string {
  const base = manifestFile ? dirname(resolve(cwd, manifestFile)) : cwd;
  const stamp = record.appliedAt.slice(0, 19).replace(/[:T]/g, '-');
  // The template hash tells apart two releases of one model version within the same second.
  const version = [record.model.version, record.templateHash]
    .filter(Boolean)
    .join('-')
    .replace(/[^\w.-]/g, '_');
  const file = target
    ? resolve(cwd, target)
    : join(base, '.mlready', 'deploy', `${stamp}-${record.deployment}-${version}.json`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    write(file, `${JSON.stringify(redactRecord(record), null, 2)}\n`);
  } catch (error) {
    throw new InputError(
      `cannot save the deploy record to ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return relative(cwd, file) || file;
}
