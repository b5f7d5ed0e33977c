/**
 * Predictions written through the real prediction log (group commit) for the tests of what reads the
 * log back: the labelled production records of a dataset version with feedback.
 */
import { randomUUID } from 'node:crypto';
import { createPredictionLog, type Storage } from '../../src/storage/index.js';

/** One prediction to log: its input as the serving path stores it, and the answered one it shadows. */
export interface LoggedPrediction {
  readonly input: unknown;
  readonly modelName: string;
  readonly modelVersion: number;
  /** Scored in shadow beside this answered prediction. */
  readonly shadowOf?: string;
}

/** Logs `items` (answer: poisonous, p = 0.9) and returns their new ids, in order. */
export async function logPredictions(
  storage: Storage,
  items: readonly LoggedPrediction[],
): Promise<string[]> {
  const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
  const ids = items.map(() => randomUUID());
  try {
    await Promise.all(
      items.map((item, i) =>
        log.append({
          id: ids[i],
          modelName: item.modelName,
          modelVersion: item.modelVersion,
          shadowOf: item.shadowOf ?? null,
          input: item.input,
          output: { decision: 'poisonous', probability: 0.9 },
          decision: 'poisonous',
          probability: 0.9,
          latencyUs: 100,
          requestKind: 'single',
        }),
      ),
    );
  } finally {
    await log.close();
  }
  return ids;
}
