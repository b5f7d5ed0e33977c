import type { FeatureInfo, Matrix } from '../core/index.js';

/**
 * The estimator contract every learner follows (scikit-learn's, adapted to typed arrays).
 *
 * - The constructor only stores hyper-parameters (validated, with defaults, including a `seed`).
 * - `fit(X, y, options)` validates its input, resets any previous state, learns, and returns `this`.
 * - Labels are binary: `y[i]` is 1 for the positive class (poisonous, `p`) and 0 for edible (`e`).
 *   {@link BINARY_CLASSES} fixes that order: probabilities are always P(poisonous).
 * - Predicting before fitting throws `NotFittedError`.
 * - `toJSON()` returns versioned plain data; each learner has `static fromJSON(json)` that validates the
 *   data against its JSON Schema and returns a fitted estimator with bit-identical predictions.
 */
export interface Estimator<P extends object = Record<string, unknown>> {
  /** A stable tag of the learner: `logistic-regression`, `decision-tree`, `gradient-boosting`. */
  readonly kind: string;
  fit(X: Matrix, y: Uint8Array, options?: FitOptions): this;
  /** P(poisonous) per row; writes into `out` when given (length `X.rows`). */
  predictProba(X: Matrix, out?: Float64Array): Float64Array;
  /** The raw score (log-odds) per row, the quantity explanations add up to. */
  decisionFunction(X: Matrix, out?: Float64Array): Float64Array;
  /** Hard labels at threshold 0.5 on P(poisonous). */
  predict(X: Matrix): Uint8Array;
  getParams(): Readonly<P>;
  toJSON(): EstimatorJSON;
}

/** Options of a single `fit` call (data-dependent, unlike hyper-parameters). */
export interface FitOptions {
  /** Per-column kind; tree learners split categorical columns on codes. Defaults to all numeric. */
  readonly features?: readonly FeatureInfo[];
  /** Per-row weights (default 1). */
  readonly sampleWeight?: Float64Array;
  /** A validation set for early stopping (gradient boosting). */
  readonly evalSet?: { readonly X: Matrix; readonly y: Uint8Array };
  /** Called with progress in [0, 1] during long fits. */
  readonly onProgress?: (fraction: number) => void;
}

/** The serialised form of a fitted estimator. */
export interface EstimatorJSON {
  readonly formatVersion: number;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  readonly featureNames: readonly string[];
  readonly [key: string]: unknown;
}

/** Probability column order: index 0 = edible, index 1 = poisonous (the positive class). */
export const BINARY_CLASSES = ['e', 'p'] as const;
