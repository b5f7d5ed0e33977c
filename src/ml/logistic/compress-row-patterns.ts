import type { Matrix } from '../../core/index.js';
import { nonFiniteValue } from '../validate-input.js';
import { blockPatterns } from './block-patterns.js';
import { groupPatterns, type PatternLayout } from './group-patterns.js';
import {
  type Csr,
  gatherColumns,
  gatherSparseColumns,
  scanIndicators,
  scanSparseIndicators,
  valueAt,
} from './scan-indicators.js';

/**
 * A mostly-zero matrix (one-hot encodings) in pattern-compressed form: its 0/1 indicator columns as row
 * patterns (rows sharing the same set of active indicators share one pattern; with several column
 * blocks, one pattern per block), the remaining used columns as a small dense block.
 */
export interface RowPatterns extends PatternLayout {
  /** The used non-indicator columns. */
  readonly dCols: Int32Array;
  /** Their values, row-major (n × dCols.length). */
  readonly dVals: Float64Array;
}

/**
 * Scans `X` once (throwing SP_ERR_BAD_DATA at its first NaN or infinite value) and returns its
 * pattern-compressed form when fewer than half its cells are non-zero, else null (use it dense).
 * `splitBlocks` lets the indicator columns be split into blocks of consecutive columns, each with its
 * own row patterns, when that is cheaper per evaluation than whole-row patterns (few duplicate rows).
 * A matrix with sparse rows is read from them: its dense array is never built.
 */
export function compressRowPatterns(X: Matrix, splitBlocks: boolean): RowPatterns | null {
  const { rows: n, cols: p } = X;
  const indicator = new Uint8Array(p).fill(1);
  const used = new Uint8Array(p);
  const rowsOf = X.sparse;
  const { nnz, csr, firstBad } =
    rowsOf === undefined
      ? scanIndicators(X.data, n, p, indicator, used)
      : scanSparseIndicators(rowsOf, n, p, indicator, used);
  if (firstBad >= 0) {
    const i = Math.floor(firstBad / p);
    const j = firstBad - i * p;
    throw nonFiniteValue(i, j, rowsOf === undefined ? X.data[firstBad] : valueAt(rowsOf, i, j));
  }
  if (!(nnz < 0.5 * n * p)) return null;
  const dc: number[] = [];
  for (let j = 0; j < p; j++) if (used[j] === 1 && indicator[j] === 0) dc.push(j);
  const dCols = Int32Array.from(dc);
  const dVals =
    rowsOf === undefined ? gatherColumns(X.data, n, p, dCols) : gatherSparseColumns(rowsOf, n, p, dCols);
  return { ...chooseLayout(csr, n, p, indicator, used, splitBlocks), dCols, dVals };
}

/**
 * Whole-row patterns, or (with `splitBlocks`, when rows are mostly distinct) column blocks when their
 * estimated cost per evaluation is clearly lower.
 */
function chooseLayout(
  csr: Csr,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
  splitBlocks: boolean,
): PatternLayout {
  // with split blocks allowed, whole-row grouping stops once it passes n/4 patterns (rows mostly
  // distinct): blocks are then tried against an estimate of the whole-row cost
  const limit = n >> 2;
  const whole = groupPatterns(csr, n, splitBlocks ? limit : n);
  if ('rowPat' in whole) return whole;
  const b = blockPatterns(csr, n, p, indicator, used);
  // per-evaluation cost: one gather + scatter per row and block, plus the pattern sums; whole rows:
  // the patterns seen so far extrapolated to all rows, each of the average row size
  const patterns = Math.min(n, (whole.patterns * n) / whole.rows);
  const costWhole = n + patterns * (csr.cols.length / n);
  const costBlocks = n * b.blocks + b.patPtr[b.nPat];
  return b.blocks > 1 && costBlocks < 0.7 * costWhole ? b : (groupPatterns(csr, n, n) as PatternLayout);
}
