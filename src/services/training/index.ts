export type { AnswerTotals, CvResult, FoldMetrics } from './cross-validation.js';
export { RunsService } from './runs-service.js';
export { compareSafest, type SafetyFigures, safetyFigures } from './safest-first.js';
export { type TrainingDeps, TrainingService } from './training-service.js';
export type {
  GuardSummary,
  ModelMetrics,
  PolicySummary,
  TrainedModel,
  TrainProgress,
  TrainRequest,
  TrainSummary,
} from './training-types.js';
