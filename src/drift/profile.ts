import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { countValue, crossesPsiLevel, emptyCounts, type Ecdf } from './ecdf.js';
import { ident, MISSING_TOKENS, sqlString, type Column, type Engine, type Table } from './engine.js';

/** Knots per continuous feature: each gap between two holds less than 1/FINE_BINS of the reference. */
export const FINE_BINS = 1000;
export const DEFAULT_BINS = 10;
export const MAX_BINS = 100;
/** Numeric features with at most this many distinct reference values are discrete: every value a knot. */
export const DISCRETE_MAX = 20;
/** Categories kept per feature (reference: the most frequent; current: the most frequent unseen). */
export const DEFAULT_MAX_CATEGORIES = 1000;
/** Current rows sampled for the quantile table of the report (exact below this many rows). */
export const QUANTILE_SAMPLE = 100_000;
export const REPORT_QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
/** Bins of the report's distribution plots (equal width, or equal in log scale). */
export const PLOT_BINS = 40;

export interface NumericProfile {
  type: 'numeric';
  /** At most DISCRETE_MAX distinct values: every value is a knot and PSI has a bin per value. */
  discrete: boolean;
  rows: number;
  /** Rows without a value (empty cells and the missing tokens). */
  missing: number;
  /** ±Infinity and NaN values: counted like missing, and reported. */
  nonFinite: number;
  /** Text in the numeric column. */
  invalid: number;
  /** Finite numbers: the rows the distribution is made of. */
  count: number;
  min: number;
  max: number;
  mean: number;
  variance: number;
  /** The exact ECDF at the knots (see ecdf.ts). */
  knots: number[];
  atoms: number[];
  gaps: number[];
  /** Upper edges of the PSI bins (exact reference quantiles j/bins); empty when discrete. */
  psiEdges: number[];
  /** Largest error of the ECDF at a knot, as a share of count: 0 for one pass, > 0 after a merge. */
  rankError: number;
}

