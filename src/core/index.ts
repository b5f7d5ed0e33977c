export {
  ERROR_CATALOGUE,
  type ErrorCode,
  isSporeprintError,
  NotFittedError,
  SporeprintError,
} from './errors.js';
export { createMatrix, type FeatureInfo, type Matrix, matrixFromRows, selectRows } from './matrix.js';
export { Rng } from './rng.js';
