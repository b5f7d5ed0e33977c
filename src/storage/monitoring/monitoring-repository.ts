import { CompiledQuery, type Kysely, type SelectQueryBuilder } from 'kysely';
import { timestamp } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import { FeatureCounts, hourBucket, upsertBatches, upsertCountsSql } from './feature-counts.js';
import { NOVELTY_MARKER } from './novelty-marker.js';

/** Predictions read per page when the roll-up is rebuilt. */
const REBUILD_PAGE = 5000;

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

  counts(filter: CountFilter): Promise<ValueCount[]> {
    return guard(`Reading the monitoring counts of ${filter.modelName}`, async () => {
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
