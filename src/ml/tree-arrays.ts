/**
 * The one in-memory shape of a binary decision tree, shared by CART, gradient boosting, TreeSHAP and the
 * XGBoost JSON converter. Nodes are parallel typed arrays (index 0 is the root); a node is a leaf when
 * `left[i] === -1`.
 *
 * Split semantics follow XGBoost so that imported models predict identically:
 * - numeric node: `x < threshold[i]` goes left, otherwise right;
 * - categorical node (`isCategorical[i] === 1`): the code goes RIGHT when it is in the node's category set,
 *   otherwise LEFT; the set is a bitset `catBits[catOffset[i] .. catOffset[i] + catWords[i])`;
 * - a missing value (NaN) follows `defaultLeft[i]`.
 */
export interface TreeArrays {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  readonly isCategorical: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catWords: Int32Array;
  readonly catBits: Uint32Array;
  /** Leaf output (raw score contribution); for internal nodes the node's own value (used by TreeSHAP). */
  readonly value: Float64Array;
  /** Sum of (hessian or sample) weights reaching the node: the "cover" TreeSHAP and importances use. */
  readonly cover: Float64Array;
  /** Loss reduction of the split at internal nodes (0 at leaves): the "gain" importance. */
  readonly gain: Float64Array;
}

/** True when category `code` is in the set of categorical node `node`. */
export function inCategorySet(tree: TreeArrays, node: number, code: number): boolean {
  const word = code >>> 5;
  if (code < 0 || word >= tree.catWords[node]) return false;
  return (tree.catBits[tree.catOffset[node] + word] & (1 << (code & 31))) !== 0;
}

/**
 * Index of the leaf that row `rowStart` of `data` (row-major, `data[rowStart + feature]`) reaches.
 */
export function findLeaf(tree: TreeArrays, data: ArrayLike<number>, rowStart: number): number {
  let node = 0;
  const { left, right, feature, threshold, defaultLeft, isCategorical } = tree;
  while (left[node] !== -1) {
    const x = data[rowStart + feature[node]];
    if (Number.isNaN(x)) {
      node = defaultLeft[node] === 1 ? left[node] : right[node];
    } else if (isCategorical[node] === 1) {
      node = inCategorySet(tree, node, x) ? right[node] : left[node];
    } else {
      node = x < threshold[node] ? left[node] : right[node];
    }
  }
  return node;
}

/** Number of nodes in the tree. */
export function nodeCount(tree: TreeArrays): number {
  return tree.left.length;
}
