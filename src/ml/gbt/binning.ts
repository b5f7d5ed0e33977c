import { type FeatureInfo, type Matrix, SporeprintError } from '../../core/index.js';

/**
 * Histogram bins of the training data, computed once per fit (XGBoost's `hist` layout).
 *
 * Feature `f` owns global bins `offset[f] .. offset[f] + nBins[f]` where the last one collects missing
 * values. Numeric bin `b` holds float32 values `v` with `cuts[f][b-1] <= v < cuts[f][b]`; categorical bin
 * `b` is category code `b`.
 */
export interface BinnedData {
  readonly rows: number;
  readonly cols: number;
  /** Global bin index per cell, row-major. */
  readonly bins: Uint16Array | Uint32Array;
  readonly offset: Int32Array;
  /** Number of value bins per feature (the missing bin is `offset[f] + nBins[f]`). */
  readonly nBins: Int32Array;
  /** Total number of global bins (including one missing bin per feature). */
  readonly totalBins: number;
  readonly categorical: Uint8Array;
  /** Float32 upper bounds of numeric bins (empty for categorical features). */
  readonly cuts: readonly Float32Array[];
  /** Float32 value below every training value of a numeric feature (XGBoost's `min_vals`). */
  readonly minValues: Float32Array;
}

/** Quantile cut points of one numeric column (float32 values, like XGBoost's sketch without weights). */
export function quantileCuts(values: Float32Array, maxBin: number): { cuts: Float32Array; min: number } {
  const n = values.length;
  if (n === 0) return { cuts: Float32Array.of(Math.fround(1e-5)), min: Math.fround(-1e-5) };
  const sorted = Float32Array.from(values).sort();
  const uniq: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq.push(sorted[i]);
  const cuts: number[] = [];
  if (uniq.length <= maxBin) {
    for (let i = 1; i < uniq.length; i++) cuts.push(uniq[i]);
  } else {
    let last = sorted[0];
    for (let k = 1; k < maxBin; k++) {
      const v = sorted[Math.floor((k * n) / maxBin)];
      if (v > last) {
        cuts.push(v);
        last = v;
      }
    }
  }
  const max = uniq[uniq.length - 1];
  cuts.push(Math.fround(max + (Math.abs(max) + 1e-5)));
  const min = uniq[0];
  return { cuts: Float32Array.from(cuts), min: Math.fround(min - (Math.abs(min) + 1e-5)) };
}

/** Index of the first cut greater than `v` (XGBoost's `SearchBin`), clamped to the last bin. */
export function searchBin(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid] > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Computes cuts on `X` and bins it. Categorical codes must be non-negative integers. */
export function binMatrix(X: Matrix, features: readonly FeatureInfo[], maxBin: number): BinnedData {
  const { rows, cols, data } = X;
  const offset = new Int32Array(cols);
  const nBins = new Int32Array(cols);
  const categorical = new Uint8Array(cols);
  const cuts: Float32Array[] = [];
  const minValues = new Float32Array(cols);
  const column = new Float32Array(rows);
  let total = 0;
  for (let f = 0; f < cols; f++) {
    const info = features[f];
    offset[f] = total;
    if (info.kind === 'categorical') {
      categorical[f] = 1;
      let maxCode = -1;
      for (let i = 0; i < rows; i++) {
        const v = data[i * cols + f];
        if (Number.isNaN(v)) continue;
        if (!(v >= 0 && Number.isInteger(v) && v < 65_536)) {
          throw new SporeprintError(
            'SP_ERR_BAD_DATA',
            `feature ${info.name} is categorical: row ${i} has ${v}, expected an integer code in [0, 65536)`,
          );
        }
        if (v > maxCode) maxCode = v;
      }
      nBins[f] = Math.max(info.categories ?? 0, maxCode + 1, 1);
      cuts.push(new Float32Array(0));
    } else {
      let m = 0;
      for (let i = 0; i < rows; i++) {
        const v = data[i * cols + f];
        if (!Number.isNaN(v)) column[m++] = v;
      }
      const q = quantileCuts(column.subarray(0, m), maxBin);
      cuts.push(q.cuts);
      minValues[f] = q.min;
      nBins[f] = q.cuts.length;
    }
    total += nBins[f] + 1;
  }
  const bins = total <= 65_536 ? new Uint16Array(rows * cols) : new Uint32Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const off = offset[f];
    const missing = off + nBins[f];
    const fc = cuts[f];
    const isCat = categorical[f] === 1;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + f];
      let b: number;
      if (Number.isNaN(v)) b = missing;
      else if (isCat) b = off + v;
      else b = off + searchBin(fc, Math.fround(v));
      bins[i * cols + f] = b;
    }
  }
  return { rows, cols, bins, offset, nBins, totalBins: total, categorical, cuts, minValues };
}
