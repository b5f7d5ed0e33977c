/**
 * The table of true labels reported for predictions.
 * Part of `DatabaseSchema` (`db/database-schema.ts`), whose conventions they follow. Internal to
 * storage: the repositories translate rows to the records of their public interfaces.
 */
export interface FeedbackTables {
  feedback: FeedbackTable;
}

/** The true label of one prediction, at most one per prediction. */
export interface FeedbackTable {
  prediction_id: string;
  true_label: string;
  created_at: string;
  source: string | null;
  note: string | null;
}
