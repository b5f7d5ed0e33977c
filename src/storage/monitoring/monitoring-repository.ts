import { CompiledQuery, type Kysely, type SelectQueryBuilder } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import { FeatureCounts, hourBucket, upsertBatches, upsertCountsSql } from './feature-counts.js';
import { NOVELTY_MARKER } from './novelty-marker.js';

/** Predictions read per page when the roll-up is rebuilt. */
const REBUILD_PAGE = 5000;
/** Pending commits' counts folded per transaction. */
const FOLD_PAGE = 100;

/** A pending row's counts were folded by another process meanwhile: this fold rolls back. */
class FoldedElsewhere extends Error {}

/**
 * Adds pending row `id`'s counts to `sums`; a row the log writer could not have written (neither of
 * {@link FeatureCounts.addPending}'s formats) stops the fold with `SP_ERR_DATABASE` naming it and the
 * remedy, rather than being skipped (its counts would be lost without a word).
 */
function addPendingCounts(sums: FeatureCounts, id: number, text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!sums.addPending(parsed)) {
    throw new SporeprintError(
      'SP_ERR_DATABASE',
      `Pending monitoring counts row ${id} (table monitor_count_pending) is not what the prediction log writes: ` +
        'the roll-up cannot be brought up to date; `sporeprint monitor rebuild` recounts it from the log',
      { table: 'monitor_count_pending', id },
    );
  }
}

import type {
  BucketCount,
  CountFilter,
  MonitoringRepository,
  StoredProfile,
  ValueCount,
} from './monitoring-types.js';

type CountsQuery<O> = SelectQueryBuilder<DatabaseSchema, 'monitor_counts', O>;

/** The hour after `d`'s hour, unless `d` is on the hour (the exclusive end of a window). */
function hourCeiling(d: Date): string {
  const iso = timestamp(d);
  const floor = hourBucket(iso);
  if (floor === iso) return floor;
  return new Date(Date.parse(floor) + 3_600_000).toISOString();
}

function filtered<O>(q: CountsQuery<O>, f: CountFilter): CountsQuery<O> {
  let out = q.where('model_name', '=', f.modelName);
  if (f.modelVersion !== undefined) out = out.where('model_version', '=', f.modelVersion);
  if (f.experimentId !== undefined) out = out.where('experiment_id', '=', f.experimentId);
  if (f.arm !== undefined) out = out.where('arm', '=', f.arm);
  if (f.from !== undefined) out = out.where('bucket', '>=', hourBucket(timestamp(f.from)));
  if (f.to !== undefined) out = out.where('bucket', '<', hourCeiling(f.to));
  return out;
}

/**
 * The {@link MonitoringRepository} over Kysely: every query sums the roll-up's counts in SQL (a few
 * thousand rows per hour of traffic, however many predictions it stands for).
 */
