import type { TreeArrays } from '../tree-arrays.js';
import { numberNodes, TreeArraysBuilder } from '../tree-arrays-builder.js';
import type { RawTree } from './cart-grower.js';

/** Leaf P(poisonous) is clipped to [ε, 1 − ε] before turning into log-odds (the raw score). */
export const LEAF_PROBA_CLIP = 1e-6;

/**
 * Compacts the kept nodes into TreeArrays, numbered depth-first in pre-order as scikit-learn numbers its
 * nodes; leaf value = clipped log-odds of P(poisonous), `proba` per node = its weighted P(poisonous).
 */
export function toTreeArrays(
  raw: RawTree,
  isLeaf: Uint8Array,
  nCat: Int32Array,
  isCat: Uint8Array,
): { tree: TreeArrays; proba: Float64Array } {
  const { order, newId } = numberNodes(
    raw.left.length,
    (i) => (isLeaf[i] === 0 ? raw.left[i] : -1),
    (i) => raw.right[i],
    'pre-order',
  );
  const m = order.length;
  const out = new TreeArraysBuilder(m);
  const proba = new Float64Array(m);
  const hi = Math.log((1 - LEAF_PROBA_CLIP) / LEAF_PROBA_CLIP);
  for (let k = 0; k < m; k++) {
    const i = order[k];
    const w = raw.w0[i] + raw.w1[i];
    const p = w > 0 ? raw.w1[i] / w : 0.5;
    proba[k] = p;
    const pc = Math.min(1 - LEAF_PROBA_CLIP, Math.max(LEAF_PROBA_CLIP, p));
    const value = Math.max(-hi, Math.min(hi, Math.log(pc / (1 - pc))));
    if (isLeaf[i] === 1 || raw.left[i] === -1) {
      out.leaf(k, value, w);
      continue;
    }
    const f = raw.feature[i];
    const categorical = isCat[f] === 1 && raw.isCategorical[i] === 1;
    out.split(k, value, w, {
      left: newId[raw.left[i]],
      right: newId[raw.right[i]],
      feature: f,
      defaultLeft: raw.defaultLeft[i] === 1,
      threshold: raw.threshold[i],
      categories: categorical ? { codes: raw.catSet[i] ?? [], count: nCat[f] } : null,
      gain: raw.gain[i],
    });
  }
  return { tree: out.build(), proba };
}

/** Impurity-decrease importances per feature (of `F`), normalised to sum 1 (as scikit-learn). */
export function importances(tree: TreeArrays, F: number): Float64Array {
  const imp = new Float64Array(F);
  let total = 0;
  for (let i = 0; i < tree.left.length; i++) {
    if (tree.left[i] === -1) continue;
    imp[tree.feature[i]] += tree.gain[i];
    total += tree.gain[i];
  }
  if (total > 0) for (let j = 0; j < F; j++) imp[j] /= total;
  return imp;
}
