import { Ajv, type ValidateFunction } from 'ajv';
import { SporeprintError } from '../../core/index.js';
import type { TreeArrays } from '../tree-arrays.js';

const numbers = { type: 'array', items: { type: 'number' } } as const;
const ints = { type: 'array', items: { type: 'integer' } } as const;
const flags = { type: 'array', items: { enum: [0, 1] } } as const;
const nullableInt = { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1 }] } as const;

/** JSON Schema (draft-07) of one serialised tree: parallel arrays of numbers, as {@link TreeArrays}. */
export const TREE_SCHEMA = {
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

/** JSON Schema (draft-07) of a serialised {@link GradientBoostingClassifier} (`formatVersion` 1). */
export const GRADIENT_BOOSTING_SCHEMA = {
  $id: 'sporeprint/gradient-boosting/1',
  type: 'object',
  required: [
    'formatVersion',
    'kind',
    'params',
    'featureNames',
    'featureKinds',
    'baseScore',
    'marginPrecision',
    'bestIteration',
    'trees',
  ],
  properties: {
    formatVersion: { const: 1 },
    kind: { const: 'gradient-boosting' },
    params: {
      type: 'object',
      required: [
        'nEstimators',
        'eta',
        'maxDepth',
        'minChildWeight',
        'lambda',
        'alpha',
        'gamma',
        'subsample',
        'colsampleBytree',
        'maxBin',
        'maxCatToOnehot',
        'baseScore',
        'earlyStoppingRounds',
        'seed',
      ],
      properties: {
        nEstimators: { type: 'integer', minimum: 1 },
        eta: { type: 'number' },
        maxDepth: { type: 'integer', minimum: 1 },
        minChildWeight: { type: 'number', minimum: 0 },
        lambda: { type: 'number', minimum: 0 },
        alpha: { type: 'number', minimum: 0 },
        gamma: { type: 'number', minimum: 0 },
        subsample: { type: 'number' },
        colsampleBytree: { type: 'number' },
        maxBin: { type: 'integer', minimum: 2 },
        maxCatToOnehot: { type: 'integer', minimum: 1 },
        baseScore: {
          anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }],
        },
        earlyStoppingRounds: nullableInt,
        seed: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
    featureNames: { type: 'array', items: { type: 'string' } },
    featureKinds: { type: 'array', items: { enum: ['numeric', 'categorical'] } },
    featureCategories: { type: 'array', items: { type: 'integer', minimum: 0 } },
    baseScore: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    marginPrecision: { enum: ['float64', 'float32'] },
    bestIteration: { type: 'integer', minimum: -1 },
    cuts: { type: 'array', items: numbers },
    trees: { type: 'array', items: TREE_SCHEMA },
  },
  additionalProperties: false,
} as const;

let validator: ValidateFunction | null = null;

/** Validates `json` against {@link GRADIENT_BOOSTING_SCHEMA}; throws SP_ERR_MODEL_FORMAT naming the path. */
export function assertGbtSchema(json: unknown): void {
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(GRADIENT_BOOSTING_SCHEMA);
  if (!validator(json)) {
    const e = validator.errors?.[0];
    const path = e?.instancePath || '/';
    throw new SporeprintError(
      'SP_ERR_MODEL_FORMAT',
      `gradient boosting model: ${path} ${e?.message ?? 'is invalid'}`,
      {
        path,
      },
    );
  }
}

/** Builds typed {@link TreeArrays} from plain arrays (already schema-checked), then checks its structure. */
export function treeFromPlain(t: Record<string, number[]>, nFeatures: number, where: string): TreeArrays {
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
  checkTreeStructure(tree, nFeatures, where);
  return tree;
}

/**
 * Checks that a tree's parallel arrays agree in length, that children come after their parent (so
 * traversal ends), that split features exist and category sets lie inside `catBits`.
 * Throws SP_ERR_MODEL_FORMAT naming `where` and the offending node.
 */
export function checkTreeStructure(tree: TreeArrays, nFeatures: number, where: string): void {
  const n = tree.left.length;
  const fail = (msg: string): never => {
    throw new SporeprintError('SP_ERR_MODEL_FORMAT', `${where}: ${msg}`, { path: where });
  };
  if (n === 0) fail('has no nodes');
  for (const key of Object.keys(tree) as (keyof TreeArrays)[]) {
    if (key !== 'catBits' && tree[key].length !== n)
      fail(`${key} has ${tree[key].length} entries, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const l = tree.left[i];
    const r = tree.right[i];
    if (l === -1) {
      if (r !== -1) fail(`node ${i} has a right child but no left child`);
      continue;
    }
    if (!(l > i && l < n && r > i && r < n && l !== r)) fail(`node ${i} has invalid children ${l}, ${r}`);
    const f = tree.feature[i];
    if (f < 0 || f >= nFeatures) fail(`node ${i} splits on feature ${f}, outside [0, ${nFeatures})`);
    if (tree.isCategorical[i] === 1) {
      const off = tree.catOffset[i];
      const words = tree.catWords[i];
      if (off < 0 || words < 0 || off + words > tree.catBits.length)
        fail(`node ${i} has an invalid category set`);
    } else if (Number.isNaN(tree.threshold[i])) {
      fail(`node ${i} has a NaN threshold`);
    }
  }
}
