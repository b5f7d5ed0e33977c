import { GroupCommitLog, type GroupCommitLogOptions } from './group-commit-log.js';
import { predictionCount, preparePrediction, preparePredictionChunk } from './prediction-rows.js';
import type {
  PredictionChunkInput,
  PredictionInput,
  PredictionRepository,
  PreparedPredictions,
} from './prediction-types.js';

/** What the prediction log takes: one prediction, or a chunk of predictions made together. */
export type PredictionLogItem = PredictionInput | PredictionChunkInput;

/** Options of {@link createPredictionLog}: those of {@link GroupCommitLog} but the writer. */
export type PredictionLogOptions = Omit<
  GroupCommitLogOptions<PredictionLogItem, PreparedPredictions>,
  'write' | 'prepare' | 'size'
>;

const isChunk = (item: PredictionLogItem): item is PredictionChunkInput =>
  Array.isArray((item as PredictionChunkInput).ids);

/**
 * The prediction log: a {@link GroupCommitLog} writing into `predictions`. Each prediction is checked
 * when appended and converted to its table row once (a bad row rejects its own append with
 * `SP_ERR_BAD_PARAM` / `SP_ERR_BAD_DATA`, never its batch), stamped with the time of the append
 * when it has no `createdAt`. {@link PredictionLog.appendChunk} takes many predictions of one model
 * as columns (see `PredictionChunkInput`): checked together, queued as one item, counted as its rows.
 * On shutdown, `close()` the log (it flushes) before closing the storage.
 */
export class PredictionLog extends GroupCommitLog<PredictionLogItem, PreparedPredictions> {
  /** Appends a chunk: resolves as `append` does, once all its predictions are committed (durable). */
  appendChunk(chunk: PredictionChunkInput): Promise<void> {
    return this.append(chunk);
  }
}

/**
 * A {@link PredictionLog} over `predictions`.
 *
 * @example
 * const log = createPredictionLog(storage.predictions, { mode: 'durable' });
 * await log.append({ id: randomUUID(), modelName: 'gbdt', modelVersion: 3, input, output,
 *   decision: 'poisonous', probability: 0.97, latencyUs: 180, requestKind: 'single' });
 */
export function createPredictionLog(
  predictions: PredictionRepository,
  options: PredictionLogOptions = {},
): PredictionLog {
  // durable mode: each row rendered as it is appended, while the batch before it commits, not when
  // its own batch does (the answers wait for that commit); async mode answers without waiting, and
  // its queue (up to `maxQueue` rows) would hold each row twice
  const render = (options.mode ?? 'durable') === 'durable' ? predictions.render : undefined;
  return new PredictionLog({
    ...options,
    write: (items) => predictions.insertPrepared(items),
    prepare: (item) => {
      if (isChunk(item)) return preparePredictionChunk(item);
      const p = preparePrediction(item);
      return render === undefined ? p : render(p);
    },
    size: predictionCount,
  });
}
