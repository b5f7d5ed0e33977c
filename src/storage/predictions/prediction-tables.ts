/**
 * The tables of the prediction log and the batch journal.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface PredictionTables {
  predictions: PredictionsTable;
  prediction_journal: PredictionJournalTable;
}

/** One logged prediction (written by group commit on the serving path). */
export interface PredictionsTable {
  id: string;
  created_at: string;
  model_name: string;
  model_version: number;
  arm: string | null;
  /** The experiment of `arm` (migration 0005). */
  experiment_id: string | null;
  client_id: string | null;
  /** Scored in shadow: the id of the answered prediction (migration 0005). */
  shadow_of: string | null;
  input: string;
  output: string;
  decision: string;
  probability: number;
  latency_us: number;
  request_kind: string;
  /**
   * The true label of the request ('e' | 'p'), copied from its feedback (the row's own, or for a shadow
   * row its answered prediction's) in the transaction that stores the feedback (migration 0007).
   */
  true_label?: string | null;
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
  /** Migration 0005. */
  experiment_id: string | null;
  client_id: string | null;
  request_kind: string;
  predictions: number;
  chunks: string;
  records: string;
  items: string;
}
