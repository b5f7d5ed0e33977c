/**
 * Migration 0005: predictions name their experiment and the prediction they shadow.
 *
 * `experiment_id`: the experiment whose arm chose the version that made the prediction (null: no
 * experiment). `shadow_of`: for a prediction scored in shadow, the id of the answered prediction of
 * the same request (null: the prediction was answered). The batch journal keeps a batch's
 * experiment too. Both nullable, so existing rows read as answered outside any experiment.
 *
 * Conventions as in 0001-0004.
 */
import type { Kysely } from 'kysely';

/** Adds predictions.experiment_id, predictions.shadow_of and prediction_journal.experiment_id. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('predictions').addColumn('experiment_id', 'varchar(64)').execute();
  await db.schema.alterTable('predictions').addColumn('shadow_of', 'varchar(36)').execute();
  await db.schema.alterTable('prediction_journal').addColumn('experiment_id', 'varchar(64)').execute();
}

/** Drops the three columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('prediction_journal').dropColumn('experiment_id').execute();
  await db.schema.alterTable('predictions').dropColumn('shadow_of').execute();
  await db.schema.alterTable('predictions').dropColumn('experiment_id').execute();
}
