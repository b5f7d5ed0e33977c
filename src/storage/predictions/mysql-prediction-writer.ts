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
 * still resolves only once its row is durable. Each row's SQL text is rendered when it is appended
 * (`renderRow`), while the batch before it commits, not when its own batch starts: the batch's query
 * is on the wire sooner. Its string literals escape only what a literal must (see
 * {@link sqlString}): without the backslashes mysql2 puts before every double quote of the JSON
 * texts, the server copies them as they are instead of unescaping them (together, `/v1/predict` on
 * 32 connections: +7% requests/s, the server −7 µs and mariadbd −1.5 µs a request).
 *
 * The monitoring roll-up's counts of the commit go in as one row of JSON (`monitor_count_pending`),
 * folded into `monitor_counts` in bulk and exactly once by the monitoring repository: upserting each
 * counter row in the commit (~17 a commit for one repeated record, ~70 with real variety, every
 * concurrent commit sharing them) doubled mariadbd's CPU per request with varied traffic.
 */

import type { Insertable } from 'kysely';
import type { Connection, ConnectionOptions, ExecuteValues, Pool, PoolConnection, SqlValue } from 'mysql2';
import { SporeprintError } from '../../core/index.js';
import { mysql2 } from '../db/optional-drivers.js';
import { type InputFeatures, labelCountsSql } from '../monitoring/feature-counts.js';
import type { PredictionsTable } from './prediction-tables.js';
import {
  countRows,
  INSERT_PREDICTIONS_HEAD,
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

/** mysql2's `queryFormat` that sends the SQL as given (its typings declare the result `void`). */
const asIs = ((sql: string): string => sql) as unknown as NonNullable<ConnectionOptions['queryFormat']>;

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
    // Every query sent on these connections is complete SQL (see TextBatch): mysql2 would otherwise
    // scan each commit's whole text for `?` parameter marks (2% of the server's CPU under load), and a
    // `?` inside a rendered string literal must never be taken for one.
    this.#options = { ...options, multipleStatements: true, queryFormat: asIs };
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
    const c = mysql2().createConnection(this.#options);
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

/** The characters {@link sqlString} escapes: quote, backslash, NUL, Ctrl-Z. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL and Ctrl-Z are what a literal must escape
const NEEDS_ESCAPE = /['\\\0\x1a]/;

/**
 * `s` as a single-quoted SQL string literal: a quote doubled (a literal in any `sql_mode`), a backslash,
 * NUL and Ctrl-Z escaped with a backslash as mysql2 escapes them; every other character as it is. Unlike
 * mysql2's escaping, double quotes, tabs and newlines stay unescaped: the JSON text of a logged
 * prediction is full of double quotes, and a literal without any backslash is copied by the server's
 * lexer as it is, not unescaped character by character (here about a tenth of mariadbd's CPU time
 * per logged row). The connection's character set is utf8mb4, in which no multi-byte character holds
 * a quote or backslash byte.
 */
export function sqlString(s: string): string {
  // most texts hold none of them: one native scan (a quarter of the loop's time on a logged input)
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  let out = "'";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // ' \ NUL Ctrl-Z
    const escaped = c === 39 ? "''" : c === 92 ? '\\\\' : c === 0 ? '\\0' : c === 26 ? '\\Z' : null;
    if (escaped !== null) {
      out += s.slice(from, i) + escaped;
      from = i + 1;
    }
  }
  return `${out}${s.slice(from)}'`;
}

/** A value of a prediction row as an SQL literal: a string, a finite number or null. */
function sqlValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SporeprintError('SP_ERR_BAD_DATA', `Not a finite number: ${v}`);
    return String(v);
  }
  return sqlString(v);
}

/**
 * A prediction row as one SQL values tuple, `(…)`, in {@link PREDICTION_COLUMNS} order (see
 * {@link sqlString}).
 */
export function renderPredictionRow(r: Insertable<PredictionsTable>): string {
  return `(${sqlString(r.id)},${sqlString(r.created_at)},${sqlString(r.model_name)},${sqlValue(
    r.model_version,
  )},${sqlValue(r.arm)},${sqlValue(r.experiment_id)},${sqlValue(r.client_id)},${sqlValue(
    r.shadow_of,
  )},${sqlString(r.input)},${sqlString(r.output)},${sqlString(r.decision)},${sqlValue(
    r.probability,
  )},${sqlValue(r.latency_us)},${sqlString(r.request_kind)})`;
}

