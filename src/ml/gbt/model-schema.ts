import { modelFormatCheck } from '../../core/index.js';
import { TREE_ARRAYS_SCHEMA } from '../tree-arrays-json.js';

const numbers = { type: 'array', items: { type: 'number' } } as const;
const nullableInt = { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1 }] } as const;

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
    trees: { type: 'array', items: TREE_ARRAYS_SCHEMA },
  },
  additionalProperties: false,
} as const;

/** Validates `json` against {@link GRADIENT_BOOSTING_SCHEMA}; throws SP_ERR_MODEL_FORMAT naming the path. */
export const assertGbtSchema: (json: unknown) => void = modelFormatCheck(
  GRADIENT_BOOSTING_SCHEMA,
  'gradient boosting model',
);
