import { cartColumns } from './cart-columns.js';
import { type CartData, CartSplitSearch, type GrowOptions } from './cart-split-search.js';
import { impurityOf } from './split-helpers.js';

/**
 * CART growth on typed arrays: presorted numeric columns (sorted row lists partitioned stably at each
 * split), per-node category histograms with Breiman's ordering for categorical columns, and learned
 * default directions for missing values. Internal to the tree module.
 */

/** The growing tree: plain arrays while building, converted to TreeArrays afterwards. */
export interface RawTree {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  isCategorical: number[];
  /** For categorical nodes: the category codes going RIGHT. */
  catSet: (number[] | null)[];
  w0: number[];
  w1: number[];
  nSamples: number[];
  impurity: number[];
  /** Weighted impurity decrease w·imp − w_l·imp_l − w_r·imp_r (0 at leaves). */
  gain: number[];
  depth: number[];
}

function emptyTree(): RawTree {
  return {
    left: [],
    right: [],
    feature: [],
    threshold: [],
    defaultLeft: [],
    isCategorical: [],
    catSet: [],
    w0: [],
    w1: [],
    nSamples: [],
    impurity: [],
    gain: [],
    depth: [],
  };
}

/**
 * Grows one CART tree depth-first (nodes numbered in pre-order, as scikit-learn's builder): at each node
 * {@link findSplit} scans every column for the split with the lowest weighted child impurity, the rows
 * (and every presorted row list) are partitioned stably by it, and both children are grown in turn.
 */
export class CartGrower {
  private readonly tree = emptyTree();
  /** Per row: its weight if of class 1 (resp. 0), else 0. */
  private readonly wy1: Float64Array;
  private readonly wy0: Float64Array;
  /** The rows, partitioned into node segments as the tree grows. */
  private readonly rows: Int32Array;
  private readonly search: CartSplitSearch;
  /** Per category slot: 1 when it goes left. */
  private readonly sideOfSlot: Uint8Array;
  // partition scratch
  private readonly goLeft: Uint8Array;
  private readonly tmp: Int32Array;
  private wRoot = 0;

