import type { Matrix, SparseRows } from '../../core/index.js';
import { nonFiniteValue } from '../validate-input.js';

/**
 * The L2-penalised logistic loss exactly as scikit-learn 1.2's lbfgs solver evaluates it:
 *
 *   F(w, b) = Σ s_i·[log(1 + e^{z_i}) − y_i·z_i] + ‖w‖² / (2·C),   z_i = x_i·w + b
 *
 * (= `C·Σ s_i·logloss_i + ½‖w‖²` divided by C, so tolerances on its gradient mean the same as there).
 * Parameters are packed as `theta = [w_0 … w_{p−1}, b]` (b omitted without an intercept).
 *
 * Mostly-zero inputs (one-hot encodings) are detected once: 0/1 "indicator" columns are grouped into
 * distinct row patterns (rows sharing the same set of active indicators share one partial margin), and
 * the remaining columns are kept as a small dense block. Each evaluation then costs
 * O(rows × dense columns + Σ pattern sizes) instead of O(rows × columns); the hot loops allocate nothing.
 */
export class LogisticLoss {
  /** Number of packed parameters (p, plus 1 with an intercept). */
  readonly size: number;
  /** True when the pattern-compressed sparse representation is used. */
  readonly sparse: boolean;
  private readonly p: number;
  private readonly n: number;
  private readonly y: Uint8Array;
  private readonly w: Float64Array;
  private readonly l2: number;
  private readonly fitIntercept: boolean;
  /** Dense mode: the caller's row-major data. */
  private readonly dense: Float64Array | null;
  // sparse mode: indicator patterns + dense block
  /** Pattern id of each row in each column block (row-major, `blocks` per row). */
  private readonly rowPat: Int32Array;
  /** Number of indicator column blocks (1 = whole-row patterns). */
  private readonly blocks: number;
  private readonly patPtr: Int32Array;
  private readonly patCol: Int32Array;
  private readonly nPat: number;
  private readonly dCols: Int32Array;
  private readonly dVals: Float64Array;
  private readonly patZ: Float64Array;
  /** exp(−patZ) per pattern. */
  private readonly patE: Float64Array;
  private readonly patR: Float64Array;
  private readonly z: Float64Array;
  private readonly r: Float64Array;
  /** Scratch: coefficients and gradient of the dense block (sparse layout). */
  private readonly thD: Float64Array;
  private readonly gD: Float64Array;
  /** [w0, w1] when every row's weight is its class's constant, else null. */
  private readonly classWeights: [number, number] | null;

