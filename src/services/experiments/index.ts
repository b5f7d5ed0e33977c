export type {
  ArmMetrics,
  ExperimentArm,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentSettings,
  ExperimentStatus,
} from '../../storage/index.js';
export { analyzeExperiment } from './analysis/index.js';
export { type ExperimentChecker, type RunningChecks, startExperimentChecks } from './experiment-checker.js';
export { armFiguresText, concludedFiguresText } from './experiment-figures.js';
export { ExperimentService, SYSTEM_ACTOR } from './experiment-service.js';
export type {
  ActorAndReason,
  AnalyzeExperiment,
  ArmInput,
  CheckOutcome,
  ConcludeOptions,
  ConcludeResult,
  CreateExperimentInput,
  ExperimentAnalysisResult,
  ExperimentDecision,
  ExperimentDecisionAction,
  ExperimentMetricsSource,
  ExperimentRegistry,
  ExperimentServiceDeps,
  ExperimentView,
  ShadowDisagreement,
} from './experiment-service-types.js';
export { ARM_NAME, DEFAULT_SETTINGS, MAX_TEXT } from './experiment-validation.js';
