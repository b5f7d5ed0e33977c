/**
 * Conversions and checks between the public feedback records and their table rows. Bad values are
 * refused, never coerced.
 */
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import type { Label } from '../datasets/dataset-types.js';
import type { FeedbackTable } from './feedback-tables.js';
import type { FeedbackRecord } from './feedback-types.js';

/** Refuses anything but `e` or `p`. */
export function checkLabel(label: unknown, predictionId: string): asserts label is Label {
  if (label !== 'e' && label !== 'p') {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `True label "${String(label)}" of prediction ${predictionId} must be 'e' or 'p'`,
    );
  }
}

/** `e (edible)` / `p (poisonous)`, for messages. */
export function describeLabel(label: string): string {
  return label === 'e' ? "'e' (edible)" : label === 'p' ? "'p' (poisonous)" : `'${label}'`;
}

/** A {@link FeedbackRecord} from its row. */
export function feedbackFromRow(row: Selectable<FeedbackTable>): FeedbackRecord {
  return {
    predictionId: row.prediction_id,
    trueLabel: row.true_label as Label,
    createdAt: new Date(row.created_at),
    source: row.source,
    note: row.note,
  };
}
