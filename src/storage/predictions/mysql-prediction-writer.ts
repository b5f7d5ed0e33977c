/**
 * The prediction writer for MySQL/MariaDB: each batch of the group-commit log is one transaction sent
 * in as few round trips as the batch allows, on connections of the log's own.
 *
 * Where the time went (wrk -c32 on `/v1/predict`, MariaDB 10.11, this 2-core machine): a commit was
 * `BEGIN`, the INSERT, the roll-up upsert and `COMMIT`, four round trips, each waiting for the server
 * thread and then for the event loop to be scheduled again; under load each took 1-7 ms, the
 * transaction 10-32 ms, and the Node process sat idle for two thirds of the time. Now a batch of
 * single predictions goes as one multi-statement text query, `start transaction; insert …; insert
 * into monitor_count_pending …; commit`: one round trip, answered after the commit, so an append
 * still resolves only once its row is durable. The monitoring roll-up's counts of the commit go in as
 * one row of JSON (`monitor_count_pending`), folded into `monitor_counts` in bulk and exactly once by
 * the monitoring repository: upserting each counter row in the commit (~17 a commit for one repeated
 * record, ~70 with real variety, every concurrent commit sharing them) doubled mariadbd's CPU per
 * request with varied traffic.
 */

import type { Insertable } from 'kysely';
import {
  type Connection,
  type ConnectionOptions,
  createConnection,
  type ExecuteValues,
  type Pool,
  type PoolConnection,
} from 'mysql2';
import { SporeprintError } from '../../core/index.js';
import { labelCountsSql } from '../monitoring/feature-counts.js';
import type { PredictionsTable } from './prediction-tables.js';
import {
  countRows,
  insertPredictionsSql,
  type LabelRow,
  labelUpdates,
  lookupGroups,
  PREDICTIONS_PER_INSERT,
  type PredictionRowWriter,
  pushRow,
  questionMarks,
  shadowRowsByAnswered,
} from './prediction-writer.js';

/**
 * INSERTs of at least this many rows go as prepared statements (binary protocol): values travel
 * typed, not escaped into the SQL text, and the server parses no literals (10,000 rows commit in
 * about 60% of the text protocol's time here), at the price of a round trip each. Their row counts
 * are multiples of `BINARY_STEP` (at most 10 prepared statements per connection); the rest of a
 * batch goes as text, with the statements around it.
 */
export const BINARY_STEP = 50;

/** A connection's fitness for another command (mysql2's `state`). */
const usable = (c: Connection): boolean => c.state !== 'error' && c.state !== 'disconnected';

/**
 * The prediction log's own connections to MySQL/MariaDB, with `multipleStatements` on (the shared pool
 * keeps it off: no other code sends several statements in one query). Not a pool: an idle connection
 * is taken at once, in the same turn of the event loop, so a commit's query is on the wire before the
 * answers of the previous commit are sent (a pool hands connections out on the next tick). A new one
 * is opened when none is idle (the log's `concurrency` bounds how many are in use); one that failed
 * or was closed by the server is dropped, never reused.
 */
export class MysqlLogConnections {
  readonly #options: ConnectionOptions;
  readonly #free: Connection[] = [];
  readonly #all = new Set<Connection>();
  #closed: Promise<void> | undefined;

  /** `options`: those of the storage's pool (host, credentials, database, charset, timezone). */
  constructor(options: ConnectionOptions) {
    this.#options = { ...options, multipleStatements: true };
  }

  /** Connections open now (idle or in use). */
  get size(): number {
    return this.#all.size;
  }