  /**
   * `splitBlocks` lets the indicator columns be split into blocks of consecutive columns, each with its
   * own row patterns, when that is cheaper per evaluation than whole-row patterns (few duplicate rows);
   * {@link lossGradHess} is then unavailable, so only gradient-based solvers should ask for it.
   */
  constructor(
    X: Matrix,
    y: Uint8Array,
    weights: Float64Array,
    C: number,
    fitIntercept: boolean,
    splitBlocks = false,
  ) {
    const { rows: n, cols: p } = X;
    this.n = n;
    this.p = p;
    this.y = y;
    this.w = weights;
    this.fitIntercept = fitIntercept;
    this.size = p + (fitIntercept ? 1 : 0);
    this.l2 = 1 / C;
    this.z = new Float64Array(n);
    this.r = new Float64Array(n);
    // (the row loops live in helpers: a constructor optimised in the middle of a loop deoptimises on
    // every new data shape)
    this.classWeights = constantClassWeights(y, weights);
    const indicator = new Uint8Array(p).fill(1);
    const used = new Uint8Array(p);
    // a matrix with sparse rows is read from them: its dense array is never built
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
    this.sparse = nnz < 0.5 * n * p;
    if (!this.sparse) {
      this.dense = X.data;
      this.rowPat = this.patPtr = this.patCol = this.dCols = new Int32Array(0);
      this.dVals = this.patZ = this.patE = this.patR = this.thD = this.gD = new Float64Array(0);
      this.nPat = 0;
      this.blocks = 1;
      return;
    }
    this.dense = null;
    const dc: number[] = [];
    for (let j = 0; j < p; j++) if (used[j] === 1 && indicator[j] === 0) dc.push(j);
    const nd = dc.length;
    this.dCols = Int32Array.from(dc);
    this.thD = new Float64Array(nd);
    this.gD = new Float64Array(nd);
    this.dVals =
      rowsOf === undefined
        ? gatherColumns(X.data, n, p, this.dCols)
        : gatherSparseColumns(rowsOf, n, p, this.dCols);
    // with split blocks allowed, whole-row grouping stops once it passes n/4 patterns (rows mostly
    // distinct): blocks are then tried against an estimate of the whole-row cost
    const limit = n >> 2;
    const whole = groupPatterns(csr, n, splitBlocks ? limit : n);
    let g: PatternLayout;
    if ('rowPat' in whole) g = whole;
    else {
      const b = blockPatterns(csr, n, p, indicator, used);
      // per-evaluation cost: one gather + scatter per row and block, plus the pattern sums; whole rows:
      // the patterns seen so far extrapolated to all rows, each of the average row size
      const patterns = Math.min(n, (whole.patterns * n) / whole.rows);
      const costWhole = n + patterns * (csr.cols.length / n);
      const costBlocks = n * b.blocks + b.patPtr[b.nPat];
      g = b.blocks > 1 && costBlocks < 0.7 * costWhole ? b : (groupPatterns(csr, n, n) as PatternLayout);
    }
    this.blocks = g.blocks;
    this.rowPat = g.rowPat;
    this.nPat = g.nPat;
    this.patPtr = g.patPtr;
    this.patCol = g.patCol;
    this.patZ = new Float64Array(this.nPat);
    this.patE = new Float64Array(this.nPat);
    this.patR = new Float64Array(this.nPat * (1 + nd));
  }

  /** Dense layout: computes margins z = Xw + b into the internal buffer. */
  private margins(theta: Float64Array): void {
    const { n, p, z } = this;
    const b = this.fitIntercept ? theta[p] : 0;
    const d = this.dense!;
    for (let i = 0; i < n; i++) {
      let s = b;
      const off = i * p;
      for (let j = 0; j < p; j++) s += d[off + j] * theta[j];
      z[i] = s;
    }
  }

  /** Loss value at `theta`; writes the gradient into `grad` (length {@link size}). */
  lossGrad(theta: Float64Array, grad: Float64Array): number {
    const { p, l2 } = this;
    const data = this.sparse ? this.lossGradSparse(theta, grad) : this.lossGradDense(theta, grad);
    let reg = 0;
    for (let j = 0; j < p; j++) {
      grad[j] += l2 * theta[j];
      reg += theta[j] * theta[j];
    }
    return data + 0.5 * l2 * reg;
  }

  /*
   * Per row: loss_i = w_i·[max(z, 0) − y·z + log(1 + e^{−|z|})], residual r_i = w_i·(σ(z) − y).
   * When weights are constant within each class, the log terms are summed as logs of block products
   * (each factor in (1, 2], 512 of them stay below 2^512): one Math.log per block instead of a log1p per
   * row, with a relative error ~1e-16 on the total. σ(z) is computed without a branch.
   */

