import type { Matrix } from '../../core/index.js';
import { compressRowPatterns } from './compress-row-patterns.js';

/**
 * The L2-penalised logistic loss exactly as scikit-learn 1.2's lbfgs solver evaluates it:
 *
 *   F(w, b) = Σ s_i·[log(1 + e^{z_i}) − y_i·z_i] + ‖w‖² / (2·C),   z_i = x_i·w + b
 *
 * (= `C·Σ s_i·logloss_i + ½‖w‖²` divided by C, so tolerances on its gradient mean the same as there).
 * Parameters are packed as `theta = [w_0 … w_{p−1}, b]` (b omitted without an intercept).
 *
 * Mostly-zero inputs (one-hot encodings) are compressed once ({@link compressRowPatterns}): 0/1
 * "indicator" columns are grouped into distinct row patterns (rows sharing the same set of active
 * indicators share one partial margin), and the remaining columns are kept as a small dense block.
 * Each evaluation then costs O(rows × dense columns + Σ pattern sizes) instead of O(rows × columns);
 * the hot loops allocate nothing.
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
    const pat = compressRowPatterns(X, splitBlocks);
    this.sparse = pat !== null;
    if (pat === null) {
      this.dense = X.data;
      this.rowPat = this.patPtr = this.patCol = this.dCols = new Int32Array(0);
      this.dVals = this.patZ = this.patE = this.patR = this.thD = this.gD = new Float64Array(0);
      this.nPat = 0;
      this.blocks = 1;
      return;
    }
    this.dense = null;
    const nd = pat.dCols.length;
    this.dCols = pat.dCols;
    this.dVals = pat.dVals;
    this.thD = new Float64Array(nd);
    this.gD = new Float64Array(nd);
    this.blocks = pat.blocks;
    this.rowPat = pat.rowPat;
    this.nPat = pat.nPat;
    this.patPtr = pat.patPtr;
    this.patCol = pat.patCol;
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

/** w·σ(z)·(1 − σ(z)), stable for large |z|. */
function curvature(z: number, w: number): number {
  const e = Math.exp(-Math.abs(z));
  return (w * e) / ((1 + e) * (1 + e));
}
