/**
 * The JSON form of {@link TreeArrays} (parallel arrays of numbers), shared by every tree model's
 * artifact: its JSON Schema, the conversion back to typed arrays, and the structural check that
 * makes traversal safe.
 */
import { SporeprintError } from '../core/index.js';
import type { TreeArrays } from './tree-arrays.js';

const numbers = { type: 'array', items: { type: 'number' } } as const;
const ints = { type: 'array', items: { type: 'integer' } } as const;
const flags = { type: 'array', items: { enum: [0, 1] } } as const;

/** JSON Schema (draft-07) of one serialised tree: parallel arrays of numbers, as {@link TreeArrays}. */
export const TREE_ARRAYS_SCHEMA = {
  type: 'object',
  required: [
    'left',
    'right',
    'feature',
    'threshold',
    'defaultLeft',
    'isCategorical',
    'catOffset',
    'catWords',
    'catBits',
    'value',
    'cover',
    'gain',
  ],
  properties: {
    left: ints,
    right: ints,
    feature: ints,
    threshold: numbers,
    defaultLeft: flags,
    isCategorical: flags,
    catOffset: ints,
    catWords: ints,
    catBits: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 4294967295 } },
    value: numbers,
    cover: numbers,
    gain: numbers,
  },
  additionalProperties: false,
} as const;

/** {@link TreeArrays} as plain number arrays: the JSON form. */
export type PlainTree = { [K in keyof TreeArrays]: number[] };

/** The JSON form of a tree (numbers, not typed arrays). */
export function treeToPlain(t: TreeArrays): PlainTree {
  return {
    left: Array.from(t.left),
    right: Array.from(t.right),
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    defaultLeft: Array.from(t.defaultLeft),
    isCategorical: Array.from(t.isCategorical),
    catOffset: Array.from(t.catOffset),
    catWords: Array.from(t.catWords),
    catBits: Array.from(t.catBits),
    value: Array.from(t.value),
    cover: Array.from(t.cover),
    gain: Array.from(t.gain),
  };
}

/**
 * Builds typed {@link TreeArrays} from plain arrays (already schema-checked), then checks its structure
 * (errors as {@link checkTreeStructure}'s, the tree at JSON pointer `at` of a `what`).
 */
export function treeFromPlain(t: PlainTree, nFeatures: number, what: string, at: string): TreeArrays {
  const tree: TreeArrays = {
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    defaultLeft: Uint8Array.from(t.defaultLeft),
    isCategorical: Uint8Array.from(t.isCategorical),
    catOffset: Int32Array.from(t.catOffset),
    catWords: Int32Array.from(t.catWords),
    catBits: Uint32Array.from(t.catBits),
    value: Float64Array.from(t.value),
    cover: Float64Array.from(t.cover),
    gain: Float64Array.from(t.gain),
  };
  checkTreeStructure(tree, nFeatures, what, at);
  return tree;
}

/**
 * Checks that a tree's parallel arrays agree in length, that children come after their parent (so
 * traversal ends), that split features exist and category sets lie inside `catBits`.
 * Throws SP_ERR_MODEL_FORMAT for the tree at JSON pointer `at` of a `what` (e.g. `gradient boosting
 * model`, `/trees/3`): the message names both (`…: /trees/3/left/7 …`), `details.path` is the pointer
 * of the offending value alone, as the schema checks give it.
 */
export function checkTreeStructure(tree: TreeArrays, nFeatures: number, what: string, at: string): void {
  const n = tree.left.length;
  const fail = (path: string, msg: string): never => {
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `${what}: ${at}/${path} ${msg}`, {
      path: `${at}/${path}`,
    });
  };
  if (n === 0) fail('left', 'is empty: a tree has at least one node');
  for (const key of Object.keys(tree) as (keyof TreeArrays)[]) {
    if (key !== 'catBits' && tree[key].length !== n)
      fail(key, `has ${tree[key].length} entries, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const l = tree.left[i];
    const r = tree.right[i];
    if (l === -1) {
      if (r !== -1) fail(`right/${i}`, `is a right child of node ${i}, which has no left child`);
      continue;
    }
    if (!(l > i && l < n && r > i && r < n && l !== r))
      fail(`left/${i}`, `points outside the tree or not after node ${i} (children ${l}, ${r})`);
    const f = tree.feature[i];
    if (f < 0 || f >= nFeatures) fail(`feature/${i}`, `is ${f}, outside [0, ${nFeatures})`);
    if (tree.isCategorical[i] === 1) {
      const off = tree.catOffset[i];
      const words = tree.catWords[i];
      if (off < 0 || words < 0 || off + words > tree.catBits.length)
        fail(`catOffset/${i}`, 'puts the category set outside catBits');
    } else if (Number.isNaN(tree.threshold[i])) {
      fail(`threshold/${i}`, 'is NaN');
    }
  }
}
