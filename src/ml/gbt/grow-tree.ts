import type { TreeArrays } from '../tree-arrays.js';
import { numberNodes, TreeArraysBuilder } from '../tree-arrays-builder.js';
import type { BinnedData } from './binning.js';
import { float32CutToThreshold } from './float32.js';
import { type HistKernel, histKernel } from './hist-kernel.js';
import { type JointLayout, jointLayout, marginalize } from './joint-bins.js';
import { type Split, SplitFinder } from './split-finder.js';
import { calcWeight } from './split-gain.js';

/** The split-relevant hyper-parameters of one tree. */
export interface GrowParams {
  readonly eta: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly gamma: number;
  readonly maxCatToOnehot: number;
}

interface Node {
  /** Row segment `rows[start … end)` (meaningless once `applied`). */
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  /** Joint histogram (cells of the grower's layout). */
  hist: Float64Array | null;
  /** Per-feature histogram (global bins), for split finding. */
  marg: Float64Array | null;
  left: number;
  right: number;
  split: Split | null;
  /** The leaf value was already added to its rows' margins. */
  applied: boolean;
}

/**
 * Where {@link TreeGrower.grow} adds the new tree's leaf values when the tree covers every training row
 * and is not pruned: `margin[r] += v` and `expNeg[r] *= exp(−v)` (kept equal to exp(−margin) up to
 * rounding, so gradients need no `Math.exp`).
 */
export interface MarginUpdate {
  readonly margin: Float64Array;
  readonly expNeg: Float64Array;
}

function newNode(start: number, end: number, depth: number, g: number, h: number): Node {
  return {
    start,
    end,
    depth,
    g,
    h,
    hist: null,
    marg: null,
    left: -1,
    right: -1,
    split: null,
    applied: false,
  };
}

/** A grown tree with, per node, its row segment in `rows` (−1 for split nodes and applied leaves). */
export interface GrownTree {
  readonly tree: TreeArrays;
  readonly leafStart: Int32Array;
  readonly leafEnd: Int32Array;
}

/**
 * XGBoost's depth-wise `hist` tree growth, one tree per {@link grow} call, level by level: find each
 * node's best split on its histogram ({@link SplitFinder}), partition its rows, build the smaller child's
 * histogram and get the larger's by subtraction from the parent's, then prune (`gamma`) and assemble the
 * tree arrays. Holds the reusable buffers of one fit.
 */
export class TreeGrower {
  private readonly pool: Float64Array[] = [];
  private readonly tmp: Uint32Array;
  private readonly finder: SplitFinder;
  /** Partition scratch: 1 where a local bin (the missing bin last) goes left. */
  private readonly goLeft: Uint8Array;
  /** {@link applySplit} scratch: leaf value and exp(−value) of the right (0) and left (1) child. */
  private readonly sideValue = new Float64Array(2);
  private readonly sideFactor = new Float64Array(2);
  /** Histogram units: node histograms are joint (per cell of {@link JointLayout}). */
  private readonly layout: JointLayout;
  private readonly kernel: HistKernel;
  /** Free per-feature histograms. */
  private readonly margPool: Float64Array[] = [];

  constructor(
    private readonly binned: BinnedData,
    private readonly params: GrowParams,
  ) {
    this.tmp = new Uint32Array(binned.rows);
    let maxBins = 1;
    for (let f = 0; f < binned.cols; f++) maxBins = Math.max(maxBins, binned.nBins[f]);
    this.finder = new SplitFinder(binned, params);
    this.goLeft = new Uint8Array(maxBins + 1);
    this.layout = jointLayout(binned);
    this.kernel = histKernel(this.layout.units);
  }

  private take(): Float64Array {
    const h = this.pool.pop() ?? new Float64Array(2 * this.layout.cells);
    h.fill(0);
    return h;
  }

  private give(h: Float64Array | null): void {
    if (h) this.pool.push(h);
  }

  /** Drops the node's histograms (back to the pools). */
  private release(node: Node): void {
    this.give(node.hist);
    node.hist = null;
    if (node.marg) this.margPool.push(node.marg);
    node.marg = null;
  }

  /** The per-feature histogram of joint histogram `hist`, in a pooled buffer. */
  private marginalOf(hist: Float64Array): Float64Array {
    const m = this.margPool.pop() ?? new Float64Array(2 * this.binned.totalBins);
    marginalize(this.layout, hist, m);
    return m;
  }

  /** Adds the gradient pairs of `rows[start … end)` into the joint histogram `hist`. */
  private buildHist(
    hist: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
    gh: Float64Array,
  ): void {
    this.kernel(hist, rows, start, end, gh, this.layout.cellOf);
  }

