/** A dataset schema known to the ETL stage. */
export type DatasetSchemaName = 'secondary' | 'classic';

/** How a dataset version's rows were split. */
export type SplitKind = 'stratified' | 'species';

/** A class label: edible or poisonous. */
export type Label = 'e' | 'p';

/** One normalised feature value; `null` means missing. */
export type FeatureValue = string | number | null;

/** Codes of {@link DatasetVersionRecord.split}: one byte per data row. */
export const SPLIT_CODE = { train: 0, validation: 1, test: 2, none: 255 } as const;

/** What is known about a source file when its load begins. */
export interface SourceInput {
  /** sha256 hex of the file content (64 lower-case hex characters). */
  readonly id: string;
  readonly fileName: string;
  readonly byteSize: number;
  readonly schemaName: DatasetSchemaName;
  readonly delimiter: string;
  /**
   * A derived source: the stored source whose rows come first. The derived source stores only its own
   * rows, from row index = the parent's data-row count; reading it yields the parent's rows, then them.
   */
  readonly parentSourceId?: string;
  /** Defaults to now. */
  readonly createdAt?: Date;
}

/** Row counts of a source, known when its load finishes. */
export interface SourceCounts {
  readonly dataRows: number;
  readonly validRows: number;
  readonly invalidRows: number;
  readonly duplicateRows: number;
  readonly labelConflicts: number;
}

/**
 * A stored source: a file, or a source derived from a parent (its counts include the parent's rows).
 */
export interface SourceRecord extends SourceCounts {
  readonly id: string;
  readonly fileName: string;
  readonly byteSize: number;
  readonly schemaName: DatasetSchemaName;
  readonly delimiter: string;
  /** The parent of a derived source, else `null`. */
  readonly parentSourceId: string | null;
  readonly createdAt: Date;
}

/** One valid, normalised data row of a source. */
export interface SourceRow {
  /** 0-based index among the file's data rows (header excluded); indexes {@link DatasetVersionRecord.split}. */
  readonly rowIndex: number;
  /** 1-based line number in the file. */
  readonly line: number;
  readonly label: Label;
  /** Normalised values in the schema's column order; numbers must be finite. */
  readonly features: readonly FeatureValue[];
  /** Species block of the row (secondary data in generation order), else `null`. */
  readonly speciesIndex: number | null;
  readonly isDuplicate: boolean;
  readonly isLabelConflict: boolean;
}

/** A row as handed to {@link SourceLoad.addRows}: the same shape as it is read back. */
export type SourceRowInput = SourceRow;

/** One reason a data row was quarantined. */
export interface QuarantineInput {
  readonly rowIndex: number;
  readonly line: number;
  /** The offending column, or `null` when the problem concerns the whole row. */
  readonly column: string | null;
  /** The offending raw value, or `null`. */
  readonly value: string | null;
  readonly reason: string;
}

/** Where an own data row of a derived source came from: the prediction whose input and label it is. */
export interface RowOrigin {
  readonly rowIndex: number;
  /** At most 36 characters. */
  readonly predictionId: string;
}

/** Where the new labels of a derived dataset version came from. */
export type LabelSource = 'feedback';

/** The label sources of {@link LabelSource}. */
export const LABEL_SOURCES: readonly LabelSource[] = ['feedback'];

/** What a derived dataset version adds to its parent version. */
export interface DatasetLineageInput {
  readonly parentVersionId: string;
  /** `feedback`: true labels reported for logged predictions. */
  readonly labelSource: LabelSource;
  /** Records read (one per labelled prediction request). */
  readonly records: number;
  /** Of them, the rows that joined a split (the others were quarantined or kept out). */
  readonly rowsAdded: number;
  /** When the first and the last of their labels were recorded; `null` without records. */
  readonly firstLabelledAt: Date | null;
  readonly lastLabelledAt: Date | null;
  /** Further figures and the filters used (any JSON value). */
  readonly details: unknown;
}

/** The stored lineage of a derived dataset version. */
export interface DatasetLineageRecord extends DatasetLineageInput {
  readonly versionId: string;
  readonly createdAt: Date;
}

/** A stored quarantine entry; `id` orders entries as they were added. */
export interface QuarantineRecord extends QuarantineInput {
  readonly id: number;
}

/** A new dataset version. JSON fields take any JSON-serialisable value. */
export interface DatasetVersionInput {
  /** Unique id, e.g. `'ds-' + 16 hex` derived from the source hash and the parameters. */
  readonly id: string;
  readonly sourceId: string;
  readonly schemaName: DatasetSchemaName;
  readonly splitKind: SplitKind;
  readonly seed: number;
  /** Split parameters (ratios, thresholds, …). */
  readonly params: unknown;
  /** One {@link SPLIT_CODE} byte per data row of the source. */
  readonly split: Uint8Array;
  /** Rows per class and split. */
  readonly counts: unknown;
  readonly profile: unknown;
  /** Fitted, serialised preprocessing (encoders). */
  readonly preprocessing: unknown;
  /** Defaults to now. */
  readonly createdAt?: Date;
}

