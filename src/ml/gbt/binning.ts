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
  /** Global bin index per cell, column-major: feature `f` of row `r` at `f · rows + r`. */
  readonly colBins: Uint16Array | Uint32Array;
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

/**
 * Quantile cut points of one numeric column (float32 values, like XGBoost's sketch without weights),
 * sorting `values` in place.
 */
function quantileCutsInPlace(values: Float32Array, maxBin: number): { cuts: Float32Array; min: number } {
  const n = values.length;
  if (n === 0) return { cuts: Float32Array.of(Math.fround(1e-5)), min: Math.fround(-1e-5) };
  const sorted = values.sort();
  let nUniq = 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) nUniq++;
  const cuts: number[] = [];
  if (nUniq <= maxBin) {
    for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) cuts.push(sorted[i]);
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
  const max = sorted[n - 1];
  cuts.push(Math.fround(max + (Math.abs(max) + 1e-5)));
  const min = sorted[0];
  return { cuts: Float32Array.from(cuts), min: Math.fround(min - (Math.abs(min) + 1e-5)) };
}

/** Index of the first cut greater than `v` (XGBoost's `SearchBin`), clamped to the last bin. */
function searchBin(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid] > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Computes cuts on `X` and bins it. Categorical codes must be non-negative integers. Two row-major
 * passes over `X`: one validates codes and gathers the numeric columns, one writes the bins.
 */
export function binMatrix(X: Matrix, features: readonly FeatureInfo[], maxBin: number): BinnedData {
  const { rows, cols, data } = X;
  const offset = new Int32Array(cols);
  const nBins = new Int32Array(cols);
  const categorical = new Uint8Array(cols);
  const cuts: Float32Array[] = [];
  const minValues = new Float32Array(cols);
  const catCols: number[] = [];
  const numCols: number[] = [];
  for (let f = 0; f < cols; f++) {
    if (features[f].kind === 'categorical') {
      categorical[f] = 1;
      catCols.push(f);
    } else numCols.push(f);
  }
  const maxCode = new Int32Array(cols).fill(-1);
  const columns = numCols.map(() => new Float32Array(rows));
  const present = new Int32Array(numCols.length);
  for (let i = 0, off = 0; i < rows; i++, off += cols) {
    for (let t = 0; t < catCols.length; t++) {
      const f = catCols[t];
      const v = data[off + f];
      if (Number.isNaN(v)) continue; // missing
      if (!(v >= 0 && v < 65_536 && (v | 0) === v)) {
        throw new SporeprintError(
          'SP_ERR_BAD_DATA',
          `feature ${features[f].name} is categorical: row ${i} has ${v}, expected an integer code in [0, 65536)`,
        );
      }
      if (v > maxCode[f]) maxCode[f] = v;
    }
    for (let t = 0; t < numCols.length; t++) {
      const v = data[off + numCols[t]];
      if (!Number.isNaN(v)) columns[t][present[t]++] = v;
    }
  }
  let total = 0;
  let t = 0;
  for (let f = 0; f < cols; f++) {
    offset[f] = total;
    if (categorical[f] === 1) {
      nBins[f] = Math.max(features[f].categories ?? 0, maxCode[f] + 1, 1);
      cuts.push(new Float32Array(0));
    } else {
      const q = quantileCutsInPlace(columns[t].subarray(0, present[t]), maxBin);
      t++;
      cuts.push(q.cuts);
      minValues[f] = q.min;
      nBins[f] = q.cuts.length;
    }
    total += nBins[f] + 1;
  }
  const colBins = total <= 65_536 ? new Uint16Array(rows * cols) : new Uint32Array(rows * cols);
  for (let i = 0, off = 0; i < rows; i++, off += cols) {
    for (let f = 0; f < cols; f++) {
      const v = data[off + f];
      let b: number;
      if (Number.isNaN(v)) b = offset[f] + nBins[f];
      else if (categorical[f] === 1) b = offset[f] + v;
      else b = offset[f] + searchBin(cuts[f], Math.fround(v));
      colBins[f * rows + i] = b;
    }
  }
  return { rows, cols, colBins, offset, nBins, totalBins: total, categorical, cuts, minValues };
}
