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
    const indicator = new Uint8Array(p).fill(1);
    const used = new Uint8Array(p);
    const nnz = scanColumns(data, n, p, indicator, used);
    this.sparse = nnz < 0.5 * data.length;
    if (!this.sparse) {
      this.dense = data;
      this.rowPat = this.patPtr = this.patCol = this.dCols = new Int32Array(0);
      this.dVals = this.patZ = this.patR = this.thD = this.gD = new Float64Array(0);
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
    this.dVals = new Float64Array(n * nd);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < nd; d++) this.dVals[i * nd + d] = data[i * p + dc[d]];
    }
    const csr = indicatorCsr(data, n, p, indicator, nnz);
    let g = groupPatterns(csr, n);
    if (splitBlocks && g.nPat > n >> 2) {
      const b = blockPatterns(csr, n, p, indicator, used);
      // per-evaluation cost: one gather + scatter per row and block, plus the pattern sums
      const costWhole = n + (g.patPtr[g.nPat] ?? 0);
      const costBlocks = n * b.blocks + b.patPtr[b.nPat];
      if (b.blocks > 1 && costBlocks < 0.7 * costWhole) g = b;
    }
    this.blocks = g.blocks;
    this.rowPat = g.rowPat;
    this.nPat = g.nPat;
    this.patPtr = g.patPtr;
    this.patCol = g.patCol;
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
    const { n, p, z, y, w, patPtr, patCol, patZ, patR, rowPat, dCols, dVals, nPat, thD, gD, blocks } = this;
    const nd = dCols.length;
    const b = this.fitIntercept ? theta[p] : 0;
    // the intercept goes into the pattern sums when there is one pattern per row, else into each row
    const pb = blocks === 1 ? b : 0;
    const rowB = b - pb;
    for (let q = 0; q < nPat; q++) {
      let s = pb;
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
      const rb = i * blocks;
      const q = rowPat[rb];
      const off = i * nd;
      let zi = patZ[q];
      if (blocks !== 1) {
        zi += rowB;
        for (let k = 1; k < blocks; k++) zi += patZ[rowPat[rb + k]];
      }
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
      for (let k = 1; k < blocks; k++) patR[rowPat[rb + k]] += ri;
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

/** w·σ(z)·(1 − σ(z)), stable for large |z|. */
function curvature(z: number, w: number): number {
  const e = Math.exp(-Math.abs(z));
  return (w * e) / ((1 + e) * (1 + e));
}

/** Counts the non-zeros of row-major `data`; marks used columns and clears `indicator` of non-0/1 ones. */
function scanColumns(
  data: Float64Array,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): number {
  let nnz = 0;
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
  return nnz;
}

/**
 * Groups rows by their set of active 0/1 indicator columns (an open-addressing hash table on the column
 * lists); patterns are numbered in order of first appearance.
 */
function groupPatterns(csr: Csr, n: number): PatternLayout {
  const { ptr: rowPtr, cols: act } = csr;
  let patCols = new Int32Array(Math.max(16, act.length));
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
 * number of distinct row patterns stays at most n/16; patterns are numbered globally, block by block.
 */
function blockPatterns(
  csr: Csr,
  n: number,
  p: number,
  indicator: Uint8Array,
  used: Uint8Array,
): PatternLayout {
  const cap = Math.max(16, n >> 4);
  const { ptr: rowPtr, cols: rowCols } = csr;
  // the rows where each indicator column is 1
  const colCount = new Int32Array(p + 1);
  for (let t = 0; t < rowCols.length; t++) colCount[rowCols[t] + 1]++;
  for (let j = 0; j < p; j++) colCount[j + 1] += colCount[j];
  const colRows = new Int32Array(colCount[p]);
  const fillAt = colCount.slice(0, p);
  for (let i = 0; i < n; i++) {
    for (let t = rowPtr[i]; t < rowPtr[i + 1]; t++) colRows[fillAt[rowCols[t]]++] = i;
  }
  const blockCols: number[][] = [];
  const blockIds: Int32Array[] = [];
  const blockCounts: number[] = [];
  // ids of the current block's row patterns are sparse in [0, maxId); only rows with a 1 move per column
  const capIds = 1 + rowCols.length;
  const size = new Int32Array(capIds);
  const stamp = new Int32Array(capIds).fill(-1);
  const newIdOf = new Int32Array(capIds);
  const moved = new Int32Array(capIds);
  const touched = new Int32Array(n);
  let ids = new Int32Array(n);
  let maxId = 1;
  let live = 1;
  size[0] = n;
  let cols: number[] = [];
  const compact = new Int32Array(capIds);
  const close = (): void => {
    if (cols.length === 0) return;
    compact.fill(-1, 0, maxId);
    let c = 0;
    for (let i = 0; i < n; i++) {
      let q = compact[ids[i]];
      if (q < 0) {
        q = c++;
        compact[ids[i]] = q;
      }
      ids[i] = q;
    }
    blockCols.push(cols);
    blockIds.push(ids);
    blockCounts.push(c);
    ids = new Int32Array(n);
    size.fill(0, 0, maxId);
    size[0] = n;
    maxId = 1;
    live = 1;
    cols = [];
  };
  let gen = 0;
  for (let j = 0; j < p; j++) {
    if (indicator[j] !== 1 || used[j] !== 1) continue;
    const r0 = colCount[j];
    const r1 = colCount[j + 1];
    for (let attempt = 0; attempt < 2; attempt++) {
      gen++;
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
      const after = live + nNew - emptied;
      if (after > cap && cols.length > 0) {
        close();
        continue; // the column alone starts the next block
      }
      for (let t = r0; t < r1; t++) {
        const i = colRows[t];
        ids[i] = newIdOf[ids[i]];
      }
      for (let k = 0; k < nt; k++) {
        const old = touched[k];
        size[newIdOf[old]] = moved[old];
        size[old] -= moved[old];
      }
      maxId += nNew;
      live = after;
      cols.push(j);
      break;
    }
  }
  close();
  const blocks = Math.max(1, blockCols.length);
  const rowPat = new Int32Array(n * blocks);
  const ptr: number[] = [0];
  const patCol: number[] = [];
  let base = 0;
  for (let b = 0; b < blockCols.length; b++) {
    const bc = blockCols[b];
    const bid = blockIds[b];
    const seen = new Uint8Array(blockCounts[b]);
    const rep = new Int32Array(blockCounts[b]);
    for (let i = 0; i < n; i++) {
      const q = bid[i];
      rowPat[i * blocks + b] = base + q;
      if (seen[q] === 0) {
        seen[q] = 1;
        rep[q] = i;
      }
    }
    const inBlock = new Uint8Array(p);
    for (const j of bc) inBlock[j] = 1;
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

/** Row-major lists of the active (= 1) indicator columns of each row, in column order. */
interface Csr {
  ptr: Int32Array;
  cols: Int32Array;
}

function indicatorCsr(data: Float64Array, n: number, p: number, indicator: Uint8Array, nnz: number): Csr {
  const ptr = new Int32Array(n + 1);
  let cols = new Int32Array(Math.max(16, nnz));
  let m = 0;
  for (let i = 0; i < n; i++) {
    const off = i * p;
    for (let j = 0; j < p; j++) {
      if (data[off + j] === 1 && indicator[j] === 1) cols[m++] = j;
    }
    ptr[i + 1] = m;
  }
  if (m < cols.length) cols = cols.subarray(0, m);
  return { ptr, cols };
}
