import { CompiledQuery, type Kysely, sql } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import type { Label } from '../datasets/dataset-types.js';
import { timestamp } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import { labelCountsSql } from '../monitoring/feature-counts.js';
import { checkFilterDates, checkPage } from '../predictions/prediction-repository.js';
import { checkPredictionId } from '../predictions/prediction-rows.js';
import type { PredictionDecision } from '../predictions/prediction-types.js';
import { checkLabel, describeLabel, feedbackFromRow } from './feedback-rows.js';
import type {
  FeedbackInput,
  FeedbackOutcome,
  FeedbackRecord,
  FeedbackRepository,
  LabelledPrediction,
  LabelledPredictionOptions,
  LabelledRecord,
  LabelledRecordOptions,
} from './feedback-types.js';

const DEFAULT_RECORD_BATCH = 2000;

/** Refuses options of {@link KyselyFeedbackRepository.labelledRecords} that would read the wrong rows. */
function checkRecordOptions(options: LabelledRecordOptions): number {
  const batchSize = options.batchSize ?? DEFAULT_RECORD_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new SporeprintError('SP_ERR_USAGE', `Labelled records: invalid batch size ${batchSize}`);
  }
  if (options.schemaName !== 'secondary' && options.schemaName !== 'classic') {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `Labelled records: unknown schema "${String(options.schemaName)}" (secondary or classic)`,
    );
  }
  const before = options.labelledBefore;
  if (before !== undefined && !(before instanceof Date && Number.isFinite(before.getTime()))) {
    throw new SporeprintError('SP_ERR_USAGE', 'Labelled records: labelledBefore is not a valid Date');
  }
  return batchSize;
}

function optionalText(field: string, value: unknown, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `Feedback ${field} must be a string of at most ${max} characters or null`,
    );
  }
  return value;
}

/**
 * Copies `label` onto `predictions.true_label` of every row whose label key is `id` (migration 0007):
 * the answered prediction and, in an experiment, the rows that scored it in shadow — found through the
 * label-key index (experiment, arm, label key) with the experiment's arms — and moves their `@label`
 * counts in the monitoring roll-up (off the replaced label, onto the new one). A shadow row logged
 * after this runs takes the label from the log writer, which looks feedback up as it inserts it.
 */
async function copyLabel(
  trx: Kysely<DatabaseSchema>,
  dialect: 'sqlite' | 'mysql',
  id: string,
  experimentId: string | null,
  label: Label,
  previous: Label | undefined,
): Promise<void> {
  let ids = [id];
  if (experimentId !== null) {
    const experiment = await trx
      .selectFrom('experiments')
      .select('arms')
      .where('id', '=', experimentId)
      .executeTakeFirst();
    const arms = experiment === undefined ? [] : armNames(experiment.arms);
    const key = dialect === 'mysql' ? sql.ref('label_key') : sql`coalesce(shadow_of, id)`;
    const rows = await trx
      .selectFrom('predictions')
      .select('id')
      .where('experiment_id', '=', experimentId)
      .$if(arms.length > 0, (q) => q.where('arm', 'in', arms))
      .where(sql<boolean>`${key} = ${id}`)
      .execute();
    ids = rows.map((r) => r.id);
  }
  await trx.updateTable('predictions').set({ true_label: label }).where('id', 'in', ids).execute();
  // the monitoring roll-up's labelled counts, in the same transaction
  if (previous !== undefined) {
    await trx.executeQuery(CompiledQuery.raw(labelCountsSql(dialect, ids.length, -1), [previous, ...ids]));
  }
  await trx.executeQuery(CompiledQuery.raw(labelCountsSql(dialect, ids.length, 1), [label, ...ids]));
}

/** The arm names of an experiment's `arms` JSON text (none if it is not the expected array). */
function armNames(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) return [];
  return parsed
    .map((a: unknown) => (a as { name?: unknown } | null)?.name)
    .filter((n): n is string => typeof n === 'string');
}

