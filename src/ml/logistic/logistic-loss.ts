import type { Matrix } from '../../core/index.js';

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
  private readonly rowPat: Int32Array;
  private readonly patPtr: Int32Array;
  private readonly patCol: Int32Array;
  private readonly nPat: number;
  private readonly dCols: Int32Array;
  private readonly dVals: Float64Array;
  private readonly patZ: Float64Array;
  private readonly patR: Float64Array;
  private readonly z: Float64Array;
  private readonly r: Float64Array;
  /** Scratch: coefficients and gradient of the dense block (sparse layout). */
  private readonly thD: Float64Array;
  private readonly gD: Float64Array;
  /** [w0, w1] when every row's weight is its class's constant, else null. */
  private readonly classWeights: [number, number] | null;

  constructor(X: Matrix, y: Uint8Array, weights: Float64Array, C: number, fitIntercept: boolean) {
    const { rows: n, cols: p, data } = X;
    this.n = n;
    this.p = p;
    this.y = y;
    this.w = weights;
    this.fitIntercept = fitIntercept;
    this.size = p + (fitIntercept ? 1 : 0);
    this.l2 = 1 / C;
    this.z = new Float64Array(n);
    this.r = new Float64Array(n);
    const cw: [number, number] = [Number.NaN, Number.NaN];
    let constant = true;
    for (let i = 0; i < n && constant; i++) {
      const c = y[i];
      if (Number.isNaN(cw[c])) cw[c] = weights[i];
      else if (cw[c] !== weights[i]) constant = false;
    }
    this.classWeights = constant ? [cw[0] || 0, cw[1] || 0] : null;
    let nnz = 0;
    const indicator = new Uint8Array(p).fill(1);
    const used = new Uint8Array(p);
    for (let i = 0; i < n; i++) {
      const off = i * p;
      for (let j = 0; j < p; j++) {
        const v = data[off + j];
        if (v !== 0) {
          nnz++;
          used[j] = 1;
          if (v !== 1) indicator[j] = 0;
        }
      }
    }
    this.sparse = nnz < 0.5 * data.length;
    if (!this.sparse) {
      this.dense = data;
      this.rowPat = this.patPtr = this.patCol = this.dCols = new Int32Array(0);
      this.dVals = this.patZ = this.patR = this.thD = this.gD = new Float64Array(0);
      this.nPat = 0;
      return;
    }
    this.dense = null;
    const dc: number[] = [];
    for (let j = 0; j < p; j++) if (used[j] === 1 && indicator[j] === 0) dc.push(j);
    const nd = dc.length;
    this.dCols = Int32Array.from(dc);
    this.thD = new Float64Array(nd);
    this.gD = new Float64Array(nd);
    this.dVals = new Float64Array(n * nd);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < nd; d++) this.dVals[i * nd + d] = data[i * p + dc[d]];
    }
    const ids = new Map<string, number>();
    const patCols: number[] = [];
    const ptr: number[] = [0];
    this.rowPat = new Int32Array(n);
    const active: number[] = [];
    for (let i = 0; i < n; i++) {
      active.length = 0;
      const off = i * p;
      for (let j = 0; j < p; j++) if (indicator[j] === 1 && data[off + j] === 1) active.push(j);
      const key = active.join(',');
      let q = ids.get(key);
      if (q === undefined) {
        q = ids.size;
        ids.set(key, q);
        for (const j of active) patCols.push(j);
        ptr.push(patCols.length);
      }
      this.rowPat[i] = q;
    }
    this.nPat = ids.size;
    this.patPtr = Int32Array.from(ptr);
    this.patCol = Int32Array.from(patCols);
    this.patZ = new Float64Array(this.nPat);
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

  /** Data term and gradient for the pattern layout: margins, loss and gradient fused in one row pass. */
  private lossGradSparse(theta: Float64Array, grad: Float64Array): number {
    const { n, p, z, y, w, patPtr, patCol, patZ, patR, rowPat, dCols, dVals, nPat, thD, gD } = this;
    const nd = dCols.length;
    const b = this.fitIntercept ? theta[p] : 0;
    for (let q = 0; q < nPat; q++) {
      let s = b;
      for (let k = patPtr[q], e = patPtr[q + 1]; k < e; k++) s += theta[patCol[k]];
      patZ[q] = s;
      patR[q] = 0;
    }
    for (let d = 0; d < nd; d++) {
      thD[d] = theta[dCols[d]];
      gD[d] = 0;
    }
    const byClass = this.classWeights !== null;
    let lin = 0;
    let logs = 0;
    let prod0 = 1;
    let prod1 = 1;
    let log0 = 0;
    let log1 = 0;
    let rsum = 0;
    for (let i = 0; i < n; i++) {
      const q = rowPat[i];
      const off = i * nd;
      let zi = patZ[q];
      for (let d = 0; d < nd; d++) zi += dVals[off + d] * thD[d];
      z[i] = zi;
      const wi = w[i];
      const yi = y[i];
      const e = Math.exp(-Math.abs(zi));
      const h = +(zi > 0);
      const pr = (h + (1 - h) * e) / (1 + e);
      lin += wi * (Math.max(zi, 0) - yi * zi);
      if (byClass) {
        prod1 *= 1 + yi * e; // the factor goes to its class's product, 1 to the other
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
      patR[q] += ri;
      for (let d = 0; d < nd; d++) gD[d] += ri * dVals[off + d];
    }
    if (byClass) {
      const cw = this.classWeights!;
      logs = cw[0] * (log0 + Math.log(prod0)) + cw[1] * (log1 + Math.log(prod1));
    }
    grad.fill(0);
    for (let q = 0; q < nPat; q++) {
      const rq = patR[q];
      for (let k = patPtr[q], e = patPtr[q + 1]; k < e; k++) grad[patCol[k]] += rq;
    }
    for (let d = 0; d < nd; d++) grad[dCols[d]] += gD[d];
    if (this.fitIntercept) grad[p] = rsum;
    return lin + logs;
  }

  /**
   * Loss and gradient at `theta`, plus the Hessian (row-major, size × size, full symmetric) into `hess`.
   */
  lossGradHess(theta: Float64Array, grad: Float64Array, hess: Float64Array): number {
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

/** w·σ(z)·(1 − σ(z)), stable for large |z|. */
function curvature(z: number, w: number): number {
  const e = Math.exp(-Math.abs(z));
  return (w * e) / ((1 + e) * (1 + e));
}
