import type { TreeArrays } from '../tree-arrays.js';

/** How tree outputs are summed into the margin. */
export type MarginPrecision = 'float64' | 'float32';

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Trees flattened into one packed Int32Array for fast, branch-free batch prediction.
 *
 * Every row of a block is first mapped, per feature, to a small bin index: numeric values to their rank
 * among the forest's thresholds of that feature, category codes to `code + 2`, missing values to 0 (bin 1
 * collects invalid codes). An internal node is the record `[left, right, feature, bitset words…]` whose
 * bitset marks the bins that go right, so one step is `node = rec[node + bit(bins[feature])]` for any node
 * kind, reading a single cache line. A leaf is `[self, self, 0]` and loops on itself whatever bit it reads
 * (the bitset read past a leaf lands in the next record or the zero padding at the end).
 */
export class FlatForest {
  /** Offset of each tree's root record in `rec`. */
  readonly roots: Int32Array;
  private readonly rec: Int32Array;
  /** Leaf value at the leaf's record offset. */
  private readonly value: Float64Array;
  private readonly depth: Int32Array;
  /** Per feature: 0 unused, 1 numeric, 2 categorical. */
  private readonly featKind: Uint8Array;
  private readonly featThresholds: Float64Array[];
  /** Categorical features: codes in [0, catLimit) are valid. */
  private readonly catLimit: Int32Array;
  private readonly nFeat: number;
  private static readonly BLOCK = 128;
  private readonly pos = new Int32Array(FlatForest.BLOCK);
  private readonly rowBins: Int32Array;

  constructor(trees: readonly TreeArrays[]) {
    let nFeat = 1;
    for (const t of trees) {
      for (let i = 0; i < t.left.length; i++) if (t.left[i] !== -1) nFeat = Math.max(nFeat, t.feature[i] + 1);
    }
    this.nFeat = nFeat;
    // Per-feature bin layouts.
    const featKind = new Uint8Array(nFeat);
    const thr: number[][] = Array.from({ length: nFeat }, () => []);
    const catLimit = new Int32Array(nFeat);
    for (const t of trees) {
      for (let i = 0; i < t.left.length; i++) {
        if (t.left[i] === -1) continue;
        const f = t.feature[i];
        const k = t.isCategorical[i] === 1 ? 2 : 1;
        if (featKind[f] !== 0 && featKind[f] !== k) {
          throw new RangeError(`feature ${f} is split both as numeric and as categorical`);
        }
        featKind[f] = k;
        if (k === 1) thr[f].push(t.threshold[i]);
        else catLimit[f] = Math.max(catLimit[f], 32 * t.catWords[i]);
      }
    }
    this.featKind = featKind;
    this.catLimit = catLimit;
    this.featThresholds = thr.map((a) => Float64Array.from(new Set(a)).sort());
    const nWords = new Int32Array(nFeat);
    let maxWords = 1;
    for (let f = 0; f < nFeat; f++) {
      const nBins = featKind[f] === 2 ? catLimit[f] + 2 : this.featThresholds[f].length + 2;
      nWords[f] = (nBins + 31) >>> 5;
      maxWords = Math.max(maxWords, nWords[f]);
    }
    this.rowBins = new Int32Array(FlatForest.BLOCK * nFeat);

    // Record offsets, breadth-first per tree.
    const orders: number[][] = [];
    let total = 0;
    const offsets: Int32Array[] = [];
    for (const t of trees) {
      const order = [0];
      for (let q = 0; q < order.length; q++) {
        const n = order[q];
        if (t.left[n] !== -1) order.push(t.left[n], t.right[n]);
      }
      const off = new Int32Array(t.left.length);
      for (const n of order) {
        off[n] = total;
        total += t.left[n] === -1 ? 3 : 3 + nWords[t.feature[n]];
      }
      orders.push(order);
      offsets.push(off);
    }
    const rec = new Int32Array(total + 3 + maxWords);
    const value = new Float64Array(total + 1);
    this.roots = new Int32Array(trees.length);
    this.depth = new Int32Array(trees.length);
    trees.forEach((t, ti) => {
      const off = offsets[ti];
      this.roots[ti] = off[0];
      const depth = new Int32Array(t.left.length);
      let maxDepth = 0;
      for (const n of orders[ti]) {
        const o = off[n];
        if (t.left[n] === -1) {
          rec[o] = o;
          rec[o + 1] = o;
          value[o] = t.value[n];
          continue;
        }
        const l = t.left[n];
        const r = t.right[n];
        depth[l] = depth[r] = depth[n] + 1;
        if (depth[n] + 1 > maxDepth) maxDepth = depth[n] + 1;
        const f = t.feature[n];
        rec[o] = off[l];
        rec[o + 1] = off[r];
        rec[o + 2] = f;
        const set = (b: number): void => {
          rec[o + 3 + (b >>> 5)] |= 1 << (b & 31);
        };
        if (t.defaultLeft[n] === 0) set(0);
        if (featKind[f] === 2) {
          for (let c = 0; c < 32 * t.catWords[n]; c++) {
            if ((t.catBits[t.catOffset[n] + (c >>> 5)] & (1 << (c & 31))) !== 0) set(c + 2);
          }
        } else {
          // Right iff x >= threshold ⇔ (number of thresholds ≤ x) > k, k = rank of this threshold.
          const ths = this.featThresholds[f];
          const k = upperBound(ths, t.threshold[n]) - 1;
          for (let b = k + 2; b < 32 * nWords[f]; b++) set(b);
        }
      }
      this.depth[ti] = maxDepth;
    });
    this.rec = rec;
    this.value = value;
  }

