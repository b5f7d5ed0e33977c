/**
 * Migration 0003: the prediction log, feedback (true labels by prediction id) and API keys.
 *
 * Conventions as in 0001 and 0002: imports only kysely; string ids; ISO-8601 UTC text timestamps with
 * milliseconds; 0/1 booleans; JSON as text; InnoDB utf8mb4 binary collation and MEDIUMTEXT on
 * MySQL/MariaDB.
 *
 * - `predictions` is written on the serving hot path (by group commit), so it carries no foreign key
 *   to `model_versions`: a log row must never be refused because of registry state. Model name and
 *   version are recorded as plain values.
 * - `feedback` has at most one true label per prediction (its primary key is the prediction id).
 * - `api_keys` stores only the SHA-256 hex digest of each secret, unique, so a key is found by the
 *   digest of the secret presented.
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';

interface ColumnTypes {
  readonly mysql: boolean;
  readonly text: RawBuilder<unknown>;
  readonly bigText: RawBuilder<unknown>;
  readonly tableOptions: RawBuilder<unknown>;
}

function columnTypes(db: Kysely<unknown>): ColumnTypes {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    return {
      mysql: true,
      text: sql`text`,
      bigText: sql`mediumtext`,
      tableOptions: sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`,
    };
  }
  return { mysql: false, text: sql`text`, bigText: sql`text`, tableOptions: sql`` };
}

/** Creates predictions, feedback and api_keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('predictions')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('arm', 'varchar(64)')
    .addColumn('client_id', 'varchar(255)')
    .addColumn('input', t.bigText, (c) => c.notNull())
    .addColumn('output', t.bigText, (c) => c.notNull())
    .addColumn('decision', 'varchar(16)', (c) =>
      c.notNull().check(sql`decision in ('edible', 'poisonous', 'uncertain')`),
    )
    .addColumn('probability', 'double precision', (c) =>
      c.notNull().check(sql`probability >= 0 and probability <= 1`),
    )
    .addColumn('latency_us', 'integer', (c) => c.notNull().check(sql`latency_us >= 0`))
    .addColumn('request_kind', 'varchar(16)', (c) =>
      c.notNull().check(sql`request_kind in ('single', 'batch', 'oip', 'mlflow')`),
    )
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('predictions_created_idx').on('predictions').column('created_at').execute();
  await db.schema
    .createIndex('predictions_model_idx')
    .on('predictions')
    .columns(['model_name', 'model_version', 'created_at'])
    .execute();

  await db.schema
    .createTable('feedback')
    .addColumn('prediction_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('true_label', 'char(1)', (c) => c.notNull().check(sql`true_label in ('e', 'p')`))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('source', 'varchar(255)')
    .addColumn('note', t.text)
    .addForeignKeyConstraint('feedback_prediction_fk', ['prediction_id'], 'predictions', ['id'])
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('feedback_created_idx').on('feedback').column('created_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('key_hash', 'char(64)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull().check(sql`role in ('admin', 'predict')`))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)')
    .addColumn('last_used_at', 'varchar(32)')
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('api_keys_hash_idx').on('api_keys').column('key_hash').unique().execute();
}

/** Drops the tables of {@link up}, children first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_keys').ifExists().execute();
  await db.schema.dropTable('feedback').ifExists().execute();
  await db.schema.dropTable('predictions').ifExists().execute();
}
