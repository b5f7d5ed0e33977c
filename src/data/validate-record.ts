/**
 * Validation of a record given as an object keyed by feature name (a logged prediction's input)
 * against a dataset schema: the object becomes the row a file would hold and goes through
 * {@link validateRow}, so it is cleaned and refused exactly as a row of a file would be.
 */
import type { DatasetSchema } from './schemas.js';
import { type RowIssue, type RowResult, validateRow } from './validate-row.js';

/** Where the record sits among the records of its source: 0-based index and 1-based position. */
export interface RecordPosition {
  readonly index: number;
  readonly line: number;
}

/**
 * Validates `record` (parsed JSON: an object of feature name → code, number or null; absent features
 * are missing) with class `label` against `schema`. Unknown fields, nested values and values of the
 * wrong kind are issues named by field, as are the codes and ranges {@link validateRow} checks.
 *
 * @example
 * validateRecord({ 'cap-diameter': 15.26, 'cap-shape': 'x' }, 'p', SECONDARY_SCHEMA, { index: 0, line: 1 });
 */
export function validateRecord(
  record: unknown,
  label: 'e' | 'p',
  schema: DatasetSchema,
  at: RecordPosition,
): RowResult {
  const issue = (column: string | null, value: string | null, reason: string): RowIssue => ({
    index: at.index,
    line: at.line,
    column,
    value,
    reason,
  });
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    const kind = record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record;
    return { ok: false, issues: [issue(null, null, `the record is ${kind}, not an object of features`)] };
  }
  const values = record as Record<string, unknown>;
  const known = new Set(schema.features.map((f) => f.name));
  const issues: RowIssue[] = [];
  for (const [name, v] of Object.entries(values)) {
    if (!known.has(name)) {
      issues.push(issue(name, cell(v), `unknown field '${name}' for the ${schema.name} schema`));
    }
  }
  const missing = schema.missingMarkers[0] ?? '';
  const fields = [label as string];
  for (const f of schema.features) {
    const v = values[f.name];
    if (v === undefined || v === null) fields.push(missing);
    else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) fields.push(String(v));
    else {
      issues.push(issue(f.name, cell(v), `${f.name} must be a code, a number or null, not ${typeof v}`));
      fields.push(missing);
    }
  }
  const result = validateRow({ index: at.index, line: at.line, fields }, schema);
  if (issues.length === 0) return result;
  return { ok: false, issues: result.ok ? issues : [...issues, ...result.issues] };
}

/** A value as a quarantine cell (JSON text for what is not a string), cut to 200 characters. */
function cell(v: unknown): string | null {
  if (v === undefined) return null;
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
