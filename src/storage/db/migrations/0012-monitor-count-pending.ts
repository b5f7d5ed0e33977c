/**
 * Migration 0012: `monitor_count_pending`, the monitoring roll-up's counts of one log commit each, not
 * yet added to `monitor_counts`. On MySQL/MariaDB the prediction log's transaction inserts one such row
 * (its counts as JSON text) instead of upserting every counter row it touches — dozens a commit, shared
 * by every concurrent commit — and the counts are folded into `monitor_counts` in bulk, exactly once,
 * before monitoring reads them and on a timer of `sporeprint serve`.
 *
 * Conventions as in 0001-0011: imports only kysely; JSON as text; InnoDB utf8mb4 binary collation on
 * MySQL/MariaDB.
 */
import { type Kysely, MysqlAdapter, sql } from 'kysely';

function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = isMysql(db);
  await db.schema
    .createTable('monitor_count_pending')
    .addColumn('id', mysql ? 'bigint' : 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('counts', mysql ? sql`mediumtext` : 'text', (c) => c.notNull())
    .modifyEnd(mysql ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``)
    .execute();
}

/** Drops the table (its counts are lost: `sporeprint monitor rebuild` recounts the log). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('monitor_count_pending').ifExists().execute();
}
