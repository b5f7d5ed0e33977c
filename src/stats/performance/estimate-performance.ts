import { badParam, checkCount } from '../drift/samples.js';
import { checkProbabilities } from './check-inputs.js';

/** Anything that maps a score to a calibrated probability (e.g. an {@link IsotonicCalibrator}). */
export interface Calibrator {
  calibrate(p: number): number;
}

/** Options of {@link estimatePerformance}. */
export interface EstimateOptions {
  /** Predicted poisonous when the served score p ≥ threshold (default 0.5); ignored with `decisions`. */
  readonly threshold?: number;
  /**
   * The answers actually served, one per score: 0 edible, 1 poisonous, 2 uncertain (a decision policy
   * with an abstention band). Uncertain rows are left out of the confusion matrix and counted apart.
   */
  readonly decisions?: ArrayLike<number>;
  /** Rows each score stands for (default 1): aggregated input such as `GROUP BY ROUND(p, 4), decision`. */
  readonly weights?: ArrayLike<number>;
  /** Maps served scores to calibrated probabilities before taking expectations (default: none). */
  readonly calibrator?: Calibrator;
}

/** The expected confusion matrix, poisonous = positive, over rows answered edible or poisonous. */
export interface ExpectedConfusion {
  /** Σ p over rows answered poisonous. */
  readonly truePositive: number;
  /** Σ (1 − p) over rows answered poisonous. */
  readonly falsePositive: number;
  /** Σ (1 − p) over rows answered edible. */
  readonly trueNegative: number;
  /** Σ p over rows answered edible: the expected false-edible count. */
  readonly falseNegative: number;
}

/**
 * Performance estimated without labels (NannyML's CBPE): every row is poisonous with its calibrated
 * probability p, so the confusion matrix has an expected value and so does every metric built on it.
 * Field names mirror the labelled metrics (`evaluateDecisions`) so the two can be shown side by side.
 * A ratio whose expected denominator is 0 is null.
 */
export interface EstimatedPerformance {
  readonly estimated: true;
  readonly rows: number;
  readonly answered: number;
  readonly uncertain: number;
  readonly confusion: ExpectedConfusion;
  /** (TP + TN) / answered. */
  readonly accuracyAnswered: number | null;
  /** TP / (TP + FN): poisonous recall among answered rows. */
  readonly recallAnswered: number | null;
  /** Poisonous recall over all rows, counting "uncertain" as caught: (TP + Σp_uncertain)/Σp. */
  readonly recall: number | null;
  /** TP / (TP + FP). */
  readonly precision: number | null;
  /** Expected poisonous rows answered edible (= FN). */
  readonly falseEdible: number;
  /** falseEdible / rows answered edible (0 when nothing was answered edible, as evaluateDecisions). */
  readonly falseEdibleShare: number;
  readonly uncertainShare: number;
  /** Σp / rows: the expected poisonous share of the window. */
  readonly expectedPoisonousShare: number;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/**
 * Confidence-based performance estimation (NannyML's CBPE) for the binary poisonous/edible decision:
 * expected TP = Σ p over rows predicted poisonous, FP = Σ (1 − p) over them, FN = Σ p over rows
 * predicted edible, TN = Σ (1 − p) over them, with p the calibrated probability; the metrics are the
 * ratios of these sums. Valid when the probabilities are calibrated for the current data (no concept
 * drift): fit the calibrator on the validation split and use it only where it lowers the expected
 * calibration error. Throws SP_ERR_BAD_PARAM naming the argument on bad input.
 *
 * @example
 * estimatePerformance(pServed, { threshold: 0.5, calibrator }).accuracyAnswered;
 */
export function estimatePerformance(
  p: ArrayLike<number>,
  options: EstimateOptions = {},
): EstimatedPerformance {
  checkProbabilities(p, 'p');
  const threshold = options.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1))
    badParam('options.threshold', `must be in [0, 1], got ${threshold}`);
  const { decisions, weights, calibrator } = options;
  if (decisions !== undefined && decisions.length !== p.length) {
    badParam(
      'options.decisions',
      `must have one decision per score (${p.length} scores, ${decisions.length} decisions)`,
    );
  }
  if (weights !== undefined && weights.length !== p.length) {
    badParam(
      'options.weights',
      `must have one weight per score (${p.length} scores, ${weights.length} weights)`,
    );
  }
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let rows = 0;
  let uncertain = 0;
  let pUncertain = 0;
  for (let i = 0; i < p.length; i++) {
    const w = weights === undefined ? 1 : checkCount(weights[i], `options.weights[${i}]`);
    const d = decisions === undefined ? (p[i] >= threshold ? 1 : 0) : decisions[i];
    if (d !== 0 && d !== 1 && d !== 2) badParam(`options.decisions[${i}]`, `must be 0, 1 or 2, got ${d}`);
    const q = calibrator === undefined ? p[i] : calibrator.calibrate(p[i]);
    if (!(q >= 0 && q <= 1)) badParam('options.calibrator', `returned ${q} for score ${p[i]}`);
    rows += w;
    if (d === 2) {
      uncertain += w;
      pUncertain += w * q;
    } else if (d === 1) {
      tp += w * q;
      fp += w * (1 - q);
    } else {
      fn += w * q;
      tn += w * (1 - q);
    }
  }
  if (rows === 0) badParam('p', 'needs at least one row');
  const answered = rows - uncertain;
  const edibleAnswers = tn + fn;
  return {
    estimated: true,
    rows,
    answered,
    uncertain,
    confusion: { truePositive: tp, falsePositive: fp, trueNegative: tn, falseNegative: fn },
    accuracyAnswered: ratio(tp + tn, answered),
    recallAnswered: ratio(tp, tp + fn),
    recall: ratio(tp + pUncertain, tp + fn + pUncertain),
    precision: ratio(tp, tp + fp),
    falseEdible: fn,
    falseEdibleShare: edibleAnswers > 0 ? fn / edibleAnswers : 0,
    uncertainShare: uncertain / rows,
    expectedPoisonousShare: (tp + fn + pUncertain) / rows,
  };
}
