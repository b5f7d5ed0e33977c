/**
 * A dataset version derived from a parent version plus labelled production records: the rows (the
 * parent's, then the valid records with their duplicate and label-conflict flags), the split (the
 * parent's for its rows; train for a record, or no split when its features are those of a held-out
 * row), and the atomic store of the derived source, its version and lineage.
 */

import { isSporeprintError } from '../../core/index.js';
import { type CleanRecord, DuplicateCounter, hashRecord } from '../../data/index.js';
import {
  type DatasetLineageInput,
  type DatasetRepository,
  type DatasetVersionRecord,
  type SourceLoad,
  type SourceRecord,
  type SourceRowInput,
  SPLIT_CODE,
} from '../../storage/index.js';
import type { EtlLineage, EtlProgress } from './etl-types.js';
import type { FeedbackRecords } from './feedback-records.js';
import { sha256Hex } from './file-input.js';

/** Label conflicts kept in the lineage, at most. */
const CONFLICT_SAMPLE = 100;
const ROW_BATCH = 2000;

/** The id of the version derived from `parentId` over derived source `sourceId` (content-addressed). */
export function derivedVersionId(parentId: string, sourceId: string): string {
  return `ds-${sha256Hex(JSON.stringify(['derived', parentId, sourceId])).slice(0, 16)}`;
}

/** What {@link deriveRows} made: the records' rows, the split and the figures of the lineage. */
export interface DerivedRows {
  /** The valid records as source rows (row index from the parent's data-row count). */
  readonly rows: SourceRowInput[];
  /** One code per data row: the parent's rows, then the records. */
  readonly split: Uint8Array;
  /** Every valid row, the parent's then the records' (for the profile and encoders). */
  readonly records: CleanRecord[];
  readonly rowsAdded: number;
  readonly heldOutOverlap: number;
  readonly duplicates: number;
  readonly labelConflicts: number;
  readonly conflicts: EtlLineage['conflicts'][number][];
}

/** A record's features alone (its label left out), hashed as duplicates are. */
const featureKey = (r: CleanRecord): number => hashRecord({ ...r, label: 0 });

/** The first row index seen with each label, per feature key. */
type LabelsSeen = Map<number, [number, number]>;

function see(seen: LabelsSeen, r: CleanRecord, key: number): void {
  const at = seen.get(key) ?? [-1, -1];
  if (at[r.label] < 0) at[r.label] = r.index;
  seen.set(key, at);
}

/**
 * Reads the parent version's rows and places the valid records after them: a record is a duplicate
 * when an earlier row (the parent's or a record) has the same features and label, a label conflict
 * when one has the same features and the other label (both kept and flagged, as a file's rows are),
 * and joins the training split unless its features are those of a validation or test row of the
 * parent (then no split: the held-out rows stay unseen by the models trained on it).
 */
export async function deriveRows(
  datasets: DatasetRepository,
  parent: DatasetVersionRecord,
  parentSource: SourceRecord,
  feedback: FeedbackRecords,
  progress: (e: EtlProgress) => void,
): Promise<DerivedRows> {
  const firstRow = parentSource.dataRows;
  const records: CleanRecord[] = [];
  const dups = new DuplicateCounter();
  const seen: LabelsSeen = new Map();
  const heldOut = new Set<number>();
  for await (const batch of datasets.readRows(parent.sourceId)) {
    for (const row of batch) {
      const r: CleanRecord = {
        index: row.rowIndex,
        line: row.line,
        label: row.label === 'p' ? 1 : 0,
        values: [...row.features],
      };
      records.push(r);
      dups.add(r);
      const key = featureKey(r);
      see(seen, r, key);
      const s = parent.split[row.rowIndex];
      if (s === SPLIT_CODE.validation || s === SPLIT_CODE.test) heldOut.add(key);
    }
    progress({ phase: 'reuse', done: records.length, total: parentSource.validRows });
  }
  const split = new Uint8Array(firstRow + feedback.count).fill(SPLIT_CODE.none);
  split.set(parent.split.subarray(0, firstRow));
  const rows: SourceRowInput[] = [];
  const conflicts: DerivedRows['conflicts'] = [];
  let heldOutOverlap = 0;
  let labelConflicts = 0;
  const dupsBefore = dups.count;
  for (const r of feedback.valid) {
    const isDuplicate = dups.add(r);
    const key = featureKey(r);
    const other = seen.get(key)?.[1 - r.label] ?? -1;
    if (other >= 0) {
      labelConflicts++;
      if (conflicts.length < CONFLICT_SAMPLE) {
        conflicts.push({
          predictionId: feedback.origins[r.index - firstRow].predictionId,
          label: r.label === 1 ? 'p' : 'e',
          rowIndex: r.index,
          conflictsWithRow: other,
        });
      }
    }
    see(seen, r, key);
    if (heldOut.has(key)) heldOutOverlap++;
    else split[r.index] = SPLIT_CODE.train;
    records.push(r);
    rows.push({
      rowIndex: r.index,
      line: r.line,
      label: r.label === 1 ? 'p' : 'e',
      features: r.values,
      speciesIndex: null,
      isDuplicate,
      isLabelConflict: other >= 0,
    });
  }
  return {
    rows,
    split,
    records,
    rowsAdded: feedback.valid.length - heldOutOverlap,
    heldOutOverlap,
    duplicates: dups.count - dupsBefore,
    labelConflicts,
    conflicts,
  };
}

