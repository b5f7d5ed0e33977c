import type { CartColumns } from './cart-columns.js';
import { FEATURE_THRESHOLD, impurityOf, MAX_BINS, midpoint } from './split-helpers.js';

/** The training data of one CART fit. */
export interface CartData {
  /** Column-major values: `col[f * n + i]`. */
  readonly col: Float64Array;
  readonly n: number;
  readonly F: number;
  /** 1 marks categorical columns, whose values are integer codes in [0, nCat[f]) or NaN. */
  readonly isCat: Uint8Array;
  readonly nCat: Int32Array;
  readonly y: Uint8Array;
  /** Row weights. */
  readonly w: Float64Array;
}

/** Growth settings (validated hyper-parameters). */
export interface GrowOptions {
  readonly criterion: 'gini' | 'entropy';
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  readonly minImpurityDecrease: number;
}

/**
 * The CART split search of one node: every column scanned for the split with the lowest weighted child
 * impurity (scikit-learn's criterion), with learned directions for missing values. Holds the histogram
 * scratch of one fit and, after {@link find}, the best split.
 */
export class CartSplitSearch {
  /** The best split's feature (−1: none). */
  feature = -1;
  /** Its weighted child impurity sum. */
  score = Number.POSITIVE_INFINITY;
  /** Numeric: `x < threshold` goes left. */
  threshold = 0;
  /** Numeric: 1 missing left, 0 right, 2 no missing values here (the larger child takes them). */
  missLeft = 1;
  /** Categorical: the slots (codes, the missing slot last) going left. */
  catLeft: number[] = [];
  // histogram scratch (per category or value code, the missing slot last)
  private readonly h0: Float64Array;
  private readonly h1: Float64Array;
  private readonly hc: Int32Array;
  private readonly order: Int32Array;
  private readonly key: Float64Array;

  /**
   * Searches `data` laid out as `columns`; `rows` holds the node segments (the grower partitions it),
   * `wy0` / `wy1` each row's weight when of class 0 / 1, else 0.
   */
  constructor(
    private readonly data: CartData,
    private readonly opt: GrowOptions,
    readonly columns: CartColumns,
    private readonly rows: Int32Array,
    private readonly wy0: Float64Array,
    private readonly wy1: Float64Array,
  ) {
    let maxCat = MAX_BINS + 1;
    for (let f = 0; f < data.F; f++) if (data.isCat[f] === 1) maxCat = Math.max(maxCat, data.nCat[f] + 1);
    this.h0 = new Float64Array(maxCat);
    this.h1 = new Float64Array(maxCat);
    this.hc = new Int32Array(maxCat);
    this.order = new Int32Array(maxCat);
    this.key = new Float64Array(maxCat);
  }

  private impurity(w0: number, w1: number): number {
    return impurityOf(this.opt.criterion, w0, w1);
  }

  /**
   * Finds the best split of rows[start, end) (class weight sums W0, W1) into {@link feature} (−1: none)
   * and the fields after it; sets `constant[f]` for the columns found constant here.
   */
  find(start: number, end: number, W0: number, W1: number, constant: Uint8Array): void {
    const { F, isCat } = this.data;
    this.feature = -1;
    this.score = Number.POSITIVE_INFINITY;
    for (let f = 0; f < F; f++) {
      if (constant[f] === 1) continue;
      let isConstant: boolean;
      if (isCat[f] === 1) isConstant = this.scanCategorical(f, start, end, W0, W1);
      else if (this.columns.binVals[f] !== null) isConstant = this.scanBinned(f, start, end, W0, W1);
      else isConstant = this.scanSorted(f, start, end, W0, W1);
      if (isConstant) constant[f] = 1;
    }
  }

  private consider(f: number, score: number): boolean {
    if (score < this.score) {
      this.score = score;
      this.feature = f;
      return true;
    }
    return false;
  }

  private childScore(l0: number, l1: number, r0: number, r1: number): number {
    return (l0 + l1) * this.impurity(l0, l1) + (r0 + r1) * this.impurity(r0, r1);
  }

