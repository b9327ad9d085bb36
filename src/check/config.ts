import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { validateAgainst } from '../manifest/schemas.js';
import { closest } from '../manifest/schema-errors.js';
import { parseYaml } from '../manifest/yaml.js';
import { RULES } from '../rules/index.js';
import type { Severity } from '../rules/rule.js';
import { isRecord } from './objects.js';

export const CONFIG_FILE_NAMES = ['.mlready.yaml', '.mlready.yml'] as const;

export interface RuleSetting {
  severity: Severity | 'off';
  options: Record<string, unknown>;
}

export interface Config {
  /** The file it came from, or undefined for the defaults. */
  file: string | undefined;
  /** Directory ignore globs are relative to. */
  root: string;
  rules: Record<string, RuleSetting>;
  ignore: string[];
  failOn: 'error' | 'warning' | undefined;
  maxWarnings: number | undefined;
  maxFileBytes: number;
  /** All input of one run together (files, standard input, rendered charts). */
  maxTotalBytes: number;
  /** YAML documents of one run together, empty ones between `---` included. */
  maxDocuments: number;
  loadtest: { reports: string; maxAgeDays: number };
}

export const DEFAULT_MAX_FILE_MB = 10;
/** Peak memory stays near 1 GB at this size (measured: docs/inputs.md). */
export const DEFAULT_MAX_TOTAL_MB = 32;
export const DEFAULT_MAX_DOCUMENTS = 10_000;

export function defaultConfig(root: string): Config {
  return {
    file: undefined,
    root,
    rules: {},
    ignore: [],
    failOn: undefined,
    maxWarnings: undefined,
    maxFileBytes: DEFAULT_MAX_FILE_MB * 1024 * 1024,
    maxTotalBytes: DEFAULT_MAX_TOTAL_MB * 1024 * 1024,
    maxDocuments: DEFAULT_MAX_DOCUMENTS,
    loadtest: { reports: '.mlready/loadtest/*.json', maxAgeDays: 30 },
  };
}

/** .mlready.yaml in cwd or the nearest directory above it. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads and validates a config file; any problem is a ConfigError pointing at file:line. */
export function loadConfig(file: string, cwd: string): Config {
  const shown = relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { cause: error },
    );
  }
  const parsed = parseYaml(text, shown);
  const problem = parsed.problems[0];
  if (problem)
    throw new ConfigError(problem.message, { file: shown, line: problem.line, column: problem.column });
  const doc = parsed.documents[0];
  const value: unknown = doc?.value ?? {};
  const config = defaultConfig(dirname(file));
  config.file = shown;
  if (!doc) return config;
  const schemaProblem = validateAgainst('config.schema.json', value)[0];
  if (schemaProblem) {
    const pos = doc.positionOf(schemaProblem.path, { key: schemaProblem.atKey === true });
    throw new ConfigError(schemaProblem.message, { file: shown, line: pos.line, column: pos.column });
  }
  const raw = value as {
    rules?: Record<string, string | { severity?: string; options?: Record<string, unknown> }>;
    ignore?: string[];
    failOn?: 'error' | 'warning';
    maxWarnings?: number;
    maxFileSizeMb?: number;
    maxTotalSizeMb?: number;
    maxDocuments?: number;
    loadtest?: { reports?: string; maxAgeDays?: number };
  };
  for (const [id, setting] of Object.entries(raw.rules ?? {})) {
    if (!RULES.has(id)) {
      const suggestion = closest(id, [...RULES.keys()]);
      const pos = doc.positionOf(['rules', id], { key: true });
      throw new ConfigError(`unknown rule "${id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
        file: shown,
        line: pos.line,
        column: pos.column,
        hint: 'mlready rules lists every rule id',
      });
    }
    const rule = RULES.get(id)!;
    const severity = (typeof setting === 'string' ? setting : (setting.severity ?? rule.severity)) as
      Severity | 'off';
    const options = typeof setting === 'string' || !isRecord(setting.options) ? {} : setting.options;
    config.rules[id] = { severity, options };
  }
  config.ignore = raw.ignore ?? [];
  config.failOn = raw.failOn;
  config.maxWarnings = raw.maxWarnings;
  if (raw.maxFileSizeMb !== undefined) config.maxFileBytes = raw.maxFileSizeMb * 1024 * 1024;
  if (raw.maxTotalSizeMb !== undefined) config.maxTotalBytes = raw.maxTotalSizeMb * 1024 * 1024;
  if (raw.maxDocuments !== undefined) config.maxDocuments = raw.maxDocuments;
  config.loadtest = {
    reports: raw.loadtest?.reports ?? config.loadtest.reports,
    maxAgeDays: raw.loadtest?.maxAgeDays ?? config.loadtest.maxAgeDays,
  };
  return config;
}
