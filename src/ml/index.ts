/**
 * The learners and everything around them: estimators, metrics, decision policy, explanations,
 * model formats (own pipeline JSON and XGBoost JSON). Pure: values in, values out.
 */
export { BINARY_CLASSES, type Estimator, type EstimatorJSON, type FitOptions } from './estimator.js';
export { type TreeShapResult, treeShap } from './explain/index.js';
export { GradientBoostingClassifier, type GradientBoostingParams } from './gbt/index.js';
export { LogisticRegression, type LogisticRegressionParams } from './logistic/index.js';
export {
  type BinaryMetrics,
  type CalibrationBin,
  type Confusion,
  calibrationTable,
  type DecisionMetrics,
  evaluateBinary,
  evaluateDecisions,
} from './metrics/index.js';
export {
  type AnswerSummary,
  evaluateGuard,
  type GuardEvaluation,
  NOVELTY_REASON,
  NoveltyDetector,
  NoveltyGuard,
} from './novelty/index.js';
export {
  createEstimator,
  type Decision,
  ENCODING_OF,
  type EstimatorKind,
  type Explanation,
  estimatorFromJSON,
  type FeatureValue,
  MODEL_ALIASES,
  ModelPipeline,
  type NumericRange,
  PIPELINE_FORMAT_VERSION,
  type PipelineGuard,
  type PipelineJSON,
  type PipelinePrediction,
  UNCERTAIN_REASON,
} from './pipeline/index.js';
export { DecisionPolicy, type DecisionPolicyJSON, type DecisionPolicyReport } from './policy/index.js';
export { DecisionTreeClassifier, type DecisionTreeParams } from './tree/index.js';
export { findLeaf, type TreeArrays } from './tree-arrays.js';
export { fromXGBoostJSON, toXGBoostJSON } from './xgboost/index.js';
