import { type Matrix, SporeprintError } from '../../core/index.js';
import {
  type CleanRecord,
  type DatasetProfile,
  type DatasetSchema,
  getSchema,
  LinearEncoder,
  TreeEncoder,
} from '../../data/index.js';
import type { NumericRange } from '../../ml/index.js';
import { type DatasetRepository, type DatasetVersionRecord, SPLIT_CODE } from '../../storage/index.js';

/** A dataset version loaded for training: records per split, species groups and fitted encoders. */
export interface TrainingData {
  readonly version: DatasetVersionRecord;
  readonly schema: DatasetSchema;
  /** Every valid row, in row order. */
  readonly records: CleanRecord[];
  /** Split code (0 train, 1 validation, 2 test) per entry of `records`. */
  readonly split: Uint8Array;
  /** Species per entry of `records`, or null when the source has none. */
  readonly species: Int32Array | null;
  readonly linear: LinearEncoder;
  readonly tree: TreeEncoder;
  readonly numericRanges: Record<string, NumericRange>;
}

/** Loads a dataset version (`latest` for the newest) with its rows and fitted preprocessing. */
export async function loadTrainingData(datasets: DatasetRepository, id: string): Promise<TrainingData> {
  const version = id === 'latest' ? await datasets.latestVersion() : await datasets.findVersion(id);
  if (version === undefined) {
    throw new SporeprintError(
      'SP_ERR_NOT_FOUND',
      id === 'latest'
        ? 'no dataset versions yet: run `sporeprint etl --source <file>` first'
        : `no dataset version '${id}' (see \`sporeprint datasets list\`)`,
    );
  }
  const schema = getSchema(version.schemaName);
  const records: CleanRecord[] = [];
  const splitCodes: number[] = [];
  const speciesList: number[] = [];
  let haveSpecies = true;
  for await (const batch of datasets.readRows(version.sourceId)) {
    for (const row of batch) {
      const code = version.split[row.rowIndex];
      if (code === SPLIT_CODE.none) continue;
      records.push({
        index: row.rowIndex,
        line: row.line,
        label: row.label === 'p' ? 1 : 0,
        values: [...row.features],
      });
      splitCodes.push(code);
      if (row.speciesIndex === null) haveSpecies = false;
      speciesList.push(row.speciesIndex ?? -1);
    }
  }
  const pre = version.preprocessing as { linear: unknown; tree: unknown };
  const profile = version.profile as DatasetProfile;
  const numericRanges: Record<string, NumericRange> = {};
  for (const c of profile.columns) {
    if (c.numeric && c.numeric.min !== null && c.numeric.max !== null) {
      numericRanges[c.name] = { min: c.numeric.min, max: c.numeric.max };
    }
  }
  return {
    version,
    schema,
    records,
    split: Uint8Array.from(splitCodes),
    species: haveSpecies && records.length > 0 ? Int32Array.from(speciesList) : null,
    linear: LinearEncoder.fromJSON(pre.linear),
    tree: TreeEncoder.fromJSON(pre.tree),
    numericRanges,
  };
}

/** Records of a split, or of the rows whose mask is true. */
export function pick<T>(items: readonly T[], keep: (i: number) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) if (keep(i)) out.push(items[i]);
  return out;
}

/** Labels of records. */
export function labels(records: readonly CleanRecord[]): Uint8Array {
  const y = new Uint8Array(records.length);
  for (let i = 0; i < records.length; i++) y[i] = records[i].label;
  return y;
}

/** Encodes records with the encoder a model kind needs. */
export function encode(enc: LinearEncoder | TreeEncoder, records: readonly CleanRecord[]): Matrix {
  return enc.transform(records);
}
