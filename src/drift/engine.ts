import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { InputError, UsageError } from '../errors.js';

/**
 * The analytical engine under `mlready drift`: an embedded DuckDB (docs/drift.md, "Engine", has the
 * numbers that chose it). Data files load into a DuckDB database in a private temporary directory;
 * DuckDB's buffer pool stays within `memoryLimit` and spills to that directory beyond it, so memory
 * is bounded whatever the file size. Nothing here prints or exits.
 */
export interface EngineOptions {
  /** DuckDB's memory_limit, e.g. "512MB" (default DEFAULT_MEMORY_LIMIT). */
  memoryLimit?: string | undefined;
  /** Worker threads (default: the machine's cores). */
  threads?: number | undefined;
}

export const DEFAULT_MEMORY_LIMIT = '512MB';
const MIN_MEMORY_MB = 128;

export interface Column {
  name: string;
  /** DuckDB's type name: DOUBLE, BIGINT, VARCHAR, TIMESTAMP, … */
  type: string;
}

export interface Table {
  /** The table's SQL name (already quoted). */
  sql: string;
  /** The data file(s) as the user named them. */
  file: string;
  rows: number;
  columns: Column[];
}

/** The data formats DuckDB reads, by file extension. */
export const DATA_FORMATS = ['.csv', '.tsv', '.jsonl', '.ndjson', '.json', '.parquet'] as const;

/**
 * Cells that mean "no value", compared case-insensitively after trimming (also for JSON and Parquet text).
 */
export const MISSING_TOKENS = ['', 'na', 'n/a', 'nan', 'null', 'none', 'nil'] as const;

export class Engine {
  private tables = 0;
  private readonly idle: DuckDBConnection[];
  private readonly waiting: ((connection: DuckDBConnection) => void)[] = [];
  /** Work on a connection not yet settled: close() waits for it (see there). */
  private readonly running = new Set<Promise<unknown>>();
  private closing = false;

