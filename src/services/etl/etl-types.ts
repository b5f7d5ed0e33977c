import type { DatasetProfile, SchemaName, SplitRatios } from '../../data/index.js';
import type { QuarantineRecord, SplitKind } from '../../storage/index.js';

/** What `sporeprint etl` asks for. */
export interface EtlRequest {
  /** Path of the CSV file to load. */
  readonly source: string;
  readonly schema?: 'auto' | SchemaName;
  readonly split?: SplitKind;
  readonly seed?: number;
  readonly ratios?: SplitRatios;
  /** Share of invalid rows (0–1) above which the run fails; default from config (0.01). */
  readonly invalidThreshold?: number;
  /** primary_data.csv for species checks; defaults to the one beside the source, else the bundled one. */
  readonly speciesFile?: string;
  readonly onProgress?: (event: EtlProgress) => void;
}

/**
 * What `sporeprint etl --include-feedback` and the retrain pipeline ask for: a new dataset version made
 * of a parent version's rows plus the labelled production records.
 */
export interface FeedbackEtlRequest {
  /** The parent dataset version: an id, or `latest`. */
  readonly parent: string;
  /** Only predictions of this registered model (default: every model of the parent's schema). */
  readonly modelName?: string;
  /**
   * Only labels recorded before this time (default: now): the snapshot of the feedback. A pipeline
   * fixes it once per run, so that a repeated attempt reads the same records.
   */
  readonly labelledBefore?: Date;
  readonly onProgress?: (event: EtlProgress) => void;
}

/** Progress of a run: `done` of `total` units (bytes while reading, rows while profiling). */
export interface EtlProgress {
  readonly phase: 'hash' | 'validate' | 'load' | 'reuse' | 'feedback';
  readonly done: number;
  readonly total: number;
}

/** A label conflict as reported: a row whose class contradicts its species. */
export interface LabelConflictSummary {
  readonly line: number;
  readonly rowIndex: number;
  readonly species: string;
  readonly expected: 'e' | 'p';
  readonly actual: 'e' | 'p';
}

/** The result of an ETL run, printed by the CLI (`--json` prints it as is). */
export interface EtlSummary {
  /** `created`: new source and version; `new-version`: new split over a stored source; `unchanged`: no-op. */
  readonly status: 'created' | 'new-version' | 'unchanged';
  readonly datasetId: string;
  readonly sourceId: string;
  readonly fileName: string;
  readonly schema: SchemaName;
  readonly splitKind: SplitKind;
  readonly seed: number;
  readonly ratios: SplitRatios;
  readonly invalidThreshold: number;
  readonly rows: {
    readonly data: number;
    readonly valid: number;
    readonly invalid: number;
    readonly duplicates: number;
    readonly labelConflicts: number;
  };
  readonly species: { readonly derived: boolean; readonly count: number; readonly reason: string | null };
  readonly labelConflicts: readonly LabelConflictSummary[];
  readonly quarantine: { readonly total: number; readonly sample: readonly QuarantineRecord[] };
  readonly profile: DatasetProfile;
  /** A version derived from a parent version plus labelled production records: where it came from. */
  readonly lineage?: EtlLineage;
  readonly durationMs: number;
}

/**
 * The lineage of a derived dataset version: its parent, and the labelled production records it adds.
 * Every parent row keeps the parent's split; a valid record joins the training split, unless its
 * features equal a validation or test row of the parent (then it joins no split, so that the held-out
 * rows stay unseen and the quality gate compares on the same rows as for the parent).
 */
export interface EtlLineage {
  readonly parentId: string;
  /** `feedback`: true labels reported for logged predictions. */
  readonly labelSource: 'feedback';
  /** Records read: answered predictions with a true label, one per prediction request. */
  readonly records: number;
  /** Records that joined the training split. */
  readonly rowsAdded: number;
  /** Records whose stored input failed validation (quarantined). */
  readonly quarantined: number;
  /** Valid records with the features of a validation or test row of the parent (in no split). */
  readonly heldOutOverlap: number;
  /** Records that repeat an earlier row exactly (features and label): kept, flagged. */
  readonly duplicates: number;
  /** Records whose features appear with the other label in an earlier row: kept, flagged. */
  readonly labelConflicts: number;
  /** When the first and last labels read were recorded (ISO), and the snapshot's end. */
  readonly firstLabelledAt: string | null;
  readonly lastLabelledAt: string | null;
  readonly labelledBefore: string;
  /** The last prediction read (prediction-id order). */
  readonly lastPredictionId: string | null;
  /** The model filter, or `null` for every model of the schema. */
  readonly modelName: string | null;
  /** Records per model version. */
  readonly models: readonly {
    readonly modelName: string;
    readonly modelVersion: number;
    readonly records: number;
  }[];
  /** The first label conflicts: the record's prediction, its label, and the earlier row it contradicts. */
  readonly conflicts: readonly {
    readonly predictionId: string;
    readonly label: 'e' | 'p';
    readonly rowIndex: number;
    readonly conflictsWithRow: number;
  }[];
}

/** Parameters that, with the source hash, identify a dataset version. */
export interface VersionParams {
  readonly schema: SchemaName;
  readonly split: SplitKind;
  readonly seed: number;
  readonly ratios: SplitRatios;
  readonly invalidThreshold: number;
}

/** The held-out (test split) rows of a dataset version, as records with their true class. */
export interface HeldOutRecords {
  readonly datasetId: string;
  readonly schemaName: string;
  readonly records: readonly {
    readonly record: Readonly<Record<string, string | number>>;
    readonly label: 'e' | 'p';
  }[];
}

/** Held-out rows of species the model was never trained on, with the species of each row. */
export interface UnseenSpeciesRecords extends HeldOutRecords {
  readonly splitKind: string;
  /** The distinct species indexes sent (positions in primary_data.csv), ascending. */
  readonly species: readonly number[];
  /** The species index of each record, in order. */
  readonly speciesOfRows: readonly number[];
}
