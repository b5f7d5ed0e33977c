import type { Generated } from 'kysely';

/**
 * The tables of imported sources and dataset versions.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface DatasetTables {
  sources: SourcesTable;
  source_rows: SourceRowsTable;
  quarantine_rows: QuarantineRowsTable;
  dataset_versions: DatasetVersionsTable;
  source_row_origins: SourceRowOriginsTable;
  dataset_lineage: DatasetLineageTable;
}

/** One imported file, identified by the sha256 of its content. */
export interface SourcesTable {
  id: string;
  file_name: string;
  byte_size: number;
  schema_name: string;
  delimiter: string;
  data_rows: number;
  valid_rows: number;
  invalid_rows: number;
  duplicate_rows: number;
  label_conflicts: number;
  created_at: string;
  /** A derived source (migration 0011): its parent's rows come first, then its own. */
  parent_source_id: string | null;
}

/** One valid data row of a source, normalised. */
export interface SourceRowsTable {
  source_id: string;
  row_index: number;
  line_no: number;
  label: string;
  features: string;
  species_index: number | null;
  is_duplicate: number;
  is_label_conflict: number;
}

/** One reason a data row was quarantined (a row may have several). */
export interface QuarantineRowsTable {
  id: Generated<number>;
  source_id: string;
  row_index: number;
  line_no: number;
  column_name: string | null;
  value: string | null;
  reason: string;
}

/** An immutable dataset version: a split of a source plus its profile and fitted preprocessing. */
export interface DatasetVersionsTable {
  id: string;
  source_id: string;
  schema_name: string;
  split_kind: string;
  seed: number;
  params: string;
  split_assignment: Uint8Array;
  counts: string;
  profile: string;
  preprocessing: string;
  created_at: string;
}

/** Where an own data row of a derived source came from: the prediction it was made of (migration 0011). */
export interface SourceRowOriginsTable {
  source_id: string;
  row_index: number;
  prediction_id: string;
}

/** The lineage of a derived dataset version: its parent and the labelled records added (migration 0011). */
export interface DatasetLineageTable {
  version_id: string;
  parent_version_id: string;
  label_source: string;
  records: number;
  rows_added: number;
  first_labelled_at: string | null;
  last_labelled_at: string | null;
  details: string;
  created_at: string;
}
