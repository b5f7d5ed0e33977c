/**
 * Bulk insertion of source rows inside an open transaction: multi-row INSERTs through Kysely, or,
 * on SQLite, cached prepared statements on the same (single) connection, which skips Kysely's
 * per-batch query compilation.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { SourceRowsTable } from './dataset-tables.js';

/** Inserts source rows through a transaction that the caller owns. */
export interface SourceRowWriter {
  insert(trx: Transaction<DatabaseSchema>, rows: readonly Insertable<SourceRowsTable>[]): Promise<void>;
}

const COLUMNS = [
  'source_id',
  'row_index',
  'line_no',
  'label',
  'features',
  'species_index',
  'is_duplicate',
  'is_label_conflict',
] as const;

/**
 * Rows per INSERT statement. 8 columns × 500 rows = 4,000 bound values: under SQLite's 32,766
 * limit and MySQL's 65,535 prepared-statement limit, with a packet of ~150 KB.
 */
export const ROWS_PER_INSERT = 500;

/** Multi-row INSERTs built by Kysely: works on every dialect. */
export function kyselyRowWriter(rowsPerInsert = ROWS_PER_INSERT): SourceRowWriter {
  return {
    async insert(trx, rows) {
      for (let start = 0; start < rows.length; start += rowsPerInsert) {
        await trx
          .insertInto('source_rows')
          .values(rows.slice(start, start + rowsPerInsert))
          .execute();
      }
    },
  };
}

/**
 * Prepared multi-row INSERTs on the raw better-sqlite3 handle that Kysely also uses. Only valid while
 * the caller holds Kysely's transaction on that handle: SQLite has one connection, so these
 * statements run inside it.
 */
export function sqliteRowWriter(
  handle: BetterSqlite3.Database,
  rowsPerInsert = ROWS_PER_INSERT,
): SourceRowWriter {
  const statements = new Map<number, BetterSqlite3.Statement>();
  const statementFor = (n: number): BetterSqlite3.Statement => {
    let statement = statements.get(n);
    if (statement === undefined) {
      const tuple = `(${COLUMNS.map(() => '?').join(',')})`;
      const values = new Array<string>(n).fill(tuple).join(',');
      statement = handle.prepare(`insert into source_rows (${COLUMNS.join(',')}) values ${values}`);
      statements.set(n, statement);
    }
    return statement;
  };
  return {
    async insert(_trx, rows) {
      const params: unknown[] = [];
      for (let start = 0; start < rows.length; start += rowsPerInsert) {
        const end = Math.min(start + rowsPerInsert, rows.length);
        params.length = 0;
        for (let i = start; i < end; i++) {
          const r = rows[i];
          params.push(
            r.source_id,
            r.row_index,
            r.line_no,
            r.label,
            r.features,
            r.species_index ?? null,
            r.is_duplicate,
            r.is_label_conflict,
          );
        }
        statementFor(end - start).run(params);
      }
    },
  };
}
