/** Input checks shared by the learners: matrix shape, finite values, binary labels, sample weights. */
import { type Matrix, SporeprintError } from '../core/index.js';

/** Throws SP_ERR_BAD_DATA unless `X` is a well-formed matrix and `y` a binary label vector of its rows. */
export function checkXy(X: Matrix, y: Uint8Array, allowNaN: boolean, scanValues = true): void {
  checkMatrix(X, allowNaN, undefined, scanValues);
  if (!(y instanceof Uint8Array)) throw new SporeprintError('SP_ERR_BAD_DATA', 'y must be a Uint8Array');
  if (y.length !== X.rows) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `y has ${y.length} labels but X has ${X.rows} rows`);
  }
  if (X.rows === 0) throw new SporeprintError('SP_ERR_BAD_DATA', 'X has no rows');
  let n1 = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v > 1) throw new SporeprintError('SP_ERR_BAD_DATA', `y[${i}] = ${v} is not a binary label (0 or 1)`);
    n1 += v;
  }
  if (n1 === 0 || n1 === y.length) {
    throw new SporeprintError('SP_ERR_BAD_DATA', 'y holds a single class; both classes (0 and 1) are needed');
  }
}

/**
 * Throws SP_ERR_BAD_DATA unless `X` has consistent shape (and, unless allowed, no NaN/infinite values;
 * `scanValues: false` leaves the values to a caller that reads them all anyway and reports the first
 * bad one with {@link nonFiniteValue}). A matrix with sparse rows is checked on them: its dense array
 * is not built.
 */
export function checkMatrix(X: Matrix, allowNaN: boolean, cols?: number, scanValues = true): void {
  if (X?.sparse !== undefined) {
    checkSparse(X, allowNaN, cols, scanValues);
    return;
  }
  if (!X || !(X.data instanceof Float64Array)) {
    throw new SporeprintError('SP_ERR_BAD_DATA', 'X must be a Matrix with a Float64Array `data`');
  }
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 0) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `X has an invalid shape ${X.rows}×${X.cols}`);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `X.data has ${X.data.length} values, expected rows × cols = ${X.rows * X.cols}`,
    );
  }
  if (cols !== undefined && X.cols !== cols) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `X has ${X.cols} columns, the model was fitted on ${cols}`);
  }
  if (!scanValues) return;
  const d = X.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (v - v !== 0 && !(allowNaN && Number.isNaN(v))) {
      const row = Math.floor(k / Math.max(1, X.cols));
      throw nonFiniteValue(row, k - row * X.cols, v);
    }
  }
}

/** {@link checkMatrix} on a matrix's sparse rows (its dense array is not built). */
function checkSparse(X: Matrix, allowNaN: boolean, cols: number | undefined, scanValues: boolean): void {
  const bad = (what: string): never => {
    throw new SporeprintError('SP_ERR_BAD_DATA', `X's sparse rows are inconsistent: ${what}`);
  };
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 0) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `X has an invalid shape ${X.rows}×${X.cols}`);
  }
  const { ptr, cols: at, vals } = X.sparse!;
  if (!(ptr instanceof Int32Array) || !(at instanceof Int32Array) || !(vals instanceof Float64Array)) {
    bad('ptr and cols must be Int32Arrays, vals a Float64Array');
  }
  if (ptr.length !== X.rows + 1 || ptr[0] !== 0) bad(`ptr must hold ${X.rows + 1} offsets from 0`);
  if (ptr[X.rows] !== at.length || at.length !== vals.length)
    bad('ptr, cols and vals disagree on the entry count');
  for (let i = 0; i < X.rows; i++) {
    let last = -1;
    for (let t = ptr[i]; t < ptr[i + 1]; t++) {
      if (!(at[t] > last && at[t] < X.cols)) bad(`row ${i}: columns must ascend within [0, ${X.cols})`);
      last = at[t];
    }
    if (ptr[i + 1] < ptr[i]) bad(`row ${i}: offsets must not decrease`);
  }
  if (cols !== undefined && X.cols !== cols) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `X has ${X.cols} columns, the model was fitted on ${cols}`);
  }
  if (!scanValues) return;
  for (let i = 0; i < X.rows; i++) {
    for (let t = ptr[i]; t < ptr[i + 1]; t++) {
      const v = vals[t];
      if (v - v !== 0 && !(allowNaN && Number.isNaN(v))) throw nonFiniteValue(i, at[t], v);
    }
  }
}

