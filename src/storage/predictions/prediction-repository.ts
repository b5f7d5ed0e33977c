import type { Insertable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import { type DatabaseContext, ownMysqlTransaction, syncWriteTransaction } from '../db/write-transaction.js';
import type { InputFeatures } from '../monitoring/feature-counts.js';
import {
  PREDICTION_ID,
  predictionCount,
  predictionFromRow,
  preparedRows,
  preparePrediction,
} from './prediction-rows.js';
import type { PredictionsTable } from './prediction-tables.js';
import {
  type DecisionMinute,
  type DecisionMinuteFilter,
  MAX_ACTIVITY_HOURS,
  PREDICTION_DECISIONS,
  type PredictionDecision,
  type PredictionFilter,
  type PredictionInput,
  type PredictionListOptions,
  type PredictionRecord,
  type PredictionRepository,
  type PreparedPrediction,
  type PreparedPredictionChunk,
  type PreparedPredictions,
} from './prediction-types.js';
import type { PredictionRowWriter } from './prediction-writer.js';
import type { SqliteLogWorker } from './sqlite-log-worker.js';

const DEFAULT_LIMIT = 100;
/** Ids per `in (…)` list of {@link KyselyPredictionRepository.stored}. */
const IDS_PER_QUERY = 500;

/** Checks paging values, as every `list` of storage does. */
export function checkPage(limit: number, offset: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new SporeprintError('SP_ERR_USAGE', `Invalid page: limit ${limit}, offset ${offset}`);
  }
}

/** Checks the dates of a filter (invalid dates would silently match nothing). */
export function checkFilterDates(filter: PredictionFilter): void {
  for (const [field, value] of [
    ['since', filter.since],
    ['until', filter.until],
  ] as const) {
    if (value !== undefined && !(value instanceof Date && Number.isFinite(value.getTime()))) {
      throw new SporeprintError('SP_ERR_USAGE', `Prediction filter: ${field} is not a valid Date`);
    }
  }
}

/**
 * A value per row of `items`, index by index with `preparedRows(items)`: `ofRow` of each single
 * prediction, and of each chunk's k-th row the `k` → value function `ofChunk` gives for it (none: the
 * chunk's rows have no value); `undefined` for a row without one, and in place of the array when no
 * row has one.
 */
function perRow<T>(
  items: readonly PreparedPredictions[],
  ofRow: (p: PreparedPrediction) => T | undefined,
  ofChunk: (c: PreparedPredictionChunk) => ((k: number) => T) | undefined = () => undefined,
): (T | undefined)[] | undefined {
  let out: (T | undefined)[] | undefined;
  let at = 0;
  for (const item of items) {
    if ('row' in item) {
      const value = ofRow(item);
      if (value !== undefined) {
        out ??= [];
        out[at] = value;
      }
      at++;
      continue;
    }
    const chunkValue = ofChunk(item);
    if (chunkValue !== undefined) {
      out ??= [];
      for (let k = 0; k < item.n; k++) out[at + k] = chunkValue(k);
    }
    at += item.n;
  }
  if (out !== undefined) out.length = at;
  return out;
}

/** The rows rendered ahead (single predictions only: chunks' rows are rendered as they commit). */
const renderedRows = (items: readonly PreparedPredictions[]) => perRow(items, (p) => p.rendered);

/** The inputs given as named values, of single predictions and of chunks' rows. */
const featureRows = (items: readonly PreparedPredictions[]): (InputFeatures | undefined)[] | undefined =>
  perRow(
    items,
    (p) => p.features,
    ({ features: f }) => (f === undefined ? undefined : (k) => ({ names: f.names, values: f.values[k] })),
  );

/**
 * The {@link PredictionRepository} over Kysely, for SQLite and MySQL/MariaDB alike; reads go through
 * Kysely, inserts through the backend's own path: the writer thread on a SQLite file, one synchronous
 * transaction on the raw handle for an in-memory SQLite database (`writer.commitSync`, owning the
 * connection), and a transaction on a pooled connection on MySQL/MariaDB (`writer.commitAsync`).
 */
export class KyselyPredictionRepository implements PredictionRepository {
  readonly #ctx: DatabaseContext;
  readonly #writer: PredictionRowWriter;
  readonly #thread: SqliteLogWorker | null;

  /**
   * `thread`: on a SQLite file, the writer thread that commits `insertMany` batches off the event
   * loop (its own connection to the same file); without it, SQLite batches commit synchronously here.
   */
  constructor(ctx: DatabaseContext, writer: PredictionRowWriter, thread: SqliteLogWorker | null = null) {
    this.#ctx = ctx;
    this.#writer = writer;
    this.#thread = thread;
    const renderRow = writer.renderRow;
    if (renderRow !== undefined && thread === null) {
      this.render = (p) => ({ id: p.id, row: p.row, rendered: renderRow(p.row), features: p.features });
    }
  }

  readonly render?: (p: PreparedPrediction) => PreparedPrediction;

  async insertMany(rows: readonly PredictionInput[]): Promise<void> {
    return this.insertPrepared(rows.map(preparePrediction));
  }

