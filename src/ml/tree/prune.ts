import type { RawTree } from './cart-grower.js';

/** The pruning path of minimal cost-complexity pruning (as scikit-learn's `cost_complexity_pruning_path`). */
export interface PruningPath {
  /** Effective alphas, increasing, starting at 0. */
  readonly ccpAlphas: Float64Array;
  /** Total (weighted) leaf impurity of the subtree at each alpha. */
  readonly impurities: Float64Array;
}

/**
 * Weakest-link pruning, exactly scikit-learn's `_cost_complexity_prune`: repeatedly collapses the internal
 * node with the smallest effective alpha (R(t) − R(T_t)) / (|leaves(T_t)| − 1) while it is ≤ `ccpAlpha`.
 * Returns the nodes that remain leaves/internal (`keep`, `isLeaf`) and the path.
 */
export function costComplexityPrune(
  tree: RawTree,
  ccpAlpha: number,
): { keep: Uint8Array; isLeaf: Uint8Array; path: PruningPath } {
  const nNodes = tree.left.length;
  const wRoot = tree.w0[0] + tree.w1[0];
  const rNode = new Float64Array(nNodes);
  const rBranch = new Float64Array(nNodes);
  const nLeaves = new Int32Array(nNodes);
  const parent = new Int32Array(nNodes).fill(-1);
  const inSubtree = new Uint8Array(nNodes).fill(1);
  const candidate = new Uint8Array(nNodes);
  for (let i = 0; i < nNodes; i++) {
    rNode[i] = (tree.impurity[i] * (tree.w0[i] + tree.w1[i])) / wRoot;
    if (tree.left[i] !== -1) {
      parent[tree.left[i]] = i;
      parent[tree.right[i]] = i;
      candidate[i] = 1;
    }
  }
  // children have larger ids than parents (pre-order): accumulate bottom-up
  for (let i = nNodes - 1; i >= 0; i--) {
    if (tree.left[i] === -1) {
      rBranch[i] = rNode[i];
      nLeaves[i] = 1;
    } else {
      rBranch[i] = rBranch[tree.left[i]] + rBranch[tree.right[i]];
      nLeaves[i] = nLeaves[tree.left[i]] + nLeaves[tree.right[i]];
    }
  }
  const alphas: number[] = [0];
  const imps: number[] = [rBranch[0]];
  const stack: number[] = [];
  while (candidate[0] === 1) {
    let eff = Number.MAX_VALUE;
    let pruned = -1;
    for (let i = 0; i < nNodes; i++) {
      if (inSubtree[i] === 0 || candidate[i] === 0) continue;
      const a = (rNode[i] - rBranch[i]) / (nLeaves[i] - 1);
      if (a < eff) {
        eff = a;
        pruned = i;
      }
    }
    if (eff > ccpAlpha) break;
    // remove the descendants of `pruned`
    stack.push(pruned);
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (tree.left[k] === -1) continue;
      for (const c of [tree.left[k], tree.right[k]]) {
        inSubtree[c] = 0;
        candidate[c] = 0;
        stack.push(c);
      }
    }
    candidate[pruned] = 0;
    const leavesRemoved = nLeaves[pruned] - 1;
    const rDiff = rNode[pruned] - rBranch[pruned];
    nLeaves[pruned] = 1;
    rBranch[pruned] = rNode[pruned];
    for (let p = parent[pruned]; p !== -1; p = parent[p]) {
      nLeaves[p] -= leavesRemoved;
      rBranch[p] += rDiff;
    }
    alphas.push(eff);
    imps.push(rBranch[0]);
  }
  const isLeaf = new Uint8Array(nNodes);
  for (let i = 0; i < nNodes; i++) isLeaf[i] = inSubtree[i] === 1 && candidate[i] === 0 ? 1 : 0;
  return {
    keep: inSubtree,
    isLeaf,
    path: { ccpAlphas: Float64Array.from(alphas), impurities: Float64Array.from(imps) },
  };
}