  /**
   * Grows one tree on `rows` (the sampled row indices, reordered in place into leaf segments) with
   * interleaved gradient pairs `gh` whose sums over `rows` are `g0`, `h0`. `allowed[f] === 1` marks
   * features this tree may split on. Returns the tree and, per leaf node of the returned tree, the row
   * segment (for prediction caching). With `update` (every row in `rows`, no pruning) the leaf values are
   * added to the margins here instead — splits into leaves at the depth limit then route their rows
   * straight to the margins without partitioning them — and the segments are not returned (−1).
   */
  grow(
    rows: Uint32Array,
    nRows: number,
    gh: Float64Array,
    allowed: Uint8Array,
    g0: number,
    h0: number,
    update: MarginUpdate | null = null,
  ): GrownTree {
    const p = this.params;
    if (update !== null && p.gamma > 0) throw new Error('TreeGrower: no margin update with pruning');
    const nodes: Node[] = [newNode(0, nRows, 0, g0, h0)];
    let level = [0];
    if (this.canSplit(nodes[0])) {
      nodes[0].hist = this.take();
      this.buildHist(nodes[0].hist, rows, 0, nRows, gh);
      nodes[0].marg = this.marginalOf(nodes[0].hist);
    }
    while (level.length > 0) {
      const next: number[] = [];
      for (const id of level) this.expand(nodes, id, rows, gh, allowed, update, next);
      level = next;
    }
    if (p.gamma > 0) prune(nodes, 0, p.gamma);
    if (update !== null) this.addLeafValues(nodes, rows, update);
    return this.toArrays(nodes);
  }

  /**
   * Splits node `id` if a split pays: appends its children to `nodes` and those that still need
   * splitting to `next`, with their histograms. At the depth limit with `update`, the children are
   * leaves whose values go straight to the margins.
   */
  private expand(
    nodes: Node[],
    id: number,
    rows: Uint32Array,
    gh: Float64Array,
    allowed: Uint8Array,
    update: MarginUpdate | null,
    next: number[],
  ): void {
    const node = nodes[id];
    if (node.hist === null) return;
    const split = this.finder.find(node.marg!, node.g, node.h, allowed);
    if (split === null) {
      this.release(node);
      return;
    }
    node.split = split;
    const depth = node.depth + 1;
    node.left = nodes.length;
    node.right = nodes.length + 1;
    if (update !== null && depth >= this.params.maxDepth) {
      const l = newNode(node.start, node.start, depth, split.gl, split.hl);
      const r = newNode(node.start, node.start, depth, node.g - split.gl, node.h - split.hl);
      this.applySplit(rows, node, split, this.leafValue(l), this.leafValue(r), update);
      l.applied = true;
      r.applied = true;
      nodes.push(l, r);
      this.release(node);
      return;
    }
    const mid = this.partition(rows, node, split);
    const l = newNode(node.start, mid, depth, split.gl, split.hl);
    const r = newNode(mid, node.end, depth, node.g - split.gl, node.h - split.hl);
    nodes.push(l, r);
    next.push(node.left, node.right);
    this.childHistograms(node, l, r, rows, gh);
    this.release(node);
  }

  /**
   * Gives the children that can split their histograms: the smaller child's built from its rows, the
   * larger's as the parent's minus the smaller's (taking over the parent's buffers).
   */
  private childHistograms(node: Node, l: Node, r: Node, rows: Uint32Array, gh: Float64Array): void {
    if (!this.canSplit(l) && !this.canSplit(r)) return;
    const [small, large] = l.end - l.start <= r.end - r.start ? [l, r] : [r, l];
    const smallHist = this.take();
    this.buildHist(smallHist, rows, small.start, small.end, gh);
    if (this.canSplit(small)) {
      small.hist = smallHist;
      small.marg = this.marginalOf(smallHist);
    }
    if (this.canSplit(large)) {
      // the parent's histograms become the large child's: parent − small
      const parentHist = node.hist!;
      for (let i = 0; i < parentHist.length; i++) parentHist[i] -= smallHist[i];
      const m = node.marg!;
      if (small.marg !== null) {
        const sm = small.marg;
        for (let i = 0; i < m.length; i++) m[i] -= sm[i];
      } else marginalize(this.layout, parentHist, m);
      large.hist = parentHist;
      large.marg = m;
      node.hist = null;
      node.marg = null;
    }
    if (small.hist === null) this.give(smallHist);
  }

  /** Adds each leaf's value to the margins of its rows (leaves not already applied by {@link applySplit}). */
  private addLeafValues(nodes: readonly Node[], rows: Uint32Array, update: MarginUpdate): void {
    const { margin, expNeg } = update;
    for (const n of nodes) {
      if (n.split !== null || n.applied) continue;
      const v = this.leafValue(n);
      const f = Math.exp(-v);
      for (let k = n.start; k < n.end; k++) {
        const r = rows[k];
        margin[r] += v;
        expNeg[r] *= f;
      }
    }
  }

  /** The leaf output of a node: eta × its optimal weight. */
  private leafValue(n: Node): number {
    const { eta, lambda, alpha, minChildWeight } = this.params;
    return eta * calcWeight(n.g, n.h, lambda, alpha, minChildWeight);
  }

