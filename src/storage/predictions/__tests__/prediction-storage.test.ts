import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journalEntry } from '../../__tests__/storage-fixtures.js';
import { createPredictionLog, openStorage } from '../../index.js';
import {
  describePredictionStorageConformance,
  expectLabelsFollowFeedback,
} from './prediction-storage.conformance.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-predictions-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describePredictionStorageConformance('SQLite', () => `sqlite:${join(root, `db-${++n}`, 'sporeprint.db')}`);

describe('prediction log on an in-memory SQLite database (no writer thread)', () => {
  it('copies true labels onto answered and shadow rows, whichever comes first', async () => {
    const storage = await openStorage('sqlite::memory:');
    try {
      await expectLabelsFollowFeedback(storage, (s) => createPredictionLog(s.predictions));
    } finally {
      await storage.close();
    }
  });

  it('keeps a batch journal entry until it is removed', async () => {
    const storage = await openStorage('sqlite::memory:');
    try {
      const entry = journalEntry({ id: 'entry-1' });
      await storage.predictionJournal.put(entry);
      expect(await storage.predictionJournal.get('entry-1')).toEqual(entry);
      expect(await storage.predictionJournal.remove('entry-1')).toBe(true);
      expect(await storage.predictionJournal.count()).toBe(0);
    } finally {
      await storage.close();
    }
  });

  it('stores a chunk and loose rows of one write exactly', async () => {
    const storage = await openStorage('sqlite::memory:');
    try {
      const log = createPredictionLog(storage.predictions, { maxBatch: 10_000 });
      const ids = Array.from({ length: 600 }, () => randomUUID());
      const loose = randomUUID();
      await Promise.all([
        log.appendChunk({
          ids,
          createdAt: new Date('2026-11-26T10:00:00.000Z'),
          modelName: 'm',
          modelVersion: 1,
          arm: null,
          clientId: 'c',
          inputJson: ids.map((_, i) => `{"i":${i}}`),
          outputJson: ids.map(() => '{"decision":"edible"}'),
          decisions: ids.map(() => 'edible' as const),
          probabilities: Float64Array.from(ids, (_, i) => i / 600),
          latencyUs: 3,
          requestKind: 'batch',
        }),
        log.append({
          id: loose,
          modelName: 'm',
          modelVersion: 1,
          input: { i: -1 },
          output: {},
          decision: 'uncertain',
          probability: 0.5,
          latencyUs: 1,
          requestKind: 'single',
        }),
      ]);
      expect(await storage.predictions.count()).toBe(601);
      const stored = await storage.predictions.get(ids[599]);
      expect(stored?.input).toEqual({ i: 599 });
      expect(stored?.probability).toBe(599 / 600);
      expect(stored?.clientId).toBe('c');
      expect((await storage.predictions.get(loose))?.decision).toBe('uncertain');
      await log.close();
    } finally {
      await storage.close();
    }
  });
});
