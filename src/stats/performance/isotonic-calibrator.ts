import { badParam } from '../drift/samples.js';
import { checkLabelsAndProbabilities } from './check-inputs.js';

/** The serialised calibrator (store it with the model version it calibrates). */
export interface IsotonicCalibratorJSON {
  readonly formatVersion: 1;
  readonly kind: 'isotonic-calibrator';
  /** Increasing scores at which the calibrated probability is known. */
  readonly x: readonly number[];
  /** Calibrated probability at each `x` (non-decreasing); linear in between, constant outside. */
  readonly y: readonly number[];
}

/**
 * Pool-adjacent-violators: the non-decreasing fit minimising Σ w·(fit − y)², in place.
 */
export function poolAdjacentViolators(y: Float64Array, w: Float64Array): Float64Array {
  const n = y.length;
  // blocks as a stack: mean, weight, length
  const mean = new Float64Array(n);
  const weight = new Float64Array(n);
  const size = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    mean[top] = y[i];
    weight[top] = w[i];
    size[top] = 1;
    while (top > 0 && mean[top - 1] >= mean[top]) {
      const wt = weight[top - 1] + weight[top];
      mean[top - 1] = (mean[top - 1] * weight[top - 1] + mean[top] * weight[top]) / wt;
      weight[top - 1] = wt;
      size[top - 1] += size[top];
      top--;
    }
  }
  let k = 0;
  for (let b = 0; b <= top; b++) for (let j = 0; j < size[b]; j++) y[k++] = mean[b];
  return y;
}

/**
 * Isotonic calibration of P(poisonous) scores, as NannyML's default calibrator (scikit-learn's
 * `IsotonicRegression(out_of_bounds='clip', increasing=True)`): rows are sorted by score, equal scores
 * pooled into their weighted mean label, pool-adjacent-violators fits a non-decreasing step function,
 * and new scores are interpolated linearly between the fitted scores and clipped outside their range.
 * Fit it on validation data (never on training data) and use it only where it lowers the expected
 * calibration error ({@link needsCalibration}).
 *
 * @example
 * const cal = IsotonicCalibrator.fit(pValidation, yValidation);
 * cal.calibrate(0.42); // calibrated P(poisonous)
 */
export class IsotonicCalibrator {
  private constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
  ) {}

  /** Fits on scores `p` in [0, 1] and labels `y` (1 = poisonous), with optional row weights. */
  static fit(p: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): IsotonicCalibrator {
    checkLabelsAndProbabilities(y, p, 'y', 'p');
    if (weights !== undefined && weights.length !== p.length) {
      badParam('weights', `must have one weight per row (${p.length} rows, ${weights.length} weights)`);
    }
    const order = Array.from({ length: p.length }, (_, i) => i);
    order.sort((a, b) => p[a] - p[b] || y[a] - y[b]);
    const xs: number[] = [];
    const sumWy: number[] = [];
    const sumW: number[] = [];
    for (const i of order) {
      const w = weights === undefined ? 1 : weights[i];
      if (!(w >= 0 && Number.isFinite(w))) badParam(`weights[${i}]`, `must be a finite number ≥ 0, got ${w}`);
      if (w === 0) continue;
      if (xs.length > 0 && xs[xs.length - 1] === p[i]) {
        sumWy[sumWy.length - 1] += w * y[i];
        sumW[sumW.length - 1] += w;
      } else {
        xs.push(p[i]);
        sumWy.push(w * y[i]);
        sumW.push(w);
      }
    }
    if (xs.length === 0) badParam('p', 'needs at least one row with a positive weight');
    const fitted = poolAdjacentViolators(
      Float64Array.from(sumWy, (s, i) => s / sumW[i]),
      Float64Array.from(sumW),
    );
    // Keep the ends of each flat run only: interpolation is unchanged.
    const keepX: number[] = [];
    const keepY: number[] = [];
    for (let i = 0; i < xs.length; i++) {
      const inner = i > 0 && i < xs.length - 1 && fitted[i] === fitted[i - 1] && fitted[i] === fitted[i + 1];
      if (!inner) {
        keepX.push(xs[i]);
        keepY.push(fitted[i]);
      }
    }
    return new IsotonicCalibrator(Float64Array.from(keepX), Float64Array.from(keepY));
  }

  /** Loads a calibrator saved by {@link toJSON}; SP_ERR_BAD_PARAM when it is malformed. */
  static fromJSON(json: IsotonicCalibratorJSON): IsotonicCalibrator {
    if (json?.formatVersion !== 1 || json.kind !== 'isotonic-calibrator') {
      badParam('json', 'is not an isotonic-calibrator of format version 1');
    }
    const { x, y } = json;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length === 0 || x.length !== y.length) {
      badParam('json', 'x and y must be non-empty arrays of equal length');
    }
    for (let i = 0; i < x.length; i++) {
      const ok =
        Number.isFinite(x[i]) && y[i] >= 0 && y[i] <= 1 && (i === 0 || (x[i] > x[i - 1] && y[i] >= y[i - 1]));
      if (!ok) badParam('json', `point ${i} breaks increasing x / non-decreasing y in [0, 1]`);
    }
    return new IsotonicCalibrator(Float64Array.from(x), Float64Array.from(y));
  }

  /** The calibrated probability of one score. */
  calibrate(p: number): number {
    const { x, y } = this;
    const last = x.length - 1;
    if (Number.isNaN(p)) return Number.NaN; // never turn a broken score into a confident one
    if (p <= x[0]) return y[0];
    if (p >= x[last]) return y[last];
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (x[mid] <= p) lo = mid;
      else hi = mid;
    }
    return y[lo] + ((p - x[lo]) * (y[hi] - y[lo])) / (x[hi] - x[lo]);
  }

  /** Calibrates many scores (into `out` when given). */
  calibrateAll(p: ArrayLike<number>, out = new Float64Array(p.length)): Float64Array {
    for (let i = 0; i < p.length; i++) out[i] = this.calibrate(p[i]);
    return out;
  }

  toJSON(): IsotonicCalibratorJSON {
    return { formatVersion: 1, kind: 'isotonic-calibrator', x: [...this.x], y: [...this.y] };
  }
}
