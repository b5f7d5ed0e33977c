/**
 * Bulk insertion of prediction rows: multi-row INSERTs with bound parameters. On SQLite, cached
 * prepared statements on the storage's connection (`commitSync`, used for in-memory databases; a file
 * database's log commits on its writer thread, `sqlite-log-worker.ts`); on MySQL/MariaDB, a whole
 * transaction in as few round trips as it allows (`commitAsync`, `mysql-prediction-writer.ts`).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import {
  type CountedRow,
  FeatureCounts,
  type InputFeatures,
  labelCountsSql,
  upsertBatches,
  upsertCountsSql,
} from '../monitoring/feature-counts.js';
import { NOVELTY_MARKER } from '../monitoring/novelty-marker.js';
import type { PredictionsTable } from './prediction-tables.js';

/** Commits prediction rows, each batch in one transaction, the way its backend does best. */
export interface PredictionRowWriter {
  /**
   * SQLite only: one whole write transaction, run synchronously on the raw handle: `BEGIN IMMEDIATE`,
   * the INSERTs, `COMMIT`, or `ROLLBACK` on any error (all or nothing). SQLite's busy handler is off
   * meanwhile, so a write lock held by another connection fails at once with `SQLITE_BUSY` instead of
   * blocking the event loop (the caller retries). The caller must own the connection (Kysely's mutex,
   * see `syncWriteTransaction`); it throws when a transaction is already open on it.
   */
  commitSync?(rows: readonly Insertable<PredictionsTable>[]): void;
  /**
   * MySQL/MariaDB only: one whole transaction on a connection of the log's own (`start transaction`,
   * the INSERTs, the roll-up upserts, `commit`, or `rollback` on any error): a batch of single
   * predictions in one round trip, the big INSERTs as prepared statements. `rendered` and `features`
   * (index by index with `rows`, either may be absent for any row): the rows' SQL rendered ahead
   * (see `renderRow`), and their inputs as named values, which the roll-up counts instead of parsing
   * the input's text.
   */
  commitAsync?(
    rows: readonly Insertable<PredictionsTable>[],
    rendered?: readonly (string | undefined)[],
    features?: readonly (InputFeatures | undefined)[],
  ): Promise<void>;
  /**
   * MySQL/MariaDB only: `row` as `commitAsync` sends it (its SQL values tuple), for a caller that
   * renders rows ahead of their commit and passes them as `rendered` (index by index with `rows`).
   */
  renderRow?(row: Insertable<PredictionsTable>): string;
  /**
   * MySQL/MariaDB only: runs statements (the batch journal's) in one transaction on a pooled
   * connection of its own, through the binary protocol: a journal entry's MB of text travel as they
   * are, not escaped into the SQL text (here 25 ms for 5.5 MB, against 150 ms as text).
   */
  execAsync?(
    statements: readonly { sql: string; params: readonly (string | number | null)[] }[],
  ): Promise<void>;
}

/** Columns of `predictions`, in the order the writers bind them. */
export const PREDICTION_COLUMNS: readonly string[] = [
  'id',
  'created_at',
  'model_name',
  'model_version',
  'arm',
  'experiment_id',
  'client_id',
  'shadow_of',
  'input',
  'output',
  'decision',
  'probability',
  'latency_us',
  'request_kind',
];

/**
 * Rows per INSERT statement. 14 columns × 500 rows = 7,000 bound values: under SQLite's 32,766 limit;
 * on MySQL (client-side interpolation) a packet of ~1 MB for 2 KB rows, under the 16 MB default
 * `max_allowed_packet`.
 */
export const PREDICTIONS_PER_INSERT = 500;

/** Prepared statements kept per row count (the group-commit log produces batches of varying size). */
export const CACHED_STATEMENTS = 64;

/** The multi-row INSERT of prediction rows: this head, then one {@link PREDICTION_TUPLE} per row, comma-separated. */
export const INSERT_PREDICTIONS_HEAD = `insert into predictions (${PREDICTION_COLUMNS.join(',')}) values `;
/** One row's `?` parameters, in {@link PREDICTION_COLUMNS} order. */
export const PREDICTION_TUPLE = `(${PREDICTION_COLUMNS.map(() => '?').join(',')})`;

/** The multi-row INSERT of `n` prediction rows, with a `?` parameter per value, in {@link PREDICTION_COLUMNS} order. */
export function insertPredictionsSql(n: number): string {
  return INSERT_PREDICTIONS_HEAD + new Array<string>(n).fill(PREDICTION_TUPLE).join(',');
}

/** `make(insertPredictionsSql(n))` per row count `n`, the most recent {@link CACHED_STATEMENTS} kept. */
function perRowCount<T>(make: (sql: string) => T): (n: number) => T {
  const cache = new Map<number, T>();
  return (n) => {
    let value = cache.get(n);
    if (value === undefined) {
      if (cache.size >= CACHED_STATEMENTS) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      value = make(insertPredictionsSql(n));
      cache.set(n, value);
    }
    return value;
  };
}

/**
 * The shadow rows of a batch, by the answered prediction they shadow: a shadow row takes the true label
 * of its answered prediction (`true_label`, migration 0007). Feedback usually arrives long after, and
 * its transaction labels the shadow rows then; when it came first, the writer copies it as it inserts.
 */
export function shadowRowsByAnswered(rows: readonly Insertable<PredictionsTable>[]): Map<string, string[]> {
  const byAnswered = new Map<string, string[]>();
  for (const r of rows) {
    if (r.shadow_of == null) continue;
    const ids = byAnswered.get(r.shadow_of);
    if (ids === undefined) byAnswered.set(r.shadow_of, [r.id]);
    else ids.push(r.id);
  }
  return byAnswered;
}

