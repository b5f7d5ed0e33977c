import type { ControlledTransaction } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { databaseError } from '../db/database-error.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { insertLineage } from './dataset-lineage.js';
import { checkVersion, quarantineToRow, sourceRowToRow, versionToRow } from './dataset-rows.js';
import type {
  QuarantineInput,
  RowOrigin,
  SourceLoad,
  SourceLoadFinish,
  SourceRowInput,
} from './dataset-types.js';
import type { SourceRowWriter } from './source-row-writer.js';

/** Quarantine entries (6 columns) and row origins (3 columns) per INSERT: at most 6,000 bound values. */
const QUARANTINE_PER_INSERT = 1000;

type State = 'open' | 'committed' | 'rolled-back';

/**
 * A {@link SourceLoad} over one controlled transaction. Any failing call rolls the transaction back
 * at once, so that a caller who forgets `abort()` still leaves nothing behind and frees the
 * connection.
 */
export class TransactionalSourceLoad implements SourceLoad {
  readonly #trx: ControlledTransaction<DatabaseSchema>;
  readonly #sourceId: string;
  readonly #writer: SourceRowWriter;
  readonly #firstRow: number;
  #state: State = 'open';
  #busy = false;

  /**
   * @param firstRow - the lowest row index the load may write: 0 for a file, the parent's data-row
   * count for a derived source
   */
  constructor(
    trx: ControlledTransaction<DatabaseSchema>,
    sourceId: string,
    writer: SourceRowWriter,
    firstRow = 0,
  ) {
    this.#trx = trx;
    this.#sourceId = sourceId;
    this.#writer = writer;
    this.#firstRow = firstRow;
  }

  addRows(rows: readonly SourceRowInput[]): Promise<void> {
    return this.#run('adding source rows', async () => {
      this.#checkRowIndexes('row', rows);
      const sourceId = this.#sourceId;
      await this.#writer.insert(
        this.#trx,
        rows.map((r) => sourceRowToRow(sourceId, r)),
      );
    });
  }

  addQuarantine(items: readonly QuarantineInput[]): Promise<void> {
    return this.#run('adding quarantine rows', async () => {
      this.#checkRowIndexes('quarantine entry', items);
      const sourceId = this.#sourceId;
      for (let start = 0; start < items.length; start += QUARANTINE_PER_INSERT) {
        const batch = items
          .slice(start, start + QUARANTINE_PER_INSERT)
          .map((q) => quarantineToRow(sourceId, q));
        await this.#trx.insertInto('quarantine_rows').values(batch).execute();
      }
    });
  }

  addOrigins(origins: readonly RowOrigin[]): Promise<void> {
    return this.#run('adding row origins', async () => {
      this.#checkRowIndexes('row origin', origins);
      const sourceId = this.#sourceId;
      const rows = origins.map((o) => {
        if (typeof o.predictionId !== 'string' || o.predictionId === '' || o.predictionId.length > 36) {
          throw new SporeprintError(
            'SP_ERR_BAD_DATA',
            `Row ${o.rowIndex}: prediction id "${String(o.predictionId)}" must have 1 to 36 characters`,
          );
        }
        return { source_id: sourceId, row_index: o.rowIndex, prediction_id: o.predictionId };
      });
      for (let start = 0; start < rows.length; start += QUARANTINE_PER_INSERT) {
        await this.#trx
          .insertInto('source_row_origins')
          .values(rows.slice(start, start + QUARANTINE_PER_INSERT))
          .execute();
      }
    });
  }

  clearSpecies(): Promise<void> {
    return this.#run('clearing species', async () => {
      await this.#trx
        .updateTable('source_rows')
        .set({ species_index: null, is_label_conflict: 0 })
        .where('source_id', '=', this.#sourceId)
        .where((eb) => eb.or([eb('species_index', 'is not', null), eb('is_label_conflict', '=', 1)]))
        .execute();
    });
  }

  finish(final: SourceLoadFinish): Promise<void> {
    return this.#run('finishing the source load', async () => {
      const { counts, version } = final;
      if (version.sourceId !== this.#sourceId) {
        throw new SporeprintError(
          'SP_ERR_BAD_DATA',
          `Dataset version ${version.id} names source ${version.sourceId}, but this load is for ${this.#sourceId}`,
        );
      }
      checkVersion(version, counts.dataRows);
      await this.#trx
        .updateTable('sources')
        .set({
          data_rows: counts.dataRows,
          valid_rows: counts.validRows,
          invalid_rows: counts.invalidRows,
          duplicate_rows: counts.duplicateRows,
          label_conflicts: counts.labelConflicts,
        })
        .where('id', '=', this.#sourceId)
        .execute();
      await this.#trx.insertInto('dataset_versions').values(versionToRow(version)).execute();
      if (final.lineage !== undefined) await insertLineage(this.#trx, version.id, final.lineage);
      await this.#trx.commit().execute();
      this.#state = 'committed';
    });
  }

  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    if (this.#busy) {
      throw new SporeprintError('SP_ERR_USAGE', 'abort() called while another call on this load is running');
    }
    await this.#rollback();
  }

  /** Refuses row indexes that are not whole numbers from the first row of this source on. */
  #checkRowIndexes(what: string, items: readonly { readonly rowIndex: number }[]): void {
    for (const item of items) {
      if (!Number.isSafeInteger(item.rowIndex) || item.rowIndex < this.#firstRow) {
        throw new SporeprintError(
          'SP_ERR_BAD_DATA',
          this.#firstRow > 0
            ? `${what} index ${item.rowIndex} of derived source ${this.#sourceId}: its own rows start at ${this.#firstRow}, after the parent's rows`
            : `${what} index ${item.rowIndex} is not a non-negative integer`,
          { sourceId: this.#sourceId, rowIndex: item.rowIndex },
        );
      }
    }
  }

  async #run(operation: string, fn: () => Promise<void>): Promise<void> {
    if (this.#state !== 'open') {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `Cannot continue ${operation}: the source load of ${this.#sourceId} is already ${this.#state}`,
      );
    }
    if (this.#busy) {
      throw new SporeprintError('SP_ERR_USAGE', `${operation}: await the previous call on this load first`);
    }
    this.#busy = true;
    try {
      await fn();
    } catch (e) {
      await this.#rollback();
      throw databaseError(operation, e);
    } finally {
      this.#busy = false;
    }
  }

  async #rollback(): Promise<void> {
    this.#state = 'rolled-back';
    try {
      await this.#trx.rollback().execute();
    } catch {
      // The connection is gone (crash, network): the server discards the transaction anyway.
    }
  }
}
