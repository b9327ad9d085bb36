import { createReadStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { JSONParser } from '@streamparser/json';
import { InputError } from '../errors.js';

export type Row = Record<string, unknown>;

export interface RowSource {
  file: string;
  /** Rows one at a time, so memory stays flat whatever the file size. */
  rows(): AsyncGenerator<Row>;
}

/** A streaming reader for CSV, JSON Lines, JSON arrays or Parquet, chosen by extension. */
export function openRows(file: string, shown: string): RowSource {
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
  const ext = extname(file).toLowerCase();
  const reader = READERS[ext];
  if (!reader)
    throw new InputError(`cannot read ${shown}: unknown data format "${ext || '(none)'}"`, {
      hint: 'use .csv, .jsonl/.ndjson, .json (an array of objects) or .parquet',
    });
  return { file: shown, rows: () => reader(file, shown) };
}

const READERS: Record<string, (file: string, shown: string) => AsyncGenerator<Row>> = {
  '.csv': readCsv,
  '.tsv': readCsv,
  '.jsonl': readJsonl,
  '.ndjson': readJsonl,
  '.json': readJsonArray,
  '.parquet': readParquet,
};

async function* readCsv(file: string, shown: string): AsyncGenerator<Row> {
  const parser = createReadStream(file).pipe(
    parseCsv({
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      delimiter: file.endsWith('.tsv') ? '\t' : ',',
      relax_column_count: true,
    }),
  );
  try {
    for await (const record of parser) yield record as Row;
  } catch (error) {
    throw new InputError(
      `${shown} is not valid CSV: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

async function* readJsonl(file: string, shown: string): AsyncGenerator<Row> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`${shown}:${n}: not a JSON object (JSON Lines needs one object per line)`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InputError(`${shown}:${n}: not a JSON object`);
    yield value as Row;
  }
}

async function* readJsonArray(file: string, shown: string): AsyncGenerator<Row> {
  // A streaming parser that emits each element of the top-level array, never the whole document.
  const parser = new JSONParser({ paths: ['$.*'], keepStack: false });
  const queue: Row[] = [];
  let failure: unknown;
  parser.onValue = ({ value }) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) queue.push(value);
  };
  parser.onError = (error) => {
    failure = error;
  };
  for await (const chunk of createReadStream(file)) {
    try {
      parser.write(chunk as Uint8Array);
    } catch (error) {
      failure = error;
    }
    if (failure) {
      const reason = failure instanceof Error ? failure.message : 'parse error';
      throw new InputError(`${shown} is not a JSON array of objects: ${reason}`);
    }
    while (queue.length > 0) yield queue.shift()!;
  }
}

async function* readParquet(file: string, shown: string): AsyncGenerator<Row> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new InputError(
      `${shown} is not a Parquet file: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  // One row group at a time keeps memory to a row group, not the file.
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = (await parquetReadObjects({
      file: buffer,
      metadata,
      rowStart: start,
      rowEnd: end,
    })) as Row[];
    for (const row of rows) yield row;
    start = end;
  }
}