  async insertPrepared(items: readonly PreparedPredictions[]): Promise<void> {
    if (items.length === 0) return;
    let count = 0;
    for (const item of items) count += predictionCount(item);
    const what =
      count === 1
        ? `Logging prediction ${'row' in items[0] ? items[0].id : items[0].ids[0]}`
        : `Logging ${count} predictions`;
    const writer = this.#writer;
    if (this.#thread !== null) {
      // chunks go to the writer thread as they are, as columns
      const thread = this.#thread;
      await guard(what, () => thread.write(items));
      return;
    }
    const converted: Insertable<PredictionsTable>[] = preparedRows(items);
    if (this.#ctx.dialect === 'mysql' && writer.commitAsync !== undefined) {
      const commit = writer.commitAsync;
      const rendered = renderedRows(items);
      const features = featureRows(items);
      await ownMysqlTransaction(what, () => commit(converted, rendered, features));
      return;
    }
    if (this.#ctx.dialect === 'sqlite' && writer.commitSync !== undefined) {
      // One synchronous better-sqlite3 transaction: no Kysely compilation, no pragma round trips.
      await syncWriteTransaction(this.#ctx, what, () => writer.commitSync?.(converted));
      return;
    }
    throw new SporeprintError(
      'SP_ERR_INTERNAL',
      `${what}: the ${this.#ctx.dialect} storage has no prediction writer`,
    );
  }

  get(id: string): Promise<PredictionRecord | undefined> {
    return guard(`Reading prediction ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('predictions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : predictionFromRow(row);
    });
  }

  async count(filter: PredictionFilter = {}): Promise<number> {
    checkFilterDates(filter);
    return guard('Counting predictions', async () => {
      let q = this.#ctx.db.selectFrom('predictions').select((eb) => eb.fn.countAll().as('n'));
      if (filter.modelName !== undefined) q = q.where('model_name', '=', filter.modelName);
      if (filter.modelVersion !== undefined) q = q.where('model_version', '=', filter.modelVersion);
      if (filter.since !== undefined) q = q.where('created_at', '>=', timestamp(filter.since));
      if (filter.until !== undefined) q = q.where('created_at', '<', timestamp(filter.until));
      const row = await q.executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  async decisionsByMinute(filter: DecisionMinuteFilter): Promise<DecisionMinute[]> {
    const until = filter.until ?? new Date();
    checkFilterDates({ since: filter.since, until });
    const span = until.getTime() - filter.since.getTime();
    if (span < 0 || span > MAX_ACTIVITY_HOURS * 3_600_000) {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `Prediction activity: the window must run forward and last at most ${MAX_ACTIVITY_HOURS} hours`,
      );
    }
    return guard('Counting predictions per minute', async () => {
      // timestamps are ISO-8601 text: the first 16 characters name the minute (on both dialects)
      let q = this.#ctx.db
        .selectFrom('predictions')
        .select((eb) => [
          eb.fn<string>('substr', ['created_at', eb.lit(1), eb.lit(16)]).as('minute'),
          'decision',
          eb.fn.countAll().as('n'),
        ])
        .where('created_at', '>=', timestamp(filter.since))
        .where('created_at', '<', timestamp(until))
        .where('shadow_of', 'is', null);
      if (filter.modelName !== undefined) q = q.where('model_name', '=', filter.modelName);
      const rows = await q.groupBy(['minute', 'decision']).orderBy('minute').orderBy('decision').execute();
      return rows
        .filter((r) => PREDICTION_DECISIONS.includes(r.decision as PredictionDecision))
        .map((r) => ({
          minute: `${r.minute}:00.000Z`,
          decision: r.decision as PredictionDecision,
          n: Number(r.n),
        }));
    });
  }

  async list(options: PredictionListOptions = {}): Promise<PredictionRecord[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    const offset = options.offset ?? 0;
    checkPage(limit, offset);
    checkFilterDates(options);
    return guard('Listing predictions', async () => {
      let q = this.#ctx.db.selectFrom('predictions').selectAll();
      if (options.modelName !== undefined) q = q.where('model_name', '=', options.modelName);
      if (options.modelVersion !== undefined) q = q.where('model_version', '=', options.modelVersion);
      if (options.since !== undefined) q = q.where('created_at', '>=', timestamp(options.since));
      if (options.until !== undefined) q = q.where('created_at', '<', timestamp(options.until));
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(predictionFromRow);
    });
  }

  async stored(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const wanted = ids.filter((id) => typeof id === 'string' && PREDICTION_ID.test(id));
    if (wanted.length === 0) return found;
    return guard(`Looking up ${wanted.length} prediction ids`, async () => {
      for (let start = 0; start < wanted.length; start += IDS_PER_QUERY) {
        const rows = await this.#ctx.db
          .selectFrom('predictions')
          .select('id')
          .where('id', 'in', wanted.slice(start, start + IDS_PER_QUERY))
          .execute();
        for (const r of rows) found.add(r.id);
      }
      return found;
    });
  }

  async ids(since?: Date): Promise<string[]> {
    checkFilterDates({ since });
    return guard('Listing prediction ids', async () => {
      let q = this.#ctx.db.selectFrom('predictions').select('id');
      if (since !== undefined) q = q.where('created_at', '>=', timestamp(since));
      const rows = await q.orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => r.id);
    });
  }
}
