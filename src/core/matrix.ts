/**
 * A dense row-major matrix of float64 values: the one shape every learner takes.
 * Missing values are NaN.
 */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
  /**
   * Optional: the same values as compressed sparse rows. A mostly-zero matrix (a one-hot encoding)
   * may be made from them ({@link sparseMatrix}): its dense `data` is then built on first read, and a
   * learner that reads the rows skips it altogether. The two never disagree: neither is written to.
   */
  readonly sparse?: SparseRows;
}

/** Compressed sparse rows: row i's entries are `cols`/`vals` [ptr[i], ptr[i+1]), columns ascending. */
export interface SparseRows {
  readonly ptr: Int32Array;
  readonly cols: Int32Array;
  readonly vals: Float64Array;
}

/** A {@link Matrix} made from its sparse rows; the dense array is built (once) when first read. */
class SparseBackedMatrix implements Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly sparse: SparseRows;
  #data: Float64Array | null = null;

  constructor(rows: number, cols: number, sparse: SparseRows) {
    this.rows = rows;
    this.cols = cols;
    this.sparse = sparse;
  }

  get data(): Float64Array {
    if (this.#data === null) {
      const { ptr, cols, vals } = this.sparse;
      const d = new Float64Array(this.rows * this.cols);
      for (let i = 0; i < this.rows; i++) {
        const off = i * this.cols;
        for (let t = ptr[i]; t < ptr[i + 1]; t++) d[off + cols[t]] = vals[t];
      }
      this.#data = d;
    }
    return this.#data;
  }
}

/**
 * A matrix given by its non-zero entries (see {@link Matrix.sparse}). The caller hands the arrays
 * over: they must not be changed afterwards.
 */
export function sparseMatrix(rows: number, cols: number, sparse: SparseRows): Matrix {
  return new SparseBackedMatrix(rows, cols, sparse);
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
