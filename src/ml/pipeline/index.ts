export {
  createEstimator,
  ENCODING_OF,
  type EstimatorKind,
  estimatorFromJSON,
  MODEL_ALIASES,
} from './estimator-registry.js';
export {
  type Decision,
  type Explanation,
  type FeatureValue,
  ModelPipeline,
  type NumericRange,
  PIPELINE_FORMAT_VERSION,
  type PipelineGuard,
  type PipelineJSON,
  type PipelinePrediction,
  UNCERTAIN_REASON,
} from './model-pipeline.js';