  /** An idle connection, or a new one (its handshake goes before its first command). */
  take(): Connection {
    if (this.#closed !== undefined) {
      throw new SporeprintError('SP_ERR_USAGE', 'The prediction log connections are closed');
    }
    for (let c = this.#free.pop(); c !== undefined; c = this.#free.pop()) {
      if (usable(c)) return c;
      this.#drop(c);
    }
    const c = createConnection(this.#options);
    // a fatal error while idle (the server went away, the connection was killed) must not be thrown
    // from the event loop: the connection is dropped, the next commit opens another
    c.on('error', () => this.#drop(c));
    c.on('end', () => this.#drop(c));
    this.#all.add(c);
    return c;
  }

  /** Gives a connection back after a transaction ended cleanly. */
  give(c: Connection): void {
    if (this.#closed === undefined && usable(c) && this.#all.has(c)) this.#free.push(c);
    else this.#drop(c);
  }

  /** Closes a connection whose state is unknown (a failed rollback). */
  discard(c: Connection): void {
    this.#drop(c);
  }

  /** Closes every connection (those in use finish their command first). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= Promise.all(
      [...this.#all].map(
        (c) =>
          new Promise<void>((resolve) => {
            this.#all.delete(c);
            if (!usable(c)) {
              c.destroy();
              resolve();
              return;
            }
            c.end(() => resolve());
          }),
      ),
    ).then(() => {
      this.#free.length = 0;
    });
    return this.#closed;
  }

  #drop(c: Connection): void {
    const i = this.#free.indexOf(c);
    if (i >= 0) this.#free.splice(i, 1);
    if (this.#all.delete(c)) c.destroy();
  }
}

/**
 * Statements gathered into one multi-statement text query (one round trip), their `?` parameters in
 * order; `send` runs them and resolves with the result of the last one.
 */
class TextBatch {
  readonly #sql: string[] = [];
  #params: unknown[] = [];

  get empty(): boolean {
    return this.#sql.length === 0;
  }

  add(sql: string, params: readonly unknown[] = []): void {
    this.#sql.push(sql);
    for (const p of params) this.#params.push(p);
  }

  /** Runs the statements gathered so far (the server stops at the first that fails), then forgets them. */
  send(conn: Connection): Promise<unknown> {
    const n = this.#sql.length;
    const sql = this.#sql.join(';');
    const params = this.#params;
    this.#sql.length = 0;
    this.#params = [];
    return new Promise((resolve, reject) =>
      conn.query(sql, params, (e, r) => (e ? reject(e) : resolve(n > 1 ? (r as unknown[])[n - 1] : r))),
    );
  }
}

/**
 * The statements of one batch on `conn`, as few round trips as it allows: `start transaction` and
 * text INSERTs, each binary INSERT on its own, a feedback lookup for shadow rows (its answer is needed
 * before the label updates), then the rest and `commit` in one query.
 */
async function commitOn(
  conn: Connection,
  rows: readonly Insertable<PredictionsTable>[],
  rowsPerInsert: number,
): Promise<void> {
  const text = new TextBatch();
  text.add('start transaction');
  for (let start = 0; start < rows.length; ) {
    const left = Math.min(rowsPerInsert, rows.length - start);
    const binary = left >= BINARY_STEP;
    const n = binary ? left - (left % BINARY_STEP) : left;
    const params: unknown[] = [];
    for (let i = start; i < start + n; i++) pushRow(params, rows[i]);
    if (binary) {
      if (!text.empty) await text.send(conn);
      // the row values are strings, numbers and nulls (Insertable<PredictionsTable>)
      await new Promise<void>((resolve, reject) =>
        conn.execute(insertPredictionsSql(n), params as ExecuteValues[], (e) => (e ? reject(e) : resolve())),
      );
    } else {
      text.add(insertPredictionsSql(n), params);
    }
    start += n;
  }
  const shadows = shadowRowsByAnswered(rows);
  for (const answered of lookupGroups(shadows)) {
    // a locking read: sees feedback committed meanwhile, and waits for feedback being committed
    text.add(
      `select prediction_id, true_label from feedback where prediction_id in (${questionMarks(answered.length)}) lock in share mode`,
      answered,
    );
    const found = (await text.send(conn)) as LabelRow[];
    for (const u of labelUpdates(shadows, found)) {
      text.add(`update predictions set true_label = ? where id in (${questionMarks(u.ids.length)})`, [
        u.label,
        ...u.ids,
      ]);
      text.add(labelCountsSql('mysql', u.ids.length, 1), [u.label, ...u.ids]);
    }
  }
  // the roll-up: the commit's counts as one pending row, folded into monitor_counts later in bulk
  // (monitoring-repository.ts) — not an upsert of every counter row, which every concurrent commit
  // shares and which with varied traffic doubled mariadbd's CPU per request
  const counts = countRows(rows);
  if (!counts.empty)
    text.add('insert into monitor_count_pending (counts) values (?)', [counts.pendingJson()]);
  text.add('commit');
  await text.send(conn);
}

/**
 * The prediction writer for MySQL/MariaDB. `commitAsync` commits a batch on a connection of `log`
 * (see {@link commitOn}: a batch of fewer than {@link BINARY_STEP} rows without shadow rows in one
 * round trip); on any error it rolls back and rethrows, and a connection whose rollback failed is
 * closed. `execAsync` (the batch journal's entries, MBs of text) runs on a connection of `pool`, the
 * shared one, through the binary protocol.
 */
export function mysqlPredictionWriter(
  pool: Pool,
  log: MysqlLogConnections,
  rowsPerInsert = PREDICTIONS_PER_INSERT,
): PredictionRowWriter {
  const call = <T>(fn: (cb: (e: Error | null, r: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r))));
  /** Rolls back after a failed statement; false when the rollback failed too (the state is unknown). */
  const rollback = (conn: Connection): Promise<boolean> =>
    new Promise((resolve) => {
      if (!usable(conn)) {
        resolve(false);
        return;
      }
      conn.query('rollback', (e) => resolve(e === null || e === undefined));
    });
  return {
    async commitAsync(rows) {
      const conn = log.take();
      try {
        await commitOn(conn, rows, rowsPerInsert);
      } catch (e) {
        if (await rollback(conn)) log.give(conn);
        else log.discard(conn);
        throw e;
      }
      log.give(conn);
    },
    async execAsync(statements) {
      const conn = await call<PoolConnection>((cb) => pool.getConnection(cb));
      let broken = false;
      try {
        await call((cb) => conn.beginTransaction((e) => cb(e, undefined)));
        try {
          for (const st of statements) {
            await call((cb) => conn.execute(st.sql, st.params as ExecuteValues[], (e) => cb(e, undefined)));
          }
          await call((cb) => conn.commit((e) => cb(e, undefined)));
        } catch (e) {
          broken = !(await rollback(conn));
          throw e;
        }
      } finally {
        if (broken) conn.destroy();
        else conn.release();
      }
    },
  };
}