  /** Data term and its gradient (written, not added) for the dense layout. */
  private lossGradDense(theta: Float64Array, grad: Float64Array): number {
    const { n, p, z, r, y, w } = this;
    this.margins(theta);
    let loss = 0;
    let rsum = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[i];
      const wi = w[i];
      const e = Math.exp(-Math.abs(zi));
      const h = +(zi > 0);
      const pr = (h + (1 - h) * e) / (1 + e);
      const yi = y[i];
      loss += wi * (Math.max(zi, 0) - yi * zi + Math.log1p(e));
      const ri = wi * (pr - yi);
      r[i] = ri;
      rsum += ri;
    }
    grad.fill(0);
    const d = this.dense!;
    for (let i = 0; i < n; i++) {
      const ri = r[i];
      const off = i * p;
      for (let j = 0; j < p; j++) grad[j] += ri * d[off + j];
    }
    if (this.fitIntercept) grad[p] = rsum;
    return loss;
  }

  /*
   * The pattern layout's row pass. A row's margin is its pattern sum(s) plus its dense part, so e^{−z}
   * is the product of the patterns' e^{−patZ} (one Math.exp per pattern) and, with a dense block, of
   * e^{−dense part} (one per row). With E = e^{−z}: σ(z) = 1/(1 + E) and e^{−|z|} = min(E, 1/E).
   * Products are used only while every factor stays within e^{±345}, so no partial product leaves the
   * normal range; other rows take Math.exp(−z). Whole-row patterns are the case of one block, so every
   * layout runs the same loop (and the JIT's type feedback from one data set serves the next).
   */

  /** Data term and gradient (written, not added) for the pattern layout (the intercept added per row). */
  private lossGradSparse(theta: Float64Array, grad: Float64Array): number {
    const { n, p, z, y, w, patPtr, patCol, patZ, patE, patR, rowPat, dCols, dVals, nPat, thD, gD, blocks } =
      this;
    const nd = dCols.length;
    const rowB = this.fitIntercept ? theta[p] : 0;
    const maxAbs = Math.max(Math.abs(rowB), patternSums(theta, patPtr, patCol, patZ, patE, patR, nPat));
    const products = (blocks + 1) * maxAbs < 345;
    for (let d = 0; d < nd; d++) {
      thD[d] = theta[dCols[d]];
      gD[d] = 0;
    }
    const eB = Math.exp(-rowB);
    const byClass = this.classWeights !== null;
    let lin = 0;
    let logs = 0;
    let prod0 = 1;
    let prod1 = 1;
    let log0 = 0;
    let log1 = 0;
    let rsum = 0;
    for (let i = 0; i < n; i++) {
      const rb = i * blocks;
      const off = i * nd;
      let zi = rowB;
      let E = eB;
      for (let k = 0; k < blocks; k++) {
        const q = rowPat[rb + k];
        zi += patZ[q];
        E *= patE[q];
      }
      if (nd > 0) {
        let zd = 0;
        for (let d = 0; d < nd; d++) zd += dVals[off + d] * thD[d];
        zi += zd;
        E = products && zd < 345 && zd > -345 ? E * Math.exp(-zd) : Math.exp(-zi);
      } else if (!products) E = Math.exp(-zi);
      z[i] = zi;
      const wi = w[i];
      const yi = y[i];
      const e = Math.min(E, 1 / E);
      const pr = 1 / (1 + E);
      lin += wi * (Math.max(zi, 0) - yi * zi);
      if (byClass) {
        prod1 *= 1 + yi * e;
        prod0 *= 1 + (1 - yi) * e;
        if ((i & 511) === 511) {
          log0 += Math.log(prod0);
          log1 += Math.log(prod1);
          prod0 = 1;
          prod1 = 1;
        }
      } else {
        logs += wi * Math.log1p(e);
      }
      const ri = wi * (pr - yi);
      rsum += ri;
      for (let k = 0; k < blocks; k++) patR[rowPat[rb + k]] += ri;
      for (let d = 0; d < nd; d++) gD[d] += ri * dVals[off + d];
    }
    if (byClass) {
      const cw = this.classWeights!;
      logs = cw[0] * (log0 + Math.log(prod0)) + cw[1] * (log1 + Math.log(prod1));
    }
    grad.fill(0);
    scatterPatterns(grad, patPtr, patCol, patR, nPat);
    for (let d = 0; d < nd; d++) grad[dCols[d]] += gD[d];
    if (this.fitIntercept) grad[p] = rsum;
    return lin + logs;
  }

  /**
   * Loss and gradient at `theta`, plus the Hessian (row-major, size × size, full symmetric) into `hess`.
   */
  lossGradHess(theta: Float64Array, grad: Float64Array, hess: Float64Array): number {
    if (this.blocks !== 1) throw new Error('LogisticLoss: no Hessian with split column blocks');
    const loss = this.lossGrad(theta, grad);
    const { n, p, z, w, l2, size } = this;
    hess.fill(0);
    const last = this.fitIntercept ? p : -1;
    if (this.sparse) {
      const { patPtr, patCol, patR, rowPat, dCols, dVals, nPat } = this;
      const nd = dCols.length;
      const stride = 1 + nd;
      // per pattern: Σ d_i and Σ d_i·x_id
      patR.fill(0);
      for (let i = 0; i < n; i++) {
        const di = curvature(z[i], w[i]);
        const q = rowPat[i] * stride;
        patR[q] += di;
        const off = i * nd;
        for (let a = 0; a < nd; a++) {
          const va = di * dVals[off + a];
          patR[q + 1 + a] += va;
          const ra = dCols[a] * size;
          for (let b = 0; b < nd; b++) hess[ra + dCols[b]] += va * dVals[off + b];
          if (last >= 0) {
            hess[ra + last] += va;
            hess[last * size + dCols[a]] += va;
          }
        }
        if (last >= 0) hess[last * size + last] += di;
      }
      for (let q = 0; q < nPat; q++) {
        const base = q * stride;
        const dq = patR[base];
        const s = patPtr[q];
        const e = patPtr[q + 1];
        for (let a = s; a < e; a++) {
          const ja = patCol[a];
          const ra = ja * size;
          for (let b = s; b < e; b++) hess[ra + patCol[b]] += dq;
          for (let d = 0; d < nd; d++) {
            const v = patR[base + 1 + d];
            hess[ra + dCols[d]] += v;
            hess[dCols[d] * size + ja] += v;
          }
          if (last >= 0) {
            hess[ra + last] += dq;
            hess[last * size + ja] += dq;
          }
        }
      }
    } else {
      const d = this.dense!;
      for (let i = 0; i < n; i++) {
        const di = curvature(z[i], w[i]);
        if (di === 0) continue;
        const off = i * p;
        for (let a = 0; a < p; a++) {
          const va = di * d[off + a];
          if (va === 0) continue;
          const rowOff = a * size;
          for (let b = a; b < p; b++) hess[rowOff + b] += va * d[off + b];
          if (last >= 0) hess[rowOff + last] += va;
        }
        if (last >= 0) hess[last * size + last] += di;
      }
      for (let a = 0; a < size; a++) {
        for (let b = a + 1; b < size; b++) hess[b * size + a] = hess[a * size + b];
      }
    }
    for (let j = 0; j < p; j++) hess[j * size + j] += l2;
    return loss;
  }
}

