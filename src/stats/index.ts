// ---- drift (src/stats/drift): Evidently-compatible drift tests over aggregated counts ----
export {
  type CategoricalSample,
  chooseDriftTest,
  type DatasetDriftResult,
  DEFAULT_DRIFT_THRESHOLDS,
  DRIFT_TESTS,
  type DriftOptions,
  type DriftTestChoice,
  type DriftTestName,
  datasetDrift,
  type EffectSize,
  type FeatureDriftResult,
  type FeatureKind,
  type FeatureSample,
  featureDrift,
  isPValueTest,
  jensenShannonDistance,
  MISSING_CATEGORY,
  type NumericSample,
} from './drift/index.js';
// ---- end drift ----
// ---- estimated performance (src/stats/performance): NannyML-style CBPE and calibration ----
export {
  type CalibrationVerdict,
  type Calibrator,
  type EstimatedPerformance,
  type EstimateOptions,
  type ExpectedConfusion,
  estimatePerformance,
  expectedCalibrationError,
  IsotonicCalibrator,
  type IsotonicCalibratorJSON,
  type NeedsCalibrationOptions,
  needsCalibration,
  rocAuc,
} from './performance/index.js';
// ---- end estimated performance ----
