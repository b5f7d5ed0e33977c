/**
 * Migration 0009: monitoring's roll-up of the prediction log and the reference profiles.
 *
 * - `monitor_counts`: per model version, experiment arm, hour, feature and value, how many logged
 *   predictions had that value (see storage/monitoring/feature-counts.ts). The log writers add to it
 *   in the transaction that inserts the rows. Predictions logged before this migration are not in
 *   it: `sporeprint monitor rebuild` recounts the whole log (with no server writing).
 * - `reference_profiles`: one JSON profile per model version, built from its training data.
 *
 * Conventions as in 0001-0007.
 */
import { type Kysely, MysqlAdapter, sql } from 'kysely';

/** Creates the two tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  let counts = db.schema
    .createTable('monitor_counts')
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('bucket', 'varchar(32)', (c) => c.notNull())
    .addColumn('experiment_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('arm', 'varchar(64)', (c) => c.notNull())
    .addColumn('feature', 'varchar(100)', (c) => c.notNull())
    .addColumn('value', 'varchar(100)', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('monitor_counts_pk', [
      'model_name',
      'model_version',
      'bucket',
      'experiment_id',
      'arm',
      'feature',
      'value',
    ]);
  let profiles = db.schema
    .createTable('reference_profiles')
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('profile', mysql ? sql`mediumtext` : 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('reference_profiles_pk', ['model_name', 'model_version']);
  if (mysql) {
    counts = counts.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
    profiles = profiles.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`);
  }
  await counts.execute();
  await profiles.execute();
}

/** Drops the two tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reference_profiles').ifExists().execute();
  await db.schema.dropTable('monitor_counts').ifExists().execute();
}