/** A stored dataset version. */
export interface DatasetVersionRecord extends DatasetVersionInput {
  readonly createdAt: Date;
}

/** One line of {@link DatasetRepository.listVersions}. */
export interface DatasetVersionSummary {
  readonly id: string;
  readonly sourceId: string;
  readonly fileName: string;
  readonly schemaName: DatasetSchemaName;
  readonly splitKind: SplitKind;
  readonly seed: number;
  readonly counts: unknown;
  /** The parent of a derived version (see {@link DatasetRepository.findLineage}), else `null`. */
  readonly parentId: string | null;
  readonly createdAt: Date;
}

/** Paging of list reads. */
export interface PageOptions {
  readonly limit?: number;
  readonly offset?: number;
}

/** What {@link SourceLoad.finish} needs: final counts and the first version over the source. */
export interface SourceLoadFinish {
  readonly counts: SourceCounts;
  readonly version: DatasetVersionInput;
  /** The version's lineage, for a derived source's version. */
  readonly lineage?: DatasetLineageInput;
}

/**
 * One source load, all in a single database transaction: nothing is visible to other readers until
 * {@link finish} commits, and an {@link abort}, a failed call or a crash leaves nothing behind. After
 * a failed call the transaction is already rolled back and every further call rejects.
 */
export interface SourceLoad {
  /** Adds valid rows (any batch size; they are re-batched for the database). */
  addRows(rows: readonly SourceRowInput[]): Promise<void>;
  /** Adds quarantine entries. */
  addQuarantine(items: readonly QuarantineInput[]): Promise<void>;
  /** Adds where own rows of a derived source came from (valid or quarantined rows). */
  addOrigins(origins: readonly RowOrigin[]): Promise<void>;
  /**
   * Clears the species index and label-conflict flag of every row loaded so far: for rows stored with
   * species assumed from the generation order when the whole file proved not to be in that order.
   */
  clearSpecies(): Promise<void>;
  /** Stores the final counts and the version, then commits. */
  finish(final: SourceLoadFinish): Promise<void>;
  /** Rolls everything back. Safe to call more than once, and after a failure. */
  abort(): Promise<void>;
}

/** Whether {@link DatasetRepository.createVersion} stored a new version or found it there already. */
export type CreateVersionResult = 'created' | 'exists';

/** Sources, their rows and quarantine, and dataset versions. */
export interface DatasetRepository {
  /** The source with this id, or `undefined`. */
  findSource(id: string): Promise<SourceRecord | undefined>;
  /** The version with this id, or `undefined`. */
  findVersion(id: string): Promise<DatasetVersionRecord | undefined>;
  /** Version summaries, newest first. */
  listVersions(options?: PageOptions): Promise<DatasetVersionSummary[]>;
  /** The newest version, or `undefined` when there is none. */
  latestVersion(): Promise<DatasetVersionRecord | undefined>;
  /**
   * A source's rows in `rowIndex` order, in batches: for a derived source, its parent's rows (read the
   * same way) and then its own. Rejects with `SP_ERR_NOT_FOUND` for an unknown source.
   */
  readRows(sourceId: string, options?: { readonly batchSize?: number }): AsyncIterable<SourceRow[]>;
  /**
   * A page of a source's quarantine entries, in the order they were added (a derived source's include
   * its parent's, first).
   */
  readQuarantine(sourceId: string, options?: PageOptions): Promise<QuarantineRecord[]>;
  /** How many quarantine entries a source has (with its parent's, for a derived source). */
  countQuarantine(sourceId: string): Promise<number>;
  /** Where the own rows of a derived source came from, in row order (empty for a file's source). */
  readOrigins(sourceId: string): Promise<RowOrigin[]>;
  /** The lineage of a derived dataset version, or `undefined` (a version made from a file). */
  findLineage(versionId: string): Promise<DatasetLineageRecord | undefined>;
  /**
   * Starts an atomic load of a new source. Rejects with `SP_ERR_CONFLICT` when the source is
   * already stored (add a version with {@link createVersion} instead), and with `SP_ERR_NOT_FOUND` when
   * the parent of a derived source is not. A derived source's rows, quarantine entries and origins
   * must have row indexes from the parent's data-row count on (`SP_ERR_BAD_DATA` otherwise).
   *
   * On SQLite the load holds the only connection: other calls on the same storage wait until the
   * load finishes or aborts, so do not await them in between.
   */
  beginSourceLoad(source: SourceInput): Promise<SourceLoad>;
  /**
   * Adds a version over a stored source (with its lineage, for a derived version), in its own
   * transaction. Returns `'exists'` (and changes nothing) when a version with this id is already
   * stored, so re-runs are no-ops. Rejects with `SP_ERR_NOT_FOUND` when the source or the lineage's
   * parent version is unknown.
   */
  createVersion(version: DatasetVersionInput, lineage?: DatasetLineageInput): Promise<CreateVersionResult>;
}
