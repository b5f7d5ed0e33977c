import type { Insertable, Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import { type DatabaseContext, ownMysqlTransaction, writeTransaction } from '../db/write-transaction.js';
import { checkPredictionId } from './prediction-rows.js';
import type { PredictionJournalTable } from './prediction-tables.js';
import {
  type BatchJournalChunk,
  type BatchJournalEntry,
  type BatchJournalSummary,
  PREDICTION_REQUEST_KINDS,
  type PredictionJournalRepository,
  type PredictionRequestKind,
} from './prediction-types.js';
import type { PredictionRowWriter } from './prediction-writer.js';
import type { WorkerStatement } from './sqlite-log-messages.js';
import type { SqliteLogWorker } from './sqlite-log-worker.js';

const MAX_INT32 = 2_147_483_647;

/** Columns of `prediction_journal`, in the order {@link entryRow} lists them. */
const COLUMNS = [
  'id',
  'created_at',
  'owner',
  'model_name',
  'model_version',
  'schema_name',
  'arm',
  'experiment_id',
  'client_id',
  'request_kind',
  'predictions',
  'chunks',
  'records',
  'items',
] as const;

const INSERT_SQL = `insert into prediction_journal (${COLUMNS.join(',')}) values (${COLUMNS.map(() => '?').join(',')})`;
const DELETE_SQL = 'delete from prediction_journal where id = ?';

function bad(id: string, message: string): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', `Batch journal entry ${id}: ${message}`);
}

function text(id: string, field: string, value: unknown, max: number, nullable: boolean): string | null {
  if (nullable && (value === null || value === undefined)) return null;
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw bad(
      id,
      `${field} must be a non-empty string of at most ${max} characters${nullable ? ' or null' : ''}`,
    );
  }
  return value;
}

const validDate = (d: unknown): d is Date => d instanceof Date && Number.isFinite(d.getTime());

/** The row of an entry, after checking every field (the texts must be non-empty; their JSON is not parsed). */
function entryRow(e: BatchJournalEntry): Insertable<PredictionJournalTable> {
  checkPredictionId(e.id);
  const { id } = e;
  if (!validDate(e.createdAt)) throw bad(id, 'createdAt is not a valid Date');
  if (!Number.isSafeInteger(e.modelVersion) || e.modelVersion < 1 || e.modelVersion > MAX_INT32) {
    throw bad(id, `modelVersion ${String(e.modelVersion)} is not a version number`);
  }
  if (!PREDICTION_REQUEST_KINDS.includes(e.requestKind)) {
    throw bad(
      id,
      `requestKind "${String(e.requestKind)}" is not one of ${PREDICTION_REQUEST_KINDS.join(', ')}`,
    );
  }
  if (!Number.isSafeInteger(e.predictions) || e.predictions < 1 || e.predictions > MAX_INT32) {
    throw bad(id, `predictions ${String(e.predictions)} is not a positive count`);
  }
  if (!Array.isArray(e.chunks) || e.chunks.length === 0) throw bad(id, 'chunks must list at least one chunk');
  let last = -1;
  for (const c of e.chunks) {
    if (!Number.isSafeInteger(c.start) || c.start <= last) {
      throw bad(id, `chunk starts must be increasing item indexes, got ${String(c.start)} after ${last}`);
    }
    if (!validDate(c.createdAt)) throw bad(id, `chunk ${c.start}: createdAt is not a valid Date`);
    if (!Number.isSafeInteger(c.latencyUs) || c.latencyUs < 0 || c.latencyUs > MAX_INT32) {
      throw bad(id, `chunk ${c.start}: latencyUs ${String(c.latencyUs)} is not a microsecond count`);
    }
    last = c.start;
  }
  return {
    id,
    created_at: timestamp(e.createdAt),
    owner: text(id, 'owner', e.owner, 255, false) as string,
    model_name: text(id, 'modelName', e.modelName, 255, false) as string,
    model_version: e.modelVersion,
    schema_name: text(id, 'schemaName', e.schemaName, 32, false) as string,
    arm: text(id, 'arm', e.arm, 64, true),
    experiment_id: text(id, 'experimentId', e.experimentId, 64, true),
    client_id: text(id, 'clientId', e.clientId, 255, true),
    request_kind: e.requestKind,
    predictions: e.predictions,
    chunks: JSON.stringify(
      e.chunks.map((c) => ({ start: c.start, createdAt: timestamp(c.createdAt), latencyUs: c.latencyUs })),
    ),
    records: text(id, 'records', e.records, Number.MAX_SAFE_INTEGER, false) as string,
    items: text(id, 'items', e.items, Number.MAX_SAFE_INTEGER, false) as string,
  };
}

