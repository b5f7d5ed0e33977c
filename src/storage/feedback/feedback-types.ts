import type { DatasetSchemaName, Label } from '../datasets/dataset-types.js';
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

/** Which labelled production records {@link FeedbackRepository.labelledRecords} reads. */
export interface LabelledRecordOptions {
  /** Only predictions of model versions trained on a dataset version of this schema. */
  readonly schemaName: DatasetSchemaName;
  /** Only predictions of this registered model (default: every model). */
  readonly modelName?: string;
  /** Only labels recorded before this time (default: all). */
  readonly labelledBefore?: Date;
  /** Records per batch (default 2,000). */
  readonly batchSize?: number;
}

/** A labelled production record: the stored input of an answered prediction with its true label. */
export interface LabelledRecord {
  readonly predictionId: string;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly predictedAt: Date;
  /** When the label was recorded (or last replaced). */
  readonly labelledAt: Date;
  /** `predictions.true_label`: the feedback label of the request. */
  readonly trueLabel: Label;
  /** The features as logged: JSON text, an object keyed by feature name. */
  readonly input: string;
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
  /**
   * The labelled production records of a dataset schema, in batches ordered by prediction id: one per
   * prediction request (answered predictions only, never the rows that scored a request in shadow),
   * each with its stored input. A prediction's schema is that of the dataset version its model version
   * was trained on, so predictions of versions missing from the registry are left out. Rejects bad
   * options with `SP_ERR_USAGE`.
   */
  labelledRecords(options: LabelledRecordOptions): AsyncIterable<LabelledRecord[]>;
}