/** The {@link FeedbackRepository} over Kysely, for SQLite and MySQL/MariaDB alike. */
export class KyselyFeedbackRepository implements FeedbackRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async record(input: FeedbackInput): Promise<FeedbackOutcome> {
    checkPredictionId(input.predictionId);
    const id = input.predictionId;
    checkLabel(input.trueLabel, id);
    const label: Label = input.trueLabel;
    const source = optionalText('source', input.source, 255);
    const note = optionalText('note', input.note, 65_535);
    if (
      input.createdAt !== undefined &&
      !(input.createdAt instanceof Date && Number.isFinite(input.createdAt.getTime()))
    ) {
      throw new SporeprintError(
        'SP_ERR_BAD_PARAM',
        `Feedback for prediction ${id}: createdAt is not a valid Date`,
      );
    }
    const createdAt = timestamp(input.createdAt);
    return writeTransaction(this.#ctx, `Recording feedback for prediction ${id}`, async (trx) => {
      // Locking the prediction row serialises concurrent feedback for it on MySQL/MariaDB; SQLite's
      // write transaction is already exclusive.
      const prediction = await trx
        .selectFrom('predictions')
        .select(['id', 'experiment_id'])
        .where('id', '=', id)
        .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
        .executeTakeFirst();
      if (prediction === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `Prediction ${id} does not exist`, {
          predictionId: id,
        });
      }
      const existing = await trx
        .selectFrom('feedback')
        .select('true_label')
        .where('prediction_id', '=', id)
        .executeTakeFirst();
      if (existing?.true_label === label) return 'unchanged';
      if (existing !== undefined && input.replace !== true) {
        throw new SporeprintError(
          'SP_ERR_CONFLICT',
          `Prediction ${id} already has the true label ${describeLabel(existing.true_label)}; ` +
            `refusing ${describeLabel(label)} (pass replace to correct it)`,
          { predictionId: id, storedLabel: existing.true_label, newLabel: label },
        );
      }
      // the label's copy on the predictions first (the rows locked in the order the log writer takes)
      await copyLabel(
        trx,
        this.#ctx.dialect,
        id,
        prediction.experiment_id,
        label,
        existing?.true_label as Label | undefined,
      );
      if (existing === undefined) {
        await trx
          .insertInto('feedback')
          .values({ prediction_id: id, true_label: label, created_at: createdAt, source, note })
          .execute();
        return 'created';
      }
      await trx
        .updateTable('feedback')
        .set({ true_label: label, created_at: createdAt, source, note })
        .where('prediction_id', '=', id)
        .execute();
      return 'replaced';
    });
  }

  get(predictionId: string): Promise<FeedbackRecord | undefined> {
    return guard(`Reading feedback for prediction ${predictionId}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('feedback')
        .selectAll()
        .where('prediction_id', '=', predictionId)
        .executeTakeFirst();
      return row === undefined ? undefined : feedbackFromRow(row);
    });
  }

  async joined(options: LabelledPredictionOptions = {}): Promise<LabelledPrediction[]> {
    checkFilterDates(options);
    const offset = options.offset ?? 0;
    if (options.limit !== undefined) checkPage(options.limit, offset);
    else checkPage(0, offset);
    return guard('Reading labelled predictions', async () => {
      let q = this.#ctx.db
        .selectFrom('feedback as f')
        .innerJoin('predictions as p', 'p.id', 'f.prediction_id')
        .select([
          'p.id as id',
          'p.model_name as model_name',
          'p.model_version as model_version',
          'p.arm as arm',
          'p.decision as decision',
          'p.probability as probability',
          'p.created_at as predicted_at',
          'f.true_label as true_label',
          'f.created_at as labelled_at',
        ]);
      if (options.modelName !== undefined) q = q.where('p.model_name', '=', options.modelName);
      if (options.modelVersion !== undefined) q = q.where('p.model_version', '=', options.modelVersion);
      if (options.since !== undefined) q = q.where('p.created_at', '>=', timestamp(options.since));
      if (options.until !== undefined) q = q.where('p.created_at', '<', timestamp(options.until));
      q = q.orderBy('p.created_at').orderBy('p.id');
      if (options.limit !== undefined) q = q.limit(options.limit).offset(offset);
      else if (offset > 0) q = q.limit(Number.MAX_SAFE_INTEGER).offset(offset);
      const rows = await q.execute();
      return rows.map((r) => ({
        predictionId: r.id,
        modelName: r.model_name,
        modelVersion: Number(r.model_version),
        arm: r.arm,
        decision: r.decision as PredictionDecision,
        probability: Number(r.probability),
        predictedAt: new Date(r.predicted_at),
        trueLabel: r.true_label as Label,
        labelledAt: new Date(r.labelled_at),
      }));
    });
  }

  async *labelledRecords(options: LabelledRecordOptions): AsyncIterable<LabelledRecord[]> {
    const batchSize = checkRecordOptions(options);
    const before = options.labelledBefore === undefined ? undefined : timestamp(options.labelledBefore);
    // keyset on the feedback primary key: each batch is one range scan of feedback, then lookups
    let after = '';
    for (;;) {
      const rows = await guard('Reading labelled production records', () =>
        this.#ctx.db
          .selectFrom('feedback as f')
          .innerJoin('predictions as p', 'p.id', 'f.prediction_id')
          .innerJoin('model_versions as mv', (j) =>
            j.onRef('mv.model_name', '=', 'p.model_name').onRef('mv.version', '=', 'p.model_version'),
          )
          .innerJoin('dataset_versions as dv', 'dv.id', 'mv.dataset_id')
          .select([
            'p.id as id',
            'p.model_name as model_name',
            'p.model_version as model_version',
            'p.created_at as predicted_at',
            'p.true_label as true_label',
            'p.input as input',
            'f.created_at as labelled_at',
          ])
          .where('f.prediction_id', '>', after)
          .where('p.shadow_of', 'is', null)
          .where('p.true_label', 'is not', null)
          .where('dv.schema_name', '=', options.schemaName)
          .$if(options.modelName !== undefined, (q) => q.where('p.model_name', '=', options.modelName ?? ''))
          .$if(before !== undefined, (q) => q.where('f.created_at', '<', before ?? ''))
          .orderBy('f.prediction_id')
          .limit(batchSize)
          .execute(),
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        predictionId: r.id,
        modelName: r.model_name,
        modelVersion: Number(r.model_version),
        predictedAt: new Date(r.predicted_at),
        labelledAt: new Date(r.labelled_at),
        trueLabel: r.true_label as Label,
        input: r.input,
      }));
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }
}