  /** Number of trees. */
  get size(): number {
    return this.roots.length;
  }

  /** Bins rows `[r0, r0 + nb)` of `data` into `rowBins`. */
  private binBlock(data: Float64Array, cols: number, r0: number, nb: number): void {
    const { nFeat, featKind, featThresholds, catLimit, rowBins } = this;
    const usable = Math.min(nFeat, cols);
    for (let f = 0; f < usable; f++) {
      const kind = featKind[f];
      if (kind === 0) continue;
      const ths = featThresholds[f];
      const lim = catLimit[f];
      for (let i = 0; i < nb; i++) {
        const x = data[(r0 + i) * cols + f];
        let b: number;
        if (Number.isNaN(x)) b = 0;
        else if (kind === 2) {
          // As inCategorySet: negative codes go left, others are read as ToUint32(x).
          const u = x >>> 0;
          b = x < 0 || u >= lim ? 1 : u + 2;
        } else b = upperBound(ths, x) + 1;
        rowBins[i * nFeat + f] = b;
      }
    }
  }

  /**
   * Adds the outputs of trees `[0, nTrees)` to `out[i]` for rows `[0, rows)` of `data` (row-major,
   * `cols` columns), tree by tree over blocks of rows. `float32` accumulates like XGBoost (fround per tree).
   */
  accumulate(
    data: Float64Array,
    rows: number,
    cols: number,
    out: Float64Array,
    nTrees: number = this.roots.length,
    precision: MarginPrecision = 'float64',
  ): void {
    const { rec, value, roots, depth, pos, rowBins, nFeat } = this;
    const BLOCK = FlatForest.BLOCK;
    const f32 = precision === 'float32';
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const nb = Math.min(rows, r0 + BLOCK) - r0;
      this.binBlock(data, cols, r0, nb);
      for (let t = 0; t < nTrees; t++) {
        const root = roots[t];
        const dt = depth[t];
        for (let i = 0; i < nb; i++) pos[i] = root;
        for (let d = 0; d < dt; d++) {
          for (let i = 0, rb = 0; i < nb; i++, rb += nFeat) {
            const n = pos[i];
            const b = rowBins[rb + rec[n + 2]];
            pos[i] = rec[n + ((rec[n + 3 + (b >> 5)] >> (b & 31)) & 1)];
          }
        }
        if (f32) {
          for (let i = 0; i < nb; i++) out[r0 + i] = Math.fround(out[r0 + i] + value[pos[i]]);
        } else {
          for (let i = 0; i < nb; i++) out[r0 + i] += value[pos[i]];
        }
      }
    }
  }
}
