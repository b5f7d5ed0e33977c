/**
 * The one assembly of {@link TreeArrays}, shared by every producer of trees (CART, gradient boosting,
 * the XGBoost importer): the node numbering, how a leaf is written and how a category set is packed.
 */
import type { TreeArrays } from './tree-arrays.js';

/** How the kept nodes are numbered: XGBoost's breadth-first order or scikit-learn's depth-first pre-order. */
export type NodeNumbering = 'breadth-first' | 'pre-order';

/**
 * The new numbering of the nodes reachable from node 0 of a tree of `count` source nodes, where
 * `leftOf(id)` / `rightOf(id)` give a node's children (`leftOf(id) === -1` for a node kept as a leaf).
 * `order[k]` is the source id of output node `k`; `newId[id]` the output number of source node `id`
 * (−1 when unreachable, e.g. under a pruned split). Both numberings put the root first and every child
 * after its parent.
 */
export function numberNodes(
  count: number,
  leftOf: (id: number) => number,
  rightOf: (id: number) => number,
  numbering: NodeNumbering,
): { order: Int32Array; newId: Int32Array } {
  const order: number[] = [];
  if (numbering === 'breadth-first') {
    order.push(0);
    for (let q = 0; q < order.length; q++) {
      const l = leftOf(order[q]);
      if (l !== -1) order.push(l, rightOf(order[q]));
    }
  } else {
    const stack = [0];
    while (stack.length > 0) {
      const id = stack.pop()!;
      order.push(id);
      const l = leftOf(id);
      if (l !== -1) stack.push(rightOf(id), l);
    }
  }
  const newId = new Int32Array(count).fill(-1);
  for (let k = 0; k < order.length; k++) newId[order[k]] = k;
  return { order: Int32Array.from(order), newId };
}

/** A split node's routing, in output node numbers. */
export interface TreeSplit {
  readonly left: number;
  readonly right: number;
  readonly feature: number;
  /** Where a missing value goes. */
  readonly defaultLeft: boolean;
  /** Numeric split: `x < threshold` goes left (ignored for a categorical split). */
  readonly threshold: number;
  /**
   * Categorical split: the codes going RIGHT, and how many codes the feature has (sizes the bitset:
   * `max(1, ⌈count / 32⌉)` words). Null for a numeric split.
   */
  readonly categories: { readonly codes: Iterable<number>; readonly count: number } | null;
  /** Loss reduction of the split (the "gain" importance). */
  readonly gain: number;
}

/**
 * Fills {@link TreeArrays} node by node (every node of `0 … count − 1` exactly once, as a leaf or a
 * split), then {@link build}s them.
 *
 * A leaf is written as XGBoost writes one (its model files, and the trees this package imports from
 * them): no children (−1), `feature` 0, `threshold` 0, `defaultLeft` 0, not categorical, `gain` 0. So one
 * tree has one form whichever learner or file it came from.
 */
export class TreeArraysBuilder {
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly defaultLeft: Uint8Array;
  private readonly isCategorical: Uint8Array;
  private readonly catOffset: Int32Array;
  private readonly catWords: Int32Array;
  private readonly bits: number[] = [];
  private readonly value: Float64Array;
  private readonly cover: Float64Array;
  private readonly gain: Float64Array;

  constructor(readonly count: number) {
    this.left = new Int32Array(count).fill(-1);
    this.right = new Int32Array(count).fill(-1);
    this.feature = new Int32Array(count);
    this.threshold = new Float64Array(count);
    this.defaultLeft = new Uint8Array(count);
    this.isCategorical = new Uint8Array(count);
    this.catOffset = new Int32Array(count);
    this.catWords = new Int32Array(count);
    this.value = new Float64Array(count);
    this.cover = new Float64Array(count);
    this.gain = new Float64Array(count);
  }

  /** Node `k` is a leaf with output `value` and `cover`. */
  leaf(k: number, value: number, cover: number): void {
    this.value[k] = value;
    this.cover[k] = cover;
  }

  /** Node `k` splits as `split`; `value` is its own output (TreeSHAP's), `cover` its weight. */
  split(k: number, value: number, cover: number, split: TreeSplit): void {
    this.value[k] = value;
    this.cover[k] = cover;
    this.left[k] = split.left;
    this.right[k] = split.right;
    this.feature[k] = split.feature;
    this.defaultLeft[k] = split.defaultLeft ? 1 : 0;
    this.gain[k] = split.gain;
    const cats = split.categories;
    if (cats === null) {
      this.threshold[k] = split.threshold;
      return;
    }
    const bits = this.bits;
    const words = Math.max(1, (cats.count + 31) >>> 5);
    const start = bits.length;
    this.isCategorical[k] = 1;
    this.catOffset[k] = start;
    this.catWords[k] = words;
    for (let w = 0; w < words; w++) bits.push(0);
    for (const c of cats.codes) bits[start + (c >>> 5)] |= 1 << (c & 31);
  }

  /** The assembled tree. */
  build(): TreeArrays {
    return {
      left: this.left,
      right: this.right,
      feature: this.feature,
      threshold: this.threshold,
      defaultLeft: this.defaultLeft,
      isCategorical: this.isCategorical,
      catOffset: this.catOffset,
      catWords: this.catWords,
      catBits: Uint32Array.from(this.bits, (b) => b >>> 0),
      value: this.value,
      cover: this.cover,
      gain: this.gain,
    };
  }
}
