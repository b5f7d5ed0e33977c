import { SporeprintError } from '../../core/index.js';
import type { TreeArrays } from '../tree-arrays.js';

/** Options of {@link treeShap}. */
export interface TreeShapOptions {
  /** Raw score added to every prediction (a booster's base margin); part of `expectedValue`. Default 0. */
  readonly baseMargin?: number;
}

/** Result of {@link treeShap}: `Σ contributions + expectedValue` equals the raw margin of the row. */
export interface TreeShapResult {
  readonly contributions: Float64Array;
  readonly expectedValue: number;
}

/** Scratch path storage shared by calls (grown on demand; single-threaded). */
const S = {
  cap: 0,
  feature: new Int32Array(0),
  zero: new Float64Array(0),
  one: new Float64Array(0),
  weight: new Float64Array(0),
};

function ensure(size: number): void {
  if (size <= S.cap) return;
  S.cap = Math.max(size, 2 * S.cap);
  S.feature = new Int32Array(S.cap);
  S.zero = new Float64Array(S.cap);
  S.one = new Float64Array(S.cap);
  S.weight = new Float64Array(S.cap);
}

/** Per-tree depth and expected value, computed once per (immutable) tree. */
const treeInfo = new WeakMap<TreeArrays, { depth: number; expected: number }>();

function treeDepth(tree: TreeArrays): number {
  const depth = new Int32Array(tree.left.length);
  let max = 0;
  for (let i = 0; i < tree.left.length; i++) {
    if (tree.left[i] === -1) continue;
    const d = depth[i] + 1;
    depth[tree.left[i]] = d;
    depth[tree.right[i]] = d;
    if (d > max) max = d;
  }
  return max;
}

/** The child a row goes to at internal node `n` (XGBoost semantics, as `findLeaf`). */
function nextNode(tree: TreeArrays, n: number, row: ArrayLike<number>): number {
  const x = row[tree.feature[n]];
  if (Number.isNaN(x)) return tree.defaultLeft[n] === 1 ? tree.left[n] : tree.right[n];
  if (tree.isCategorical[n] === 1) {
    const word = x >>> 5;
    const inSet =
      x >= 0 && word < tree.catWords[n] && (tree.catBits[tree.catOffset[n] + word] & (1 << (x & 31))) !== 0;
    return inSet ? tree.right[n] : tree.left[n];
  }
  return x < tree.threshold[n] ? tree.left[n] : tree.right[n];
}

function zeroFraction(tree: TreeArrays, node: number, child: number): number {
  const w = tree.cover[node];
  return w > 0 ? tree.cover[child] / w : 0.5;
}

/** Cover-weighted mean output of the subtree at `node` (the path-dependent expectation). */
function expectation(tree: TreeArrays, node: number): number {
  if (tree.left[node] === -1) return tree.value[node];
  const l = tree.left[node];
  const r = tree.right[node];
  return (
    zeroFraction(tree, node, l) * expectation(tree, l) + zeroFraction(tree, node, r) * expectation(tree, r)
  );
}

function extendPath(at: number, depth: number, zero: number, one: number, feature: number): void {
  const pFeature = S.feature;
  const pZero = S.zero;
  const pOne = S.one;
  const pWeight = S.weight;
  pFeature[at + depth] = feature;
  pZero[at + depth] = zero;
  pOne[at + depth] = one;
  pWeight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    pWeight[at + i + 1] += (one * pWeight[at + i] * (i + 1)) / (depth + 1);
    pWeight[at + i] = (zero * pWeight[at + i] * (depth - i)) / (depth + 1);
  }
}