/**
 * Pattern sums `patZ[q] = Σ theta[patCol[k]]`, `patE = e^{−patZ}`, cleared `patR`; returns the
 * largest |patZ|.
 */
function patternSums(
  theta: Float64Array,
  patPtr: Int32Array,
  patCol: Int32Array,
  patZ: Float64Array,
  patE: Float64Array,
  patR: Float64Array,
  nPat: number,
): number {
  let maxAbs = 0;
  for (let q = 0; q < nPat; q++) {
    let s = 0;
    for (let k = patPtr[q], e = patPtr[q + 1]; k < e; k++) s += theta[patCol[k]];
    patZ[q] = s;
    patE[q] = Math.exp(-s);
    patR[q] = 0;
    maxAbs = Math.max(maxAbs, Math.abs(s));
  }
  return maxAbs;
}

/** Adds each pattern's residual sum `patR[q]` to the gradient of its columns. */
function scatterPatterns(
  grad: Float64Array,
  patPtr: Int32Array,
  patCol: Int32Array,
  patR: Float64Array,
  nPat: number,
): void {
  for (let q = 0; q < nPat; q++) {
    const rq = patR[q];
    for (let k = patPtr[q], e = patPtr[q + 1]; k < e; k++) grad[patCol[k]] += rq;
  }
}

