/**
 * Migration 0002: training runs, the artifact table (database artifact store) and the model registry
 * (registered models, versions, aliases and the append-only event log).
 *
 * Conventions as in 0001: imports only kysely; string ids; ISO-8601 UTC text timestamps; 0/1
 * booleans; JSON as text; InnoDB utf8mb4 binary collation and MEDIUMTEXT/LONGBLOB on MySQL/MariaDB.
 *
 * Two invariants are enforced by the schema itself, so that even buggy code cannot break them:
 * - at most one `Production` version per model: a partial unique index on SQLite, a unique index over
 *   a generated column (`production_key`, the model name when in Production, else NULL) on MariaDB;
 * - `registry_events` is append-only: triggers refuse UPDATE and DELETE.
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';

interface ColumnTypes {
  readonly mysql: boolean;
  readonly text: RawBuilder<unknown>;
  readonly bigText: RawBuilder<unknown>;
  readonly blob: RawBuilder<unknown>;
  readonly tableOptions: RawBuilder<unknown>;
}

function columnTypes(db: Kysely<unknown>): ColumnTypes {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    return {
      mysql: true,
      text: sql`text`,
      bigText: sql`mediumtext`,
      blob: sql`longblob`,
      tableOptions: sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`,
    };
  }
  return { mysql: false, text: sql`text`, bigText: sql`text`, blob: sql`blob`, tableOptions: sql`` };
}

// long-function: a migration's DDL is one list of statements, and a released migration is never edited
/** Creates training_runs, artifacts, registered_models, model_versions, model_aliases, registry_events. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('training_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('model_kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('params', t.bigText, (c) => c.notNull())
    .addColumn('code_version', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) =>
      c.notNull().check(sql`status in ('running', 'succeeded', 'failed')`),
    )
    .addColumn('metrics', t.bigText)
    .addColumn('durations', t.text)
    .addColumn('artifact_sha256', 'char(64)')
    .addColumn('artifact_bytes', 'bigint')
    .addColumn('warnings', t.bigText)
    .addColumn('error', t.bigText)
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addForeignKeyConstraint('training_runs_dataset_fk', ['dataset_id'], 'dataset_versions', ['id'])
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('training_runs_started_idx').on('training_runs').column('started_at').execute();
  await db.schema
    .createIndex('training_runs_dataset_idx')
    .on('training_runs')
    .columns(['dataset_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('sha256', 'char(64)', (c) => c.primaryKey())
    .addColumn('bytes', t.blob, (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('registered_models')
    .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();

  let versions = db.schema
    .createTable('model_versions')
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('run_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_sha256', 'char(64)', (c) => c.notNull())
    .addColumn('artifact_sha256', 'char(64)', (c) => c.notNull())
    .addColumn('artifact_store', 'varchar(1024)', (c) => c.notNull())
    .addColumn('metrics', t.bigText, (c) => c.notNull())
    .addColumn('params', t.bigText, (c) => c.notNull())
    .addColumn('tags', t.text, (c) => c.notNull())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('author', 'varchar(255)', (c) => c.notNull())
    .addColumn('stage', 'varchar(16)', (c) =>
      c.notNull().check(sql`stage in ('None', 'Staging', 'Production', 'Archived')`),
    )
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull());
  if (t.mysql) {
    versions = versions.addColumn('production_key', 'varchar(255)', (c) =>
      c.generatedAlwaysAs(sql`if(stage = 'Production', model_name, null)`).stored(),
    );
  }
  await versions
    .addPrimaryKeyConstraint('model_versions_pk', ['model_name', 'version'])
    .addForeignKeyConstraint('model_versions_model_fk', ['model_name'], 'registered_models', ['name'])
    .addForeignKeyConstraint('model_versions_run_fk', ['run_id'], 'training_runs', ['id'])
    .addForeignKeyConstraint('model_versions_dataset_fk', ['dataset_id'], 'dataset_versions', ['id'])
    .modifyEnd(t.tableOptions)
    .execute();
  if (t.mysql) {
    await db.schema
      .createIndex('model_versions_one_production')
      .on('model_versions')
      .column('production_key')
      .unique()
      .execute();
  } else {
    await sql`create unique index model_versions_one_production on model_versions (model_name) where stage = 'Production'`.execute(
      db,
    );
  }
  await db.schema.createIndex('model_versions_run_idx').on('model_versions').column('run_id').execute();

  await db.schema
    .createTable('model_aliases')
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('alias', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('model_aliases_pk', ['model_name', 'alias'])
    .addForeignKeyConstraint('model_aliases_version_fk', ['model_name', 'version'], 'model_versions', [
      'model_name',
      'version',
    ])
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('registry_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('model_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('event', 'varchar(32)', (c) =>
      c
        .notNull()
        .check(sql`event in ('registered', 'stage-changed', 'alias-set', 'alias-removed', 'rolled-back')`),
    )
    .addColumn('from_stage', 'varchar(16)')
    .addColumn('to_stage', 'varchar(16)')
    .addColumn('alias', 'varchar(64)')
    .addColumn('actor', 'varchar(255)', (c) => c.notNull())
    .addColumn('reason', t.text)
    .addColumn('metrics', t.bigText, (c) => c.notNull())
    .addColumn('forced', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addForeignKeyConstraint('registry_events_model_fk', ['model_name'], 'registered_models', ['name'])
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema
    .createIndex('registry_events_model_idx')
    .on('registry_events')
    .columns(['model_name', 'id'])
    .execute();

  if (t.mysql) {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger registry_events_no_${op} before ${op} on registry_events for each row ` +
            `signal sqlstate '45000' set message_text = 'registry_events is append-only'`,
        )
        .execute(db);
    }
  } else {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger registry_events_no_${op} before ${op} on registry_events ` +
            `begin select raise(abort, 'registry_events is append-only'); end`,
        )
        .execute(db);
    }
  }
}

/** Drops the tables of {@link up}, children first (their triggers and indexes go with them). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('registry_events').ifExists().execute();
  await db.schema.dropTable('model_aliases').ifExists().execute();
  await db.schema.dropTable('model_versions').ifExists().execute();
  await db.schema.dropTable('registered_models').ifExists().execute();
  await db.schema.dropTable('artifacts').ifExists().execute();
  await db.schema.dropTable('training_runs').ifExists().execute();
}