function entryFromRow(row: Selectable<PredictionJournalTable>): BatchJournalEntry {
  const chunks = (JSON.parse(row.chunks) as { start: number; createdAt: string; latencyUs: number }[]).map(
    (c): BatchJournalChunk => ({ start: c.start, createdAt: new Date(c.createdAt), latencyUs: c.latencyUs }),
  );
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    owner: row.owner,
    modelName: row.model_name,
    modelVersion: Number(row.model_version),
    schemaName: row.schema_name,
    arm: row.arm,
    experimentId: row.experiment_id ?? null,
    clientId: row.client_id,
    requestKind: row.request_kind as PredictionRequestKind,
    predictions: Number(row.predictions),
    chunks,
    records: row.records,
    items: row.items,
  };
}

/**
 * The {@link PredictionJournalRepository} over Kysely. On a SQLite file, `put` and `remove` run on the
 * prediction log's writer thread (`thread`), so they queue behind the log's commits instead of racing
 * them for the write lock; elsewhere they are plain write transactions.
 */
export class KyselyPredictionJournal implements PredictionJournalRepository {
  readonly #ctx: DatabaseContext;
  readonly #thread: SqliteLogWorker | null;
  readonly #writer: PredictionRowWriter;

  /**
   * `thread`: on a SQLite file, the log's writer thread; `writer`: on MySQL/MariaDB, its `execAsync`
   * inserts entries through the binary protocol.
   */
  constructor(ctx: DatabaseContext, writer: PredictionRowWriter, thread: SqliteLogWorker | null = null) {
    this.#ctx = ctx;
    this.#writer = writer;
    this.#thread = thread;
  }

  async put(entry: BatchJournalEntry): Promise<void> {
    const row = entryRow(entry);
    const what = `Journaling batch ${row.id}`;
    const statement = {
      sql: INSERT_SQL,
      params: COLUMNS.map((c) => row[c] ?? null) as WorkerStatement['params'],
    };
    const thread = this.#thread;
    if (thread !== null) {
      await guard(what, () => thread.exec([statement]));
      return;
    }
    const exec = this.#writer.execAsync;
    if (this.#ctx.dialect === 'mysql' && exec !== undefined) {
      await ownMysqlTransaction(what, () => exec([statement]));
      return;
    }
    await writeTransaction(this.#ctx, what, async (trx) => {
      await trx.insertInto('prediction_journal').values(row).execute();
    });
  }

  get(id: string): Promise<BatchJournalEntry | undefined> {
    return guard(`Reading batch journal entry ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('prediction_journal')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : entryFromRow(row);
    });
  }

  list(): Promise<BatchJournalSummary[]> {
    return guard('Listing the batch journal', async () => {
      const rows = await this.#ctx.db
        .selectFrom('prediction_journal')
        .select(['id', 'created_at', 'owner', 'predictions'])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        createdAt: new Date(r.created_at),
        owner: r.owner,
        predictions: Number(r.predictions),
      }));
    });
  }

  count(): Promise<number> {
    return guard('Counting the batch journal', async () => {
      const row = await this.#ctx.db
        .selectFrom('prediction_journal')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  async remove(id: string): Promise<boolean> {
    const what = `Deleting batch journal entry ${id}`;
    const thread = this.#thread;
    if (thread !== null)
      return (await guard(what, () => thread.exec([{ sql: DELETE_SQL, params: [id] }]))) > 0;
    return writeTransaction(this.#ctx, what, async (trx) => {
      const r = await trx.deleteFrom('prediction_journal').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}
