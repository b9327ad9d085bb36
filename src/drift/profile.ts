import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DDSketch } from '@datadog/sketches-js';
import type { Row, RowSource } from './read.js';

export const FINE_BINS = 200;
export const DEFAULT_BINS = 10;
/** Distinct categories kept per feature; the rest count as "(other)". */
export const MAX_CATEGORIES = 1000;
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', 'nil']);

export interface NumericProfile {
  type: 'numeric';
  rows: number;
  missing: number;
  /** Values that were not numbers in a numeric column (counted, never a crash). */
  invalid: number;
  min: number;
  max: number;
  mean: number;
  /** Interior edges of the fine bins (quantiles of the reference); bin i is (edge[i-1], edge[i]]. */
  edges: number[];
  /** Interior edges of the PSI bins, a subset of `edges`. */
  psiEdges: number[];
  /** Reference rows per fine bin (edges.length + 1 bins). */
  counts: number[];
}

export interface CategoricalProfile {
  type: 'categorical';
  rows: number;
  missing: number;
  categories: Record<string, number>;
  other: number;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

/**
 * A saved reference: enough to measure drift without the training data
 * (schemas/drift-profile.schema.json).
 */
export interface DriftProfile {
  kind: 'DriftProfile';
  formatVersion: 1;
  model?: { service: string; name: string; version: string } | undefined;
  source: { file: string; rows: number; sha256: string };
  bins: number;
  prediction?: string | undefined;
  features: Record<string, FeatureProfile>;
}

/** What the current data looks like over the reference's bins and categories. */
export interface CurrentFeature {
  rows: number;
  missing: number;
  invalid: number;
  /** Numeric: rows per reference fine bin. */
  counts?: number[];
  /** Categorical: rows per category, including categories the reference never saw. */
  categories?: Record<string, number>;
}

export interface CurrentSummary {
  file: string;
  rows: number;
  features: Record<string, CurrentFeature>;
}

export type Parsed =
  { kind: 'missing' } | { kind: 'number'; value: number } | { kind: 'text'; value: string };

export function parseValue(raw: unknown): Parsed {
  if (raw === null || raw === undefined) return { kind: 'missing' };
  if (typeof raw === 'number')
    return Number.isFinite(raw) ? { kind: 'number', value: raw } : { kind: 'missing' };
  if (typeof raw === 'bigint') return { kind: 'number', value: Number(raw) };
  if (typeof raw === 'boolean') return { kind: 'text', value: String(raw) };
  const text = typeof raw === 'string' ? raw.trim() : JSON.stringify(raw);
  if (MISSING_TOKENS.has(text.toLowerCase())) return { kind: 'missing' };
  const n = Number(text);
  return Number.isFinite(n) && /^[-+]?(\d|\.\d)/.test(text)
    ? { kind: 'number', value: n }
    : { kind: 'text', value: text };
}

interface Scan {
  numeric: number;
  text: number;
  missing: number;
  sketch: DDSketch;
  sum: number;
  categories: Map<string, number>;
  other: number;
}

/**
 * Profiles reference data in two streaming passes: the first finds each column's type and
 * quantiles (a DDSketch, 0.1 % relative accuracy), the second counts rows into the fine bins
 * exactly. Memory is per feature, not per row.
 */
export async function buildProfile(
  source: RowSource,
  options: {
    features?: readonly string[];
    prediction?: string | undefined;
    bins?: number;
    model?: DriftProfile['model'];
  },
): Promise<DriftProfile> {
  const bins = options.bins ?? DEFAULT_BINS;
  const wanted =
    options.features && options.features.length > 0
      ? [...options.features, ...(options.prediction ? [options.prediction] : [])]
      : undefined;
  const scans = new Map<string, Scan>();
  let rows = 0;
  for await (const row of source.rows()) {
    rows++;
    for (const column of wanted ?? Object.keys(row)) {
      let scan = scans.get(column);
      if (!scan) {
        scan = {
          numeric: 0,
          text: 0,
          missing: rows - 1,
          sketch: new DDSketch({ relativeAccuracy: 0.001 }),
          sum: 0,
          categories: new Map(),
          other: 0,
        };
        scans.set(column, scan);
      }
      const parsed = parseValue(row[column]);
      if (parsed.kind === 'missing') scan.missing++;
      else if (parsed.kind === 'number') {
        scan.numeric++;
        scan.sketch.accept(parsed.value);
        scan.sum += parsed.value;
        countCategory(scan, String(parsed.value));
      } else {
        scan.text++;
        countCategory(scan, parsed.value);
      }
    }
  }
  // Columns that appeared late were missing in the rows before.
  for (const scan of scans.values()) scan.missing = rows - scan.numeric - scan.text;

  const features: Record<string, FeatureProfile> = {};
  const numericColumns = new Map<string, { edges: number[]; counts: number[] }>();
  for (const [column, scan] of [...scans].sort(([a], [b]) => a.localeCompare(b))) {
    const present = scan.numeric + scan.text;
    // Numeric when at least 95 % of present values parse as numbers and there is variety to bin.
    if (
      present > 0 &&
      scan.numeric >= 0.95 * present &&
      scan.categories.size + (scan.other > 0 ? 1 : 0) > 2
    ) {
      const psiEdges = quantileEdges(scan.sketch, bins);
      const edges = mergeEdges(quantileEdges(scan.sketch, FINE_BINS), psiEdges);
      const counts = new Array<number>(edges.length + 1).fill(0);
      numericColumns.set(column, { edges, counts });
      features[column] = {
        type: 'numeric',
        rows,
        missing: scan.missing,
        invalid: scan.text,
        min: scan.sketch.min,
        max: scan.sketch.max,
        mean: scan.numeric > 0 ? scan.sum / scan.numeric : 0,
        edges,
        psiEdges,
        counts,
      };
    } else {
      features[column] = {
        type: 'categorical',
        rows,
        missing: scan.missing,
        categories: Object.fromEntries([...scan.categories].sort(([a], [b]) => a.localeCompare(b))),
        other: scan.other,
      };
    }
  }
  if (numericColumns.size > 0) {
    for await (const row of source.rows()) {
      for (const [column, { edges, counts }] of numericColumns) {
        const parsed = parseValue(row[column]);
        if (parsed.kind === 'number') counts[binOf(edges, parsed.value)]!++;
      }
    }
  }
  return {
    kind: 'DriftProfile',
    formatVersion: 1,
    model: options.model,
    source: { file: source.file, rows, sha256: '' },
    bins,
    prediction: options.prediction,
    features,
  };
}

/** Counts current data into the reference's bins and categories, in one streaming pass. */
export async function summarise(source: RowSource, profile: DriftProfile): Promise<CurrentSummary> {
  const features: Record<string, CurrentFeature> = {};
  for (const [name, feature] of Object.entries(profile.features)) {
    features[name] =
      feature.type === 'numeric'
        ? { rows: 0, missing: 0, invalid: 0, counts: new Array<number>(feature.edges.length + 1).fill(0) }
        : { rows: 0, missing: 0, invalid: 0, categories: {} };
  }
  let rows = 0;
  const entries = Object.entries(profile.features);
  for await (const row of source.rows()) {
    rows++;
    for (const [name, feature] of entries) {
      const current = features[name]!;
      current.rows++;
      const parsed = parseValue(row[name]);
      if (parsed.kind === 'missing') current.missing++;
      else if (feature.type === 'numeric') {
        if (parsed.kind === 'number') current.counts![binOf(feature.edges, parsed.value)]!++;
        else current.invalid++;
      } else {
        const key = parsed.kind === 'number' ? String(parsed.value) : parsed.value;
        current.categories![key] = (current.categories![key] ?? 0) + 1;
      }
    }
  }
  return { file: source.file, rows, features };
}

/** The first column names of a source (from its first row), for header checks. */
export async function columnsOf(source: RowSource): Promise<string[]> {
  for await (const row of source.rows()) return Object.keys(row);
  return [];
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function countCategory(scan: Scan, key: string): void {
  const seen = scan.categories.get(key);
  if (seen !== undefined) scan.categories.set(key, seen + 1);
  else if (scan.categories.size < MAX_CATEGORIES) scan.categories.set(key, 1);
  else scan.other++;
}

function quantileEdges(sketch: DDSketch, bins: number): number[] {
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) edges.push(sketch.getValueAtQuantile(k / bins));
  return mergeEdges(edges, []);
}

/** Sorted, distinct edges (values within a relative 1e-9 count as one), clipped to finite numbers. */
function mergeEdges(a: readonly number[], b: readonly number[]): number[] {
  const all = [...a, ...b].filter(Number.isFinite).sort((x, y) => x - y);
  const out: number[] = [];
  for (const e of all) {
    const last = out[out.length - 1];
    if (last === undefined || Math.abs(e - last) > 1e-9 * Math.max(1, Math.abs(e))) out.push(e);
  }
  return out;
}

/** Index of the bin holding v: bins are (-∞, e0], (e0, e1], …, (e_last, ∞). */
export function binOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Folds fine-bin counts into the PSI bins (whose edges are a subset of the fine edges). */
export function foldCounts(
  edges: readonly number[],
  counts: readonly number[],
  psiEdges: readonly number[],
): number[] {
  const out = new Array<number>(psiEdges.length + 1).fill(0);
  counts.forEach((count, i) => {
    // The fine bin i ends at edges[i] (or +∞); find the PSI bin holding that end.
    const end = i < edges.length ? edges[i]! : Infinity;
    out[end === Infinity ? psiEdges.length : binOf(psiEdges, end)]! += count;
  });
  return out;
}

export type { Row };
