import { type Kysely, sql } from 'kysely';
import { databaseError, driverCode } from './database-error.js';
import type { DatabaseSchema } from './database-schema.js';

/** What repositories beyond the dataset one need of an open database. Internal to storage. */
export interface DatabaseContext {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: 'sqlite' | 'mysql';
  /** The redacted URL, for messages. */
  readonly display: string;
  /** SQLite: how long a writer waits for another connection's write lock, in milliseconds. */
  readonly busyTimeoutMs: number;
}

/** A write transaction's view of the database: plain Kysely, bound to one connection. */
export type WriteTransaction = Kysely<DatabaseSchema>;

const MYSQL_ATTEMPTS = 8;

function isSqliteBusy(e: unknown): boolean {
  const code = driverCode(e);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

function isMysqlTransient(e: unknown): boolean {
  const code = driverCode(e);
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` in one serialisable write transaction and commits, rolling back on any error; driver
 * errors become `SP_ERR_DATABASE` naming `operation`, sporeprint errors pass through.
 *
 * - SQLite: `BEGIN IMMEDIATE` on the storage's single connection, so the write lock is taken before
 *   the first read and concurrent writers (other connections or processes) serialise. The lock is
 *   awaited asynchronously (busy timeout 0 plus retries with back-off, up to the configured busy
 *   timeout) rather than by SQLite's blocking busy handler, which would freeze the event loop and
 *   starve a lock holder living in the same process.
 * - MySQL/MariaDB: an InnoDB transaction; callers lock what they read with `FOR UPDATE`. Deadlocks
 *   and lock-wait timeouts retry the whole transaction a few times.
 *
 * `fn` may run more than once, so it must have no effects outside the transaction.
 */
export async function writeTransaction<T>(
  ctx: DatabaseContext,
  operation: string,
  fn: (trx: WriteTransaction) => Promise<T>,
  options: { readonly mysqlReadCommitted?: boolean } = {},
): Promise<T> {
  try {
    return ctx.dialect === 'sqlite'
      ? await sqliteImmediate(ctx, fn)
      : await mysqlTransaction(ctx, fn, options.mysqlReadCommitted === true);
  } catch (e) {
    throw databaseError(operation, e);
  }
}

/**
 * `readCommitted`: InnoDB's READ COMMITTED instead of REPEATABLE READ — no gap locks, so a transaction
 * that locks rows by key does not make concurrent inserts past them wait.
 */
function mysqlTransaction<T>(
  ctx: DatabaseContext,
  fn: (trx: WriteTransaction) => Promise<T>,
  readCommitted: boolean,
): Promise<T> {
  return withMysqlRetries(() =>
    (readCommitted ? ctx.db.transaction().setIsolationLevel('read committed') : ctx.db.transaction()).execute(
      fn,
    ),
  );
}

/** Runs `attempt` (a whole InnoDB transaction), again after a deadlock or lock-wait timeout, a few times. */
async function withMysqlRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isMysqlTransient(e) || n >= MYSQL_ATTEMPTS) throw e;
      await sleep(Math.random() * 10 * n);
    }
  }
}

/**
 * MySQL/MariaDB: runs `fn`, a whole transaction that manages its own pooled connection (e.g.
 * `PredictionRowWriter.commitAsync`), retried after deadlocks and lock-wait timeouts as
 * {@link writeTransaction} does; errors become `SP_ERR_DATABASE` naming `operation`.
 */
export async function ownMysqlTransaction(operation: string, fn: () => Promise<void>): Promise<void> {
  try {
    await withMysqlRetries(fn);
  } catch (e) {
    throw databaseError(operation, e);
  }
}

async function sqliteImmediate<T>(
  ctx: DatabaseContext,
  fn: (trx: WriteTransaction) => Promise<T>,
): Promise<T> {
  return ctx.db.connection().execute(async (conn) => {
    const deadline = Date.now() + ctx.busyTimeoutMs;
    await sql`pragma busy_timeout = 0`.execute(conn);
    try {
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        try {
          await sql`begin immediate`.execute(conn);
          break;
        } catch (e) {
          if (!isSqliteBusy(e) || Date.now() >= deadline) throw e;
          await sleep(wait * (0.5 + Math.random()));
        }
      }
      let result: T;
      try {
        result = await fn(conn);
        await sql`commit`.execute(conn);
      } catch (e) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw e;
      }
      return result;
    } finally {
      await sql.raw(`pragma busy_timeout = ${Math.trunc(ctx.busyTimeoutMs)}`).execute(conn);
    }
  });
}

/**
 * SQLite: runs `fn`, a whole synchronous transaction on the raw better-sqlite3 handle (e.g.
 * `PredictionRowWriter.commitSync`: `BEGIN IMMEDIATE` … `COMMIT`, busy handler off), while owning the
 * storage's single connection through Kysely's mutex, so it never interleaves with a Kysely transaction
 * (whose statements are awaited one by one) on that connection. No SQL goes through Kysely. When
 * another connection holds the write lock (`SQLITE_BUSY`), `fn` is retried with back-off up to the
 * busy timeout, as {@link writeTransaction} does; errors become `SP_ERR_DATABASE` naming `operation`.
 * `fn` may run more than once, so it must have no effects outside the transaction.
 */
export async function syncWriteTransaction<T>(
  ctx: DatabaseContext,
  operation: string,
  fn: () => T,
): Promise<T> {
  try {
    return await ctx.db.connection().execute(async () => {
      const deadline = Date.now() + ctx.busyTimeoutMs;
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        try {
          return fn();
        } catch (e) {
          if (!isSqliteBusy(e) || Date.now() >= deadline) throw e;
          await sleep(wait * (0.5 + Math.random()));
        }
      }
    });
  } catch (e) {
    throw databaseError(operation, e);
  }
}
