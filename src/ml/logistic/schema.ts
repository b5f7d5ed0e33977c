import { CLASS_WEIGHT_SCHEMA } from '../validate-input.js';

/** JSON Schema (draft-07) of a serialised {@link LogisticRegression} (`formatVersion` 1). */
export const LOGISTIC_REGRESSION_SCHEMA = {
  $id: 'sporeprint/logistic-regression/1',
  type: 'object',
  required: ['formatVersion', 'kind', 'params', 'featureNames', 'coef', 'intercept', 'nIter', 'warnings'],
  properties: {
    formatVersion: { const: 1 },
    kind: { const: 'logistic-regression' },
    params: {
      type: 'object',
      required: ['C', 'penalty', 'solver', 'maxIter', 'tol', 'classWeight', 'fitIntercept', 'seed'],
      properties: {
        C: { type: 'number', exclusiveMinimum: 0 },
        penalty: { const: 'l2' },
        solver: { enum: ['lbfgs', 'newton'] },
        maxIter: { type: 'integer', minimum: 1 },
        tol: { type: 'number', exclusiveMinimum: 0 },
        classWeight: CLASS_WEIGHT_SCHEMA,
        fitIntercept: { type: 'boolean' },
        seed: { type: 'integer' },
      },
      additionalProperties: false,
    },
    featureNames: { type: 'array', items: { type: 'string' } },
    coef: { type: 'array', items: { type: 'number' } },
    intercept: { type: 'number' },
    nIter: { type: 'integer', minimum: 0 },
    warnings: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;