export class KyselyMonitoringRepository implements MonitoringRepository {
  readonly #ctx: DatabaseContext;
  readonly #db: Kysely<DatabaseSchema>;
  readonly #dialect: 'sqlite' | 'mysql';

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
    this.#db = ctx.db;
    this.#dialect = ctx.dialect;
  }

  async foldPending(): Promise<number> {
    let folded = 0;
    for (;;) {
      const n = await this.#foldPage();
      // a page another process folded meanwhile: read again (later pages may still be pending)
      if (n === 'elsewhere') continue;
      folded += n;
      if (n < FOLD_PAGE) return folded;
    }
  }

  /**
   * One page of pending commits: read and summed (a plain read: nothing pending, no write
   * transaction); then, in one READ COMMITTED transaction, exactly those rows are locked — record locks
   * only, so the log's inserts of new pending rows never wait — and fewer found means another process
   * folded them (this fold rolls back: `'elsewhere'`); their sums are upserted into
   * `monitor_counts` in key order, and the rows deleted. Pages are small, with a turn of the event
   * loop between them: parsing a page is a few milliseconds the serving thread spends.
   */
  async #foldPage(): Promise<number | 'elsewhere'> {
    const pending = await guard('Reading the pending monitoring counts', () =>
      this.#db
        .selectFrom('monitor_count_pending')
        .select(['id', 'counts'])
        .orderBy('id')
        .limit(FOLD_PAGE)
        .execute(),
    );
    if (pending.length === 0) return 0;
    const ids = pending.map((p) => Number(p.id));
    const sums = new FeatureCounts();
    for (const p of pending) addPendingCounts(sums, Number(p.id), p.counts);
    try {
      await writeTransaction(
        this.#ctx,
        'Folding the pending monitoring counts',
        async (trx) => {
          const lock = trx.selectFrom('monitor_count_pending').select('id').where('id', 'in', ids);
          const found = await (this.#dialect === 'mysql' ? lock.forUpdate() : lock).execute();
          if (found.length !== ids.length) throw new FoldedElsewhere();
          // in key order (rows() sorts), as every writer upserts
          for (const b of upsertBatches(sums)) {
            await trx.executeQuery(CompiledQuery.raw(upsertCountsSql(b.rows, this.#dialect), b.params));
          }
          await trx.deleteFrom('monitor_count_pending').where('id', 'in', ids).execute();
        },
        { mysqlReadCommitted: true },
      );
    } catch (e) {
      // writeTransaction wraps what the transaction threw (SP_ERR_DATABASE, the throw as its cause)
      if (e instanceof FoldedElsewhere || (e instanceof Error && e.cause instanceof FoldedElsewhere)) {
        return 'elsewhere';
      }
      throw e;
    }
    // the next page after the event loop has served what waited (a page is a few ms of parsing)
    await new Promise((r) => setImmediate(r));
    return ids.length;
  }

  counts(filter: CountFilter): Promise<ValueCount[]> {
    return guard(`Reading the monitoring counts of ${filter.modelName}`, async () => {
      await this.foldPending();
      const rows = await filtered(
        this.#db
          .selectFrom('monitor_counts')
          .select(['feature', 'value', (eb) => eb.fn.sum<number | string>('n').as('n')]),
        filter,
      )
        .groupBy(['feature', 'value'])
        .execute();
      return rows
        .map((r) => ({ feature: r.feature, value: r.value, n: Number(r.n) }))
        .filter((r) => r.n !== 0);
    });
  }

  countsByHour(filter: CountFilter, features: readonly string[]): Promise<BucketCount[]> {
    return guard(`Reading the hourly monitoring counts of ${filter.modelName}`, async () => {
      if (features.length === 0) return [];
      await this.foldPending();
      const rows = await filtered(
        this.#db
          .selectFrom('monitor_counts')
          .select(['bucket', 'feature', 'value', (eb) => eb.fn.sum<number | string>('n').as('n')])
          .where('feature', 'in', [...features]),
        filter,
      )
        .groupBy(['bucket', 'feature', 'value'])
        .orderBy('bucket')
        .execute();
      return rows
        .map((r) => ({ bucket: r.bucket, feature: r.feature, value: r.value, n: Number(r.n) }))
        .filter((r) => r.n !== 0);
    });
  }

  hours(modelName: string): Promise<string[]> {
    return guard(`Reading the monitored hours of ${modelName}`, async () => {
      await this.foldPending();
      const rows = await this.#db
        .selectFrom('monitor_counts')
        .select('bucket')
        .distinct()
        .where('model_name', '=', modelName)
        .where('feature', '=', '@outcome')
        .orderBy('bucket')
        .execute();
      return rows.map((r) => r.bucket);
    });
  }

  rebuildCounts(onProgress?: (rows: number) => void): Promise<{ predictions: number; counts: number }> {
    return writeTransaction(this.#ctx, 'Rebuilding the monitoring roll-up', async (trx) => {
      await trx.deleteFrom('monitor_counts').execute();
      await trx.deleteFrom('monitor_count_pending').execute();
      let after = '';
      let predictions = 0;
      let counts = 0;
      for (;;) {
        const rows = await trx
          .selectFrom('predictions')
          .select([
            'id',
            'model_name',
            'model_version',
            'experiment_id',
            'arm',
            'created_at',
            'input',
            'output',
            'decision',
            'probability',
            'true_label',
          ])
          .where('id', '>', after)
          .orderBy('id')
          .limit(REBUILD_PAGE)
          .execute();
        if (rows.length === 0) break;
        const page = new FeatureCounts();
        for (const r of rows) {
          const row = {
            modelName: r.model_name,
            modelVersion: Number(r.model_version),
            experimentId: r.experiment_id,
            arm: r.arm,
            createdAt: r.created_at,
            input: r.input,
            output: r.output,
            decision: r.decision,
            probability: Number(r.probability),
          };
          page.add(row, NOVELTY_MARKER);
          if (r.true_label != null) page.addLabel(row, r.true_label);
        }
        for (const b of upsertBatches(page)) {
          await trx.executeQuery(CompiledQuery.raw(upsertCountsSql(b.rows, this.#dialect), b.params));
          counts += b.rows;
        }
        predictions += rows.length;
        onProgress?.(predictions);
        after = rows[rows.length - 1].id;
      }
      return { predictions, counts };
    });
  }

  getProfile(modelName: string, modelVersion: number): Promise<StoredProfile | undefined> {
    return guard(`Reading the reference profile of ${modelName} v${modelVersion}`, async () => {
      const row = await this.#db
        .selectFrom('reference_profiles')
        .selectAll()
        .where('model_name', '=', modelName)
        .where('model_version', '=', modelVersion)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            modelName: row.model_name,
            modelVersion: Number(row.model_version),
            profile: row.profile,
            createdAt: new Date(row.created_at),
          };
    });
  }

  putProfile(
    modelName: string,
    modelVersion: number,
    profile: string,
    createdAt = new Date(),
  ): Promise<StoredProfile> {
    return guard(`Storing the reference profile of ${modelName} v${modelVersion}`, async () => {
      const insert = this.#db.insertInto('reference_profiles').values({
        model_name: modelName,
        model_version: modelVersion,
        profile,
        created_at: timestamp(createdAt),
      });
      // the first profile stored wins: profiles of one version are identical (same data, same model)
      await (this.#dialect === 'mysql' ? insert.ignore() : insert.orIgnore()).execute();
      const stored = await this.getProfile(modelName, modelVersion);
      if (stored === undefined) throw new Error('the profile just stored cannot be read back');
      return stored;
    });
  }
}
