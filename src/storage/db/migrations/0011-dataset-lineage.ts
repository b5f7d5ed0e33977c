/**
 * Migration 0011: dataset versions derived from a parent version plus labelled production records
 * (issue 18, the retrain pipeline's `includeFeedback`), with their lineage.
 *
 * - `sources.parent_source_id`: a derived source stores only its own rows; reading it yields the
 *   parent's rows (row indexes below the parent's data-row count) followed by its own. Null for a
 *   source loaded from a file.
 * - `source_row_origins`: where each own data row of a derived source came from (the prediction whose
 *   stored input and feedback label made it), valid or quarantined.
 * - `dataset_lineage`: one row per derived dataset version: its parent version, where its new labels
 *   came from (`label_source`, `feedback`), how many records were read and how many joined a split,
 *   the time range of the feedback they carry, and details (counts, filters) as JSON text.
 *
 * Conventions as in 0001-0010: imports only kysely; ISO-8601 UTC text timestamps in varchar(32); JSON
 * as text; InnoDB utf8mb4 binary collation on MySQL/MariaDB.
 */
import { type Kysely, MysqlAdapter, sql } from 'kysely';

function isMysql(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

/** Adds the parent column and creates the two tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = isMysql(db);
  const tableOptions = mysql ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  if (mysql) {
    await db.schema.alterTable('sources').addColumn('parent_source_id', 'varchar(64)').execute();
    await sql`alter table sources add constraint sources_parent_fk foreign key (parent_source_id) references sources (id)`.execute(
      db,
    );
  } else {
    await db.schema
      .alterTable('sources')
      .addColumn('parent_source_id', 'varchar(64)', (c) => c.references('sources.id'))
      .execute();
  }

  await db.schema
    .createTable('source_row_origins')
    .addColumn('source_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('row_index', 'integer', (c) => c.notNull())
    .addColumn('prediction_id', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_row_origins_pk', ['source_id', 'row_index'])
    .addForeignKeyConstraint('source_row_origins_source_fk', ['source_id'], 'sources', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(tableOptions)
    .execute();

  await db.schema
    .createTable('dataset_lineage')
    .addColumn('version_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('parent_version_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('label_source', 'varchar(32)', (c) => c.notNull())
    .addColumn('records', 'integer', (c) => c.notNull())
    .addColumn('rows_added', 'integer', (c) => c.notNull())
    .addColumn('first_labelled_at', 'varchar(32)')
    .addColumn('last_labelled_at', 'varchar(32)')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addForeignKeyConstraint('dataset_lineage_version_fk', ['version_id'], 'dataset_versions', ['id'])
    .addForeignKeyConstraint('dataset_lineage_parent_fk', ['parent_version_id'], 'dataset_versions', ['id'])
    .modifyEnd(tableOptions)
    .execute();
  await db.schema
    .createIndex('dataset_lineage_parent_idx')
    .on('dataset_lineage')
    .column('parent_version_id')
    .execute();
}

/** Drops the tables and the column of {@link up}. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dataset_lineage').ifExists().execute();
  await db.schema.dropTable('source_row_origins').ifExists().execute();
  if (isMysql(db)) await sql`alter table sources drop foreign key sources_parent_fk`.execute(db);
  await db.schema.alterTable('sources').dropColumn('parent_source_id').execute();
}
