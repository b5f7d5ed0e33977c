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

/** Progress of a run: `done` of `total` units (bytes while reading, rows while profiling). */
export interface EtlProgress {
  readonly phase: 'hash' | 'validate' | 'load' | 'reuse';
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
  readonly durationMs: number;
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
