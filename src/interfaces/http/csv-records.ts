import { parse as parseCsv } from 'csv-parse/sync';
import { isSporeprintError, SporeprintError } from '../../core/index.js';
import type { DatasetSchema } from '../../data/index.js';
import { validationError } from './errors.js';
import { cut } from './validation/problems.js';

/** Records read from a CSV upload, and what was ignored. */
export interface CsvRecords {
  readonly records: Record<string, string | number>[];
  /** Warnings for the whole upload (e.g. a `class` column ignored). */
  readonly warnings: string[];
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Reads a CSV upload (a header row of feature names, `;` or `,`) into mushroom records, normalised
 * the way the JSON schema expects them: empty cells left out (missing), cells of numeric features as
 * numbers when they are numbers (otherwise kept as text, which the schema then reports). A `class`
 * column is ignored with a warning (labels go to `POST /v1/feedback`). Refused before any row is
 * read: a header naming an unknown column (422). Unclosed quotes, ragged rows and binary bodies are
 * 400s; more than `maxRecords` rows a 422 (parsing stops there).
 */
export function csvRecords(text: string, schema: DatasetSchema, maxRecords: number): CsvRecords {
  if (text.includes('\u0000')) {
    throw new SporeprintError(
      'SP_ERR_BAD_REQUEST',
      'CSV body cannot be parsed: it holds binary data (NUL bytes)',
    );
  }
  const nl = text.indexOf('\n');
  const firstLine = text.slice(0, nl >= 0 ? nl : text.length);
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const numeric = new Set(schema.features.filter((f) => f.kind === 'numeric').map((f) => f.name));
  const known = new Set(schema.features.map((f) => f.name));
  const warnings: string[] = [];
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, {
      columns: (header: string[]) => {
        const unknown = header.filter((h) => h !== 'class' && !known.has(h));
        if (unknown.length > 0) {
          throw validationError(
            `CSV header: unknown column(s) ${unknown
              .slice(0, 5)
              .map((u) => `'${cut(u)}'`)
              .join(', ')}; the ${schema.name} schema has: ${[...known].join(', ')}`,
            unknown.map((u) => ({
              field: cut(u, 64),
              problem: 'unknown_field' as const,
              message: `unknown CSV column '${cut(u, 64)}'`,
            })),
          );
        }
        if (header.includes('class')) {
          warnings.push(
            "column 'class' ignored: labels are not used to predict; send them to POST /v1/feedback",
          );
        }
        return header;
      },
      delimiter,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      to: maxRecords + 1,
    }) as Record<string, string>[];
  } catch (e) {
    if (isSporeprintError(e)) throw e;
    throw new SporeprintError(
      'SP_ERR_BAD_REQUEST',
      `CSV body cannot be parsed: ${cut((e as Error).message, 200)}`,
    );
  }
  if (rows.length > maxRecords) {
    throw validationError(`a request holds at most ${maxRecords} records; this CSV has more`, [
      { field: '(body)', problem: 'too_many', message: `at most ${maxRecords} rows` },
    ]);
  }
  const records = rows.map((r) => {
    const out: Record<string, string | number> = {};
    for (const key in r) {
      const cell = r[key];
      if (cell === '' || key === 'class') continue;
      out[key] = numeric.has(key) && NUMBER.test(cell) ? Number(cell) : cell;
    }
    return out;
  });
  return { records, warnings };
}
