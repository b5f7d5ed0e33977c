export { AJV_OPTIONS, createAjv } from './create-ajv.js';
export { discriminatedUnion } from './discriminated-union.js';
export {
  ERROR_CATALOGUE,
  type ErrorCode,
  isSporeprintError,
  NotFittedError,
  SporeprintError,
} from './errors.js';
export {
  createMatrix,
  type FeatureInfo,
  type Matrix,
  matrixFromRows,
  type SparseRows,
  sparseMatrix,
} from './matrix.js';
export { modelFormatCheck } from './model-format-check.js';
export { once } from './once.js';
export { Rng } from './rng.js';