/** The lineage stored with a derived version (see {@link EtlLineage} for the figures). */
export function lineageInput(
  parentId: string,
  feedback: FeedbackRecords,
  derived: DerivedRows,
  filter: { readonly modelName: string | null; readonly labelledBefore: Date },
): DatasetLineageInput {
  return {
    parentVersionId: parentId,
    labelSource: 'feedback',
    records: feedback.count,
    rowsAdded: derived.rowsAdded,
    firstLabelledAt: feedback.firstLabelledAt,
    lastLabelledAt: feedback.lastLabelledAt,
    details: {
      quarantined: feedback.invalid,
      heldOutOverlap: derived.heldOutOverlap,
      duplicates: derived.duplicates,
      labelConflicts: derived.labelConflicts,
      labelledBefore: filter.labelledBefore.toISOString(),
      lastPredictionId: feedback.lastPredictionId,
      modelName: filter.modelName,
      models: feedback.models,
      conflicts: derived.conflicts,
    },
  };
}

/** What {@link storeDerived} writes. */
export interface DerivedVersion {
  readonly parentSource: SourceRecord;
  readonly feedback: FeedbackRecords;
  readonly derived: DerivedRows;
  readonly version: Omit<DatasetVersionRecord, 'createdAt'>;
  readonly lineage: DatasetLineageInput;
}

/**
 * Stores a derived version: over its derived source when that is stored already (the same records
 * added to another version of the same parent source: `new-version`), else the source, its rows,
 * quarantine and row origins, the version and its lineage in one transaction (`created`). A source
 * loaded meanwhile by another process is used as stored.
 */
export async function storeDerived(
  datasets: DatasetRepository,
  d: DerivedVersion,
): Promise<'created' | 'new-version'> {
  const { parentSource, feedback, derived, version, lineage } = d;
  if ((await datasets.findSource(feedback.sourceId)) !== undefined) {
    await datasets.createVersion(version, lineage);
    return 'new-version';
  }
  let load: SourceLoad;
  try {
    load = await datasets.beginSourceLoad({
      id: feedback.sourceId,
      parentSourceId: parentSource.id,
      fileName: `${parentSource.fileName} + feedback`,
      byteSize: 0,
      schemaName: parentSource.schemaName,
      delimiter: parentSource.delimiter,
    });
  } catch (e) {
    if (!isSporeprintError(e) || e.code !== 'SP_ERR_CONFLICT') throw e;
    await datasets.createVersion(version, lineage);
    return 'new-version';
  }
  try {
    for (let start = 0; start < derived.rows.length; start += ROW_BATCH) {
      await load.addRows(derived.rows.slice(start, start + ROW_BATCH));
    }
    if (feedback.quarantine.length > 0) await load.addQuarantine(feedback.quarantine);
    await load.addOrigins(feedback.origins);
    await load.finish({
      counts: {
        dataRows: parentSource.dataRows + feedback.count,
        validRows: parentSource.validRows + feedback.valid.length,
        invalidRows: parentSource.invalidRows + feedback.invalid,
        duplicateRows: parentSource.duplicateRows + derived.duplicates,
        labelConflicts: parentSource.labelConflicts + derived.labelConflicts,
      },
      version,
      lineage,
    });
  } catch (e) {
    await load.abort();
    throw e;
  }
  return 'created';
}

/** The lineage of a summary, from the stored record. */
export function etlLineage(stored: DatasetLineageInput): EtlLineage {
  const d = (stored.details ?? {}) as Partial<EtlLineage> & { labelledBefore?: string };
  return {
    parentId: stored.parentVersionId,
    labelSource: stored.labelSource,
    records: stored.records,
    rowsAdded: stored.rowsAdded,
    quarantined: d.quarantined ?? 0,
    heldOutOverlap: d.heldOutOverlap ?? 0,
    duplicates: d.duplicates ?? 0,
    labelConflicts: d.labelConflicts ?? 0,
    firstLabelledAt: stored.firstLabelledAt?.toISOString() ?? null,
    lastLabelledAt: stored.lastLabelledAt?.toISOString() ?? null,
    labelledBefore: d.labelledBefore ?? '',
    lastPredictionId: d.lastPredictionId ?? null,
    modelName: d.modelName ?? null,
    models: d.models ?? [],
    conflicts: d.conflicts ?? [],
  };
}
