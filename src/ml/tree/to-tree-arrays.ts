import type { TreeArrays } from '../tree-arrays.js';
import type { RawTree } from './build-tree.js';

/** Leaf P(poisonous) is clipped to [ε, 1 − ε] before turning into log-odds (the raw score). */
export const LEAF_PROBA_CLIP = 1e-6;

/** Compacts the kept nodes (pre-order) into TreeArrays; leaf value = clipped log-odds of P(poisonous). */
export function toTreeArrays(
  raw: RawTree,
  isLeaf: Uint8Array,
  nCat: Int32Array,
  isCat: Uint8Array,
): { tree: TreeArrays; proba: Float64Array } {
  const order: number[] = [];
  const newId = new Int32Array(raw.left.length).fill(-1);
  const stack = [0];
  while (stack.length > 0) {
    const i = stack.pop()!;
    newId[i] = order.length;
    order.push(i);
    if (isLeaf[i] === 0 && raw.left[i] !== -1) stack.push(raw.right[i], raw.left[i]);
  }
  const m = order.length;
  const left = new Int32Array(m);
  const right = new Int32Array(m);
  const feature = new Int32Array(m);
  const threshold = new Float64Array(m);
  const defaultLeft = new Uint8Array(m);
  const isCategorical = new Uint8Array(m);
  const catOffset = new Int32Array(m);
  const catWords = new Int32Array(m);
  const value = new Float64Array(m);
  const cover = new Float64Array(m);
  const gain = new Float64Array(m);
  const proba = new Float64Array(m);
  const bits: number[] = [];
  const hi = Math.log((1 - LEAF_PROBA_CLIP) / LEAF_PROBA_CLIP);
  for (let k = 0; k < m; k++) {
    const i = order[k];
    const w = raw.w0[i] + raw.w1[i];
    const p = w > 0 ? raw.w1[i] / w : 0.5;
    proba[k] = p;
    const pc = Math.min(1 - LEAF_PROBA_CLIP, Math.max(LEAF_PROBA_CLIP, p));
    value[k] = Math.max(-hi, Math.min(hi, Math.log(pc / (1 - pc))));
    cover[k] = w;
    if (isLeaf[i] === 1 || raw.left[i] === -1) {
      left[k] = -1;
      right[k] = -1;
      feature[k] = -1;
      defaultLeft[k] = 1;
      continue;
    }
    left[k] = newId[raw.left[i]];
    right[k] = newId[raw.right[i]];
    const f = raw.feature[i];
    feature[k] = f;
    threshold[k] = raw.threshold[i];
    defaultLeft[k] = raw.defaultLeft[i];
    gain[k] = raw.gain[i];
    if (isCat[f] === 1 && raw.isCategorical[i] === 1) {
      isCategorical[k] = 1;
      const words = Math.max(1, Math.ceil(nCat[f] / 32));
      catOffset[k] = bits.length;
      catWords[k] = words;
      const start = bits.length;
      for (let q = 0; q < words; q++) bits.push(0);
      for (const c of raw.catSet[i] ?? [])
        bits[start + (c >>> 5)] = (bits[start + (c >>> 5)] | (1 << (c & 31))) >>> 0;
    }
  }
  return {
    tree: {
      left,
      right,
      feature,
      threshold,
      defaultLeft,
      isCategorical,
      catOffset,
      catWords,
      catBits: Uint32Array.from(bits),
      value,
      cover,
      gain,
    },
    proba,
  };
}

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
