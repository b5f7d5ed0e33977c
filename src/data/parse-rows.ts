/**
 * Streaming parse of a dataset file into batches of raw rows, with flat memory: chunks are fed to
 * csv-parse one at a time and rows leave in batches, so the file is never held whole.
 */
import { type CsvError, parse } from 'csv-parse';
import { SporeprintError } from '../core/index.js';
import type { DetectedFormat } from './detect-format.js';
import { getSchema, schemaColumns } from './schemas.js';

/** One data row as read from the file, before validation. */
export interface RawRow {
  /** 0-based data-row index (header excluded), counting every data row, valid or not. */
  readonly index: number;
  /** 1-based physical line number in the file. */
  readonly line: number;
  /** The fields as read, in schema column order (`class` first) when the header order differs. */
  readonly fields: string[];
}

/** Options of {@link parseRows}. */
export interface ParseOptions {
  /** Rows per yielded batch (default 1000). */
  readonly batchSize?: number;
}

/**
 * Parses a delimited dataset stream into batches of {@link RawRow}s. Empty lines are skipped but
 * still counted in line numbers; short and long rows are passed on for validation to report. When
 * the header lists the schema's columns in another order, fields are reordered to schema order.
 *
 * @example
 * for await (const batch of parseRows(fileChunks, format)) for (const row of batch) validateRow(row, schema);
 * @throws SporeprintError `SP_ERR_INPUT_PARSE` when the text cannot be parsed (e.g. an unclosed quote).
 */
export async function* parseRows(
  chunks: AsyncIterable<Buffer | string>,
  format: DetectedFormat,
  options: ParseOptions = {},
): AsyncGenerator<RawRow[]> {
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  const permutation = columnPermutation(format);
  // Empty lines are not skipped by csv-parse but here, so that line numbers can be counted without
  // its (costly) per-record info objects: every record spans 1 line plus the newlines inside its fields.
  const parser = parse({
    delimiter: format.delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
  });
  let pending: string[][] = [];
  let failure: unknown = null;
  let ended = false;
  parser.on('data', (rec: string[]) => {
    pending.push(rec);
  });
  parser.on('error', (e: unknown) => {
    failure ??= e;
  });
  const done = new Promise<void>((resolve) => {
    parser.on('end', () => {
      ended = true;
      resolve();
    });
    parser.on('close', () => resolve());
  });
  let index = 0;
  let line = 1;
  let headerSeen = !format.hasHeader;
  const batch: RawRow[] = [];
  const take = (): void => {
    const recs = pending;
    pending = [];
    for (const rec of recs) {
      const at = line;
      line += 1 + newlinesIn(rec);
      if (rec.length === 1 && rec[0].trim() === '') continue; // empty line
      if (!headerSeen) {
        headerSeen = true;
        continue;
      }
      const fields = permutation && rec.length === permutation.length ? permute(rec, permutation) : rec;
      batch.push({ index: index++, line: at, fields });
    }
  };
  try {
    for await (const chunk of chunks) {
      if (!parser.write(chunk)) await waitDrain(parser);
      if (failure !== null) break;
      take();
      while (batch.length >= batchSize) yield batch.splice(0, batchSize);
    }
    if (failure === null) {
      parser.end();
      await done;
    }
    if (failure !== null) throw failure;
    if (!ended)
      throw new SporeprintError('SP_ERR_INPUT_PARSE', 'the file cannot be parsed: the parser stopped early');
    take();
    while (batch.length > 0) yield batch.splice(0, batchSize);
  } catch (e) {
    if (isCsvError(e)) {
      throw new SporeprintError('SP_ERR_INPUT_PARSE', `the file cannot be parsed: ${e.message}`, {
        csvCode: e.code,
        line: e.lines,
      });
    }
    throw e;
  } finally {
    parser.removeAllListeners('data');
    if (!ended) parser.destroy();
  }
}

function waitDrain(parser: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      parser.off('drain', finish);
      parser.off('error', finish);
      parser.off('close', finish);
      resolve();
    };
    parser.on('drain', finish);
    parser.on('error', finish);
    parser.on('close', finish);
  });
}

/** Number of newlines inside the fields of a record (quoted fields may span lines). */
function newlinesIn(rec: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < rec.length; i++) {
    const f = rec[i];
    if (f.length > 0 && f.indexOf('\n') >= 0)
      for (let k = 0; k < f.length; k++) if (f.charCodeAt(k) === 10) n++;
  }
  return n;
}

function isCsvError(e: unknown): e is CsvError & { lines?: number } {
  if (!(e instanceof Error)) return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('CSV_');
}

/** For each schema column, the position of that column in the file; null when already in order. */
function columnPermutation(format: DetectedFormat): Int32Array | null {
  if (!format.hasHeader) return null;
  const expected = schemaColumns(getSchema(format.schema));
  if (expected.length !== format.columns.length) return null;
  let same = true;
  const perm = new Int32Array(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const at = format.columns.indexOf(expected[i]);
    if (at < 0) return null;
    perm[i] = at;
    if (at !== i) same = false;
  }
  return same ? null : perm;
}

function permute(fields: readonly string[], perm: Int32Array): string[] {
  const out = new Array<string>(perm.length);
  for (let i = 0; i < perm.length; i++) out[i] = fields[perm[i]];
  return out;
}