  constructor(
    private readonly data: CartData,
    private readonly opt: GrowOptions,
  ) {
    const { col, n, F, isCat, nCat, y, w } = data;
    this.wy1 = new Float64Array(n);
    this.wy0 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (y[i] === 1) this.wy1[i] = w[i];
      else this.wy0[i] = w[i];
    }
    this.rows = new Int32Array(n);
    for (let i = 0; i < n; i++) this.rows[i] = i;
    this.search = new CartSplitSearch(
      data,
      opt,
      cartColumns(col, n, F, isCat),
      this.rows,
      this.wy0,
      this.wy1,
    );
    let maxCat = 1;
    for (let f = 0; f < F; f++) if (isCat[f] === 1) maxCat = Math.max(maxCat, nCat[f] + 1);
    this.sideOfSlot = new Uint8Array(maxCat);
    this.goLeft = new Uint8Array(n);
    this.tmp = new Int32Array(n);
  }

  /** Grows the tree (call once). */
  grow(): RawTree {
    const { n, F } = this.data;
    const rootW0 = sumRange(this.wy0, n);
    const rootW1 = sumRange(this.wy1, n);
    this.wRoot = rootW0 + rootW1;
    this.build(0, n, 0, rootW0, rootW1, new Uint8Array(F));
    return this.tree;
  }

  private impurity(w0: number, w1: number): number {
    return impurityOf(this.opt.criterion, w0, w1);
  }

  /** Appends a leaf node for rows[start, end) and returns its id. */
  private addNode(start: number, end: number, depth: number, W0: number, W1: number, imp: number): number {
    const tree = this.tree;
    const id = tree.left.length;
    tree.left.push(-1);
    tree.right.push(-1);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.defaultLeft.push(1);
    tree.isCategorical.push(0);
    tree.catSet.push(null);
    tree.w0.push(W0);
    tree.w1.push(W1);
    tree.nSamples.push(end - start);
    tree.impurity.push(imp);
    tree.gain.push(0);
    tree.depth.push(depth);
    return id;
  }

  /**
   * Grows the subtree of rows[start, end) and returns its root's id; `constant[f]` = 1 marks columns
   * known constant here (skipped, and handed down).
   */
  private build(
    start: number,
    end: number,
    depth: number,
    W0: number,
    W1: number,
    constant: Uint8Array,
  ): number {
    const opt = this.opt;
    const nodeImp = this.impurity(W0, W1);
    const id = this.addNode(start, end, depth, W0, W1, nodeImp);
    const cnt = end - start;
    if (
      depth >= opt.maxDepth ||
      cnt < opt.minSamplesSplit ||
      cnt < 2 * opt.minSamplesLeaf ||
      nodeImp <= Number.EPSILON
    ) {
      return id;
    }
    const best = this.search;
    best.find(start, end, W0, W1, constant);
    if (best.feature < 0) return id;
    const W = W0 + W1;
    const improvement = (W / this.wRoot) * (nodeImp - best.score / W);
    if (improvement + Number.EPSILON < opt.minImpurityDecrease) return id;
    const mid = this.applySplit(id, start, end, W * nodeImp - best.score);
    // child sums recomputed exactly (differences would leave round-off in pure children)
    const lw0 = this.sumOf(this.wy0, start, mid);
    const lw1 = this.sumOf(this.wy1, start, mid);
    const rw0 = this.sumOf(this.wy0, mid, end);
    const rw1 = this.sumOf(this.wy1, mid, end);
    const l = this.build(start, mid, depth + 1, lw0, lw1, constant.slice());
    const r = this.build(mid, end, depth + 1, rw0, rw1, constant);
    this.tree.left[id] = l;
    this.tree.right[id] = r;
    return id;
  }

  /** Σ a[rows[k]] over k in [from, to). */
  private sumOf(a: Float64Array, from: number, to: number): number {
    const rows = this.rows;
    let s = 0;
    for (let k = from; k < to; k++) s += a[rows[k]];
    return s;
  }

  /**
   * Records the best split found at node `id` (rows[start, end)), partitions the rows by it and returns
   * the first row of the right child.
   */
  private applySplit(id: number, start: number, end: number, gain: number): number {
    const tree = this.tree;
    const best = this.search;
    const f = best.feature;
    this.markSides(f, start, end);
    let mid = this.partition(start, end);
    if (this.data.isCat[f] === 1) {
      mid = this.orientCategorical(id, f, start, mid, end);
    } else {
      tree.threshold[id] = best.threshold;
      const missLeft = best.missLeft;
      tree.defaultLeft[id] = missLeft === 2 ? (mid - start >= end - mid ? 1 : 0) : missLeft;
    }
    tree.feature[id] = f;
    tree.gain[id] = gain;
    return mid;
  }

  /** Sets {@link goLeft} for the rows of the node by the best split (feature `f`). */
  private markSides(f: number, start: number, end: number): void {
    const { col, n, isCat, nCat } = this.data;
    const { rows, goLeft } = this;
    const off = f * n;
    if (isCat[f] === 1) {
      const K = nCat[f];
      const sideOfSlot = this.sideOfSlot;
      sideOfSlot.fill(0, 0, K + 1);
      for (const s of this.search.catLeft) sideOfSlot[s] = 1;
      for (let k = start; k < end; k++) {
        const r = rows[k];
        const v = col[off + r];
        goLeft[r] = sideOfSlot[Number.isNaN(v) ? K : v];
      }
    } else {
      const thr = this.search.threshold;
      const ml = this.search.missLeft;
      for (let k = start; k < end; k++) {
        const r = rows[k];
        const v = col[off + r];
        goLeft[r] = Number.isNaN(v) ? (ml === 1 ? 1 : 0) : v < thr ? 1 : 0;
      }
    }
  }

  /**
   * A categorical split's orientation: the larger child goes LEFT (it receives the codes outside the
   * set), the RIGHT side is the node's category set. Swaps the partition if needed; records the set and
   * the missing values' side at node `id`; returns the (new) first row of the right child.
   */
  private orientCategorical(id: number, f: number, start: number, mid: number, end: number): number {
    const { col, n, nCat } = this.data;
    const tree = this.tree;
    const K = nCat[f];
    const swapped = mid - start < end - mid;
    const leftSlots = new Set(this.search.catLeft);
    const rightSide = (s: number): boolean => (swapped ? leftSlots.has(s) : !leftSlots.has(s));
    const catSet: number[] = [];
    for (let s = 0; s < K; s++) if (rightSide(s)) catSet.push(s);
    if (swapped) {
      for (let k = start; k < end; k++) this.goLeft[this.rows[k]] ^= 1;
      mid = this.partition(start, end);
    }
    tree.isCategorical[id] = 1;
    tree.catSet[id] = catSet;
    // missing slot K (or, if unseen here, the larger side = left)
    tree.defaultLeft[id] = hasMissing(col, f * n, this.rows, start, end) ? (rightSide(K) ? 0 : 1) : 1;
    return mid;
  }

  /** Stable partition (by {@link goLeft}) of the node's rows and of each presorted list; returns the split point. */
  private partition(start: number, end: number): number {
    const { goLeft, tmp, rows } = this;
    stablePartition(rows, goLeft, tmp, start, end);
    for (const s of this.search.columns.sorted) stablePartition(s, goLeft, tmp, start, end);
    let nl = 0;
    for (let k = start; k < end; k++) nl += goLeft[rows[k]];
    return start + nl;
  }
}

/** Stable partition of `arr[start, end)`: rows with `goLeft[r] === 1` first. */
function stablePartition(
  arr: Int32Array,
  goLeft: Uint8Array,
  tmp: Int32Array,
  start: number,
  end: number,
): void {
  let a = start;
  let b = 0;
  for (let k = start; k < end; k++) {
    const r = arr[k];
    if (goLeft[r] === 1) arr[a++] = r;
    else tmp[b++] = r;
  }
  arr.set(tmp.subarray(0, b), a);
}

function hasMissing(col: Float64Array, off: number, rows: Int32Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const v = col[off + rows[k]];
    if (Number.isNaN(v)) return true;
  }
  return false;
}

function sumRange(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  return s;
}
