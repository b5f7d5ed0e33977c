import type { Kysely } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { fromJsonText } from '../db/column-values.js';
import { databaseError, guard, isUniqueViolation } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { insertLineage } from './dataset-lineage.js';
import {
  checkVersion,
  lineageFromRow,
  quarantineFromRow,
  sourceFromRow,
  sourceRowFromRow,
  sourceToRow,
  versionFromRow,
  versionToRow,
} from './dataset-rows.js';
import type {
  CreateVersionResult,
  DatasetLineageInput,
  DatasetLineageRecord,
  DatasetRepository,
  DatasetSchemaName,
  DatasetVersionInput,
  DatasetVersionRecord,
  DatasetVersionSummary,
  PageOptions,
  QuarantineRecord,
  RowOrigin,
  SourceInput,
  SourceLoad,
  SourceRecord,
  SourceRow,
  SplitKind,
} from './dataset-types.js';
import { TransactionalSourceLoad } from './source-load.js';
import type { SourceRowWriter } from './source-row-writer.js';

const DEFAULT_READ_BATCH = 5000;
const DEFAULT_PAGE = 100;

function page(options: PageOptions | undefined): { limit: number; offset: number } {
  const limit = options?.limit ?? DEFAULT_PAGE;
  const offset = options?.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw new SporeprintError('SP_ERR_USAGE', `Invalid page: limit ${limit}, offset ${offset}`);
  }
  return { limit, offset };
}

/**
 * The {@link DatasetRepository} over Kysely, for SQLite and MySQL/MariaDB alike. `rowWriter` does the
 * bulk row inserts of source loads (a prepared-statement writer on SQLite, multi-row INSERTs elsewhere).
 */
