import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { validateAgainst } from '../manifest/schemas.js';
import type { ModelManifest } from '../manifest/types.js';
import { compare, type DriftReport } from './compare.js';
import { Engine, type EngineOptions, type Table } from './engine.js';
import { mergeProfiles } from './merge.js';
import { checkProfileOptions, resolvePolicy, type PolicyFlags } from './policy.js';
import { buildProfile, sha256Files, summarise, type DriftProfile } from './profile.js';

export interface DriftOptions extends PolicyFlags, EngineOptions {
  cwd: string;
  /** Raw reference data, or a profile saved by `mlready drift profile`. */
  reference: string;
  current: string;
  manifest?: ModelManifest | undefined;
  /** Feature columns; default: the manifest's monitoring.drift.features, else every column. */
  features?: readonly string[] | undefined;
  prediction?: string | undefined;
  bins?: number | undefined;
  maxCategories?: number | undefined;
}

export type ProfileOptions = Pick<
  DriftOptions,
  'cwd' | 'manifest' | 'features' | 'prediction' | 'bins' | 'maxCategories' | 'memoryLimit' | 'threads'
> & { data: readonly string[] };

/** Builds a reference profile from one or more data files (the shards of one dataset, read as one). */
export async function createProfile(options: ProfileOptions): Promise<DriftProfile> {
  const checked = checkProfileOptions(options);
  const engine = await Engine.open(options);
  try {
    return await profileWith(engine, options, checked);
  } finally {
    await engine.close();
  }
}

async function profileWith(
  engine: Engine,
  options: ProfileOptions,
  checked: { bins: number; maxCategories: number },
): Promise<DriftProfile> {
  const files = options.data.map((d) => resolve(options.cwd, d));
  const shown =
    options.data.length === 1 ? shownPath(options.cwd, options.data[0]!) : `${options.data.length} files`;
  // Hash on this thread while DuckDB reads on its own.
  const hashing = sha256Files(files);
  hashing.catch(() => undefined);
  const table = await engine.load(files, shown);
  const drift = options.manifest?.spec.monitoring?.drift;
  const prediction = options.prediction ?? drift?.prediction;
  const wanted = options.features ?? drift?.features;
  const features = wanted
    ? [...wanted, ...(prediction && !wanted.includes(prediction) ? [prediction] : [])]
    : table.columns.map((c) => c.name);
  requireColumns(table, features, `${table.file} has no`);
  if (table.rows === 0) throw new InputError(`${table.file} has no rows`);
  const profile = await buildProfile(engine, table, {
    features,
    prediction,
    bins: checked.bins,
    maxCategories: checked.maxCategories,
    model: modelOf(options.manifest),
    sha256: await hashing,
  });
  await engine.drop(table);
  return profile;
}

/** Measures drift of current data against a reference (data or profile) and judges it. */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const policy = resolvePolicy(options, options.manifest);
  const checked = checkProfileOptions(options);
  const saved = readProfile(options);
  const engine = await Engine.open(options);
  try {
    const file = resolve(options.cwd, options.current);
    // The current data loads while the reference is profiled (the engine runs two queries at a time).
    const loading = engine.load([file], shownPath(options.cwd, options.current));
    loading.catch(() => undefined);
    const profile = saved ?? (await profileWith(engine, { ...options, data: [options.reference] }, checked));
    const table = await loading;
    requireColumns(table, Object.keys(profile.features), `${table.file} lacks`, 'that the reference has');
    if (table.rows === 0) throw new InputError(`${table.file} has no rows`);
    const current = await summarise(engine, table, profile, checked);
    return compare(profile, current, policy);
  } finally {
    await engine.close();
  }
}

/** Merges shard profiles (files written by `mlready drift profile`) into one. */
export function mergeProfileFiles(cwd: string, files: readonly string[]): DriftProfile {
  return mergeProfiles(
    files.map((f) => {
      const shown = shownPath(cwd, f);
      const profile = parseProfile(resolve(cwd, f), shown);
      if (!profile) throw new InputError(`${shown} is not a drift profile (made by mlready drift profile)`);
      return { profile, file: shown };
    }),
  );
}

