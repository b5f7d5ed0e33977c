import { type Kysely, MysqlAdapter, sql } from 'kysely';

/**
 * The schema the metrics queries need beyond migration 0005 (see arm-metrics-query.ts): the label key
 * (an expression index on SQLite, a virtual generated column on MySQL/MariaDB) and the covering indexes.
 * The experiments migration (0006) creates them in the application; tests create them here until it does.
 */
export async function addMetricsSchema(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof MysqlAdapter) {
    await sql`alter table predictions add column label_key varchar(36)
      as (coalesce(shadow_of, id)) virtual`.execute(db);
    await sql`create index predictions_experiment_idx
      on predictions (experiment_id, arm, label_key, decision, client_id)`.execute(db);
  } else {
    await sql`create index predictions_experiment_idx
      on predictions (experiment_id, arm, coalesce(shadow_of, id), decision, client_id)`.execute(db);
    await sql`create index feedback_label_idx on feedback (prediction_id, true_label)`.execute(db);
  }
  await sql`create index predictions_experiment_latency_idx
    on predictions (experiment_id, arm, latency_us)`.execute(db);
}
