import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { validateAgainst } from '../manifest/schemas.js';
import type { ModelManifest } from '../manifest/types.js';
import {
  compare,
  DEFAULT_THRESHOLDS,
  type DriftMethod,
  type DriftReport,
  type Thresholds,
} from './compare.js';
import { buildProfile, columnsOf, sha256File, summarise, type DriftProfile } from './profile.js';
import { openRows } from './read.js';

export interface DriftOptions {
  cwd: string;
  /** Raw reference data, or a profile saved by `mlready drift profile`. */
  reference: string;
  current: string;
  manifest?: ModelManifest | undefined;
  /** Feature columns; default: the manifest's monitoring.drift.features, else every column. */
  features?: readonly string[] | undefined;
  prediction?: string | undefined;
  bins?: number | undefined;
  method?: DriftMethod | undefined;
  warn?: number | undefined;
  critical?: number | undefined;
  datasetShare?: number | undefined;
}

/** Builds a reference profile from data. */
export async function createProfile(
  options: Pick<DriftOptions, 'cwd' | 'manifest' | 'features' | 'prediction' | 'bins'> & { data: string },
): Promise<DriftProfile> {
  const file = resolve(options.cwd, options.data);
  const source = openRows(file, relative(options.cwd, file) || options.data);
  const drift = options.manifest?.spec.monitoring?.drift;
  const features = options.features ?? drift?.features;
  const prediction = options.prediction ?? drift?.prediction;
  const columns = await columnsOf(source);
  const absent = [...(features ?? []), ...(prediction ? [prediction] : [])].filter(
    (f) => !columns.includes(f),
  );
  if (absent.length > 0) {
    const plural = absent.length === 1 ? '' : 's';
    const missing = absent.join(', ');
    const available = columns.join(', ');
    throw new InputError(`${source.file} has no column${plural} ${missing} (columns: ${available})`);
  }
  const profile = await buildProfile(source, {
    features,
    prediction,
    bins: options.bins,
    model: modelOf(options.manifest),
  });
  if (profile.source.rows === 0) throw new InputError(`${source.file} has no rows`);
  profile.source.sha256 = await sha256File(file);
  return profile;
}

/** Measures drift of current data against a reference (data or profile) and judges it. */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const profile = readProfile(options) ?? (await createProfile({ ...options, data: options.reference }));
  const file = resolve(options.cwd, options.current);
  const source = openRows(file, relative(options.cwd, file) || options.current);
  const columns = await columnsOf(source);
  const absent = Object.keys(profile.features).filter((f) => !columns.includes(f));
  if (absent.length > 0) {
    const noun = absent.length === 1 ? 'column' : 'columns';
    const missing = absent.join(', ');
    throw new InputError(`${source.file} lacks ${noun} ${missing} that the reference has`, {
      hint: 'reference and current data must share the feature columns (header mismatch)',
    });
  }
  const current = await summarise(source, profile);
  if (current.rows === 0) throw new InputError(`${source.file} has no rows`);
  return compare(profile, current, thresholdsOf(options));
}

export function thresholdsOf(
  options: Pick<DriftOptions, 'manifest' | 'method' | 'warn' | 'critical' | 'datasetShare'>,
): Thresholds {
  const drift = options.manifest?.spec.monitoring?.drift;
  const declared = drift?.method;
  const method: DriftMethod = options.method ?? (declared === 'ks' || declared === 'js' ? declared : 'psi');
  const defaults = DEFAULT_THRESHOLDS[method];
  const sameMethod = declared === undefined || declared === method;
  return {
    method,
    warn: options.warn ?? (sameMethod ? drift?.warn : undefined) ?? defaults.warn,
    critical: options.critical ?? (sameMethod ? drift?.critical : undefined) ?? defaults.critical,
    datasetShare: options.datasetShare ?? drift?.datasetShare ?? 0.5,
  };
}

function readProfile(options: DriftOptions): DriftProfile | undefined {
  if (!options.reference.endsWith('.json')) return undefined;
  const file = resolve(options.cwd, options.reference);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // not a single JSON document: treat it as data (a JSON array streams fine)
  }
  if (Array.isArray(value) || (value as { kind?: unknown } | null)?.kind !== 'DriftProfile') return undefined;
  const shown = relative(options.cwd, file) || options.reference;
  const problem = validateAgainst('drift-profile.schema.json', value)[0];
  if (problem) throw new InputError(`${shown} is not a valid drift profile: ${problem.message}`);
  const profile = value as DriftProfile;
  const model = modelOf(options.manifest);
  if (
    model &&
    profile.model &&
    (profile.model.service !== model.service || profile.model.version !== model.version)
  ) {
    throw new InputError(
      `${shown} profiles ${profile.model.service} ${profile.model.version}, not ${model.service} ${model.version}`,
      {
        hint: `make a reference for this version: mlready drift profile <training data> -o ${shown}`,
      },
    );
  }
  if (options.features) {
    const absent = options.features.filter((f) => !(f in profile.features));
    if (absent.length > 0) throw new InputError(`${shown} has no profile of ${absent.join(', ')}`);
    profile.features = Object.fromEntries(
      Object.entries(profile.features).filter(
        ([k]) => options.features!.includes(k) || k === profile.prediction,
      ),
    );
  }
  return profile;
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
