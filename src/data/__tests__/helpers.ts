import { readFileSync } from 'node:fs';
import { type DetectedFormat, detectFormat } from '../detect-format.js';
import { parseRows, type RawRow } from '../parse-rows.js';
import { getSchema } from '../schemas.js';
import { type CleanRecord, type RowIssue, validateRow } from '../validate-row.js';

/** Reads a bundled dataset file (relative to the repository's data/ folder). */
export function readData(name: string): Buffer {
  return readFileSync(new URL(`../../../data/${name}`, import.meta.url));
}

/** Yields a buffer in chunks of `size` bytes, to exercise chunk boundaries. */
export async function* chunked(buf: Buffer | string, size = 65536): AsyncGenerator<Buffer> {
  const b = typeof buf === 'string' ? Buffer.from(buf) : buf;
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

/** Parses a whole text/buffer into raw rows. */
export async function allRows(
  text: Buffer | string,
  format: DetectedFormat,
  chunk = 65536,
): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const batch of parseRows(chunked(text, chunk), format)) out.push(...batch);
  return out;
}

/** Detects, parses and validates a whole file. */
export async function loadAll(
  buf: Buffer | string,
): Promise<{ format: DetectedFormat; records: CleanRecord[]; issues: RowIssue[]; total: number }> {
  const head = typeof buf === 'string' ? buf.slice(0, 65536) : buf.subarray(0, 65536);
  const format = detectFormat(head, { schema: 'auto' });
  const schema = getSchema(format.schema);
  const records: CleanRecord[] = [];
  const issues: RowIssue[] = [];
  let total = 0;
  for await (const batch of parseRows(chunked(buf), format)) {
    for (const row of batch) {
      total++;
      const r = validateRow(row, schema);
      if (r.ok) records.push(r.record);
      else issues.push(...r.issues);
    }
  }
  return { format, records, issues, total };
}
