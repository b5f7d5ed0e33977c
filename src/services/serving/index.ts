export { type JournalReplay, JournalReplayer } from './journal-replayer.js';
export {
  ModelSet,
  type ModelSetOptions,
  type ModelSetStatus,
  type SelectorStatus,
  selectorKey,
} from './model-set.js';
export {
  FIELD_PROBLEM_KINDS,
  type FieldProblem,
  type ParsedMushroom,
  parseMushroom,
} from './parse-mushroom.js';
export {
  BatchLog,
  JOURNAL_MIN_RECORDS,
  PredictionLogger,
  type PredictionLoggerDeps,
} from './prediction-logger.js';
export { predictOne, type RequestMeta, ScoredChunk, type SinglePrediction } from './predictor.js';
export { registryModelSource } from './registry-model-source.js';
export {
  type ArmChoice,
  ProductionRouter,
  type Route,
  type RouteContext,
  type RoutedExperiment,
  type Router,
} from './router.js';
export {
  type PredictOptions,
  type ServingDeps,
  ServingService,
  type ServingStatus,
} from './serving-service.js';
export type {
  BatchItem,
  BatchJournal,
  FeedbackSink,
  ModelSelector,
  ModelSource,
  ModelVersionRef,
  PredictionLogChunk,
  PredictionLogRow,
  PredictionLogSink,
  PredictionResult,
  ServedModel,
} from './serving-types.js';
