/**
 * Statistics for sporeprint: pure functions (no I/O) that take numbers and return numbers, each checked
 * against scipy figures in its tests.
 */

// ── A/B testing (src/stats/ab) ──────────────────────────────────────────────────────────────────────
export { benjaminiHochberg, holmBonferroni } from './ab/adjust-p-values.js';
export {
  type BetaBinomialOptions,
  type BetaBinomialResult,
  type BetaPosterior,
  type BetaPrior,
  betaBinomialTest,
  UNIFORM_BETA_PRIOR,
} from './ab/beta-binomial.js';
export {
  CHANCE_TO_WIN_LOSING,
  CHANCE_TO_WIN_WINNING,
  type ChanceHighlight,
  highlightChance,
} from './ab/chance-to-win.js';
export {
  type Alternative,
  type ConfidenceSequenceOptions,
  type ConfidenceSequenceResult,
  confidenceSequence,
  EPPO_SEQUENTIAL_TUNING,
  GROWTHBOOK_SEQUENTIAL_TUNING,
  sequentialRho,
} from './ab/confidence-sequence.js';
export type { Degenerate, DifferenceType } from './ab/effect-moments.js';
export {
  type FalseEdibleCounts,
  falseEdibleGuardrail,
  type GuardrailDecision,
  type GuardrailOptions,
  type GuardrailResult,
} from './ab/false-edible-guardrail.js';
export {
  type GaussianBayesianOptions,
  type GaussianBayesianResult,
  type GaussianPrior,
  GROWTHBOOK_DEFAULT_PRIOR,
  gaussianBayesianTest,
} from './ab/gaussian-bayesian-test.js';
export { type MsprtOptions, type MsprtResult, type MsprtState, msprt } from './ab/msprt.js';
export { proportionSummary } from './ab/proportion-summary.js';
export {
  type MdeType,
  type MeanPlan,
  type PlanOptions,
  type ProportionPlan,
  powerMeans,
  powerProportions,
  type SampleSize,
  sampleSizeMeans,
  sampleSizeProportions,
} from './ab/sample-size.js';
export {
  SRM_MIN_UNITS,
  SRM_P_THRESHOLD,
  type SrmOptions,
  type SrmResult,
  type SrmRule,
  srmCheck,
} from './ab/srm-check.js';
export type { MeanSummary, ProportionCounts } from './ab/summaries.js';
export { twoProportionZTest, type ZTestOptions, type ZTestResult } from './ab/two-proportion-z-test.js';
export { type WelchOptions, type WelchResult, welchTTest } from './ab/welch-t-test.js';
// ── end of A/B testing ──────────────────────────────────────────────────────────────────────────────

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
