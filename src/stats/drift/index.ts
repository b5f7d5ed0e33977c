export {
  chooseDriftTest,
  DEFAULT_DRIFT_THRESHOLDS,
  DRIFT_TESTS,
  type DriftTestChoice,
  type DriftTestName,
  isPValueTest,
} from './choose-drift-test.js';
export { type DatasetDriftResult, datasetDrift } from './dataset-drift.js';
export { jensenShannonDistance } from './distances.js';
export {
  type DriftOptions,
  type EffectSize,
  type FeatureDriftResult,
  featureDrift,
} from './feature-drift.js';
export {
  type CategoricalSample,
  type FeatureKind,
  type FeatureSample,
  MISSING_CATEGORY,
  type NumericSample,
} from './samples.js';
