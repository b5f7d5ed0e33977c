import { SporeprintError } from '../../core/index.js';

/** Confusion counts with poisonous (1) as the positive class. */
export interface Confusion {
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  readonly tp: number;
}

/** Binary metrics with poisonous as the positive class (recall and false-edible first). */
export interface BinaryMetrics {
  /** Poisonous recall tp / (tp + fn). */
  readonly recall: number;
  /** Poisonous rows predicted edible (= fn): the deadly error. */
  readonly falseEdible: number;
  readonly n: number;
  readonly accuracy: number;
  /** tp / (tp + fp); 0 when nothing is predicted poisonous (scikit-learn's zero_division). */
  readonly precision: number;
  readonly f1: number;
  /** F-beta with beta = 2 (recall weighs more). */
  readonly f2: number;
  readonly rocAuc: number;
  /** Average precision, as scikit-learn's `average_precision_score`. */
  readonly prAuc: number;
  /** Mean log loss with probabilities clipped to [1e-15, 1 − 1e-15]. */
  readonly logLoss: number;
  readonly brier: number;
  readonly confusion: Confusion;
  /** Edible rows predicted poisonous (= fp). */
  readonly falsePoisonous: number;
}

/** Throws SP_ERR_BAD_DATA unless y is binary and p a same-length vector of probabilities. */
export function checkLabelsScores(yTrue: Uint8Array, p: Float64Array, allowEmpty = false): void {
  if (!(yTrue instanceof Uint8Array) || !(p instanceof Float64Array)) {
    throw new SporeprintError('SP_ERR_BAD_DATA', 'yTrue must be a Uint8Array and p a Float64Array');
  }
  if (yTrue.length !== p.length) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `yTrue has ${yTrue.length} labels but p has ${p.length} values`,
    );
  }
  if (!allowEmpty && yTrue.length === 0) throw new SporeprintError('SP_ERR_BAD_DATA', 'no rows to evaluate');
  for (let i = 0; i < p.length; i++) {
    if (yTrue[i] > 1) throw new SporeprintError('SP_ERR_BAD_DATA', `yTrue[${i}] = ${yTrue[i]} is not 0 or 1`);
    if (!(p[i] >= 0 && p[i] <= 1)) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `p[${i}] = ${p[i]} is not a probability in [0, 1]`);
    }
  }
}

/**
 * Evaluates P(poisonous) scores against true labels; a row is predicted poisonous when p ≥ threshold.
 * Threshold-free metrics (ROC AUC, average precision, log loss, Brier) match scikit-learn.
 */
export function evaluateBinary(yTrue: Uint8Array, pPoison: Float64Array, threshold = 0.5): BinaryMetrics {
  checkLabelsScores(yTrue, pPoison);
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `threshold must be in [0, 1], got ${threshold}`);
  }
  const n = yTrue.length;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let ll = 0;
  let brier = 0;
  const eps = 1e-15;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    const p = pPoison[i];
    const hat = p >= threshold ? 1 : 0;
    if (y === 1) hat === 1 ? tp++ : fn++;
    else hat === 1 ? fp++ : tn++;
    const pc = Math.min(1 - eps, Math.max(eps, p));
    ll -= y === 1 ? Math.log(pc) : Math.log(1 - pc);
    brier += (p - y) * (p - y);
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const fbeta = (b2: number): number =>
    precision + recall > 0 ? ((1 + b2) * precision * recall) / (b2 * precision + recall) : 0;
  const { rocAuc, prAuc } = rankMetrics(yTrue, pPoison);
  return {
    recall,
    falseEdible: fn,
    n,
    accuracy: (tp + tn) / n,
    precision,
    f1: fbeta(1),
    f2: fbeta(4),
    rocAuc,
    prAuc,
    logLoss: ll / n,
    brier: brier / n,
    confusion: { tn, fp, fn, tp },
    falsePoisonous: fp,
  };
}

/** Row indices sorted by decreasing score (stable). */
export function orderByScoreDesc(p: Float64Array): Int32Array {
  const idx = new Int32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => p[b] - p[a] || a - b);
  return idx;
}

/** ROC AUC (trapezoids over distinct thresholds) and average precision; NaN when one class is absent. */
function rankMetrics(y: Uint8Array, p: Float64Array): { rocAuc: number; prAuc: number } {
  const idx = orderByScoreDesc(p);
  let P = 0;
  for (let i = 0; i < y.length; i++) P += y[i];
  const N = y.length - P;
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  let auc = 0;
  let ap = 0;
  for (let k = 0; k < idx.length; k++) {
    if (y[idx[k]] === 1) tp++;
    else fp++;
    if (k + 1 < idx.length && p[idx[k + 1]] === p[idx[k]]) continue;
    auc += ((fp - prevFp) * (tp + prevTp)) / 2;
    if (P > 0) ap += ((tp - prevTp) / P) * (tp / (tp + fp));
    prevTp = tp;
    prevFp = fp;
  }
  return {
    rocAuc: P > 0 && N > 0 ? auc / (P * N) : Number.NaN,
    prAuc: P > 0 ? ap : Number.NaN,
  };
}
