/**
 * The unknown-species guard: a label-free novelty score of how far a record lies from the training
 * data, a threshold chosen on validation rows of known species, and the with/without-guard
 * evaluation. Pure: takes matrices and typed arrays, returns values.
 */
export {
  type AnswerSummary,
  evaluateGuard,
  type GuardEvaluation,
  type GuardEvaluationInput,
} from './evaluate-guard.js';
export {
  NOVELTY_METHOD,
  NoveltyDetector,
  type NoveltyDetectorOptions,
  type NoveltyDetectorParams,
} from './novelty-detector.js';
export {
  DEFAULT_NOVELTY_QUANTILE,
  NOVELTY_REASON,
  NoveltyGuard,
  type NoveltyGuardOptions,
  upperQuantile,
} from './novelty-guard.js';
export {
  NOVELTY_DETECTOR_FORMAT_VERSION,
  NOVELTY_GUARD_FORMAT_VERSION,
  type NoveltyDetectorJSON,
  type NoveltyGuardJSON,
} from './schema.js';
