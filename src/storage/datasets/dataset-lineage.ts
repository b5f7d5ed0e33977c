import type { Kysely } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import type { DatabaseSchema } from '../db/database-schema.js';
import { lineageToRow } from './dataset-rows.js';
import type { DatasetLineageInput } from './dataset-types.js';

/**
 * Stores the lineage of derived version `versionId` inside the caller's transaction, after the version
 * row. Refuses (`SP_ERR_NOT_FOUND`) an unknown parent version, and (`SP_ERR_BAD_DATA`) a version whose
 * source is not derived from its parent's source: a derived version's rows are its parent's rows and
 * then its own.
 */
export async function insertLineage(
  trx: Kysely<DatabaseSchema>,
  versionId: string,
  lineage: DatasetLineageInput,
): Promise<void> {
  const row = lineageToRow(versionId, lineage);
  const parent = await trx
    .selectFrom('dataset_versions')
    .select('source_id')
    .where('id', '=', lineage.parentVersionId)
    .executeTakeFirst();
  if (parent === undefined) {
    throw new SporeprintError(
      'SP_ERR_NOT_FOUND',
      `Lineage of dataset version ${versionId}: parent version ${lineage.parentVersionId} does not exist`,
      { versionId, parentVersionId: lineage.parentVersionId },
    );
  }
  const source = await trx
    .selectFrom('dataset_versions as v')
    .innerJoin('sources as s', 's.id', 'v.source_id')
    .select(['s.id', 's.parent_source_id'])
    .where('v.id', '=', versionId)
    .executeTakeFirstOrThrow();
  if (source.parent_source_id !== parent.source_id) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `Lineage of dataset version ${versionId}: its source ${source.id} is not derived from source ${parent.source_id} of parent version ${lineage.parentVersionId}`,
      { versionId, parentVersionId: lineage.parentVersionId },
    );
  }
  await trx.insertInto('dataset_lineage').values(row).execute();
}
