export { type JournalReplay, JournalReplayer } from './journal-replayer.js';
export {
  FIELD_PROBLEM_KINDS,
  type FieldProblem,
  type ParsedMushroom,
  parseMushroom,
} from './parse-mushroom.js';
export { type PredictOptions, ServingService, type ServingStatus } from './serving-service.js';
export type {
  BatchItem,
  BatchJournal,
  FeedbackSink,
  ModelSource,
  PredictionLogChunk,
  PredictionLogRow,
  PredictionLogSink,
  PredictionResult,
  ServedModel,
} from './serving-types.js';
