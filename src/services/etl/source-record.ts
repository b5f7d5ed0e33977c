import type { DatasetSchema } from '../../data/index.js';
import type { SourceRow } from '../../storage/index.js';

/** A stored row's values keyed by feature name, missing values left out (a request body for the API). */
export function sourceRecord(schema: DatasetSchema, row: SourceRow): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  schema.features.forEach((f, j) => {
    const v = row.features[j];
    if (v !== null && v !== undefined) record[f.name] = v;
  });
  return record;
}
