import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPredictionLog, openStorage } from '../../../storage/index.js';
import { PredictionLogger } from '../prediction-logger.js';
import type { PredictionLogRow } from '../serving-types.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-logger-turn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function row(): PredictionLogRow {
  n++;
  return {
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    createdAt: new Date(),
    modelName: 'm',
    modelVersion: 1,
    arm: null,
    clientId: null,
    input: { 'cap-shape': 'x' },
    output: { decision: 'poisonous' },
    decision: 'poisonous',
    probability: 0.9,
    latencyUs: 10,
    requestKind: 'single',
  };
}

/** `p`'s state once `wait` resolves ('pending' if it has not settled by then). */
async function stateAfter(p: Promise<unknown>, wait: () => Promise<void>): Promise<string> {
  let state = 'pending';
  p.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await wait();
  return state;
}

const microtasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('PredictionLogger.logOne', () => {
  it('async mode: answers of one event-loop turn are released together at its end, each row queued at once', async () => {
    const storage = await openStorage(`sqlite:${join(root, 'async.sqlite')}`);
    const log = createPredictionLog(storage.predictions, { mode: 'async', onError: () => undefined });
    const logger = new PredictionLogger({ log });
    try {
      const a = logger.logOne(row());
      const b = logger.logOne(row());
      expect(log.queueDepth).toBe(2); // queued before the answer, as before
      // not released by microtasks alone (the answers would go out one by one) …
      expect(await stateAfter(a, microtasks)).toBe('pending');
      // … but once the turn's I/O callbacks are done, both at once
      expect(await stateAfter(Promise.all([a, b]), nextTurn)).toBe('resolved');
      // a bad row still rejects its own answer
      await expect(logger.logOne({ ...row(), probability: Number.NaN })).rejects.toThrow(/probability/);
      await log.flush();
      expect(await storage.predictions.count()).toBe(2);
    } finally {
      await log.close();
      await storage.close();
    }
  });

  it('durable mode: an answer waits for its commit, not for the turn', async () => {
    const storage = await openStorage(`sqlite:${join(root, 'durable.sqlite')}`);
    const log = createPredictionLog(storage.predictions, { mode: 'durable' });
    const logger = new PredictionLogger({ log });
    try {
      const a = logger.logOne(row());
      expect(await stateAfter(a, nextTurn)).toBe('pending'); // the commit is not done in one turn
      await a;
      expect(await storage.predictions.count()).toBe(1);
    } finally {
      await log.close();
      await storage.close();
    }
  });
});