function requireColumns(table: Table, names: readonly string[], prefix: string, suffix = ''): void {
  const columns = new Set(table.columns.map((c) => c.name));
  const absent = names.filter((f) => !columns.has(f));
  if (absent.length === 0) return;
  const noun = absent.length === 1 ? 'column' : 'columns';
  const available = table.columns.map((c) => c.name).join(', ');
  throw new InputError(
    `${prefix} ${noun} ${absent.join(', ')}${suffix ? ` ${suffix}` : ''} (columns: ${available})`,
    {
      hint: suffix
        ? 'reference and current data must share the feature columns (header mismatch)'
        : undefined,
    },
  );
}

function readProfile(options: DriftOptions): DriftProfile | undefined {
  if (!options.reference.endsWith('.json')) return undefined;
  const shown = shownPath(options.cwd, options.reference);
  const profile = parseProfile(resolve(options.cwd, options.reference), shown);
  if (!profile) return undefined;
  const model = modelOf(options.manifest);
  if (
    model &&
    profile.model &&
    (profile.model.service !== model.service || profile.model.version !== model.version)
  ) {
    throw new InputError(
      `${shown} profiles ${profile.model.service} ${profile.model.version}, not ${model.service} ${model.version}`,
      { hint: `make a reference for this version: mlready drift profile <training data> -o ${shown}` },
    );
  }
  const wanted = options.features ?? options.manifest?.spec.monitoring?.drift?.features;
  if (wanted) {
    const absent = wanted.filter((f) => !(f in profile.features));
    if (absent.length > 0) throw new InputError(`${shown} has no profile of ${absent.join(', ')}`);
    profile.features = Object.fromEntries(
      Object.entries(profile.features).filter(([k]) => wanted.includes(k) || k === profile.prediction),
    );
  }
  return profile;
}

/** A saved profile, validated; undefined when the file is data (a JSON array of rows), not a profile. */
function parseProfile(file: string, shown: string): DriftProfile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `no such file: ${shown}` : `cannot read ${shown}: ${code}`, {
      cause: error,
    });
  }
  if (!/^\s*\{/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${shown} is not valid JSON: ${(error as Error).message}`);
  }
  if ((value as { kind?: unknown } | null)?.kind !== 'DriftProfile') return undefined;
  if ((value as { formatVersion?: unknown }).formatVersion !== 2)
    throw new InputError(`${shown} is a drift profile of an older format`, {
      hint: `make it again: mlready drift profile <reference data> -o ${shown}`,
    });
  const problem = validateAgainst('drift-profile.schema.json', value)[0];
  if (problem) throw new InputError(`${shown} is not a valid drift profile: ${problem.message}`);
  const profile = value as DriftProfile;
  for (const [name, feature] of Object.entries(profile.features)) {
    if (feature.type !== 'numeric') continue;
    const { knots, atoms, gaps, psiEdges } = feature;
    const sorted = knots.every((k, i) => i === 0 || k > knots[i - 1]!);
    const known = new Set(knots);
    if (
      !sorted ||
      atoms.length !== knots.length ||
      gaps.length !== knots.length + 1 ||
      !psiEdges.every((e) => known.has(e))
    )
      throw new InputError(
        `${shown} is not a valid drift profile: the knots of feature ${name} are inconsistent`,
        {
          hint: `make it again: mlready drift profile <reference data> -o ${shown}`,
        },
      );
  }
  return profile;
}

function shownPath(cwd: string, file: string): string {
  return relative(cwd, resolve(cwd, file)) || file;
}

function modelOf(manifest: ModelManifest | undefined): DriftProfile['model'] {
  return manifest
    ? {
        service: manifest.metadata.name,
        name: manifest.spec.model.name,
        version: manifest.spec.model.version,
      }
    : undefined;
}