function unwindPath(at: number, depth: number, index: number): void {
  const pFeature = S.feature;
  const pZero = S.zero;
  const pOne = S.one;
  const pWeight = S.weight;
  const one = pOne[at + index];
  const zero = pZero[at + index];
  let nextOne = pWeight[at + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = pWeight[at + i];
      pWeight[at + i] = (nextOne * (depth + 1)) / ((i + 1) * one);
      nextOne = tmp - (pWeight[at + i] * zero * (depth - i)) / (depth + 1);
    } else {
      pWeight[at + i] = (pWeight[at + i] * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    pFeature[at + i] = pFeature[at + i + 1];
    pZero[at + i] = pZero[at + i + 1];
    pOne[at + i] = pOne[at + i + 1];
  }
}

function unwoundPathSum(at: number, depth: number, index: number): number {
  const pZero = S.zero;
  const pOne = S.one;
  const pWeight = S.weight;
  const one = pOne[at + index];
  const zero = pZero[at + index];
  let nextOne = pWeight[at + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (nextOne * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      nextOne = pWeight[at + i] - (tmp * zero * (depth - i)) / (depth + 1);
    } else {
      total += pWeight[at + i] / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  tree: TreeArrays,
  node: number,
  row: ArrayLike<number>,
  phi: Float64Array,
  parentAt: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  const pFeature = S.feature;
  const pZero = S.zero;
  const pOne = S.one;
  const pWeight = S.weight;
  // Each level works on its own copy of the path, right after the parent's.
  const at = parentAt + depth + 1;
  for (let i = 0; i < depth; i++) {
    pFeature[at + i] = pFeature[parentAt + i];
    pZero[at + i] = pZero[parentAt + i];
    pOne[at + i] = pOne[parentAt + i];
    pWeight[at + i] = pWeight[parentAt + i];
  }
  extendPath(at, depth, zero, one, feature);
  if (tree.left[node] === -1) {
    const v = tree.value[node];
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(at, depth, i);
      phi[pFeature[at + i]] += w * (pOne[at + i] - pZero[at + i]) * v;
    }
    return;
  }
  const hot = nextNode(tree, node, row);
  const cold = hot === tree.left[node] ? tree.right[node] : tree.left[node];
  const split = tree.feature[node];
  let inZero = 1;
  let inOne = 1;
  let k = 0;
  for (; k <= depth; k++) if (pFeature[at + k] === split) break;
  if (k !== depth + 1) {
    inZero = pZero[at + k];
    inOne = pOne[at + k];
    unwindPath(at, depth, k);
    depth -= 1;
  }
  recurse(tree, hot, row, phi, at, depth + 1, zeroFraction(tree, node, hot) * inZero, inOne, split);
  recurse(tree, cold, row, phi, at, depth + 1, zeroFraction(tree, node, cold) * inZero, 0, split);
}

/**
 * Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2) of one row over a sum of trees, using
 * each node's `cover` for the path-dependent expectations (as XGBoost's `pred_contribs`).
 *
 * `Σ contributions + expectedValue` equals `baseMargin + Σ_trees leaf value` for the row. Categorical
 * nodes and missing values (NaN follows the default direction) route the row as `findLeaf` does.
 *
 * @param row the feature values (`nFeatures` long; a subarray of a matrix works)
 * @param out written and returned as `contributions` when given (length `nFeatures`)
 * @example
 * const { contributions, expectedValue } = treeShap(trees, X.data.subarray(0, X.cols), X.cols);
 */
export function treeShap(
  trees: readonly TreeArrays[],
  row: ArrayLike<number>,
  nFeatures: number,
  out?: Float64Array,
  options: TreeShapOptions = {},
): TreeShapResult {
  if (!Number.isInteger(nFeatures) || nFeatures < 0) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `treeShap: nFeatures must be a non-negative integer, got ${nFeatures}`,
      {
        param: 'nFeatures',
      },
    );
  }
  if (row.length < nFeatures) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `treeShap: row has ${row.length} values, expected ${nFeatures}`,
    );
  }
  if (out !== undefined && out.length !== nFeatures) {
    throw new SporeprintError(
      'SP_ERR_BAD_DATA',
      `treeShap: out has length ${out.length}, expected ${nFeatures}`,
    );
  }
  const phi = out ?? new Float64Array(nFeatures);
  phi.fill(0);
  let expected = options.baseMargin ?? 0;
  for (let t = 0; t < trees.length; t++) {
    const tree = trees[t];
    for (let i = 0; i < tree.left.length; i++) {
      if (tree.left[i] !== -1 && (tree.feature[i] < 0 || tree.feature[i] >= nFeatures)) {
        throw new SporeprintError(
          'SP_ERR_BAD_DATA',
          `treeShap: tree ${t} splits on feature ${tree.feature[i]} ≥ ${nFeatures}`,
        );
      }
    }
    let info = treeInfo.get(tree);
    if (info === undefined) {
      info = { depth: treeDepth(tree), expected: expectation(tree, 0) };
      treeInfo.set(tree, info);
    }
    const d = info.depth;
    ensure(((d + 3) * (d + 4)) / 2 + d + 4);
    expected += info.expected;
    recurse(tree, 0, row, phi, 0, 0, 1, 1, -1);
  }
  return { contributions: phi, expectedValue: expected };
}
