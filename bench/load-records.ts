import { createReadStream, readFileSync } from 'node:fs';
import {
  type CleanRecord,
  type DatasetSchema,
  detectFormat,
  getSchema,
  parseRows,
  validateRow,
} from '../src/data/index.js';

/**
 * The valid records of a dataset file through src/data (detectFormat, parseRows, validateRow), with
 * the schema it was read with (`schema`, or detected) and how many rows failed validation.
 */
export async function loadRecords(
  source: string,
  schemaName: 'auto' | 'secondary' | 'classic' = 'auto',
): Promise<{ records: CleanRecord[]; schema: DatasetSchema; invalid: number }> {
  const format = detectFormat(readFileSync(source).subarray(0, 65536), { schema: schemaName });
  const schema = getSchema(format.schema);
  const records: CleanRecord[] = [];
  let invalid = 0;
  for await (const batch of parseRows(createReadStream(source), format)) {
    for (const row of batch) {
      const r = validateRow(row, schema);
      if (r.ok) records.push(r.record);
      else invalid++;
    }
  }
  return { records, schema, invalid };
}
