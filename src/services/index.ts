export {
  datasetVersionId,
  type EtlDefaults,
  type EtlProgress,
  type EtlRequest,
  EtlService,
  type EtlSummary,
  type LabelConflictSummary,
  type VersionParams,
} from './etl/index.js';
export { DatabaseService } from './system/database-service.js';
export {
  type CvResult,
  type FoldMetrics,
  type ModelMetrics,
  type PolicySummary,
  RunsService,
  type TrainedModel,
  type TrainingDeps,
  TrainingService,
  type TrainProgress,
  type TrainRequest,
  type TrainSummary,
} from './training/index.js';
