/**
 * Migration 0001: what the ETL stage stores — sources, their rows, quarantine and dataset versions.
 *
 * Migrations import nothing from the application (only kysely), so that they keep meaning the same
 * thing however the code around them changes. Conventions for this and later migrations: string ids,
 * timestamps as ISO-8601 UTC text (`created_at`), booleans as 0/1 integers, structured values as JSON
 * text; on MySQL/MariaDB, InnoDB tables in utf8mb4 with binary collation (case-sensitive like SQLite)
 * and MEDIUMTEXT/LONGBLOB where values can pass 64 KB.
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';

interface ColumnTypes {
  /** Small JSON documents and reasons (< 64 KB). */
  readonly text: RawBuilder<unknown>;
  /** JSON documents that may grow large (profiles, fitted encoders). */
  readonly bigText: RawBuilder<unknown>;
  /** Binary data of any size. */
  readonly blob: RawBuilder<unknown>;
  /** Table options appended after the column list. */
  readonly tableOptions: RawBuilder<unknown>;
}

function columnTypes(db: Kysely<unknown>): ColumnTypes {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    return {
      text: sql`text`,
      bigText: sql`mediumtext`,
      blob: sql`longblob`,
      tableOptions: sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`,
    };
  }
  return { text: sql`text`, bigText: sql`text`, blob: sql`blob`, tableOptions: sql`` };
}

/** Creates sources, source_rows, quarantine_rows and dataset_versions. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('sources')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('file_name', 'varchar(1024)', (c) => c.notNull())
    .addColumn('byte_size', 'bigint', (c) => c.notNull())
    .addColumn('schema_name', 'varchar(32)', (c) => c.notNull())
    .addColumn('delimiter', 'varchar(8)', (c) => c.notNull())
    .addColumn('data_rows', 'integer', (c) => c.notNull())
    .addColumn('valid_rows', 'integer', (c) => c.notNull())
    .addColumn('invalid_rows', 'integer', (c) => c.notNull())
    .addColumn('duplicate_rows', 'integer', (c) => c.notNull())
    .addColumn('label_conflicts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('source_rows')
    .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('row_index', 'integer', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('label', 'char(1)', (c) => c.notNull().check(sql`label in ('e', 'p')`))
    .addColumn('features', t.text, (c) => c.notNull())
    .addColumn('species_index', 'integer')
    .addColumn('is_duplicate', 'smallint', (c) => c.notNull())
    .addColumn('is_label_conflict', 'smallint', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_rows_pk', ['source_id', 'row_index'])
    .addForeignKeyConstraint('source_rows_source_fk', ['source_id'], 'sources', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('quarantine_rows')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('row_index', 'integer', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('column_name', 'varchar(255)')
    .addColumn('value', t.bigText)
    .addColumn('reason', t.text, (c) => c.notNull())
    .addForeignKeyConstraint('quarantine_rows_source_fk', ['source_id'], 'sources', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema
    .createIndex('quarantine_rows_source_idx')
    .on('quarantine_rows')
    .columns(['source_id', 'row_index'])
    .execute();

  await db.schema
    .createTable('dataset_versions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('schema_name', 'varchar(32)', (c) => c.notNull())
    .addColumn('split_kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('params', t.text, (c) => c.notNull())
    .addColumn('split_assignment', t.blob, (c) => c.notNull())
    .addColumn('counts', t.text, (c) => c.notNull())
    .addColumn('profile', t.bigText, (c) => c.notNull())
    .addColumn('preprocessing', t.bigText, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addForeignKeyConstraint('dataset_versions_source_fk', ['source_id'], 'sources', ['id'])
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema
    .createIndex('dataset_versions_created_idx')
    .on('dataset_versions')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('dataset_versions_source_idx')
    .on('dataset_versions')
    .column('source_id')
    .execute();
}

/** Drops the tables of {@link up}, children first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dataset_versions').ifExists().execute();
  await db.schema.dropTable('quarantine_rows').ifExists().execute();
  await db.schema.dropTable('source_rows').ifExists().execute();
  await db.schema.dropTable('sources').ifExists().execute();
}
