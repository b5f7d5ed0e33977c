import { SporeprintError } from '../../core/index.js';
import { getSchema } from '../../data/index.js';
import { type DatasetRepository, type DatasetVersionRecord, SPLIT_CODE } from '../../storage/index.js';
import type { UnseenSpeciesRecords } from './etl-types.js';
import { sourceRecord } from './source-record.js';

/** What to do to get a model that has unseen species to be sent (named in errors). */
const HOW_TO_SPLIT_BY_SPECIES =
  'train the served model on a species split: `sporeprint etl --source data/secondary_data.csv --split species`, ' +
  'then `sporeprint train --dataset <its id> --register` and promote the new version';

/** Species indexes of a version's training rows (`null` when its source has no species). */
async function trainedSpecies(
  datasets: DatasetRepository,
  version: DatasetVersionRecord,
): Promise<Set<number> | null> {
  const out = new Set<number>();
  for await (const batch of datasets.readRows(version.sourceId)) {
    for (const row of batch) {
      if (row.speciesIndex === null) return null;
      if (version.split[row.rowIndex] === SPLIT_CODE.train) out.add(row.speciesIndex);
    }
  }
  return out;
}

/**
 * The rows of `version`'s test split whose species has no row in the training split of `version` nor
 * of any of `alsoTrained` (the dataset versions other served models were trained on): traffic of
 * species those models never saw. With a species split this is the whole test split.
 *
 * @throws SporeprintError `SP_ERR_USAGE` when the data has no species (classic data, or a file out of
 * its generation order) or every test species was also trained on (a stratified split), naming the
 * commands that make a species split.
 */
export async function unseenSpeciesRecords(
  datasets: DatasetRepository,
  version: DatasetVersionRecord,
  alsoTrained: readonly DatasetVersionRecord[] = [],
): Promise<UnseenSpeciesRecords> {
  const schema = getSchema(version.schemaName);
  const seen = new Set<number>();
  for (const v of [version, ...alsoTrained]) {
    const species = await trainedSpecies(datasets, v);
    if (species === null) {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `--drift species: dataset version ${v.id} (${v.schemaName}) has no species to hold out; ${HOW_TO_SPLIT_BY_SPECIES}`,
      );
    }
    for (const s of species) seen.add(s);
  }
  const records: UnseenSpeciesRecords['records'][number][] = [];
  const speciesOfRows: number[] = [];
  for await (const batch of datasets.readRows(version.sourceId)) {
    for (const row of batch) {
      const s = row.speciesIndex;
      if (version.split[row.rowIndex] !== SPLIT_CODE.test || s === null || seen.has(s)) continue;
      if (row.label !== 'e' && row.label !== 'p') continue;
      records.push({ record: sourceRecord(schema, row), label: row.label });
      speciesOfRows.push(s);
    }
  }
  if (records.length === 0) {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `--drift species: every species in the test split of dataset version ${version.id} (split ${version.splitKind}) also has rows in the training data, so the served model saw them all; ${HOW_TO_SPLIT_BY_SPECIES}`,
    );
  }
  return {
    datasetId: version.id,
    schemaName: version.schemaName,
    splitKind: version.splitKind,
    species: [...new Set(speciesOfRows)].sort((a, b) => a - b),
    speciesOfRows,
    records,
  };
}
