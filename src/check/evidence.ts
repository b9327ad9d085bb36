import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { validateAgainst } from '../manifest/schemas.js';

/** A load-test report as `mlready loadtest --save` writes it (schemas/loadtest-report.schema.json). */
export interface LoadTestReport {
  kind: 'LoadTestReport';
  formatVersion: 1;
  service?: string;
  model: { name: string; version: string };
  image?: string;
  startedAt: string;
  slo: { passed: boolean; checks?: { expression: string; actual?: number | null; passed: boolean }[] };
  peak: { memoryBytes?: number; gpuMemoryBytes?: number; rps?: number; concurrency?: number };
  /** Why the run is partial (interrupted, too few requests, shorter than asked): never evidence. */
  partial?: { reasons?: string[] };
  /** Reports from before `partial` existed said an interrupt here. */
  summary?: { interrupted?: boolean };
}

export interface LoadedReport {
  file: string;
  report?: LoadTestReport;
  error?: string;
}

/**
 * Load-test reports for a model service: `pattern` (default .mlready/loadtest/*.json) resolved
 * against the manifest's directory, where `mlready loadtest --save` writes them.
 */
export function loadReports(cwd: string, manifestFile: string, pattern: string): LoadedReport[] {
  const base = resolve(cwd, dirname(manifestFile));
  const files = globSync(pattern, { cwd: base, absolute: true, dot: true });
  return files.sort().map((file) => {
    const shown = relative(cwd, file) || file;
    try {
      const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const problem = validateAgainst('loadtest-report.schema.json', value)[0];
      if (problem) return { file: shown, error: problem.message };
      return { file: shown, report: value as LoadTestReport };
    } catch (error) {
      return { file: shown, error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
    }
  });
}
