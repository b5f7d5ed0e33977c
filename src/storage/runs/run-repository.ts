import type { Insertable, Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText, timestamp, toJsonText } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import { type DatabaseContext, writeTransaction } from '../db/write-transaction.js';
import type { TrainingRunsTable } from './run-tables.js';
import type {
  RunFinish,
  RunInput,
  RunListOptions,
  RunRecord,
  RunRepository,
  RunStatus,
} from './run-types.js';

const DEFAULT_LIMIT = 100;
const SHA256 = /^[0-9a-f]{64}$/;

function badParam(message: string): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message);
}

function runToRow(run: RunInput): Insertable<TrainingRunsTable> {
  for (const [field, value] of [
    ['id', run.id],
    ['datasetId', run.datasetId],
    ['modelKind', run.modelKind],
    ['modelName', run.modelName],
    ['codeVersion', run.codeVersion],
  ] as const) {
    if (typeof value !== 'string' || value === '') throw badParam(`Run ${field} must be a non-empty string`);
  }
  return {
    id: run.id,
    dataset_id: run.datasetId,
    model_kind: run.modelKind,
    model_name: run.modelName,
    params: toJsonText('params', run.params),
    code_version: run.codeVersion,
    status: 'running',
    started_at: timestamp(run.startedAt),
  };
}

function checkFinish(id: string, f: RunFinish): void {
  if (f.status !== 'succeeded' && f.status !== 'failed') {
    throw badParam(`Run ${id}: finish status must be 'succeeded' or 'failed', not ${String(f.status)}`);
  }
  if (f.artifactSha256 !== null && !SHA256.test(f.artifactSha256)) {
    throw badParam(`Run ${id}: artifactSha256 "${f.artifactSha256}" is not a sha256 hex digest`);
  }
  if (f.artifactBytes !== null && (!Number.isSafeInteger(f.artifactBytes) || f.artifactBytes < 0)) {
    throw badParam(`Run ${id}: artifactBytes ${f.artifactBytes} is not a byte count`);
  }
  if (!Array.isArray(f.warnings) || f.warnings.some((w) => typeof w !== 'string')) {
    throw badParam(`Run ${id}: warnings must be an array of strings`);
  }
}

function runFromRow(row: Selectable<TrainingRunsTable>): RunRecord {
  const base = {
    id: row.id,
    datasetId: row.dataset_id,
    modelKind: row.model_kind,
    modelName: row.model_name,
    params: fromJsonText(row.params),
    codeVersion: row.code_version,
    status: row.status as RunStatus,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
  if (row.status === 'running') return base;
  return {
    ...base,
    metrics: row.metrics === null ? null : fromJsonText(row.metrics),
    durations: row.durations === null ? null : fromJsonText(row.durations),
    artifactSha256: row.artifact_sha256,
    artifactBytes: row.artifact_bytes === null ? null : Number(row.artifact_bytes),
    warnings: row.warnings === null ? [] : (fromJsonText(row.warnings) as string[]),
    error: row.error,
  };
}

/** The {@link RunRepository} over Kysely, for SQLite and MySQL/MariaDB alike. */
export class KyselyRunRepository implements RunRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async create(run: RunInput): Promise<void> {
    const row = runToRow(run);
    try {
      await writeTransaction(this.#ctx, `Creating training run ${run.id}`, async (trx) => {
        const dataset = await trx
          .selectFrom('dataset_versions')
          .select('id')
          .where('id', '=', run.datasetId)
          .executeTakeFirst();
        if (dataset === undefined) {
          throw new SporeprintError(
            'SP_ERR_NOT_FOUND',
            `Dataset version ${run.datasetId} does not exist (training run ${run.id})`,
            { datasetId: run.datasetId, runId: run.id },
          );
        }
        await trx.insertInto('training_runs').values(row).execute();
      });
    } catch (e) {
      if (isUniqueViolation(e) || isUniqueViolation((e as Error).cause)) {
        throw new SporeprintError('SP_ERR_CONFLICT', `Training run ${run.id} already exists`, {
          runId: run.id,
        });
      }
      throw e;
    }
  }

  async finish(id: string, f: RunFinish): Promise<void> {
    checkFinish(id, f);
    const values = {
      status: f.status,
      metrics: toJsonText('metrics', f.metrics),
      durations: toJsonText('durations', f.durations),
      artifact_sha256: f.artifactSha256,
      artifact_bytes: f.artifactBytes,
      warnings: toJsonText('warnings', [...f.warnings]),
      error: f.error,
      finished_at: timestamp(f.finishedAt),
    };
    await writeTransaction(this.#ctx, `Finishing training run ${id}`, async (trx) => {
      const result = await trx
        .updateTable('training_runs')
        .set(values)
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return;
      const existing = await trx
        .selectFrom('training_runs')
        .select(['status', 'finished_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (existing === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `Training run ${id} does not exist`, { runId: id });
      }
      throw new SporeprintError(
        'SP_ERR_CONFLICT',
        `Training run ${id} is already finished (${existing.status} at ${existing.finished_at})`,
        { runId: id, status: existing.status },
      );
    });
  }

  get(id: string): Promise<RunRecord | undefined> {
    return guard(`Reading training run ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('training_runs')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : runFromRow(row);
    });
  }

  async list(options: RunListOptions = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new SporeprintError('SP_ERR_USAGE', `Invalid page: limit ${limit}, offset ${offset}`);
    }
    return guard('Listing training runs', async () => {
      let q = this.#ctx.db.selectFrom('training_runs').selectAll();
      if (options.datasetId !== undefined) q = q.where('dataset_id', '=', options.datasetId);
      if (options.modelKind !== undefined) q = q.where('model_kind', '=', options.modelKind);
      const rows = await q
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(runFromRow);
    });
  }
}
