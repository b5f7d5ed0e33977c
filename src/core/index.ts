export { AJV_OPTIONS, createAjv } from './create-ajv.js';
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
export { Rng } from './rng.js';
