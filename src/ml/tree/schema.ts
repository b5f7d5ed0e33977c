import { TREE_ARRAYS_SCHEMA } from '../tree-arrays-json.js';
import { CLASS_WEIGHT_SCHEMA } from '../validate-input.js';

const numArray = { type: 'array', items: { type: 'number' } } as const;

/** JSON Schema (draft-07) of a serialised {@link DecisionTreeClassifier} (`formatVersion` 1). */
export const DECISION_TREE_SCHEMA = {
  $id: 'sporeprint/decision-tree/1',
  type: 'object',
  required: ['formatVersion', 'kind', 'params', 'featureNames', 'featureKinds', 'tree', 'featureImportances'],
  properties: {
    formatVersion: { const: 1 },
    kind: { const: 'decision-tree' },
    params: {
      type: 'object',
      required: [
        'criterion',
        'maxDepth',
        'minSamplesSplit',
        'minSamplesLeaf',
        'minImpurityDecrease',
        'ccpAlpha',
        'classWeight',
        'seed',
      ],
      properties: {
        criterion: { enum: ['gini', 'entropy'] },
        maxDepth: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1 }] },
        minSamplesSplit: { type: 'integer', minimum: 2 },
        minSamplesLeaf: { type: 'integer', minimum: 1 },
        minImpurityDecrease: { type: 'number', minimum: 0 },
        ccpAlpha: { type: 'number', minimum: 0 },
        classWeight: CLASS_WEIGHT_SCHEMA,
        seed: { type: 'integer' },
      },
      additionalProperties: false,
    },
    featureNames: { type: 'array', items: { type: 'string' } },
    featureKinds: { type: 'array', items: { enum: ['numeric', 'categorical'] } },
    featureImportances: numArray,
    tree: {
      ...TREE_ARRAYS_SCHEMA,
      required: [...TREE_ARRAYS_SCHEMA.required, 'proba'],
      properties: {
        ...TREE_ARRAYS_SCHEMA.properties,
        proba: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 } },
      },
    },
  },
  additionalProperties: false,
} as const;
