import type { Csr } from './scan-indicators.js';

/** Rows grouped into patterns of active indicator columns, per block of columns. */
export interface PatternLayout {
  /** Global pattern id of each row in each block (row-major, `blocks` per row). */
  rowPat: Int32Array;
  nPat: number;
  patPtr: Int32Array;
  patCol: Int32Array;
  blocks: number;
}

/**
 * Groups rows by their set of active 0/1 indicator columns (an open-addressing hash table on the column
 * lists); patterns are numbered in order of first appearance. Gives up (returning how many rows gave
 * how many patterns) as soon as there are more than `maxPatterns`.
 */
export function groupPatterns(
  csr: Csr,
  n: number,
  maxPatterns: number,
): PatternLayout | { rows: number; patterns: number } {
  const { ptr: rowPtr, cols: act } = csr;
  let patCols = new Int32Array(Math.max(16, Math.min(act.length, (act.length / n) * (maxPatterns + 1))));
  let patCount = 0;
  let ptr = new Int32Array(n + 1);
  const patHash = new Int32Array(n);
  let cap = 16;
  while (cap < 2 * n) cap <<= 1;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const rowPat = new Int32Array(n);
  let nPat = 0;
  for (let i = 0; i < n; i++) {
    const a0 = rowPtr[i];
    const len = rowPtr[i + 1] - a0;
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < len; k++) h = Math.imul(h ^ act[a0 + k], 0x01000193);
    h = Math.imul(h ^ len, 0x01000193);
    let slot = (h ^ (h >>> 15)) & mask;
    let q = -1;
    for (;;) {
      const t = table[slot];
      if (t < 0) break;
      if (patHash[t] === h) {
        const s0 = ptr[t];
        if (ptr[t + 1] - s0 === len) {
          let k = 0;
          while (k < len && patCols[s0 + k] === act[a0 + k]) k++;
          if (k === len) {
            q = t;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (q < 0) {
      if (nPat === maxPatterns) return { rows: i + 1, patterns: nPat + 1 };
      q = nPat++;
      table[slot] = q;
      patHash[q] = h;
      if (patCount + len > patCols.length) {
        const grown = new Int32Array(Math.max(2 * patCols.length, patCount + len));
        grown.set(patCols);
        patCols = grown;
      }
      patCols.set(act.subarray(a0, a0 + len), patCount);
      patCount += len;
      ptr[q + 1] = patCount;
    }
    rowPat[i] = q;
  }
  ptr = ptr.slice(0, nPat + 1);
  return { rowPat, nPat, patPtr: ptr, patCol: patCols.slice(0, patCount), blocks: 1 };
}
