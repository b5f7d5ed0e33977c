/**
 * Migration 0004: the batch journal of the prediction log.
 *
 * A durable batch request is committed as one journal row (the records as received, the items as
 * answered, and what every prediction of the batch shares) before its answer is sent; its
 * `predictions` rows are written after the answer, and the journal row is deleted once they all are.
 * A journal row left by a crash is replayed into `predictions` at the next start.
 *
 * Conventions as in 0001-0003; LONGTEXT on MySQL/MariaDB (a batch body may be several MB).
 */
import { type Kysely, MysqlAdapter, sql } from 'kysely';

/** Creates prediction_journal. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  const bigText = mysql ? sql`longtext` : sql`text`;
  await db.schema
    .createTable('prediction_journal')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('schema_name', 'varchar(32)', (c) => c.notNull())
    .addColumn('arm', 'varchar(64)')
    .addColumn('client_id', 'varchar(255)')
    .addColumn('request_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('predictions', 'integer', (c) => c.notNull())
    .addColumn('chunks', sql`text`, (c) => c.notNull())
    .addColumn('records', bigText, (c) => c.notNull())
    .addColumn('items', bigText, (c) => c.notNull())
    .modifyEnd(mysql ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``)
    .execute();
}

/** Drops prediction_journal. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('prediction_journal').ifExists().execute();
}
