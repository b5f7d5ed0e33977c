export { checkTreeStructure } from '../tree-arrays-json.js';
export { type BinnedData, binMatrix } from './binning.js';
export { CompiledForest, exactLiteral } from './compiled-forest.js';
export { FlatForest, type MarginPrecision } from './flat-forest.js';
export { float32CutToThreshold, thresholdToFloat32Cut } from './float32.js';
export {
  type BoosterParts,
  GradientBoostingClassifier,
  type ImportanceType,
} from './gradient-boosting.js';
export { GRADIENT_BOOSTING_SCHEMA } from './model-schema.js';
export { DEFAULT_GBT_PARAMS, type GradientBoostingParams, resolveGbtParams } from './params.js';
export { calcGain, calcWeight, splitGain } from './split-gain.js';