export interface CategoricalProfile {
  type: 'categorical';
  rows: number;
  missing: number;
  count: number;
  /** Rows per category, the most frequent maxCategories of them. */
  categories: Record<string, number>;
  /** Rows of the categories beyond the cap, and how many such categories there were. */
  other: number;
  otherDistinct: number;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

/**
 * A saved reference: enough to measure drift without the training data
 * (schemas/drift-profile.schema.json).
 */
export interface DriftProfile {
  kind: 'DriftProfile';
  formatVersion: 2;
  model?: { service: string; name: string; version: string } | undefined;
  source: {
    file: string;
    rows: number;
    sha256: string;
    shards?: { file: string; rows: number; sha256: string }[];
  };
  bins: number;
  fineBins: number;
  maxCategories: number;
  prediction?: string | undefined;
  features: Record<string, FeatureProfile>;
}

export interface CurrentNumeric {
  type: 'numeric';
  rows: number;
  missing: number;
  nonFinite: number;
  invalid: number;
  count: number;
  /** Current rows at and between the reference's knots. */
  counts: Ecdf;
  min?: number | undefined;
  max?: number | undefined;
  /** Quantiles at REPORT_QUANTILES, from up to QUANTILE_SAMPLE sampled rows. */
  quantiles: number[];
  quantileSample: number;
  /** Current rows per plotting bin, over `plot.edges`. */
  plot: { edges: number[]; log: boolean; counts: number[] };
}

export interface CurrentCategorical {
  type: 'categorical';
  rows: number;
  missing: number;
  count: number;
  /** Rows per reference category (only those that occur). */
  categories: Record<string, number>;
  /** Values the reference never saw: rows, how many distinct, and the most frequent (at most the cap). */
  unseen: { rows: number; distinct: number; top: Record<string, number> };
}

export type CurrentFeature = CurrentNumeric | CurrentCategorical;

export interface CurrentSummary {
  file: string;
  rows: number;
  features: Record<string, CurrentFeature>;
}

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/;
const TIME_TYPE = /^(DATE|TIMESTAMP.*)$/;

/** SQL for a column's value as text, with the missing tokens as NULL and surrounding spaces trimmed. */
function textOf(column: Column): string {
  const c = ident(column.name);
  if (column.type !== 'VARCHAR') return `CAST(${c} AS VARCHAR)`;
  const tokens = MISSING_TOKENS.map(sqlString).join(', ');
  return `CASE WHEN lower(trim(${c})) IN (${tokens}) THEN NULL ELSE trim(${c}) END`;
}

/** SQL for a column's value as a DOUBLE (NULL when missing or not a number); dates as Unix seconds. */
function numberOf(column: Column): string {
  const c = ident(column.name);
  if (NUMERIC_TYPE.test(column.type)) return `CAST(${c} AS DOUBLE)`;
  if (TIME_TYPE.test(column.type)) return `CAST(epoch(${c}) AS DOUBLE)`;
  if (column.type === 'VARCHAR') return `TRY_CAST(${textOf(column)} AS DOUBLE)`;
  return 'CAST(NULL AS DOUBLE)';
}

/** What one scan of a table says about each column: presence, numbers, finite numbers and moments. */
interface ColumnScan {
  present: number;
  numbers: number;
  finite: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  variance: number | null;
}

async function scanColumns(engine: Engine, table: Table, columns: readonly Column[]): Promise<ColumnScan[]> {
  if (columns.length === 0) return [];
  const parts = columns.flatMap((column) => {
    const x = numberOf(column);
    const finite = `${x}) FILTER (WHERE isfinite(${x}))`;
    return [
      `count(${textOf(column)})::DOUBLE`,
      `count(${x})::DOUBLE`,
      `count(${finite}::DOUBLE`,
      `min(${finite}`,
      `max(${finite}`,
      `avg(${finite}`,
      `var_pop(${finite}`,
    ];
  });
  const row = (await engine.query(`SELECT ${parts.join(', ')} FROM ${table.sql}`))[0]!;
  return columns.map((_, i) => {
    const at = (j: number) => row[i * 7 + j] as number | null;
    return {
      present: at(0) ?? 0,
      numbers: at(1) ?? 0,
      finite: at(2) ?? 0,
      min: at(3),
      max: at(4),
      mean: at(5),
      variance: at(6),
    };
  });
}

/** Numeric when at least 95 % of the present values are numbers (±Infinity included). */
function isNumeric(scan: ColumnScan): boolean {
  return scan.present > 0 && scan.numbers >= 0.95 * scan.present;
}

/**
 * Profiles the reference table: column types, then per numeric feature the exact ECDF at the knots
 * (one GROUP BY and one window over the distinct values, in DuckDB), per categorical feature the most
 * frequent categories.
 */
export async function buildProfile(
  engine: Engine,
  table: Table,
  options: {
    features: readonly string[];
    prediction?: string | undefined;
    bins: number;
    maxCategories: number;
    model?: DriftProfile['model'];
    sha256: string;
  },
): Promise<DriftProfile> {
  const columns = options.features.map((name) => table.columns.find((c) => c.name === name)!);
  const scans = await scanColumns(engine, table, columns);
  const features: Record<string, FeatureProfile> = {};
  for (const [i, column] of columns.entries()) {
    const scan = scans[i]!;
    features[column.name] = isNumeric(scan)
      ? await numericProfile(engine, table, column, scan, options.bins)
      : await categoricalProfile(engine, table, column, scan, options.maxCategories);
  }
  return {
    kind: 'DriftProfile',
    formatVersion: 2,
    model: options.model,
    source: { file: table.file, rows: table.rows, sha256: options.sha256 },
    bins: options.bins,
    fineBins: FINE_BINS,
    maxCategories: options.maxCategories,
    prediction: options.prediction,
    features: Object.fromEntries(Object.entries(features).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

async function numericProfile(
  engine: Engine,
  table: Table,
  column: Column,
  scan: ColumnScan,
  bins: number,
): Promise<NumericProfile> {
  const x = numberOf(column);
  // Integer arithmetic (HUGEINT) so the level crossings are exact for any row count.
  const rows = await engine.query(`
    WITH g AS (
      SELECT x AS v, count(*)::HUGEINT AS c FROM (SELECT ${x} AS x FROM ${table.sql}) WHERE isfinite(x) GROUP BY x
    ), s AS (
      SELECT v, c, sum(c) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum, sum(c) OVER () AS n,
             count(*) OVER () AS d
      FROM g
    )
    SELECT v, c::DOUBLE, cum::DOUBLE, d::DOUBLE FROM s
    WHERE d <= ${DISCRETE_MAX}
       OR (cum * ${FINE_BINS}) // n > ((cum - c) * ${FINE_BINS}) // n
       OR (cum * ${bins}) // n > ((cum - c) * ${bins}) // n
    ORDER BY v`);
  const discrete = rows.length > 0 && Number(rows[0]![3]) <= DISCRETE_MAX;
  const n = scan.finite;
  const knots: number[] = [];
  const atoms: number[] = [];
  const gaps: number[] = [];
  const psiEdges: number[] = [];
  let last = 0;
  for (const [v, c, cum] of rows as [number, number, number][]) {
    gaps.push(cum - c - last);
    knots.push(v);
    atoms.push(c);
    if (!discrete && crossesPsiLevel(cum - c, cum, n, bins)) psiEdges.push(v);
    last = cum;
  }
  gaps.push(n - last);
  return {
    type: 'numeric',
    discrete,
    rows: table.rows,
    missing: table.rows - scan.present,
    nonFinite: scan.numbers - scan.finite,
    invalid: scan.present - scan.numbers,
    count: n,
    min: scan.min ?? 0,
    max: scan.max ?? 0,
    mean: scan.mean ?? 0,
    variance: scan.variance ?? 0,
    knots,
    atoms,
    gaps,
    psiEdges,
    rankError: 0,
  };
}

async function categoricalProfile(
  engine: Engine,
  table: Table,
  column: Column,
  scan: ColumnScan,
  maxCategories: number,
): Promise<CategoricalProfile> {
  const rows = await engine.query(`
    WITH g AS (SELECT v, count(*) AS c FROM (SELECT ${textOf(column)} AS v FROM ${table.sql}) WHERE v IS NOT NULL GROUP BY v)
    SELECT v, c::DOUBLE, (count(*) OVER ())::DOUBLE FROM g ORDER BY c DESC, v LIMIT ${maxCategories}`);
  const categories: Record<string, number> = {};
  let kept = 0;
  for (const [v, c] of rows as [string, number][]) {
    categories[v] = c;
    kept += c;
  }
  const distinct = rows.length > 0 ? Number(rows[0]![2]) : 0;
  return {
    type: 'categorical',
    rows: table.rows,
    missing: table.rows - scan.present,
    count: scan.present,
    categories: Object.fromEntries(
      Object.entries(categories).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    other: scan.present - kept,
    otherDistinct: distinct - rows.length,
  };
}

/** Counts the current table into the reference's knots and categories. */
export async function summarise(
  engine: Engine,
  table: Table,
  profile: DriftProfile,
  options: { maxCategories: number },
): Promise<CurrentSummary> {
  const names = Object.keys(profile.features);
  const columns = names.map((name) => table.columns.find((c) => c.name === name)!);
  const scans = await scanColumns(engine, table, columns);
  const numeric = columns.filter((_, i) => profile.features[names[i]!]!.type === 'numeric');
  const quantiles = await sampleQuantiles(engine, table, numeric);
  const features: Record<string, CurrentFeature> = {};
  for (const [i, column] of columns.entries()) {
    const reference = profile.features[column.name]!;
    const scan = scans[i]!;
    features[column.name] =
      reference.type === 'numeric'
        ? await currentNumeric(engine, table, column, scan, reference, quantiles.get(column.name)!)
        : await currentCategorical(engine, table, column, scan, reference, options.maxCategories);
  }
  return { file: table.file, rows: table.rows, features };
}

async function sampleQuantiles(
  engine: Engine,
  table: Table,
  columns: readonly Column[],
): Promise<Map<string, { values: number[]; sample: number }>> {
  const out = new Map<string, { values: number[]; sample: number }>();
  if (columns.length === 0) return out;
  const levels = `[${REPORT_QUANTILES.join(', ')}]`;
  const sample =
    table.rows > QUANTILE_SAMPLE ? ` USING SAMPLE reservoir(${QUANTILE_SAMPLE} ROWS) REPEATABLE (42)` : '';
  const parts = columns.flatMap((column, i) => [
    `quantile_disc(x${i}, ${levels}) FILTER (WHERE isfinite(x${i}))`,
    `count(x${i}) FILTER (WHERE isfinite(x${i}))::DOUBLE`,
  ]);
  const inner = columns.map((column, i) => `${numberOf(column)} AS x${i}`).join(', ');
  const row = (
    await engine.query(`SELECT ${parts.join(', ')} FROM (SELECT ${inner} FROM ${table.sql}${sample})`)
  )[0]!;
  columns.forEach((column, i) => {
    out.set(column.name, {
      values: (row[2 * i] as number[] | null) ?? [],
      sample: Number(row[2 * i + 1] ?? 0),
    });
  });
  return out;
}

async function currentNumeric(
  engine: Engine,
  table: Table,
  column: Column,
  scan: ColumnScan,
  reference: NumericProfile,
  quantiles: { values: number[]; sample: number },
): Promise<CurrentNumeric> {
  const counts = emptyCounts(reference.knots);
  const plot = plotEdges(reference, quantiles.values, scan);
  const plotCounts = new Array<number>(Math.max(plot.edges.length - 1, 0)).fill(0);
  const toAxis = plot.log ? Math.log : (v: number) => v;
  const axis = plot.edges.map(toAxis);
  const lo = axis[0]!;
  const width = plot.edges.length > 1 ? (axis[axis.length - 1]! - lo) / plotCounts.length : 0;
  const x = numberOf(column);
  await engine.forEachNumber(
    `SELECT x FROM (SELECT ${x} AS x FROM ${table.sql}) WHERE isfinite(x)`,
    (value) => {
      countValue(counts, value);
      if (plotCounts.length > 0) {
        const position = width > 0 ? (toAxis(value) - lo) / width : 0;
        // Bins are (e_i, e_i+1]: a value on an inner edge belongs to the bin below it.
        const bin = Math.ceil(position) - 1;
        plotCounts[Math.min(Math.max(Number.isFinite(bin) ? bin : 0, 0), plotCounts.length - 1)]!++;
      }
    },
  );
  return {
    type: 'numeric',
    rows: table.rows,
    missing: table.rows - scan.present,
    nonFinite: scan.numbers - scan.finite,
    invalid: scan.present - scan.numbers,
    count: scan.finite,
    counts,
    min: scan.min ?? undefined,
    max: scan.max ?? undefined,
    quantiles: quantiles.values,
    quantileSample: quantiles.sample,
    plot: { ...plot, counts: plotCounts },
  };
}

/**
 * The report's value axis: the common range of both distributions between their 0.5th and 99.5th
 * percentiles (the current's 1st and 99th; the tails go to the end bins), in log scale when the data is positive and spans more
 * than two orders of magnitude. Discrete features plot one bar per value instead.
 */
function plotEdges(
  reference: NumericProfile,
  currentQuantiles: readonly number[],
  scan: ColumnScan,
): { edges: number[]; log: boolean } {
  if (reference.discrete || reference.count === 0) return { edges: [], log: false };
  const refLow = percentileOfProfile(reference, 0.005);
  const refHigh = percentileOfProfile(reference, 0.995);
  // The current side: its 1st and 99th percentiles, or its range when it is small.
  const small = scan.finite < 200 && scan.min !== null && scan.max !== null;
  const curLow = small ? scan.min! : (currentQuantiles[0] ?? refLow);
  const curHigh = small ? scan.max! : (currentQuantiles[currentQuantiles.length - 1] ?? refHigh);
  let lo = Math.min(refLow, curLow);
  let hi = Math.max(refHigh, curHigh);
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 1e-3 || 1;
    lo -= pad;
    hi += pad;
  }
  const log = lo > 0 && hi / lo >= 100;
  const edges: number[] = [];
  for (let i = 0; i <= PLOT_BINS; i++) {
    edges.push(
      log
        ? Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / PLOT_BINS)
        : lo + ((hi - lo) * i) / PLOT_BINS,
    );
  }
  return { edges, log };
}

/** The inverted-CDF quantile of a profile at q: exact, since the knots include the levels k/FINE_BINS. */
export function percentileOfProfile(feature: NumericProfile, q: number): number {
  const target = q * feature.count;
  let cum = 0;
  for (let k = 0; k < feature.knots.length; k++) {
    cum += feature.gaps[k]! + feature.atoms[k]!;
    if (cum >= target) return feature.knots[k]!;
  }
  return feature.max;
}

async function currentCategorical(
  engine: Engine,
  table: Table,
  column: Column,
  scan: ColumnScan,
  reference: CategoricalProfile,
  maxCategories: number,
): Promise<CurrentCategorical> {
  const known = Object.keys(reference.categories);
  const list = known.length > 0 ? `[${known.map(sqlString).join(', ')}]` : `CAST([] AS VARCHAR[])`;
  const grouped = `WITH g AS (SELECT v, count(*) AS c FROM (SELECT ${textOf(column)} AS v FROM ${table.sql}) WHERE v IS NOT NULL GROUP BY v),
    k AS (SELECT unnest(${list}) AS v)`;
  const categories: Record<string, number> = {};
  for (const [v, c] of (await engine.query(
    `${grouped} SELECT g.v, g.c::DOUBLE FROM g SEMI JOIN k USING (v)`,
  )) as [string, number][])
    categories[v] = c;
  const unseenRows = await engine.query(`${grouped}
    SELECT v, c::DOUBLE, (count(*) OVER ())::DOUBLE, (sum(c) OVER ())::DOUBLE FROM g ANTI JOIN k USING (v)
    ORDER BY c DESC, v LIMIT ${maxCategories}`);
  const top: Record<string, number> = {};
  for (const [v, c] of unseenRows as [string, number][]) top[v] = c;
  const first = unseenRows[0];
  return {
    type: 'categorical',
    rows: table.rows,
    missing: table.rows - scan.present,
    count: scan.present,
    categories: Object.fromEntries(
      Object.entries(categories).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    unseen: { rows: first ? Number(first[3]) : 0, distinct: first ? Number(first[2]) : 0, top },
  };
}

export async function sha256Files(files: readonly string[]): Promise<string> {
  const hashes: string[] = [];
  for (const file of files) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    hashes.push(hash.digest('hex'));
  }
  return hashes.length === 1 ? hashes[0]! : createHash('sha256').update(hashes.join('\n')).digest('hex');
}