  /**
   * Two connections: queries issued together run side by side, so a query whose rows stream into
   * JavaScript (one core) overlaps with DuckDB's parallel work on another (loading, scanning).
   */
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connections: DuckDBConnection[],
    private readonly dir: string,
    private readonly memoryLimit: string,
  ) {
    this.idle = [...connections];
  }

  private async withConnection<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection =
      this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    const work = (async () => {
      if (this.closing) throw new Error('the drift engine is closed');
      return use(connection);
    })();
    this.running.add(work);
    try {
      return await work;
    } finally {
      this.running.delete(work);
      const next = this.waiting.shift();
      if (next) next(connection);
      else this.idle.push(connection);
    }
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    const size = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(memoryLimit);
    if (!size) throw new UsageError(`--memory-limit must be a size like 512MB or 2GB, got "${memoryLimit}"`);
    const unit = size[2]!.toUpperCase().replace('I', '');
    const megabytes = Number(size[1]) * { KB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 }[unit]!;
    // Below this DuckDB cannot hold the CSV reader's buffers of two threads.
    if (megabytes < MIN_MEMORY_MB)
      throw new UsageError(`--memory-limit must be at least ${MIN_MEMORY_MB}MB, got ${memoryLimit}`);
    // Lazy: only drift loads the native engine.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const dir = mkdtempSync(join(tmpdir(), 'mlready-drift-'));
    try {
      // In memory, spilling to `dir` beyond the limit: faster than a database file, equally bounded.
      const instance = await DuckDBInstance.create(':memory:', {
        memory_limit: memoryLimit,
        threads: String(options.threads ?? availableParallelism()),
        temp_directory: join(dir, 'spill'),
        preserve_insertion_order: 'false',
        enable_external_access: 'true',
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
      });
      const connections = [await instance.connect(), await instance.connect()];
      return new Engine(instance, connections, dir, memoryLimit);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new UsageError(`cannot start the drift engine: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Rows of a query as plain JS values (cast counts to DOUBLE in SQL to get numbers). */
  async query(sql: string): Promise<unknown[][]> {
    try {
      return await this.withConnection(async (c) => (await c.runAndReadAll(sql)).getRowsJS());
    } catch (error) {
      throw this.limitError(error);
    }
  }

  /** DuckDB out of its memory limit is a limit the user can raise, not a bug. */
  private limitError(error: unknown): unknown {
    if (!/Out of Memory/i.test(messageOf(error))) return error;
    return new UsageError(`the drift engine needs more than its memory limit (${this.memoryLimit})`, {
      hint: 'raise --memory-limit, or leave identifier-like columns out with --features',
      cause: error,
    });
  }

  /**
   * Streams a query of two DOUBLE columns chunk by chunk (2 048 rows each), so memory holds one chunk
   * however many rows the query returns.
   */
  async forEachPair(sql: string, visit: (a: number, b: number) => void): Promise<void> {
    try {
      await this.withConnection(async (connection) => {
        const result = await connection.stream(sql);
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const first = chunk.getColumnVector(0);
          const second = chunk.getColumnVector(1);
          for (let i = 0; i < chunk.rowCount; i++)
            visit(first.getItem(i) as number, second.getItem(i) as number);
        }
      });
    } catch (error) {
      throw this.limitError(error);
    }
  }

  async run(sql: string): Promise<void> {
    await this.withConnection((c) => c.run(sql));
  }

  /** Loads data files (all of one format) into a new table; errors name the file and line. */
  async load(files: readonly string[], shown: string): Promise<Table> {
    for (const file of files) checkReadable(file, files.length === 1 ? shown : file);
    const ext = extname(files[0]!).toLowerCase();
    if (!(DATA_FORMATS as readonly string[]).includes(ext))
      throw new InputError(`cannot read ${shown}: unknown data format "${ext || '(none)'}"`, {
        hint: 'use .csv, .tsv, .jsonl/.ndjson, .json (an array of objects) or .parquet',
      });
    if (files.some((f) => extname(f).toLowerCase() !== ext))
      throw new InputError(`${shown}: all files of one profile must have the same format`);
    const name = ident(`t${this.tables++}`);
    const list = `[${files.map(sqlString).join(', ')}]`;
    const create = (source: string) => `CREATE OR REPLACE TABLE ${name} AS SELECT * FROM ${source}`;
    try {
      if (ext === '.csv' || ext === '.tsv')
        await this.loadCsv(create, files, list, ext === '.tsv' ? '\t' : ',');
      else if (ext === '.parquet') await this.run(create(`read_parquet(${list}, union_by_name = true)`));
      else await this.loadJson(create, list, ext === '.json' ? 'array' : 'newline_delimited');
    } catch (error) {
      const limit = this.limitError(error);
      if (limit !== error) throw limit;
      if (ext !== '.json' && ext.endsWith('json') && files.length === 1) {
        const bad = await firstBadJsonLine(files[0]!);
        if (bad) throw new InputError(bad.reason, { file: shown, line: bad.line, cause: error });
      }
      throw inputErrorOf(error, files, shown);
    }
    const columns = (
      await this.query(
        `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ${sqlString(name.slice(1, -1))} ORDER BY column_index`,
      )
    ).map(([columnName, type]) => ({ name: String(columnName), type: String(type) }));
    const rows = Number((await this.query(`SELECT count(*)::DOUBLE FROM ${name}`))[0]![0]);
    return { sql: name, file: shown, rows, columns };
  }

  async drop(table: Table): Promise<void> {
    await this.run(`DROP TABLE IF EXISTS ${table.sql}`);
  }

  /**
   * Interrupts what still runs, waits for it to settle, then closes. A query left running on a
   * libuv thread while the instance is destroyed crashes the whole process (SIGSEGV in DuckDB's
   * ClientContext): that happened when the reference failed to load while the current data was
   * still loading beside it, about one run in three of the drift test files.
   */
  async close(): Promise<void> {
    this.closing = true;
    try {
      for (const connection of this.connections) connection.interrupt();
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      for (const connection of this.connections) connection.closeSync();
      this.instance.closeSync();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /**
   * CSV with a header row, RFC 4180 quoting and strict column counts (a ragged row is an error with
   * its line). Types are sniffed from a sample; a column whose later values do not fit its sniffed type
   * is read again as text (the drift rules then decide whether it is numeric).
   */
  private async loadCsv(
    create: (source: string) => string,
    files: readonly string[],
    list: string,
    delimiter: string,
  ): Promise<void> {
    const nulls = `[${missingVariants().map(sqlString).join(', ')}]`;
    const base = `${list}, delim = ${sqlString(delimiter)}, header = true, quote = '"', escape = '"', strict_mode = true, nullstr = ${nulls}, union_by_name = ${files.length > 1}`;
    const text = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const types =
        text.size === 0 ? '' : `, types = {${[...text].map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
      try {
        await this.run(create(`read_csv(${base}${types})`));
        return;
      } catch (error) {
        const message = messageOf(error);
        const column = /Error when converting column "((?:[^"]|"")*)"/.exec(message)?.[1];
        if (column !== undefined && attempt < 64 && !text.has(column)) {
          text.add(column.replace(/""/g, '"'));
          continue;
        }
        if (
          /not possible to automatically detect the CSV|sniffing file/i.test(message) &&
          files.length === 1
        ) {
          // The sniffer gives up on ragged files; read with the header's columns to find the bad line.
          const header = await this.csvHeader(files[0]!, delimiter);
          const columns = `{${header.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
          await this.run(create(`read_csv(${base}, auto_detect = false, columns = ${columns})`));
          return;
        }
        throw error;
      }
    }
  }

  private async csvHeader(file: string, delimiter: string): Promise<string[]> {
    const rows = await this.query(
      `SELECT * FROM read_csv(${sqlString(file)}, delim = ${sqlString(delimiter)}, header = false, quote = '"', escape = '"', all_varchar = true, strict_mode = false, null_padding = true) LIMIT 1`,
    );
    const seen = new Map<string, number>();
    return (rows[0] ?? []).map((cell, i) => {
      const base = typeof cell === 'string' && cell !== '' ? cell : `column${i}`;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      return count === 0 ? base : `${base}_${count}`;
    });
  }

  private async loadJson(create: (source: string) => string, list: string, format: string): Promise<void> {
    const source = (extra: string) =>
      `read_json(${list}, format = ${sqlString(format)}, union_by_name = true${extra})`;
    try {
      await this.run(create(source('')));
    } catch (error) {
      // Types sniffed from the first rows can meet a later value of another type: sniff them all.
      if (!/convert|Could not parse|type/i.test(messageOf(error))) throw error;
      await this.run(create(source(', sample_size = -1')));
    }
  }
}

/** One quoting function per target language: SQL identifiers. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** One quoting function per target language: SQL string literals. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The spellings of the missing tokens a CSV reader compares exactly (lower, upper and title case). */
function missingVariants(): string[] {
  const out = new Set<string>();
  for (const token of MISSING_TOKENS) {
    out.add(token);
    out.add(token.toUpperCase());
    out.add(token.charAt(0).toUpperCase() + token.slice(1));
  }
  out.add('NaN');
  return [...out];
}

/** DuckDB's JSON line numbers are off; on the error path, find the first line that is not a JSON object. */
async function firstBadJsonLine(file: string): Promise<{ line: number; reason: string } | undefined> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      lines.close();
      return { line: n, reason: 'not a JSON object (JSON Lines needs one object per line)' };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      lines.close();
      return { line: n, reason: 'not a JSON object' };
    }
  }
  return undefined;
}

function checkReadable(file: string, shown: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `no such file: ${shown}` : `cannot read ${shown}: ${code ?? String(error)}`,
      { cause: error },
    );
  }
  if (size === 0) throw new InputError(`${shown} is empty: no rows to compare`);
  if (looksBinary(file, extname(file).toLowerCase()))
    throw new InputError(`${shown} is not a text file (it holds binary data)`, {
      hint: 'drift reads CSV, TSV, JSON Lines, JSON arrays (UTF-8 text) and Parquet',
    });
}

/**
 * A NUL byte in the first 4 KiB of a text format means binary data (or UTF-16, which DuckDB does not read).
 */
function looksBinary(file: string, ext: string): boolean {
  if (ext === '.parquet') return false;
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).includes(0);
  } finally {
    closeSync(fd);
  }
}

/** A DuckDB error about an input file, as the user's error: file, line, the reason, no internals. */
function inputErrorOf(error: unknown, files: readonly string[], shown: string): InputError {
  let message = messageOf(error);
  for (const file of files) message = message.split(file).join(files.length === 1 ? shown : file);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const where = { file: shown, ...(line ? { line: Number(line) } : {}) };
  const json = /Malformed JSON[^:]*: ([^\n]*)/.exec(message)?.[1];
  if (json)
    return new InputError(`not valid JSON: ${json.trim().replace(/\.$/, '')}`, { ...where, cause: error });
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns)
    return new InputError(`ragged row: expected ${columns[1]} columns, found ${columns[2]}`, {
      ...where,
      hint: 'every row needs as many fields as the header; quote fields that contain the delimiter',
      cause: error,
    });
  if (/Invalid unicode|byte sequence/i.test(message))
    return new InputError('not UTF-8 text', { ...where, hint: 'convert the file to UTF-8', cause: error });
  const reason =
    message
      .split('\n')
      .map((s) => s.trim())
      .find(
        (s) =>
          s !== '' &&
          !/^(Invalid Input|Conversion|IO|Parser) Error:?$/.test(s) &&
          !/^CSV Error on Line/.test(s),
      ) ?? 'unreadable';
  const format = extname(files[0]!).toLowerCase().slice(1).toUpperCase();
  return new InputError(`not valid ${format}: ${reason.replace(/^[A-Za-z ]+ Error: /, '')}`, {
    ...where,
    cause: error,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
