import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { atomBoundaries, countsFromHistogram, crossesPsiLevel, type Ecdf } from './ecdf.js';
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
export const QUANTILE_SAMPLE = 20_000;
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
  if (column.type === 'VARCHAR') return tryNumber(textOf(column));
  return 'CAST(NULL AS DOUBLE)';
}

/** numberOf, applied to `present` (the column's value, already normalised by textOf when text). */
function numberFrom(column: Column, present: string): string {
  if (NUMERIC_TYPE.test(column.type)) return `CAST(${present} AS DOUBLE)`;
  if (TIME_TYPE.test(column.type)) return `CAST(epoch(${present}) AS DOUBLE)`;
  if (column.type === 'VARCHAR') return tryNumber(present);
  return 'CAST(NULL AS DOUBLE)';
}

/**
 * TRY_CAST of text to DOUBLE, skipped for text that cannot start a number (TRY_CAST is slow on the
 * labels of categorical columns: 2 s per 5 million here). Numbers start with a digit, a sign, a point,
 * or i/n (inf, infinity, nan); the text is already trimmed.
 */
function tryNumber(text: string): string {
  return `CASE WHEN strpos('0123456789+-.iInN', left(${text}, 1)) > 0 THEN TRY_CAST(${text} AS DOUBLE) END`;
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

async function scanColumns(
  engine: Engine,
  table: Table,
  columns: readonly Column[],
  options: { numeric: (column: Column) => boolean; moments: boolean },
): Promise<ColumnScan[]> {
  if (columns.length === 0) return [];
  // Each expression once, in layers: present value, its number, the number when finite; only what
  // each column needs (a categorical feature of the current data needs no numbers).
  const wanted = columns.map(options.numeric);
  const present = columns.map((c, i) => `${c.type === 'VARCHAR' ? textOf(c) : ident(c.name)} AS p${i}`);
  const numbers = columns.map((c, i) => (wanted[i] ? `p${i}, ${numberFrom(c, `p${i}`)} AS x${i}` : `p${i}`));
  const finite = columns.map((_, i) =>
    wanted[i] ? `p${i}, x${i}, CASE WHEN isfinite(x${i}) THEN x${i} END AS f${i}` : `p${i}`,
  );
  const perColumn = columns.map((_, i) =>
    wanted[i]
      ? [
          `count(p${i})::DOUBLE`,
          `count(x${i})::DOUBLE`,
          `count(f${i})::DOUBLE`,
          `min(f${i})`,
          `max(f${i})`,
          ...(options.moments ? [`avg(f${i})`, `var_pop(f${i})`] : []),
        ]
      : [`count(p${i})::DOUBLE`],
  );
  const sql = `SELECT ${perColumn.flat().join(', ')} FROM (SELECT ${finite.join(', ')} FROM (SELECT ${numbers.join(', ')} FROM (SELECT ${present.join(', ')} FROM ${table.sql})))`;
  const row = (await engine.query(sql))[0]!;
  let at = 0;
  return perColumn.map((parts) => {
    const values = row.slice(at, at + parts.length) as (number | null)[];
    at += parts.length;
    return {
      present: values[0] ?? 0,
      numbers: values[1] ?? 0,
      finite: values[2] ?? 0,
      min: values[3] ?? null,
      max: values[4] ?? null,
      mean: values[5] ?? null,
      variance: values[6] ?? null,
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
  // Text columns may be numeric too: count their numbers (the 95 % rule decides).
  const scans = await scanColumns(engine, table, columns, {
    numeric: (c) => c.type === 'VARCHAR' || NUMERIC_TYPE.test(c.type) || TIME_TYPE.test(c.type),
    moments: true,
  });
  const features: Record<string, FeatureProfile> = {};
  // Everything side by side: the engine runs two queries at a time.
  const categorical = columns.filter((_, i) => !isNumeric(scans[i]!));
  const grouping = countCategories(engine, table, categorical, options.maxCategories);
  grouping.catch(() => undefined);
  const numeric = await Promise.all(
    columns.map((column, i) =>
      isNumeric(scans[i]!)
        ? numericProfile(engine, table, column, scans[i]!, options.bins)
        : Promise.resolve(undefined),
    ),
  );
  const groups = await grouping;
  for (const [i, column] of columns.entries()) {
    const scan = scans[i]!;
    const profiled = numeric[i];
    if (profiled) {
      features[column.name] = profiled;
      continue;
    }
    // Without known categories every value counts as unseen: the most frequent are kept.
    const { top, distinct } = groups.get(column.name)!.unseen;
    let kept = 0;
    for (const c of top.values()) kept += c;
    features[column.name] = {
      type: 'categorical',
      rows: table.rows,
      missing: table.rows - scan.present,
      count: scan.present,
      categories: Object.fromEntries([...top].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      other: scan.present - kept,
      otherDistinct: distinct - top.size,
    };
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
  const n = scan.finite;
  const knots: number[] = [];
  const atoms: number[] = [];
  const gaps: number[] = [];
  const psiEdges: number[] = [];
  // The first DISCRETE_MAX + 1 distinct values, in case the feature turns out to be discrete.
  const firstValues: [number, number][] = [];
  let distinct = 0;
  let cum = 0;
  let last = 0;
  // Distinct values in order with their counts, streamed (GROUP BY + ORDER BY is 3× faster than
  // window functions here); the knots are picked on the way, so memory holds only them.
  await engine.forEachPair(
    `SELECT x, count(*)::DOUBLE FROM (SELECT ${numberOf(column)} AS x FROM ${table.sql}) WHERE isfinite(x) GROUP BY x ORDER BY x`,
    (v, c) => {
      distinct++;
      if (firstValues.length <= DISCRETE_MAX) firstValues.push([v, c]);
      const previous = cum;
      cum += c;
      const crossesFine = Math.floor((cum * FINE_BINS) / n) > Math.floor((previous * FINE_BINS) / n);
      const psiEdge = crossesPsiLevel(previous, cum, n, bins);
      if (crossesFine || psiEdge) {
        gaps.push(previous - last);
        knots.push(v);
        atoms.push(c);
        if (psiEdge) psiEdges.push(v);
        last = cum;
      }
    },
  );
  gaps.push(n - last);
  const discrete = distinct > 0 && distinct <= DISCRETE_MAX;
  const ecdf = discrete
    ? {
        knots: firstValues.map(([v]) => v),
        atoms: firstValues.map(([, c]) => c),
        gaps: new Array<number>(firstValues.length + 1).fill(0),
        psiEdges: [],
      }
    : { knots, atoms, gaps, psiEdges };
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
    ...ecdf,
    rankError: 0,
  };
}

interface CategoryCounts {
  /** The most frequent values (at most the cap); with `known`, every known value that occurs. */
  top: Map<string, number>;
  /** Distinct values and their rows in this part. */
  distinct: number;
  rows: number;
}

/**
 * Category counts of several columns in one scan (GROUP BY GROUPING SETS, which DuckDB spills beyond
 * its memory limit): per column the `cap` most frequent values and how many distinct there were. With
 * `known` (the reference's categories per column), `seen` holds every known value that occurs and
 * `unseen` the most frequent of the others, so an identifier column with millions of values costs
 * the cap, not millions of entries.
 */
async function countCategories(
  engine: Engine,
  table: Table,
  columns: readonly Column[],
  cap: number,
  known?: ReadonlyMap<string, readonly string[]>,
): Promise<Map<string, { seen: CategoryCounts; unseen: CategoryCounts }>> {
  const out = new Map<string, { seen: CategoryCounts; unseen: CategoryCounts }>();
  const empty = (): CategoryCounts => ({ top: new Map(), distinct: 0, rows: 0 });
  for (const column of columns) out.set(column.name, { seen: empty(), unseen: empty() });
  // GROUPING() is a bitmask of at most 64 columns: ask in batches of 32.
  for (let start = 0; start < columns.length; start += 32) {
    const batch = columns.slice(start, start + 32);
    const n = batch.length;
    const values = batch.map((c, i) => `${textOf(c)} AS v${i}`).join(', ');
    const names = batch.map((_, i) => `v${i}`).join(', ');
    const sets = batch.map((_, i) => `(v${i})`).join(', ');
    const pairs = batch.flatMap((c, i) =>
      (known?.get(c.name) ?? []).map((v) => `(${2 ** n - 1 - 2 ** (n - 1 - i)}, ${sqlString(v)})`),
    );
    const knownTable =
      pairs.length > 0
        ? `(VALUES ${pairs.join(', ')}) AS k(gid, v)`
        : '(SELECT CAST(NULL AS BIGINT) AS gid, CAST(NULL AS VARCHAR) AS v WHERE false) AS k';
    const rows = await engine.query(`
      WITH g AS (
        SELECT GROUPING(${names}) AS gid, coalesce(${names}) AS v, count(*) AS c
        FROM (SELECT ${values} FROM ${table.sql}) GROUP BY GROUPING SETS (${sets})
      ), m AS (
        SELECT g.gid, g.v, g.c, k.v IS NOT NULL AS seen FROM g LEFT JOIN ${knownTable} ON g.gid = k.gid AND g.v = k.v
        WHERE g.v IS NOT NULL
      ), r AS (
        SELECT gid, v, c, seen, row_number() OVER (PARTITION BY gid, seen ORDER BY c DESC, v) AS rank,
               count(*) OVER (PARTITION BY gid, seen) AS d, sum(c) OVER (PARTITION BY gid, seen) AS total
        FROM m
      )
      SELECT gid::DOUBLE, v, c::DOUBLE, seen, d::DOUBLE, total::DOUBLE FROM r WHERE seen OR rank <= ${cap}`);
    for (const [gid, v, c, seen, d, totalRows] of rows as [
      number,
      string,
      number,
      boolean,
      number,
      number,
    ][]) {
      const i = n - 1 - Math.log2(2 ** n - 1 - gid);
      const counts = out.get(batch[i]!.name)![seen ? 'seen' : 'unseen'];
      counts.top.set(v, c);
      counts.distinct = d;
      counts.rows = totalRows;
    }
  }
  return out;
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
  const scans = await scanColumns(engine, table, columns, {
    numeric: (c) => profile.features[c.name]!.type === 'numeric',
    moments: false,
  });
  const numeric = columns.filter((_, i) => profile.features[names[i]!]!.type === 'numeric');
  // Categories are counted on one connection while the numbers are counted on the other.
  const categorical = columns.filter((c) => profile.features[c.name]!.type === 'categorical');
  const known = new Map(
    categorical.map((c) => [
      c.name,
      Object.keys((profile.features[c.name] as CategoricalProfile).categories),
    ]),
  );
  const grouping = countCategories(engine, table, categorical, options.maxCategories, known);
  grouping.catch(() => undefined);
  const quantiles = await sampleQuantiles(engine, table, numeric);
  const plots = new Map(
    numeric.map((column) => {
      const i = names.indexOf(column.name);
      const reference = profile.features[column.name] as NumericProfile;
      return [column.name, plotEdges(reference, quantiles.get(column.name)!.values, scans[i]!)];
    }),
  );
  const histograms = await countNumeric(engine, table, numeric, profile, plots);
  const groups = await grouping;
  const features: Record<string, CurrentFeature> = {};
  for (const [i, column] of columns.entries()) {
    const reference = profile.features[column.name]!;
    const scan = scans[i]!;
    if (reference.type === 'categorical') {
      const { seen, unseen } = groups.get(column.name)!;
      features[column.name] = {
        type: 'categorical',
        rows: table.rows,
        missing: table.rows - scan.present,
        count: scan.present,
        categories: Object.fromEntries([...seen.top].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        unseen: { rows: unseen.rows, distinct: unseen.distinct, top: Object.fromEntries(unseen.top) },
      };
      continue;
    }
    const { counts, plotCounts } = histograms.get(column.name)!;
    const q = quantiles.get(column.name)!;
    features[column.name] = {
      type: 'numeric',
      rows: table.rows,
      missing: table.rows - scan.present,
      nonFinite: scan.numbers - scan.finite,
      invalid: scan.present - scan.numbers,
      count: scan.finite,
      counts,
      min: scan.min ?? undefined,
      max: scan.max ?? undefined,
      quantiles: q.values,
      quantileSample: q.sample,
      plot: { ...plots.get(column.name)!, counts: plotCounts },
    };
  }
  return { file: table.file, rows: table.rows, features };
}

/**
 * One scan for every numeric feature: DuckDB's histogram(x, boundaries) counts the rows at and between
 * the reference's knots (see atomBoundaries) and per plotting bin, in parallel, in C++.
 */
async function countNumeric(
  engine: Engine,
  table: Table,
  columns: readonly Column[],
  profile: DriftProfile,
  plots: ReadonlyMap<string, { edges: number[]; log: boolean }>,
): Promise<Map<string, { counts: Ecdf; plotCounts: number[] }>> {
  const out = new Map<string, { counts: Ecdf; plotCounts: number[] }>();
  if (columns.length === 0) return out;
  // Exponent notation makes each literal a DOUBLE, parsed to the same bits (a plain 1.5 would be a DECIMAL).
  const list = (values: readonly number[]) =>
    values.length === 0
      ? 'CAST([] AS DOUBLE[])'
      : `CAST([${values.map((v) => v.toExponential()).join(', ')}] AS DOUBLE[])`;
  const parts = columns.flatMap((column, i) => {
    const knots = (profile.features[column.name] as NumericProfile).knots;
    const edges = plots.get(column.name)!.edges;
    return [
      `histogram(x${i}, ${list(atomBoundaries(knots))})`,
      `histogram(x${i}, ${list(edges.slice(1, -1))})`,
    ];
  });
  const inner = columns
    .map((column, i) => `CASE WHEN isfinite(${numberOf(column)}) THEN ${numberOf(column)} END AS x${i}`)
    .join(', ');
  const row = (await engine.query(`SELECT ${parts.join(', ')} FROM (SELECT ${inner} FROM ${table.sql})`))[0]!;
  const asMap = (value: unknown) =>
    new Map(((value as { key: number; value: bigint }[] | null) ?? []).map((e) => [e.key, Number(e.value)]));
  columns.forEach((column, i) => {
    const knots = (profile.features[column.name] as NumericProfile).knots;
    const edges = plots.get(column.name)!.edges;
    const plot = asMap(row[2 * i + 1]);
    const inner = edges.slice(1, -1);
    const plotCounts =
      edges.length < 2 ? [] : [...inner.map((e) => plot.get(e) ?? 0), plot.get(Infinity) ?? 0];
    out.set(column.name, { counts: countsFromHistogram(knots, asMap(row[2 * i])), plotCounts });
  });
  return out;
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

/**
 * The report's value axis: the common range of both distributions between their 0.5th and 99.5th
 * percentiles (the current's 1st and 99th; the tails go to the end bins), in log scale when the data is
 * positive and spans more
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

export async function sha256Files(files: readonly string[]): Promise<string> {
  const hashes: string[] = [];
  for (const file of files) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    hashes.push(hash.digest('hex'));
  }
  return hashes.length === 1 ? hashes[0]! : createHash('sha256').update(hashes.join('\n')).digest('hex');
}
