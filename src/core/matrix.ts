/**
 * A dense row-major matrix of float64 values: the one shape every learner takes.
 * Missing values are NaN.
 */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** How a learner should treat a column of a {@link Matrix}. */
export interface FeatureInfo {
  /** The column name as in the dataset schema (one-hot columns are named `feature=code`). */
  readonly name: string;
  /** `numeric`: a real value; `categorical`: an integer category code in [0, categories). */
  readonly kind: 'numeric' | 'categorical';
  /** Number of category codes (categorical only). */
  readonly categories?: number;
}

/** Allocates a zero-filled matrix. */
export function createMatrix(rows: number, cols: number): Matrix {
  return { data: new Float64Array(rows * cols), rows, cols };
}

/** Builds a matrix from an array of rows (for tests and small inputs). */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const m = createMatrix(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i];
    if (row.length !== c) throw new RangeError(`row ${i} has ${row.length} values, expected ${c}`);
    m.data.set(row, i * c);
  }
  return m;
}

/** Copies the given rows (by index) into a new matrix. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = createMatrix(indices.length, m.cols);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * m.cols;
    out.data.set(m.data.subarray(src, src + m.cols), k * m.cols);
  }
  return out;
}
