/**
 * Migration 0008: alerts (current states, silences, an append-only history) and database leases.
 *
 * Conventions as in 0001-0006: imports only kysely; string ids; ISO-8601 UTC text timestamps with
 * milliseconds; JSON as text; InnoDB utf8mb4 binary collation and MEDIUMTEXT on MySQL/MariaDB.
 *
 * - `alert_states`: one row per alert that is pending, firing or resolved (inactive alerts have none),
 *   keyed by the fingerprint of its labels.
 * - `alert_history` is append-only (triggers refuse UPDATE and DELETE): transitions, notifications per
 *   channel, actions and silence changes.
 * - `alert_silences`: matchers as JSON text; expiring one moves its `ends_at` to the present.
 * - `leases`: one row per held name; `expires_at_ms` is epoch milliseconds so that expiry is compared
 *   in SQL by the conditional UPDATE that takes an expired lease over.
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

async function createStates(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('alert_states')
    .addColumn('fingerprint', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('rule_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('labels', t.text, (c) => c.notNull())
    .addColumn('annotations', t.text, (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) =>
      c.notNull().check(sql`state in ('pending', 'firing', 'resolved')`),
    )
    .addColumn('value', 'double precision')
    .addColumn('active_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('fired_at', 'varchar(32)')
    .addColumn('resolved_at', 'varchar(32)')
    .addColumn('last_eval_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('last_notified_at', 'varchar(32)')
    .addColumn('notified_status', 'varchar(16)', (c) =>
      c.check(sql`notified_status is null or notified_status in ('firing', 'resolved')`),
    )
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('alert_states_rule_idx').on('alert_states').columns(['rule_name']).execute();
}

async function createHistory(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('alert_history')
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) =>
      c.notNull().check(sql`kind in ('transition', 'notification', 'action', 'silence')`),
    )
    .addColumn('fingerprint', 'varchar(32)')
    .addColumn('rule_name', 'varchar(128)')
    .addColumn('from_state', 'varchar(16)')
    .addColumn('to_state', 'varchar(16)')
    .addColumn('channel', 'varchar(64)')
    .addColumn('outcome', 'varchar(32)')
    .addColumn('details', t.bigText)
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema
    .createIndex('alert_history_fingerprint_idx')
    .on('alert_history')
    .columns(['fingerprint', 'seq'])
    .execute();
  await db.schema
    .createIndex('alert_history_kind_idx')
    .on('alert_history')
    .columns(['kind', 'seq'])
    .execute();
  for (const op of ['update', 'delete']) {
    const body = t.mysql
      ? `signal sqlstate '45000' set message_text = 'alert_history is append-only'`
      : `begin select raise(abort, 'alert_history is append-only'); end`;
    await sql
      .raw(`create trigger alert_history_no_${op} before ${op} on alert_history for each row ${body}`)
      .execute(db);
  }
}

async function createSilences(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('alert_silences')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('matchers', t.text, (c) => c.notNull())
    .addColumn('starts_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('ends_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('comment', t.text, (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
  await db.schema.createIndex('alert_silences_ends_idx').on('alert_silences').columns(['ends_at']).execute();
}

async function createLeases(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .modifyEnd(t.tableOptions)
    .execute();
}

/** Creates alert_states, alert_history, alert_silences and leases. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await createStates(db, t);
  await createHistory(db, t);
  await createSilences(db, t);
  await createLeases(db, t);
}

/** Drops what {@link up} created (triggers and indexes go with their tables). */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['leases', 'alert_silences', 'alert_history', 'alert_states']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
