import { checkLabelsScores, orderByScoreDesc } from './evaluate-binary.js';

/** Points of a ROC curve, one per distinct threshold (plus the origin), for charts. */
export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Predict poisonous when p ≥ threshold; the first point's threshold is +Infinity. */
  readonly thresholds: Float64Array;
}

/** Points of a precision-recall curve, one per distinct threshold, in increasing-threshold order reversed. */
export interface PrCurve {
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly thresholds: Float64Array;
}

function cumulative(y: Uint8Array, p: Float64Array) {
  const idx = orderByScoreDesc(p);
  const tps: number[] = [];
  const fps: number[] = [];
  const thr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < idx.length; k++) {
    if (y[idx[k]] === 1) tp++;
    else fp++;
    if (k + 1 < idx.length && p[idx[k + 1]] === p[idx[k]]) continue;
    tps.push(tp);
    fps.push(fp);
    thr.push(p[idx[k]]);
  }
  return { tps, fps, thr, P: tp, N: fp };
}

/** ROC curve points (all distinct thresholds; like scikit-learn's `roc_curve(drop_intermediate=False)`). */
export function rocCurve(yTrue: Uint8Array, p: Float64Array): RocCurve {
  checkLabelsScores(yTrue, p);
  const { tps, fps, thr, P, N } = cumulative(yTrue, p);
  const m = tps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thresholds = new Float64Array(m);
  thresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 0; k < tps.length; k++) {
    fpr[k + 1] = N > 0 ? fps[k] / N : Number.NaN;
    tpr[k + 1] = P > 0 ? tps[k] / P : Number.NaN;
    thresholds[k + 1] = thr[k];
  }
  return { fpr, tpr, thresholds };
}

/** Precision-recall points by decreasing threshold, starting at (recall 0, precision 1). */
export function prCurve(yTrue: Uint8Array, p: Float64Array): PrCurve {
  checkLabelsScores(yTrue, p);
  const { tps, fps, thr, P } = cumulative(yTrue, p);
  const m = tps.length + 1;
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  const thresholds = new Float64Array(m);
  precision[0] = 1;
  thresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 0; k < tps.length; k++) {
    precision[k + 1] = tps[k] / (tps[k] + fps[k]);
    recall[k + 1] = P > 0 ? tps[k] / P : Number.NaN;
    thresholds[k + 1] = thr[k];
  }
  return { precision, recall, thresholds };
}
