import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import type { RenderedFile } from './render.js';

export type WriteStatus = 'written' | 'updated' | 'unchanged' | 'skipped' | 'overwritten';

export interface WriteResult {
  path: string;
  status: WriteStatus;
}

/** Where scaffold remembers what it wrote, to tell its own files from ones a person edited. */
export const STATE_FILE = '.mlready/scaffold-state.json';

interface State {
  files: Record<string, string>;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Decides, without writing, what happens to each file: new → written; same content → unchanged;
 * changed by mlready only (its recorded hash still matches) → updated; edited by a person →
 * skipped, or overwritten with `force`.
 */
export function planWrites(files: readonly RenderedFile[], outDir: string, force: boolean): WriteResult[] {
  const state = readState(outDir);
  return files.map((file) => {
    const target = join(outDir, file.path);
    if (!existsSync(target)) return { path: file.path, status: 'written' };
    const current = readFileSync(target, 'utf8');
    if (current === file.content) return { path: file.path, status: 'unchanged' };
    if (state.files[file.path] === sha(current)) return { path: file.path, status: 'updated' };
    return { path: file.path, status: force ? 'overwritten' : 'skipped' };
  });
}

/** Writes one text file; the CLI passes its redaction-gated writer (src/cli/gate.ts). */
export type WriteText = (path: string, text: string) => void;

/**
 * Writes the planned files all or nothing: every file goes to a temporary sibling first and is
 * renamed into place only when all were written.
 */
export function writeScaffold(
  files: readonly RenderedFile[],
  outDir: string,
  force: boolean,
  writeText: WriteText,
): WriteResult[] {
  const plan = planWrites(files, outDir, force);
  const toWrite = files.filter((_, i) => ['written', 'updated', 'overwritten'].includes(plan[i]!.status));
  const temps: [string, string][] = [];
  try {
    for (const file of toWrite) {
      const target = join(outDir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.mlready-${randomBytes(4).toString('hex')}.tmp`;
      writeText(temp, file.content);
      temps.push([temp, target]);
    }
  } catch (error) {
    for (const [temp] of temps) rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write to ${outDir}: ${code ?? String(error)}; nothing was written`, {
      cause: error,
      hint: code === 'EACCES' || code === 'EROFS' ? 'choose a writable --out directory' : undefined,
    });
  }
  for (const [temp, target] of temps) renameSync(temp, target);
  const state = readState(outDir);
  files.forEach((file, i) => {
    if (plan[i]!.status !== 'skipped') state.files[file.path] = sha(file.content);
  });
  mkdirSync(join(outDir, dirname(STATE_FILE)), { recursive: true });
  writeText(
    join(outDir, STATE_FILE),
    `${JSON.stringify({ files: Object.fromEntries(Object.entries(state.files).sort()) }, null, 2)}\n`,
  );
  return plan;
}

function readState(outDir: string): State {
  try {
    const parsed = JSON.parse(readFileSync(join(outDir, STATE_FILE), 'utf8')) as State;
    return { files: parsed.files ?? {} };
  } catch {
    return { files: {} };
  }
}
