import type { Decision, Explanation, ModelPipeline } from '../../ml/index.js';
import type { ChunkFeatures, InputFeatures, PredictionJournalRepository } from '../../storage/index.js';
import type { FieldProblem } from './parse-mushroom.js';

/** A verified model ready to serve. */
export interface ServedModel {
  readonly name: string;
  readonly version: number;
  readonly artifactSha256: string;
  readonly pipeline: ModelPipeline;
}

/** Which version of a registered model: its Production version, an alias, or a version number. */
export type ModelSelector =
  | { readonly kind: 'production' }
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'version'; readonly version: number };

/** A registered version as the registry names it: its number and its artifact's SHA-256. */
export interface ModelVersionRef {
  readonly version: number;
  readonly artifactSha256: string;
}

/** Where served models come from (the registry), and how the server learns it changed. */
export interface ModelSource {
  /**
   * The version `selector` names now, or null when it names none (no Production version, unknown
   * alias or version). Rejects only when the registry cannot be read.
   */
  resolve(name: string, selector: ModelSelector): Promise<ModelVersionRef | null>;
  /** Loads a version, its artifact SHA-256 verified. */
  load(name: string, ref: ModelVersionRef): Promise<ServedModel>;
  /**
   * Calls `listener` when a model may have changed in the registry (an event from any process);
   * returns unsubscribe. (The model set also polls: events only make changes arrive sooner.)
   */
  onChange(listener: (modelName: string) => void): () => void;
}

/** One prediction as the log stores it. */
export interface PredictionLogRow {
  readonly id: string;
  readonly createdAt: Date;
  readonly modelName: string;
  readonly modelVersion: number;
  /** The experiment arm that chose the version (null: no experiment). */
  readonly arm: string | null;
  /** The experiment of the arm (null: no experiment). */
  readonly experimentId?: string | null;
  /** Scored in shadow: the id of the prediction that was answered (this one never was). */
  readonly shadowOf?: string | null;
  readonly clientId: string | null;
  /** The request as received (not stored when `inputJson` is given). */
  readonly input: unknown;
  /** What is stored as the input: the mushroom as understood (see `mushroomJson`), as JSON text. */
  readonly inputJson?: string;
  /**
   * The same input as the parsed values and their feature names (schema order, null: missing), which
   * the log's monitoring roll-up counts without parsing `inputJson`.
   */
  readonly features?: InputFeatures;
  readonly output: unknown;
  /** `output` already as JSON text: stored as is (then `output` is not read). */
  readonly outputJson?: string;
  readonly decision: Decision;
  readonly probability: number;
  readonly latencyUs: number;
  readonly requestKind: 'single' | 'batch' | 'oip' | 'mlflow';
}

/**
 * The log rows of many predictions of one model made together (a chunk of a batch request), as
 * columns: one value for what they share, one array entry per prediction for the rest (every array
 * one entry per id, in order).
 */
export interface PredictionLogChunk {
  readonly ids: readonly string[];
  readonly createdAt: Date;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly arm: string | null;
  readonly experimentId?: string | null;
  /** Scored in shadow: the ids of the answered predictions, one per row; null when answered. */
  readonly shadowOf?: readonly string[] | null;
  readonly clientId: string | null;
  /** Each mushroom as understood (see `mushroomJson`), as JSON text. */
  readonly inputJson: readonly string[];
  /** The inputs as parsed values and their feature names, one values array per id (as `PredictionLogRow.features`). */
  readonly features?: ChunkFeatures;
  /** Each output as JSON text (see `outputJson`). */
  readonly outputJson: readonly string[];
  readonly decisions: readonly Decision[];
  readonly probabilities: Float64Array;
  /** Time spent predicting, per prediction, in microseconds. */
  readonly latencyUs: number;
  readonly requestKind: PredictionLogRow['requestKind'];
}

/** The prediction log: `append` resolves once the row is durable (or queued, in async mode). */
export interface PredictionLogSink {
  append(row: PredictionLogRow): Promise<void>;
  /**
   * Appends the predictions of a chunk, as columns, with one waiter: resolves once every one is
   * durable (or queued, in async mode).
   */
  appendChunk(chunk: PredictionLogChunk): Promise<void>;
  readonly queueDepth: number;
  /**
   * `async` when an append acknowledges before the row is committed (rows are written in the
   * background); absent or `durable` when it resolves once the row is committed.
   */
  readonly mode?: 'durable' | 'async';
}

/**
 * Where durable batch requests are kept whole until their log rows are all written (see
 * `ServingService.classifyBatch`), and what replaying an entry left by a crash needs.
 */
export interface BatchJournal {
  readonly entries: PredictionJournalRepository;
  /** Which of these prediction ids are stored in the log. */
  stored(ids: readonly string[]): Promise<Set<string>>;
  /** Commits a chunk of predictions at once, whatever the log's mode (replays write this way). */
  insert(chunk: PredictionLogChunk): Promise<void>;
}

/** Labels arriving later for logged predictions. */
export interface FeedbackSink {
  record(input: {
    predictionId: string;
    trueLabel: 'e' | 'p';
    source?: string;
    /** Correct a label already recorded (otherwise a different label is a conflict). */
    replace?: boolean;
  }): Promise<'created' | 'unchanged' | 'replaced'>;
}

/** The answer for one mushroom. */
export interface PredictionResult {
  readonly predictionId: string;
  readonly decision: Decision;
  /** P(poisonous). */
  readonly probability: number;
  readonly model: { readonly name: string; readonly version: number };
  /** The experiment arm that answered (null: no experiment running). */
  readonly arm: string | null;
  /** The experiment of the arm (null: no experiment running). */
  readonly experiment: string | null;
  readonly warnings: readonly string[];
  /** Novelty score (distance from the training data); null when the model has no guard. */
  readonly novelty: number | null;
  /** Why the answer is "uncertain" (e.g. "unlike any species in the training data"), else null. */
  readonly reason: string | null;
  readonly explanation?: Explanation;
}

/** One item of a batch: a result, or the problems that kept it from being predicted. */
export type BatchItem =
  | ({ readonly index: number; readonly ok: true } & PredictionResult)
  | { readonly index: number; readonly ok: false; readonly problems: readonly FieldProblem[] };
