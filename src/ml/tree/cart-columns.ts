import { distinctValues, lowerBound, MAX_BINS } from './split-helpers.js';

/**
 * How the CART grower reads each column: numeric columns with few distinct values (e.g. one-hot 0/1)
 * are scanned as ordered histograms of their value codes; the other numeric columns are presorted once,
 * and their sorted row lists are partitioned stably at each split; categorical columns are read as codes.
 */
export interface CartColumns {
  /** Per feature: the sorted distinct values of a histogram-scanned numeric column, else null. */
  readonly binVals: readonly (Float64Array | null)[];
  /** Per feature: each row's value code (index in `binVals`, `binVals.length` when missing), else null. */
  readonly binCode: readonly (Uint16Array | null)[];
  /** The presorted row lists, one per presorted column (missing values last). */
  readonly sorted: readonly Int32Array[];
  /** Per feature: its presorted row list (undefined unless presorted). */
  readonly sortedOf: readonly Int32Array[];
}

/** Lays out the columns of `col` (column-major, `col[f * n + i]`) for the grower. */
export function cartColumns(col: Float64Array, n: number, F: number, isCat: Uint8Array): CartColumns {
  const binVals: (Float64Array | null)[] = [];
  const binCode: (Uint16Array | null)[] = [];
  const numFeatures: number[] = [];
  for (let f = 0; f < F; f++) {
    binVals.push(null);
    binCode.push(null);
    if (isCat[f] === 1) continue;
    const vals = distinctValues(col.subarray(f * n, (f + 1) * n), MAX_BINS);
    if (vals === null) {
      numFeatures.push(f);
      continue;
    }
    binVals[f] = vals;
    binCode[f] = valueCodes(col, f * n, n, vals);
  }
  const sorted: Int32Array[] = numFeatures.map((f) => sortedRows(col, f * n, n));
  const sortedOf: Int32Array[] = [];
  numFeatures.forEach((f, k) => {
    sortedOf[f] = sorted[k];
  });
  return { binVals, binCode, sorted, sortedOf };
}

/** Each row's index in `vals` (missing: `vals.length`) for the column at `col[off …]`. */
function valueCodes(col: Float64Array, off: number, n: number, vals: Float64Array): Uint16Array {
  const codes = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const v = col[off + i];
    codes[i] = Number.isNaN(v) ? vals.length : lowerBound(vals, v);
  }
  return codes;
}

/** The rows sorted by the column at `col[off …]` (ties by row, missing values last). */
function sortedRows(col: Float64Array, off: number, n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => {
    const xa = col[off + a];
    const xb = col[off + b];
    const na = Number.isNaN(xa);
    const nb = Number.isNaN(xb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return xa - xb || a - b;
  });
  return idx;
}