  /** Adds `vl` / `vr` to the margins of the node's rows by the side `split` sends them (no partition). */
  private applySplit(
    rows: Uint32Array,
    node: Node,
    split: Split,
    vl: number,
    vr: number,
    update: MarginUpdate,
  ): void {
    const { margin, expNeg } = update;
    const off = this.fillGoLeft(split);
    const table = this.goLeft;
    const f = split.feature;
    const n = this.binned.rows;
    const col = this.binned.colBins.subarray(f * n, (f + 1) * n);
    const value = this.sideValue;
    const factor = this.sideFactor;
    value[0] = vr;
    value[1] = vl;
    factor[0] = Math.exp(-vr);
    factor[1] = Math.exp(-vl);
    for (let k = node.start, end = node.end; k < end; k++) {
      const r = rows[k];
      const left = table[col[r] - off];
      margin[r] += value[left];
      expNeg[r] *= factor[left];
    }
  }

  private canSplit(node: Node): boolean {
    return (
      node.depth < this.params.maxDepth && node.h >= 2 * this.params.minChildWeight && node.end > node.start
    );
  }

  /** Fills {@link goLeft} for `split` (indexed by local bin); returns the split feature's bin offset. */
  private fillGoLeft(split: Split): number {
    const f = split.feature;
    const nb = this.binned.nBins[f];
    const table = this.goLeft;
    if (split.catSet === null) {
      for (let b = 0; b < nb; b++) table[b] = b <= split.bin ? 1 : 0;
    } else {
      table.fill(1, 0, nb);
      for (const c of split.catSet) table[c] = 0;
    }
    table[nb] = split.defaultLeft ? 1 : 0;
    return this.binned.offset[f];
  }

  /**
   * Stable partition of the node's rows, left rows first; returns the first right position. The split
   * feature's bins are read from the column-major copy (rows in a node are increasing, and rows of one
   * species lie together, so the branch is mostly predicted).
   */
  private partition(rows: Uint32Array, node: Node, split: Split): number {
    const off = this.fillGoLeft(split);
    const table = this.goLeft;
    const f = split.feature;
    const n = this.binned.rows;
    const col = this.binned.colBins;
    const base = f * n;
    return partitionRows(rows, this.tmp, col, base, off, table, node.start, node.end);
  }

  /** The reachable nodes (pruning may have cut subtrees) as tree arrays, numbered breadth-first as XGBoost. */
  private toArrays(nodes: readonly Node[]): GrownTree {
    const { cuts, minValues, nBins } = this.binned;
    const { order, newId } = numberNodes(
      nodes.length,
      (id) => (nodes[id].split === null ? -1 : nodes[id].left),
      (id) => nodes[id].right,
      'breadth-first',
    );
    const count = order.length;
    const out = new TreeArraysBuilder(count);
    const leafStart = new Int32Array(count).fill(-1);
    const leafEnd = new Int32Array(count).fill(-1);
    for (let k = 0; k < count; k++) {
      const n = nodes[order[k]];
      const value = this.leafValue(n);
      const s = n.split;
      if (s === null) {
        out.leaf(k, value, n.h);
        if (!n.applied) {
          leafStart[k] = n.start;
          leafEnd[k] = n.end;
        }
        continue;
      }
      const categorical = s.catSet !== null;
      out.split(k, value, n.h, {
        left: newId[n.left],
        right: newId[n.right],
        feature: s.feature,
        defaultLeft: s.defaultLeft,
        threshold: categorical
          ? 0
          : float32CutToThreshold(s.bin >= 0 ? cuts[s.feature][s.bin] : minValues[s.feature]),
        categories: categorical ? { codes: s.catSet!, count: nBins[s.feature] } : null,
        gain: s.gain,
      });
    }
    return { tree: out.build(), leafStart, leafEnd };
  }
}

/** Stable partition of `rows[start … end)` by `table[col[base + r] − off]` (1: left); returns the split point. */
function partitionRows(
  rows: Uint32Array,
  tmp: Uint32Array,
  col: Uint16Array | Uint32Array,
  base: number,
  off: number,
  table: Uint8Array,
  start: number,
  end: number,
): number {
  let nl = start;
  let nr = 0;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    if (table[col[base + r] - off] === 1) rows[nl++] = r;
    else tmp[nr++] = r;
  }
  rows.set(tmp.subarray(0, nr), nl);
  return nl;
}

/** XGBoost's `TreePruner`: bottom-up, a split whose children are leaves and whose gain < gamma is undone. */
function prune(nodes: Node[], id: number, gamma: number): boolean {
  const n = nodes[id];
  if (n.split === null) return true;
  const l = prune(nodes, n.left, gamma);
  const r = prune(nodes, n.right, gamma);
  if (l && r && n.split.gain < gamma) {
    n.split = null;
    return true;
  }
  return false;
}
