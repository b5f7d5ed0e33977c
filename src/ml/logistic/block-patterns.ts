import type { PatternLayout } from './group-patterns.js';
import type { Csr } from './scan-indicators.js';

/**
 * Splits the used indicator columns (in column order) into blocks greedily: a block grows while its
 * number of distinct row patterns stays at most n/32; patterns are numbered globally, block by block.
 * (On the classic data, 6,499 rows: n/32 gives 3 blocks of 461 patterns, n/16 3 blocks of 746; an
 * evaluation costs about 20% less with the former, since every pattern costs a sum and an exp.)
 * The row loops live in small helpers taking typed arrays (no closures over mutable state): they are
 * compiled within the first fit, while this once-per-fit driver may stay unoptimised.
 */
export function blockPatterns(
  csr: Csr,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): PatternLayout {
  const cap = Math.max(16, n >> 5);
  const { ptr: rowPtr, cols: rowCols } = csr;
  // the rows where each indicator column is 1
  const colStart = new Int32Array(p + 1);
  const colRows = rowsByColumn(rowPtr, rowCols, n, p, colStart);
  const blockCols: number[][] = [];
  const blockIds: Int32Array[] = [];
  const blockCounts: number[] = [];
  // ids of the current block's row patterns are sparse in [0, maxId); only rows with a 1 move per column.
  // A column adds at most n ids and at most n are live, so renumbering the live ids densely whenever a
  // column might overflow keeps every id below 2n + 1 (the block's patterns do not depend on the ids).
  const capIds = Math.min(1 + rowCols.length, 2 * n + 1);
  const size = new Int32Array(capIds);
  const stamp = new Int32Array(capIds).fill(-1);
  const newIdOf = new Int32Array(capIds);
  const moved = new Int32Array(capIds);
  const touched = new Int32Array(n);
  const compact = new Int32Array(capIds);
  const counts = new Int32Array(2);
  let ids = new Int32Array(n);
  let maxId = 1;
  let live = 1;
  size[0] = n;
  let cols: number[] = [];
  let gen = 0;
  for (let j = 0; j < p; j++) {
    if (indicator[j] !== 1 || used[j] !== 1) continue;
    const r0 = colStart[j];
    const r1 = colStart[j + 1];
    if (maxId + (r1 - r0) > capIds) {
      const c = compactIds(ids, compact, maxId);
      recount(ids, size, maxId);
      maxId = c;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      gen++;
      const nNew = splitCount(colRows, r0, r1, ids, stamp, gen, newIdOf, moved, touched, size, maxId, counts);
      const after = live + nNew - counts[1];
      if (after > cap && cols.length > 0) {
        // close the block; the column alone starts the next one
        blockCounts.push(compactIds(ids, compact, maxId));
        blockCols.push(cols);
        blockIds.push(ids);
        ids = new Int32Array(n);
        size.fill(0, 0, maxId);
        size[0] = n;
        maxId = 1;
        live = 1;
        cols = [];
        continue;
      }
      applySplit(colRows, r0, r1, ids, newIdOf, touched, counts[0], size, moved);
      maxId += nNew;
      live = after;
      cols.push(j);
      break;
    }
  }
  if (cols.length > 0) {
    blockCounts.push(compactIds(ids, compact, maxId));
    blockCols.push(cols);
    blockIds.push(ids);
  }
  const blocks = Math.max(1, blockCols.length);
  const rowPat = new Int32Array(n * blocks);
  const ptr: number[] = [0];
  const patCol: number[] = [];
  let base = 0;
  for (let b = 0; b < blockCols.length; b++) {
    const rep = firstRowOfEach(blockIds[b], blockCounts[b], rowPat, blocks, b, base);
    const inBlock = new Uint8Array(p);
    for (const j of blockCols[b]) inBlock[j] = 1;
    for (let q = 0; q < blockCounts[b]; q++) {
      const r = rep[q];
      for (let t = rowPtr[r]; t < rowPtr[r + 1]; t++) if (inBlock[rowCols[t]] === 1) patCol.push(rowCols[t]);
      ptr.push(patCol.length);
    }
    base += blockCounts[b];
  }
  if (blockCols.length === 0) ptr.push(0); // one empty pattern shared by every row
  return {
    rowPat,
    nPat: ptr.length - 1,
    patPtr: Int32Array.from(ptr),
    patCol: Int32Array.from(patCol),
    blocks,
  };
}

