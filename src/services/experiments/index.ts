export type {
  ArmMetrics,
  ExperimentArm,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentSettings,
  ExperimentStatus,
} from '../../storage/index.js';
export { analyzeExperiment } from './analysis/index.js';
/**
 * A/B experiments between versions of a served model: the deterministic assignment of units to arms
 * and the serving router that follows the model's running experiment.
 */
export { ArmRanges, assignmentPoint, experimentSeed, unitPoint } from './assignment.js';
export { type ExperimentChecker, type RunningChecks, startExperimentChecks } from './experiment-checker.js';
export { armFiguresText, concludedFiguresText } from './experiment-figures.js';
export {
  ExperimentRouter,
  type ExperimentRouterOptions,
  type RunningExperimentSource,
} from './experiment-router.js';
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
export { singleFlight } from './single-flight.js';
