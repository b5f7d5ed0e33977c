/**
 * Migration 0010: pipeline runs (issue 18) — runs, their tasks, the attempts' history, logs, links to
 * what a run made, and the idempotency records of task effects.
 *
 * Conventions as in 0001-0009: imports only kysely; string ids; ISO-8601 UTC text timestamps with
 * milliseconds in varchar(32); JSON as text; InnoDB utf8mb4 binary collation and MEDIUMTEXT on
 * MySQL/MariaDB.
 *
 * - `pipeline_runs`: one row per run, its frozen plan as JSON. `dedupe_key` is unique but nullable:
 *   both SQLite and InnoDB let any number of rows hold NULL in a unique index, so only runs that name
 *   a key (a schedule's tick) are deduplicated. Ids are uuid v7, so id order is creation order: the
 *   listing indexes end with `id`.
 * - `pipeline_tasks`: one row per planned task, created with the run; every state change is a
 *   conditional UPDATE on (state, attempt).
 * - `pipeline_task_attempts`: the history of attempts, one row per (task, attempt).
 * - `pipeline_logs`: append-only lines, read in `id` order per run.
 * - `pipeline_links`: what a run made (dataset versions, training runs, model versions, experiments).
 * - `pipeline_effects`: a task's stored result per key (first writer wins), so a repeated attempt
 *   reuses what the first one created.
 */
import { type Kysely, MysqlAdapter, type RawBuilder, sql } from 'kysely';

interface ColumnTypes {
  readonly text: RawBuilder<unknown>;
  readonly bigText: RawBuilder<unknown>;
  readonly tableOptions: RawBuilder<unknown>;
}

function columnTypes(db: Kysely<unknown>): ColumnTypes {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    return {
      text: sql`text`,
      bigText: sql`mediumtext`,
      tableOptions: sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`,
    };
  }
  return { text: sql`text`, bigText: sql`text`, tableOptions: sql`` };
}

const TASK_STATES = sql.raw(
  `('pending', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'upstream_failed', 'cancelled')`,
);

async function createRuns(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('pipeline', 'varchar(64)', (c) => c.notNull())
    .addColumn('params', t.text, (c) => c.notNull())
    .addColumn('plan', t.bigText, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) =>
      c.notNull().check(sql`state in ('running', 'paused', 'succeeded', 'failed', 'cancelled')`),
    )
    .addColumn('trigger_kind', 'varchar(16)', (c) =>
      c.notNull().check(sql`trigger_kind in ('manual', 'api', 'schedule', 'alert', 'folder', 'airflow')`),
    )
    .addColumn('trigger_ref', 'varchar(255)')
    .addColumn('dedupe_key', 'varchar(255)', (c) => c.unique())
    .addColumn('executor', 'varchar(16)', (c) =>
      c.notNull().check(sql`executor in ('local', 'bullmq', 'external')`),
    )
    .addColumn('runner_owner', 'varchar(255)')
    .addColumn('runner_heartbeat_at', 'varchar(32)')
    .addColumn('paused_reason', t.text)
    .addColumn('error', t.bigText)
    .addColumn('outcome', t.bigText)
    .addColumn('created_by', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  // newest first by pipeline, by state (the active runs are state 'running' or 'paused')
  await db.schema
    .createIndex('pipeline_runs_pipeline_idx')
    .on('pipeline_runs')
    .columns(['pipeline', 'id'])
    .execute();
  await db.schema
    .createIndex('pipeline_runs_state_idx')
    .on('pipeline_runs')
    .columns(['state', 'id'])
    .execute();
}

async function createTasks(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('pipeline_tasks')
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('kind', 'varchar(128)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull().check(sql`state in ${TASK_STATES}`))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('worker', 'varchar(255)')
    .addColumn('queued_at', 'varchar(32)')
    .addColumn('started_at', 'varchar(32)')
    .addColumn('heartbeat_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('duration_ms', 'bigint')
    .addColumn('next_attempt_at', 'varchar(32)')
    .addColumn('progress', 'double precision')
    .addColumn('progress_note', t.text)
    .addColumn('output', t.bigText)
    .addColumn('error', t.bigText)
    .addPrimaryKeyConstraint('pipeline_tasks_pk', ['run_id', 'task_id'])
    .addForeignKeyConstraint('pipeline_tasks_run_fk', ['run_id'], 'pipeline_runs', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('pipeline_task_attempts')
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('worker', 'varchar(255)')
    .addColumn('state', 'varchar(16)', (c) =>
      c.notNull().check(sql`state in ('running', 'succeeded', 'failed', 'cancelled')`),
    )
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('error', t.bigText)
    .addPrimaryKeyConstraint('pipeline_task_attempts_pk', ['run_id', 'task_id', 'attempt'])
    .addForeignKeyConstraint(
      'pipeline_task_attempts_task_fk',
      ['run_id', 'task_id'],
      'pipeline_tasks',
      ['run_id', 'task_id'],
      (c) => c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();
}

async function createLogs(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('pipeline_logs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('level', 'varchar(8)', (c) => c.notNull().check(sql`level in ('info', 'warn', 'error')`))
    .addColumn('message', t.bigText, (c) => c.notNull())
    .addForeignKeyConstraint('pipeline_logs_run_fk', ['run_id'], 'pipeline_runs', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema
    .createIndex('pipeline_logs_run_idx')
    .on('pipeline_logs')
    .columns(['run_id', 'id'])
    .execute();
}

async function createLinksAndEffects(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('pipeline_links')
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) =>
      c.notNull().check(sql`kind in ('dataset', 'training-run', 'model-version', 'experiment')`),
    )
    .addColumn('ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_links_pk', ['run_id', 'kind', 'ref'])
    .addForeignKeyConstraint('pipeline_links_run_fk', ['run_id'], 'pipeline_runs', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();

  await db.schema
    .createTable('pipeline_effects')
    .addColumn('run_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('effect_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('result', t.bigText, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_effects_pk', ['run_id', 'task_id', 'effect_key'])
    .addForeignKeyConstraint('pipeline_effects_run_fk', ['run_id'], 'pipeline_runs', ['id'], (c) =>
      c.onDelete('cascade'),
    )
    .modifyEnd(t.tableOptions)
    .execute();
}

/** Creates the six pipeline tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await createRuns(db, t);
  await createTasks(db, t);
  await createLogs(db, t);
  await createLinksAndEffects(db, t);
}

/** Drops what {@link up} created (indexes go with their tables), dependants first. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'pipeline_effects',
    'pipeline_links',
    'pipeline_logs',
    'pipeline_task_attempts',
    'pipeline_tasks',
    'pipeline_runs',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