/** Transposes the CSR lists: the rows where each column is 1, column by column (`start` gets p + 1 offsets). */
function rowsByColumn(
  rowPtr: Int32Array,
  rowCols: Int32Array,
  n: number,
  p: number,
  start: Int32Array,
): Int32Array {
  countPerColumn(rowCols, p, start);
  const colRows = new Int32Array(start[p]);
  fillRowsByColumn(rowPtr, rowCols, n, start.slice(0, p), colRows);
  return colRows;
}

/** start[j + 1] = rows holding column j, then summed into offsets. */
function countPerColumn(rowCols: Int32Array, p: number, start: Int32Array): void {
  for (let t = 0; t < rowCols.length; t++) start[rowCols[t] + 1]++;
  for (let j = 0; j < p; j++) start[j + 1] += start[j];
}

/** Lists each row under its columns, from the offsets `fillAt` (advanced). */
function fillRowsByColumn(
  rowPtr: Int32Array,
  rowCols: Int32Array,
  n: number,
  fillAt: Int32Array,
  colRows: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    for (let t = rowPtr[i], e = rowPtr[i + 1]; t < e; t++) colRows[fillAt[rowCols[t]]++] = i;
  }
}

/**
 * Splitting the patterns by one column (its rows `colRows[r0 … r1)`): gives each touched pattern a
 * new id from `maxId` on (in `newIdOf`), counts the rows moving (`moved`), lists the touched patterns;
 * returns how many new ids, with counts = [touched, emptied patterns].
 */
function splitCount(
  colRows: Int32Array,
  r0: number,
  r1: number,
  ids: Int32Array,
  stamp: Int32Array,
  gen: number,
  newIdOf: Int32Array,
  moved: Int32Array,
  touched: Int32Array,
  size: Int32Array,
  maxId: number,
  counts: Int32Array,
): number {
  let nNew = 0;
  let nt = 0;
  for (let t = r0; t < r1; t++) {
    const old = ids[colRows[t]];
    if (stamp[old] !== gen) {
      stamp[old] = gen;
      newIdOf[old] = maxId + nNew++;
      moved[old] = 0;
      touched[nt++] = old;
    }
    moved[old]++;
  }
  let emptied = 0;
  for (let k = 0; k < nt; k++) if (moved[touched[k]] === size[touched[k]]) emptied++;
  counts[0] = nt;
  counts[1] = emptied;
  return nNew;
}

/** Applies a split counted by {@link splitCount}: moves the rows and updates the pattern sizes. */
function applySplit(
  colRows: Int32Array,
  r0: number,
  r1: number,
  ids: Int32Array,
  newIdOf: Int32Array,
  touched: Int32Array,
  nt: number,
  size: Int32Array,
  moved: Int32Array,
): void {
  for (let t = r0; t < r1; t++) {
    const i = colRows[t];
    ids[i] = newIdOf[ids[i]];
  }
  for (let k = 0; k < nt; k++) {
    const old = touched[k];
    size[newIdOf[old]] = moved[old];
    size[old] -= moved[old];
  }
}

/** Renumbers `ids` (all below maxId) densely, 0, 1, … in order of first appearance; returns how many. */
function compactIds(ids: Int32Array, compact: Int32Array, maxId: number): number {
  compact.fill(-1, 0, maxId);
  let c = 0;
  for (let i = 0; i < ids.length; i++) {
    let q = compact[ids[i]];
    if (q < 0) {
      q = c++;
      compact[ids[i]] = q;
    }
    ids[i] = q;
  }
  return c;
}

/** size[q] = number of rows with id q (sizes below `clearTo` reset first). */
function recount(ids: Int32Array, size: Int32Array, clearTo: number): void {
  size.fill(0, 0, clearTo);
  for (let i = 0; i < ids.length; i++) size[ids[i]]++;
}

/**
 * Writes block `b`'s global pattern ids (base + local id) into `rowPat` and returns the first row of
 * each local pattern.
 */
function firstRowOfEach(
  bid: Int32Array,
  count: number,
  rowPat: Int32Array,
  blocks: number,
  b: number,
  base: number,
): Int32Array {
  const rep = new Int32Array(count).fill(-1);
  for (let i = 0; i < bid.length; i++) {
    const q = bid[i];
    rowPat[i * blocks + b] = base + q;
    if (rep[q] < 0) rep[q] = i;
  }
  return rep;
}
