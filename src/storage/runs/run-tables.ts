/**
 * The table of training runs.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface RunTables {
  training_runs: TrainingRunsTable;
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
