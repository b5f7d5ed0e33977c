import { type Kysely, sql } from 'kysely';

/**
 * The schema the metrics queries need beyond migration 0005 (see arm-metrics-query.ts): the label key
 * generated column and the covering indexes. The experiments migration (0006) creates them in the
 * application; tests create them here until it does.
 */
export async function addMetricsSchema(db: Kysely<unknown>): Promise<void> {
  await sql`alter table predictions add column label_key varchar(36)
    generated always as (coalesce(shadow_of, id)) virtual`.execute(db);
  await sql`create index predictions_experiment_idx
    on predictions (experiment_id, arm, latency_us, decision, client_id, shadow_of)`.execute(db);
  await sql`create index predictions_label_key_idx
    on predictions (label_key, experiment_id, arm, decision)`.execute(db);
  await sql`create index feedback_label_idx on feedback (prediction_id, true_label)`.execute(db);
}