/** The error for the missing or infinite `value` at X[row][col]. */
export function nonFiniteValue(row: number, col: number, value: number): SporeprintError {
  return new SporeprintError(
    'SP_ERR_BAD_DATA',
    `X[${row}][${col}] = ${value}: missing or infinite values are not allowed here`,
  );
}

/** Checks a per-row weight vector: right length, finite, non-negative. */
export function checkSampleWeight(w: Float64Array | undefined, rows: number): void {
  if (w === undefined) return;
  if (!(w instanceof Float64Array) || w.length !== rows) {
    throw new SporeprintError('SP_ERR_BAD_DATA', `sampleWeight must be a Float64Array of length ${rows}`);
  }
  for (let i = 0; i < rows; i++) {
    if (!(w[i] >= 0) || w[i] === Number.POSITIVE_INFINITY) {
      throw new SporeprintError('SP_ERR_BAD_DATA', `sampleWeight[${i}] = ${w[i]} must be finite and ≥ 0`);
    }
  }
}

/** Class weights: `null` (none), `'balanced'` (n / (2·count)) or explicit weights per class. */
export type ClassWeight = null | 'balanced' | { readonly 0: number; readonly 1: number };

/** JSON Schema (draft-07) of a {@link ClassWeight}, for the estimators' artifact schemas. */
export const CLASS_WEIGHT_SCHEMA = {
  anyOf: [
    { type: 'null' },
    { const: 'balanced' },
    {
      type: 'object',
      required: ['0', '1'],
      properties: { '0': { type: 'number', minimum: 0 }, '1': { type: 'number', minimum: 0 } },
      additionalProperties: false,
    },
  ],
} as const;

/** Validates a class-weight hyper-parameter (throws SP_ERR_BAD_PARAM naming `classWeight`). */
export function checkClassWeight(cw: unknown): ClassWeight {
  if (cw === null || cw === undefined) return null;
  if (cw === 'balanced') return 'balanced';
  if (typeof cw === 'object') {
    const o = cw as Record<string, unknown>;
    const w0 = o[0];
    const w1 = o[1];
    if (typeof w0 === 'number' && typeof w1 === 'number' && w0 >= 0 && w1 >= 0 && w0 + w1 > 0) {
      if (Number.isFinite(w0) && Number.isFinite(w1)) return { 0: w0, 1: w1 };
    }
  }
  throw new SporeprintError(
    'SP_ERR_BAD_PARAM',
    `classWeight must be null, 'balanced' or {0: w0, 1: w1} with finite weights ≥ 0, got ${JSON.stringify(cw)}`,
  );
}

/**
 * Per-row effective weights = sampleWeight × class weight (scikit-learn's `compute_class_weight`:
 * balanced = n / (2 · count(class)), counted without sample weights).
 */
export function effectiveWeights(y: Uint8Array, cw: ClassWeight, sampleWeight?: Float64Array): Float64Array {
  const n = y.length;
  let w0 = 1;
  let w1 = 1;
  if (cw === 'balanced') {
    let n1 = 0;
    for (let i = 0; i < n; i++) n1 += y[i];
    w0 = n / (2 * (n - n1));
    w1 = n / (2 * n1);
  } else if (cw !== null) {
    w0 = cw[0];
    w1 = cw[1];
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (y[i] === 1 ? w1 : w0) * (sampleWeight ? sampleWeight[i] : 1);
  return out;
}

/** Throws SP_ERR_BAD_PARAM naming `name` unless `v` is a number satisfying `ok`. */
export function checkNumber(name: string, v: unknown, ok: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `${name} must be ${what}, got ${String(v)}`);
  }
  return v;
}

/** Throws SP_ERR_BAD_PARAM unless `v` is one of `allowed`. */
export function checkEnum<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}
