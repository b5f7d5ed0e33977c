import type { SparseRows } from '../../core/index.js';

/*
 * The one pass over the training matrix that finds its 0/1 "indicator" columns (one-hot encodings) and
 * lists, per row, the indicator columns set to 1; plus the gathers of the other columns into a small
 * dense block. The first step of the pattern compression (compress-row-patterns.ts).
 */

/** Row-major lists of the active (= 1) indicator columns of each row, in column order. */
export interface Csr {
  ptr: Int32Array;
  cols: Int32Array;
}

/** What {@link scanIndicators} and {@link scanSparseIndicators} find. */
export interface IndicatorScan {
  /** Number of non-zero cells. */
  readonly nnz: number;
  /** Per row, its indicator columns set to 1. */
  readonly csr: Csr;
  /** Flat index (row·p + column) of the first NaN or infinite value, or −1. */
  readonly firstBad: number;
}

/**
 * One pass over row-major `data`: counts the non-zeros, marks used columns, clears `indicator` of
 * columns holding a value other than 0/1, and lists per row (in column order) the active = 1 columns
 * that are indicators. `firstBad` is the flat index of the first NaN or infinite value, or −1 (the
 * estimator leaves that check to this pass instead of reading X once more).
 */
export function scanIndicators(
  data: Float64Array,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): IndicatorScan {
  const ptr = new Int32Array(n + 1);
  // capacity from the ones of the first rows (grown if the guess falls short)
  const head = Math.min(n, 64);
  let ones = 0;
  for (let k = 0; k < head * p; k++) if (data[k] === 1) ones++;
  let cols = new Int32Array(Math.max(16, Math.ceil(((ones + head) / Math.max(1, head)) * n * 1.05) + p));
  let m = 0;
  let nnz = 0;
  let firstBad = -1;
  for (let i = 0; i < n; i++) {
    if (m + p > cols.length) {
      const grown = new Int32Array(Math.max(2 * cols.length, m + p));
      grown.set(cols.subarray(0, m));
      cols = grown;
    }
    const off = i * p;
    for (let j = 0; j < p; j++) {
      const v = data[off + j];
      if (v !== 0) {
        nnz++;
        used[j] = 1;
        if (v === 1) cols[m++] = j;
        else {
          indicator[j] = 0;
          if (v - v !== 0 && firstBad < 0) firstBad = off + j;
        }
      }
    }
    ptr[i + 1] = m;
  }
  // drop the 1s of columns that turned out to hold other values too
  let clean = true;
  for (let t = 0; t < m && clean; t++) if (indicator[cols[t]] === 0) clean = false;
  if (!clean) {
    let at = 0;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const end = ptr[i + 1];
      for (; from < end; from++) if (indicator[cols[from]] === 1) cols[at++] = cols[from];
      ptr[i + 1] = at;
    }
    m = at;
  }
  return { nnz, csr: { ptr, cols: cols.subarray(0, m) }, firstBad };
}

/**
 * {@link scanIndicators} from sparse rows (columns ascending, entries possibly holding zeros): the
 * same flags, count and lists, with `firstBad` the flat index (row·p + column) of the first NaN or
 * infinite value.
 */
export function scanSparseIndicators(
  rowsOf: SparseRows,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): IndicatorScan {
  const { ptr: rp, cols: at, vals } = rowsOf;
  const out = new Float64Array(2);
  flagSparseColumns(rp, at, vals, n, p, indicator, used, out);
  const nnz = out[0];
  const firstBad = out[1];
  // rows holding nothing but ones of indicator columns are their own lists
  if (nnz === at.length && allIndicators(used, indicator)) {
    return { nnz, csr: { ptr: rp, cols: at }, firstBad };
  }
  const ptr = new Int32Array(n + 1);
  const cols = new Int32Array(countIndicatorOnes(at, vals, indicator));
  fillIndicatorOnes(rp, at, vals, n, indicator, ptr, cols);
  return { nnz, csr: { ptr, cols }, firstBad };
}

/*
 * The helpers below hold one loop each: a function with several loops, called once per fit, is
 * compiled on stack replacement in its first loop and then deoptimised at the next (no type feedback
 * there yet), fit after fit.
 */

/** Flags used and non-indicator columns; out = [non-zero count, flat index of the first NaN/infinity or −1]. */
function flagSparseColumns(
  rp: Int32Array,
  at: Int32Array,
  vals: Float64Array,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
  out: Float64Array,
): void {
  let nnz = 0;
  let firstBad = -1;
  for (let i = 0; i < n; i++) {
    for (let t = rp[i], e = rp[i + 1]; t < e; t++) {
      const v = vals[t];
      if (v === 0) continue;
      nnz++;
      const j = at[t];
      used[j] = 1;
      if (v !== 1) {
        indicator[j] = 0;
        if (v - v !== 0 && firstBad < 0) firstBad = i * p + j;
      }
    }
  }
  out[0] = nnz;
  out[1] = firstBad;
}

/** True when every used column is an indicator. */
function allIndicators(used: Uint8Array, indicator: Uint8Array): boolean {
  for (let j = 0; j < used.length; j++) if (used[j] === 1 && indicator[j] !== 1) return false;
  return true;
}

/** Entries that are a 1 of an indicator column. */
function countIndicatorOnes(at: Int32Array, vals: Float64Array, indicator: Uint8Array): number {
  let m = 0;
  for (let t = 0; t < at.length; t++) if (vals[t] === 1 && indicator[at[t]] === 1) m++;
  return m;
}

/** The row lists of the 1s of indicator columns (`ptr`: n + 1 offsets, `cols` sized by {@link countIndicatorOnes}). */
function fillIndicatorOnes(
  rp: Int32Array,
  at: Int32Array,
  vals: Float64Array,
  n: number,
  indicator: Uint8Array,
  ptr: Int32Array,
  cols: Int32Array,
): void {
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let t = rp[i], e = rp[i + 1]; t < e; t++)
      if (vals[t] === 1 && indicator[at[t]] === 1) cols[m++] = at[t];
    ptr[i + 1] = m;
  }
}

/** Columns `cols` of row-major `data` (n × p) as a row-major n × cols.length block. */
export function gatherColumns(data: Float64Array, n: number, p: number, cols: Int32Array): Float64Array {
  const nd = cols.length;
  const out = new Float64Array(n * nd);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < nd; d++) out[i * nd + d] = data[i * p + cols[d]];
  }
  return out;
}

/** Entry (i, j) of sparse rows (0 when absent). */
export function valueAt(rowsOf: SparseRows, i: number, j: number): number {
  for (let t = rowsOf.ptr[i]; t < rowsOf.ptr[i + 1]; t++) if (rowsOf.cols[t] === j) return rowsOf.vals[t];
  return 0;
}

/** {@link gatherColumns} from sparse rows. */
export function gatherSparseColumns(
  rowsOf: SparseRows,
  n: number,
  p: number,
  cols: Int32Array,
): Float64Array {
  const nd = cols.length;
  const slot = new Int32Array(p).fill(-1);
  for (let d = 0; d < nd; d++) slot[cols[d]] = d;
  const out = new Float64Array(n * nd);
  const { ptr, cols: at, vals } = rowsOf;
  for (let i = 0; i < n; i++) {
    for (let t = ptr[i]; t < ptr[i + 1]; t++) {
      const d = slot[at[t]];
      if (d >= 0) out[i * nd + d] = vals[t];
    }
  }
  return out;
}