/** [w0, w1] when every row's weight is its class's constant, else null. */
function constantClassWeights(y: Uint8Array, weights: Float64Array): [number, number] | null {
  const cw: [number, number] = [Number.NaN, Number.NaN];
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (Number.isNaN(cw[c])) cw[c] = weights[i];
    else if (cw[c] !== weights[i]) return null;
  }
  return [cw[0] || 0, cw[1] || 0];
}

/** Columns `cols` of row-major `data` (n × p) as a row-major n × cols.length block. */
function gatherColumns(data: Float64Array, n: number, p: number, cols: Int32Array): Float64Array {
  const nd = cols.length;
  const out = new Float64Array(n * nd);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < nd; d++) out[i * nd + d] = data[i * p + cols[d]];
  }
  return out;
}

/** Entry (i, j) of sparse rows (0 when absent). */
function valueAt(rowsOf: SparseRows, i: number, j: number): number {
  for (let t = rowsOf.ptr[i]; t < rowsOf.ptr[i + 1]; t++) if (rowsOf.cols[t] === j) return rowsOf.vals[t];
  return 0;
}

/** {@link gatherColumns} from sparse rows. */
function gatherSparseColumns(rowsOf: SparseRows, n: number, p: number, cols: Int32Array): Float64Array {
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

/**
 * {@link scanIndicators} from sparse rows (columns ascending, entries possibly holding zeros): the
 * same flags, count and lists, with `firstBad` the flat index (row·p + column) of the first NaN or
 * infinite value.
 */
function scanSparseIndicators(
  rowsOf: SparseRows,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): { nnz: number; csr: Csr; firstBad: number } {
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

/** w·σ(z)·(1 − σ(z)), stable for large |z|. */
function curvature(z: number, w: number): number {
  const e = Math.exp(-Math.abs(z));
  return (w * e) / ((1 + e) * (1 + e));
}

/**
 * One pass over row-major `data`: counts the non-zeros, marks used columns, clears `indicator` of
 * columns holding a value other than 0/1, and lists per row (in column order) the active = 1 columns
 * that are indicators. `firstBad` is the flat index of the first NaN or infinite value, or −1 (the
 * estimator leaves that check to this pass instead of reading X once more).
 */
function scanIndicators(
  data: Float64Array,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): { nnz: number; csr: Csr; firstBad: number } {
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
 * Groups rows by their set of active 0/1 indicator columns (an open-addressing hash table on the column
 * lists); patterns are numbered in order of first appearance. Gives up (returning how many rows gave
 * how many patterns) as soon as there are more than `maxPatterns`.
 */
function groupPatterns(
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

interface PatternLayout {
  /** Global pattern id of each row in each block (row-major, `blocks` per row). */
  rowPat: Int32Array;
  nPat: number;
  patPtr: Int32Array;
  patCol: Int32Array;
  blocks: number;
}

/**
 * Splits the used indicator columns (in column order) into blocks greedily: a block grows while its
 * number of distinct row patterns stays at most n/32; patterns are numbered globally, block by block.
 * (On the classic data, 6,499 rows: n/32 gives 3 blocks of 461 patterns, n/16 3 blocks of 746; an
 * evaluation costs about 20% less with the former, since every pattern costs a sum and an exp.)
 * The row loops live in small helpers taking typed arrays (no closures over mutable state): they are
 * compiled within the first fit, while this once-per-fit driver may stay unoptimised.
 */
function blockPatterns(
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

/** Row-major lists of the active (= 1) indicator columns of each row, in column order. */
interface Csr {
  ptr: Int32Array;
  cols: Int32Array;
}