/** `n` comma-separated `?` parameters. */
export function questionMarks(n: number): string {
  return new Array<string>(n).fill('?').join(',');
}

/** Feedback labels looked up per statement when labelling shadow rows. */
export const LABEL_LOOKUPS_PER_SELECT = 500;

/** Appends the values of `r` in {@link PREDICTION_COLUMNS} order. */
export function pushRow(params: unknown[], r: Insertable<PredictionsTable>): void {
  params.push(
    r.id,
    r.created_at,
    r.model_name,
    r.model_version,
    r.arm ?? null,
    r.experiment_id ?? null,
    r.client_id ?? null,
    r.shadow_of ?? null,
    r.input,
    r.output,
    r.decision,
    r.probability,
    r.latency_us,
    r.request_kind,
  );
}

/**
 * Prepared multi-row INSERTs on the raw better-sqlite3 handle that Kysely also uses. Only valid while
 * the caller holds a write transaction on that handle: SQLite has one connection, so these statements
 * run inside it. Statements are cached per row count, the oldest evicted first.
 */
export function sqlitePredictionWriter(
  handle: BetterSqlite3.Database,
  rowsPerInsert = PREDICTIONS_PER_INSERT,
  busyTimeoutMs = 5000,
): PredictionRowWriter {
  const statementFor = perRowCount((sql) => handle.prepare(sql));
  const insertAll = (rows: readonly Insertable<PredictionsTable>[]): void => {
    const params: unknown[] = [];
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      const end = Math.min(start + rowsPerInsert, rows.length);
      params.length = 0;
      for (let i = start; i < end; i++) pushRow(params, rows[i]);
      statementFor(end - start).run(params);
    }
    // inside the transaction: SQLite runs one write transaction at a time, so what it reads is final
    const shadows = shadowRowsByAnswered(rows);
    for (const answered of lookupGroups(shadows)) {
      const found = handle
        .prepare(
          `select prediction_id, true_label from feedback where prediction_id in (${questionMarks(answered.length)})`,
        )
        .all(...answered) as LabelRow[];
      for (const u of labelUpdates(shadows, found)) {
        handle
          .prepare(`update predictions set true_label = ? where id in (${questionMarks(u.ids.length)})`)
          .run(u.label, ...u.ids);
        handle.prepare(labelCountsSql('sqlite', u.ids.length, 1)).run(u.label, ...u.ids);
      }
    }
    for (const b of upsertBatches(countRows(rows)))
      handle.prepare(upsertCountsSql(b.rows, 'sqlite')).run(b.params);
  };
  // Prepared once: better-sqlite3 caches BEGIN IMMEDIATE / COMMIT / ROLLBACK of a transaction function.
  const transaction = handle.transaction(insertAll);
  const busyOff = handle.prepare('pragma busy_timeout = 0');
  const busyOn = handle.prepare(`pragma busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  return {
    commitSync(rows) {
      // A nested call would become a SAVEPOINT of someone else's transaction: never commit that way.
      if (handle.inTransaction) throw new Error('A transaction is already open on the SQLite connection');
      busyOff.run();
      try {
        transaction.immediate(rows);
      } finally {
        busyOn.run();
      }
    },
  };
}

/** A feedback label of an answered prediction. */
export interface LabelRow {
  readonly prediction_id: string;
  readonly true_label: string;
}

/** The answered ids to look feedback up for, in groups of {@link LABEL_LOOKUPS_PER_SELECT}. */
export function lookupGroups(shadows: ReadonlyMap<string, readonly string[]>): string[][] {
  const answered = [...shadows.keys()];
  const groups: string[][] = [];
  for (let i = 0; i < answered.length; i += LABEL_LOOKUPS_PER_SELECT) {
    groups.push(answered.slice(i, i + LABEL_LOOKUPS_PER_SELECT));
  }
  return groups;
}

/** The shadow rows (ids) each found label goes onto. */
export function labelUpdates(
  shadows: ReadonlyMap<string, readonly string[]>,
  found: readonly LabelRow[],
): Array<{ label: string; ids: string[] }> {
  const updates: Array<{ label: string; ids: string[] }> = [];
  for (const f of found) {
    const ids = shadows.get(f.prediction_id);
    if (ids !== undefined) updates.push({ label: f.true_label, ids: [...ids] });
  }
  return updates;
}

/**
 * The monitoring roll-up of `rows` (storage/monitoring/feature-counts.ts); a row with `features` (index
 * by index) is counted from them, not from its input's text.
 */
export function countRows(
  rows: readonly Insertable<PredictionsTable>[],
  features?: readonly (InputFeatures | undefined)[],
): FeatureCounts {
  const counts = new FeatureCounts();
  for (let i = 0; i < rows.length; i++) {
    const f = features?.[i];
    if (f === undefined) counts.add(countedRow(rows[i]), NOVELTY_MARKER);
    else counts.addFeatures(countedRow(rows[i]), f, NOVELTY_MARKER);
  }
  return counts;
}

function countedRow(r: Insertable<PredictionsTable>): CountedRow {
  return {
    modelName: r.model_name,
    modelVersion: r.model_version,
    experimentId: r.experiment_id ?? null,
    arm: r.arm ?? null,
    createdAt: r.created_at,
    input: r.input,
    output: r.output,
    decision: r.decision,
    probability: r.probability,
  };
}
