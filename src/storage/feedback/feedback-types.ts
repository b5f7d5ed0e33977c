import type { Label } from '../datasets/dataset-types.js';
import type { PredictionDecision, PredictionFilter } from '../predictions/prediction-types.js';

/** A true label reported for a prediction. */
export interface FeedbackInput {
  readonly predictionId: string;
  readonly trueLabel: Label;
  /** Who or what reported it (API key id, `lab`, …), at most 255 characters. */
  readonly source?: string | null;
  readonly note?: string | null;
  /**
   * Replace a different label already recorded for this prediction (a correction). Without it, a
   * different label is refused with `SP_ERR_CONFLICT`.
   */
  readonly replace?: boolean;
  /** Defaults to now. */
  readonly createdAt?: Date;
}

/** A stored true label. */
export interface FeedbackRecord {
  readonly predictionId: string;
  readonly trueLabel: Label;
  readonly createdAt: Date;
  readonly source: string | null;
  readonly note: string | null;
}

/**
 * What {@link FeedbackRepository.record} did: `created` (first label), `unchanged` (the same label
 * again: nothing written), `replaced` (a different label, with `replace: true`).
 */
export type FeedbackOutcome = 'created' | 'unchanged' | 'replaced';

/** A labelled prediction: what the model said beside the truth. */
export interface LabelledPrediction {
  readonly predictionId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly arm: string | null;
  readonly decision: PredictionDecision;
  readonly probability: number;
  readonly predictedAt: Date;
  readonly trueLabel: Label;
  readonly labelledAt: Date;
}

/** Filters and paging of {@link FeedbackRepository.joined} (times are prediction times). */
export interface LabelledPredictionOptions extends PredictionFilter {
  /** Default: all. */
  readonly limit?: number;
  readonly offset?: number;
}

/** True labels reported after the fact, by prediction id: the ground truth of A/B tests and monitoring. */
export interface FeedbackRepository {
  /**
   * Records the true label of a prediction. Idempotent: the same label again is `unchanged` (the
   * first source, note and time are kept). A different label is refused with `SP_ERR_CONFLICT`
   * naming both labels, unless `replace: true`. An unknown prediction rejects with `SP_ERR_NOT_FOUND`.
   */
  record(input: FeedbackInput): Promise<FeedbackOutcome>;
  /** The label of this prediction, or `undefined`. */
  get(predictionId: string): Promise<FeedbackRecord | undefined>;
  /** Labelled predictions matching the filter, oldest prediction first. */
  joined(options?: LabelledPredictionOptions): Promise<LabelledPrediction[]>;
}