  /**
   * Categorical column `f`: slots (codes, the missing slot K last) ordered by P(poisonous), every
   * prefix on the left (Breiman: optimal for a binary target). True when the column is constant here.
   */
  private scanCategorical(f: number, start: number, end: number, W0: number, W1: number): boolean {
    const { col, n, nCat } = this.data;
    const { rows, wy0, wy1, h0, h1, hc, order, key } = this;
    const minLeaf = this.opt.minSamplesLeaf;
    const off = f * n;
    const cnt = end - start;
    const K = nCat[f];
    h0.fill(0, 0, K + 1);
    h1.fill(0, 0, K + 1);
    hc.fill(0, 0, K + 1);
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const v = col[off + r];
      const s = Number.isNaN(v) ? K : v;
      h0[s] += wy0[r];
      h1[s] += wy1[r];
      hc[s]++;
    }
    let m = 0;
    for (let s = 0; s <= K; s++) {
      if (hc[s] === 0) continue;
      // insertion by P(poisonous), ties by slot
      const kv = h1[s] / (h0[s] + h1[s] || 1);
      let j = m++;
      while (j > 0 && key[j - 1] > kv) {
        key[j] = key[j - 1];
        order[j] = order[j - 1];
        j--;
      }
      key[j] = kv;
      order[j] = s;
    }
    if (m < 2) return true;
    let l0 = 0;
    let l1 = 0;
    let lc = 0;
    let bestPrefix = -1;
    for (let j = 0; j < m - 1; j++) {
      const s = order[j];
      l0 += h0[s];
      l1 += h1[s];
      lc += hc[s];
      if (lc < minLeaf || cnt - lc < minLeaf) continue;
      if (this.consider(f, this.childScore(l0, l1, W0 - l0, W1 - l1))) bestPrefix = j;
    }
    if (bestPrefix >= 0) {
      this.catLeft = [];
      for (let j = 0; j <= bestPrefix; j++) this.catLeft.push(order[j]);
    }
    return false;
  }

  /**
   * Numeric column `f` with few distinct values: a histogram of its value codes, every boundary between
   * present values. True when the column is constant here (all missing, or one value and none missing).
   */
  private scanBinned(f: number, start: number, end: number, W0: number, W1: number): boolean {
    const { rows, wy0, wy1, h0, h1, hc } = this;
    const vals = this.columns.binVals[f]!;
    const codes = this.columns.binCode[f]!;
    const cnt = end - start;
    const B = vals.length;
    h0.fill(0, 0, B + 1);
    h1.fill(0, 0, B + 1);
    hc.fill(0, 0, B + 1);
    for (let k = start; k < end; k++) {
      const r = rows[k];
      const s = codes[r];
      h0[s] += wy0[r];
      h1[s] += wy1[r];
      hc[s]++;
    }
    const m0 = h0[B];
    const m1 = h1[B];
    const mc = hc[B];
    const present = cnt - mc;
    if (present === 0 || (mc === 0 && hc[codes[rows[start]]] === present)) return true;
    let l0 = 0;
    let l1 = 0;
    let lc = 0;
    let prev = -1;
    for (let s = 0; s < B; s++) {
      if (hc[s] === 0) continue;
      if (prev >= 0 && vals[s] > vals[prev] + FEATURE_THRESHOLD) {
        const thr = midpoint(vals[prev], vals[s]);
        this.numericCandidate(f, thr, l0, l1, lc, present - lc, W0 - m0, W1 - m1, m0, m1, mc);
      }
      l0 += h0[s];
      l1 += h1[s];
      lc += hc[s];
      prev = s;
    }
    this.missingCandidate(f, W0 - m0, W1 - m1, present, m0, m1, mc);
    return false;
  }

  /**
   * Numeric column `f` with many distinct values: its presorted rows of the node (missing ones at the
   * tail), every gap between distinct values. True when the column is constant here.
   */
  private scanSorted(f: number, start: number, end: number, W0: number, W1: number): boolean {
    const { col, n } = this.data;
    const { wy0, wy1 } = this;
    const off = f * n;
    const idx = this.columns.sortedOf[f];
    // missing rows sit at the tail of the segment
    let e = end;
    let m0 = 0;
    let m1 = 0;
    while (e > start) {
      const r = idx[e - 1];
      const v = col[off + r];
      if (!Number.isNaN(v)) break;
      m0 += wy0[r];
      m1 += wy1[r];
      e--;
    }
    const mc = end - e;
    if (e - start === 0 || (mc === 0 && col[off + idx[e - 1]] <= col[off + idx[start]] + FEATURE_THRESHOLD)) {
      return true;
    }
    let l0 = 0;
    let l1 = 0;
    const N0 = W0 - m0;
    const N1 = W1 - m1;
    const present = e - start;
    for (let k = start; k < e - 1; k++) {
      const r = idx[k];
      l0 += wy0[r];
      l1 += wy1[r];
      const x = col[off + r];
      const xn = col[off + idx[k + 1]];
      if (xn <= x + FEATURE_THRESHOLD) continue;
      const lc = k + 1 - start;
      this.numericCandidate(f, midpoint(x, xn), l0, l1, lc, present - lc, N0, N1, m0, m1, mc);
    }
    this.missingCandidate(f, N0, N1, present, m0, m1, mc);
    return false;
  }

  /**
   * Split "x < thr" of a numeric column (`l…` left sums, `N…` sums of present values, `m…` of missing
   * ones, `…c` row counts): tries missing-right and missing-left.
   */
  private numericCandidate(
    f: number,
    thr: number,
    l0: number,
    l1: number,
    lc: number,
    rc: number,
    N0: number,
    N1: number,
    m0: number,
    m1: number,
    mc: number,
  ): void {
    const minLeaf = this.opt.minSamplesLeaf;
    if (
      lc >= minLeaf &&
      rc + mc >= minLeaf &&
      this.consider(f, this.childScore(l0, l1, N0 - l0 + m0, N1 - l1 + m1))
    ) {
      this.threshold = thr;
      this.missLeft = mc > 0 ? 0 : 2;
    }
    if (
      mc > 0 &&
      lc + mc >= minLeaf &&
      rc >= minLeaf &&
      this.consider(f, this.childScore(l0 + m0, l1 + m1, N0 - l0, N1 - l1))
    ) {
      this.threshold = thr;
      this.missLeft = 1;
    }
  }

  /** Split "present vs missing" of a numeric column. */
  private missingCandidate(
    f: number,
    N0: number,
    N1: number,
    present: number,
    m0: number,
    m1: number,
    mc: number,
  ): void {
    const minLeaf = this.opt.minSamplesLeaf;
    if (mc > 0 && present >= minLeaf && mc >= minLeaf && this.consider(f, this.childScore(N0, N1, m0, m1))) {
      this.threshold = Number.MAX_VALUE; // every finite value is < it: present left, missing right
      this.missLeft = 0;
    }
  }
}
