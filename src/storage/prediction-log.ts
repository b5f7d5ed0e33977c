import { GroupCommitLog, type GroupCommitLogOptions } from './group-commit-log.js';
import { preparePrediction } from './prediction-rows.js';
import type { PredictionInput, PredictionRepository, PreparedPrediction } from './prediction-types.js';

/** Options of {@link createPredictionLog}: those of {@link GroupCommitLog} but the writer. */
export type PredictionLogOptions = Omit<
  GroupCommitLogOptions<PredictionInput, PreparedPrediction>,
  'write' | 'prepare'
>;

/**
 * The prediction log: a {@link GroupCommitLog} writing into `predictions`. Each row is checked when
 * appended and converted to its table row once (a bad row rejects its own append with
 * `SP_ERR_BAD_PARAM` / `SP_ERR_BAD_DATA`, never its batch), stamped with the time of the append
 * when it has no `createdAt`. On shutdown, `close()`
 * the log (it flushes) before closing the storage.
 *
 * @example
 * const log = createPredictionLog(storage.predictions, { mode: 'durable' });
 * await log.append({ id: randomUUID(), modelName: 'gbdt', modelVersion: 3, input, output,
 *   decision: 'poisonous', probability: 0.97, latencyUs: 180, requestKind: 'single' });
 */
export function createPredictionLog(
  predictions: PredictionRepository,
  options: PredictionLogOptions = {},
): GroupCommitLog<PredictionInput, PreparedPrediction> {
  return new GroupCommitLog<PredictionInput, PreparedPrediction>({
    ...options,
    write: (rows) => predictions.insertPrepared(rows),
    prepare: preparePrediction,
  });
}
