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