/**
 * Statements gathered into one multi-statement text query (one round trip), each with its `?`
 * parameters escaped in as it is added (a statement may hold SQL already rendered, whose string
 * literals can contain `?`: it is added without parameters); `send` runs them and resolves with the
 * result of the last one.
 */
class TextBatch {
  readonly #sql: string[] = [];

  get empty(): boolean {
    return this.#sql.length === 0;
  }

  add(sql: string, params: readonly unknown[] = []): void {
    // the values are strings, numbers and nulls
    this.#sql.push(params.length === 0 ? sql : mysql2().format(sql, params as SqlValue[]));
  }

  /** Runs the statements gathered so far (the server stops at the first that fails), then forgets them. */
  send(conn: Connection): Promise<unknown> {
    const n = this.#sql.length;
    const sql = this.#sql.join(';');
    this.#sql.length = 0;
    return new Promise((resolve, reject) =>
      conn.query(sql, (e, r) => (e ? reject(e) : resolve(n > 1 ? (r as unknown[])[n - 1] : r))),
    );
  }
}

/** Whether each of the `n` rows from `start` was rendered ahead. */
function renderedAll(
  rendered: readonly (string | undefined)[] | undefined,
  start: number,
  n: number,
): boolean {
  if (rendered === undefined) return false;
  for (let i = start; i < start + n; i++) if (rendered[i] === undefined) return false;
  return true;
}

/**
 * The statements of one batch on `conn`, as few round trips as it allows: `start transaction` and
 * text INSERTs (rows rendered ahead always as text), each binary INSERT on its own, a feedback lookup
 * for shadow rows (its answer is needed before the label updates), then the rest and `commit` in one
 * query.
 */
async function commitOn(
  conn: Connection,
  rows: readonly Insertable<PredictionsTable>[],
  rendered: readonly (string | undefined)[] | undefined,
  features: readonly (InputFeatures | undefined)[] | undefined,
  rowsPerInsert: number,
): Promise<void> {
  const text = new TextBatch();
  text.add('start transaction');
  for (let start = 0; start < rows.length; ) {
    const left = Math.min(rowsPerInsert, rows.length - start);
    // rows rendered ahead go as their text: binding them again would do the work twice
    const binary = left >= BINARY_STEP && !renderedAll(rendered, start, left);
    const n = binary ? left - (left % BINARY_STEP) : left;
    if (binary) {
      const params: unknown[] = [];
      for (let i = start; i < start + n; i++) pushRow(params, rows[i]);
      if (!text.empty) await text.send(conn);
      // the row values are strings, numbers and nulls (Insertable<PredictionsTable>)
      await new Promise<void>((resolve, reject) =>
        conn.execute(insertPredictionsSql(n), params as ExecuteValues[], (e) => (e ? reject(e) : resolve())),
      );
    } else {
      // the rows rendered when they were appended, the others now
      let sql = INSERT_PREDICTIONS_HEAD;
      for (let i = start; i < start + n; i++) {
        if (i > start) sql += ',';
        sql += rendered?.[i] ?? renderPredictionRow(rows[i]);
      }
      text.add(sql);
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
  const counts = countRows(rows, features);
  if (!counts.empty)
    text.add(`insert into monitor_count_pending (counts) values (${sqlString(counts.pendingJson())})`);
  text.add('commit');
  await text.send(conn);
}

/**
 * The prediction writer for MySQL/MariaDB. `commitAsync` commits a batch on a connection of `log`
 * (see {@link commitOn}: a batch of fewer than {@link BINARY_STEP} rows without shadow rows in one
 * round trip), taking the rows `renderRow` rendered ahead as they are; on any error it rolls back and
 * rethrows, and a connection whose rollback failed is closed. `execAsync` (the batch journal's
 * entries, MBs of text) runs on a connection of `pool`, the shared one, through the binary protocol.
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
    renderRow: renderPredictionRow,
    async commitAsync(rows, rendered, features) {
      const conn = log.take();
      try {
        await commitOn(conn, rows, rendered, features, rowsPerInsert);
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