export class KyselyDatasetRepository implements DatasetRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #rowWriter: SourceRowWriter;

  constructor(db: Kysely<DatabaseSchema>, rowWriter: SourceRowWriter) {
    this.#db = db;
    this.#rowWriter = rowWriter;
  }

  findSource(id: string): Promise<SourceRecord | undefined> {
    return guard(`Reading source ${id}`, async () => {
      const row = await this.#db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : sourceFromRow(row);
    });
  }

  findVersion(id: string): Promise<DatasetVersionRecord | undefined> {
    return guard(`Reading dataset version ${id}`, async () => {
      const row = await this.#db
        .selectFrom('dataset_versions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : versionFromRow(row);
    });
  }

  listVersions(options?: PageOptions): Promise<DatasetVersionSummary[]> {
    const { limit, offset } = page(options);
    return guard('Listing dataset versions', async () => {
      const rows = await this.#db
        .selectFrom('dataset_versions as v')
        .innerJoin('sources as s', 's.id', 'v.source_id')
        .leftJoin('dataset_lineage as l', 'l.version_id', 'v.id')
        .select([
          'v.id',
          'v.source_id',
          's.file_name',
          'v.schema_name',
          'v.split_kind',
          'v.seed',
          'v.counts',
          'v.created_at',
          'l.parent_version_id',
        ])
        .orderBy('v.created_at', 'desc')
        .orderBy('v.id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        sourceId: r.source_id,
        fileName: r.file_name,
        schemaName: r.schema_name as DatasetSchemaName,
        splitKind: r.split_kind as SplitKind,
        seed: Number(r.seed),
        counts: fromJsonText(r.counts),
        parentId: r.parent_version_id ?? null,
        createdAt: new Date(r.created_at),
      }));
    });
  }

  latestVersion(): Promise<DatasetVersionRecord | undefined> {
    return guard('Reading the latest dataset version', async () => {
      const row = await this.#db
        .selectFrom('dataset_versions')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : versionFromRow(row);
    });
  }

  async *readRows(sourceId: string, options?: { readonly batchSize?: number }): AsyncIterable<SourceRow[]> {
    const batchSize = options?.batchSize ?? DEFAULT_READ_BATCH;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new SporeprintError('SP_ERR_USAGE', `Invalid batch size ${batchSize}`);
    }
    const chain = await this.#chain(sourceId);
    if (chain.length === 0) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `Source ${sourceId} does not exist`, { sourceId });
    }
    // a derived source: its ancestors' rows first (their row indexes are below its own)
    for (const id of chain) yield* this.#ownRows(id, batchSize);
  }

  /** The rows a source stores itself, keyset-paginated on the primary key (one range scan a batch). */
  async *#ownRows(sourceId: string, batchSize: number): AsyncIterable<SourceRow[]> {
    let after = -1;
    for (;;) {
      const rows = await guard(`Reading rows of source ${sourceId}`, () =>
        this.#db
          .selectFrom('source_rows')
          .select([
            'row_index',
            'line_no',
            'label',
            'features',
            'species_index',
            'is_duplicate',
            'is_label_conflict',
          ])
          .where('source_id', '=', sourceId)
          .where('row_index', '>', after)
          .orderBy('row_index')
          .limit(batchSize)
          .execute(),
      );
      if (rows.length === 0) return;
      yield rows.map(sourceRowFromRow);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].row_index;
    }
  }

  /** The ids of a source and its ancestors, the root first; empty for an unknown source. */
  #chain(sourceId: string): Promise<string[]> {
    return guard(`Reading source ${sourceId}`, async () => {
      const chain: string[] = [];
      let id: string | null = sourceId;
      while (id !== null) {
        const row: { parent_source_id: string | null } | undefined = await this.#db
          .selectFrom('sources')
          .select('parent_source_id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (row === undefined) break;
        chain.unshift(id);
        id = row.parent_source_id;
      }
      return chain;
    });
  }

  async readQuarantine(sourceId: string, options?: PageOptions): Promise<QuarantineRecord[]> {
    const { limit, offset } = page(options);
    const chain = await this.#chain(sourceId);
    if (chain.length === 0) return [];
    return guard(`Reading quarantine of source ${sourceId}`, async () => {
      const rows = await this.#db
        .selectFrom('quarantine_rows')
        .selectAll()
        .where('source_id', 'in', chain)
        .orderBy('id')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map(quarantineFromRow);
    });
  }

  async countQuarantine(sourceId: string): Promise<number> {
    const chain = await this.#chain(sourceId);
    if (chain.length === 0) return 0;
    return guard(`Counting quarantine of source ${sourceId}`, async () => {
      const row = await this.#db
        .selectFrom('quarantine_rows')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('source_id', 'in', chain)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }

  readOrigins(sourceId: string): Promise<RowOrigin[]> {
    return guard(`Reading row origins of source ${sourceId}`, async () => {
      const rows = await this.#db
        .selectFrom('source_row_origins')
        .select(['row_index', 'prediction_id'])
        .where('source_id', '=', sourceId)
        .orderBy('row_index')
        .execute();
      return rows.map((r) => ({ rowIndex: r.row_index, predictionId: r.prediction_id }));
    });
  }

  findLineage(versionId: string): Promise<DatasetLineageRecord | undefined> {
    return guard(`Reading the lineage of dataset version ${versionId}`, async () => {
      const row = await this.#db
        .selectFrom('dataset_lineage')
        .selectAll()
        .where('version_id', '=', versionId)
        .executeTakeFirst();
      return row === undefined ? undefined : lineageFromRow(row);
    });
  }

  async beginSourceLoad(source: SourceInput): Promise<SourceLoad> {
    const row = sourceToRow(source);
    const trx = await guard('Starting a source load', () => this.#db.startTransaction().execute());
    let firstRow = 0;
    try {
      if (source.parentSourceId !== undefined) firstRow = await parentRows(trx, source);
      const existing = await trx
        .selectFrom('sources')
        .select('id')
        .where('id', '=', source.id)
        .executeTakeFirst();
      if (existing !== undefined) {
        throw new SporeprintError(
          'SP_ERR_CONFLICT',
          `Source ${source.id} (${source.fileName}) is already stored: add a version over it instead`,
          { sourceId: source.id },
        );
      }
      await trx.insertInto('sources').values(row).execute();
    } catch (e) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      if (isUniqueViolation(e)) {
        throw new SporeprintError(
          'SP_ERR_CONFLICT',
          `Source ${source.id} is already stored (loaded concurrently)`,
          {
            sourceId: source.id,
          },
        );
      }
      throw databaseError(`Starting the load of source ${source.id}`, e);
    }
    return new TransactionalSourceLoad(trx, source.id, this.#rowWriter, firstRow);
  }

  async createVersion(
    version: DatasetVersionInput,
    lineage?: DatasetLineageInput,
  ): Promise<CreateVersionResult> {
    const row = versionToRow(version);
    return guard(`Creating dataset version ${version.id}`, () =>
      this.#db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('dataset_versions')
          .select('id')
          .where('id', '=', version.id)
          .executeTakeFirst();
        if (existing !== undefined) return 'exists';
        const source = await trx
          .selectFrom('sources')
          .select('data_rows')
          .where('id', '=', version.sourceId)
          .executeTakeFirst();
        if (source === undefined) {
          throw new SporeprintError('SP_ERR_NOT_FOUND', `Source ${version.sourceId} does not exist`, {
            sourceId: version.sourceId,
          });
        }
        checkVersion(version, source.data_rows);
        try {
          await trx.insertInto('dataset_versions').values(row).execute();
        } catch (e) {
          // Another writer stored the same id between our check and insert: same id, same content.
          if (isUniqueViolation(e)) return 'exists';
          throw e;
        }
        if (lineage !== undefined) await insertLineage(trx, version.id, lineage);
        return 'created';
      }),
    );
  }
}

/**
 * The data-row count of a derived source's parent (its own rows start there), read in the load's
 * transaction. `SP_ERR_NOT_FOUND` for an unknown parent, `SP_ERR_BAD_DATA` for one of another schema.
 */
async function parentRows(trx: Kysely<DatabaseSchema>, source: SourceInput): Promise<number> {
  const parent = await trx
    .selectFrom('sources')
    .select(['data_rows', 'schema_name'])
    .where('id', '=', source.parentSourceId ?? '')
    .executeTakeFirst();
  if (parent === undefined) {
    throw new SporeprintError(
      'SP_ERR_NOT_FOUND',
      `Parent source ${source.parentSourceId} of derived source ${source.id} does not exist`,
      { sourceId: source.id, parentSourceId: source.parentSourceId },
    );
  }
  if (parent.schema_name !== source.schemaName) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `Derived source ${source.id} is ${source.schemaName} data, its parent ${source.parentSourceId} is ${parent.schema_name}`,
      { sourceId: source.id, parentSourceId: source.parentSourceId },
    );
  }
  return parent.data_rows;
}
