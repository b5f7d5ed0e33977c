import type { Generated } from 'kysely';

/**
 * Kysely's view of the tables, as created by the migrations. Internal to storage: repositories
 * translate rows to the plain records of their public interfaces.
 *
 * Conventions shared by every table (now and in later migrations): string ids, timestamps as
 * ISO-8601 UTC text with milliseconds (`2024-05-01T12:00:00.000Z`, sortable on both dialects),
 * booleans as 0/1 integers, structured values as JSON text.
 */
export interface DatabaseSchema {
  sources: SourcesTable;
  source_rows: SourceRowsTable;
  quarantine_rows: QuarantineRowsTable;
  dataset_versions: DatasetVersionsTable;
  training_runs: TrainingRunsTable;
  artifacts: ArtifactsTable;
  registered_models: RegisteredModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  registry_events: RegistryEventsTable;
  predictions: PredictionsTable;
  prediction_journal: PredictionJournalTable;
  feedback: FeedbackTable;
  api_keys: ApiKeysTable;
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

/** One training run: started `running`, finished once as `succeeded` or `failed`. */
export interface TrainingRunsTable {
  id: string;
  dataset_id: string;
  model_kind: string;
  model_name: string;
  params: string;
  code_version: string;
  status: string;
  metrics: string | null;
  durations: string | null;
  artifact_sha256: string | null;
  artifact_bytes: number | string | null;
  warnings: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

/** One content-addressed artifact of the database artifact store. */
export interface ArtifactsTable {
  sha256: string;
  bytes: Uint8Array;
  size: number | string;
  created_at: string;
}

/** A registered model: a name grouping numbered versions. */
export interface RegisteredModelsTable {
  name: string;
  description: string;
  created_at: string;
}

/** One version of a registered model (numbered per model from 1). */
export interface ModelVersionsTable {
  model_name: string;
  version: number;
  run_id: string;
  dataset_id: string;
  source_sha256: string;
  artifact_sha256: string;
  artifact_store: string;
  metrics: string;
  params: string;
  tags: string;
  description: string;
  author: string;
  stage: string;
  created_at: string;
}

/** A named pointer (champion, challenger, …) to one version of a model. */
export interface ModelAliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
}

/** The append-only registry history. */
export interface RegistryEventsTable {
  id: Generated<number>;
  model_name: string;
  version: number;
  event: string;
  from_stage: string | null;
  to_stage: string | null;
  alias: string | null;
  actor: string;
  reason: string | null;
  metrics: string;
  forced: number;
  created_at: string;
}

/** One logged prediction (written by group commit on the serving path). */
export interface PredictionsTable {
  id: string;
  created_at: string;
  model_name: string;
  model_version: number;
  arm: string | null;
  client_id: string | null;
  input: string;
  output: string;
  decision: string;
  probability: number;
  latency_us: number;
  request_kind: string;
}

/**
 * One durable batch request whose `predictions` rows are not all written yet: the records as received
 * and the items as answered (JSON texts), what the batch's predictions share, and `chunks`, a JSON
 * array of `{ start, createdAt, latencyUs }` (items from `start` were predicted together).
 */
export interface PredictionJournalTable {
  id: string;
  created_at: string;
  /** The process that answered it: `host:pid:token`. */
  owner: string;
  model_name: string;
  model_version: number;
  schema_name: string;
  arm: string | null;
  client_id: string | null;
  request_kind: string;
  predictions: number;
  chunks: string;
  records: string;
  items: string;
}

/** The true label of one prediction, at most one per prediction. */
export interface FeedbackTable {
  prediction_id: string;
  true_label: string;
  created_at: string;
  source: string | null;
  note: string | null;
}

/** One API key: only the SHA-256 hex digest of its secret is stored. */
export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}
