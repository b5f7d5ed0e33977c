import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { BatchJournalEntry } from '../../../storage/index.js';
import {
  JOURNAL_OWNER,
  journalChunks,
  journalItemIds,
  ownerGone,
  readJournalEntry,
} from '../batch-journal.js';

describe('journal owners', () => {
  it('knows which owners are gone: an exited pid of this host, or this pid from an earlier start', () => {
    expect(ownerGone(JOURNAL_OWNER)).toBe(false);
    expect(ownerGone(`${hostname()}:${process.pid}:ffffffff`)).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '']).pid;
    expect(ownerGone(`${hostname()}:${exited}:00`)).toBe(true);
    // alive, or not ours to judge
    expect(ownerGone(`${hostname()}:${process.ppid}:00`)).toBe(false);
    expect(ownerGone(`another-host:${exited}:00`)).toBe(false);
    expect(ownerGone('no pid here')).toBe(false);
    expect(ownerGone(`${hostname()}:-4:00`)).toBe(false);
  });
});

const MUSHROOM = { 'cap-shape': 'x', odor: 'p', bruises: 't' };

function entry(overrides: Partial<BatchJournalEntry> = {}): BatchJournalEntry {
  const items = [
    {
      index: 0,
      ok: true,
      predictionId: 'a',
      decision: 'poisonous',
      probability: 0.97,
      novelty: 0.5,
      reason: null,
      warnings: [],
    },
    { index: 1, ok: false, problems: [] },
    {
      index: 2,
      ok: true,
      predictionId: 'b',
      decision: 'uncertain',
      probability: 0.4,
      novelty: null,
      reason: 'r "q"',
      warnings: ['w'],
    },
    {
      index: 3,
      ok: true,
      predictionId: 'c',
      decision: 'edible',
      probability: 0,
      novelty: 1,
      reason: null,
      warnings: [],
    },
  ];
  return {
    id: 'e1',
    createdAt: new Date('2026-11-27T00:00:00.000Z'),
    owner: JOURNAL_OWNER,
    modelName: 'm',
    modelVersion: 2,
    schemaName: 'classic',
    arm: null,
    clientId: 'k',
    requestKind: 'batch',
    predictions: 3,
    chunks: [
      { start: 0, createdAt: new Date('2026-11-27T00:00:00.001Z'), latencyUs: 5 },
      { start: 3, createdAt: new Date('2026-11-27T00:00:00.002Z'), latencyUs: 6 },
    ],
    records: JSON.stringify({ records: [MUSHROOM, { odor: 'zz' }, { ...MUSHROOM, odor: 'N' }, MUSHROOM] }),
    items: JSON.stringify(items),
    ...overrides,
  };
}

describe('journalChunks', () => {
  it('rebuilds the logged rows of an entry, chunk by chunk, leaving out ids already stored', () => {
    const chunks = journalChunks(readJournalEntry(entry()), new Set());
    expect(chunks.map((c) => c.ids)).toEqual([['a', 'b'], ['c']]);
    const [first, second] = chunks;
    expect(first.inputJson.map((t) => JSON.parse(t))).toEqual([
      expect.objectContaining({ 'cap-shape': 'x', odor: 'p' }),
      expect.objectContaining({ odor: 'n' }),
    ]);
    expect(first.outputJson[1]).toBe(
      JSON.stringify({
        decision: 'uncertain',
        probability: 0.4,
        novelty: null,
        reason: 'r "q"',
        warnings: ['w'],
      }),
    );
    expect([...first.probabilities]).toEqual([0.97, 0.4]);
    expect(first).toMatchObject({
      modelName: 'm',
      modelVersion: 2,
      clientId: 'k',
      latencyUs: 5,
      requestKind: 'batch',
    });
    expect(second.createdAt.toISOString()).toBe('2026-11-27T00:00:00.002Z');
    expect(journalChunks(readJournalEntry(entry()), new Set(['a', 'c'])).map((c) => c.ids)).toEqual([['b']]);
    // the records may be the array itself
    const bare = entry({ records: JSON.stringify([MUSHROOM, {}, MUSHROOM, MUSHROOM]) });
    expect(journalChunks(readJournalEntry(bare), new Set()).flatMap((c) => c.ids)).toEqual(['a', 'b', 'c']);
    expect(journalItemIds(readJournalEntry(entry()))).toEqual(['a', 'b', 'c']);
    // items that are not JSON give no ids: the entry is refused as a whole
    expect(() => readJournalEntry(entry({ items: 'not json' }))).toThrow(/its texts are not JSON/);
  });

  it('refuses an entry it cannot read, naming why', () => {
    const bad: [Partial<BatchJournalEntry>, RegExp][] = [
      [{ schemaName: 'tertiary' }, /unknown schema 'tertiary'/],
      [{ schemaName: 'toString' }, /unknown schema 'toString'/],
      [{ records: '{"records": [' }, /its texts are not JSON/],
      [{ records: '{"rows": []}' }, /its records are not an array/],
      [{ items: '{}' }, /its items are not an array/],
      [
        { records: JSON.stringify([MUSHROOM, {}, { odor: 'zz' }, MUSHROOM]) },
        /record 2 does not read as a mushroom of 'classic'/,
      ],
    ];
    for (const [overrides, message] of bad) {
      const replay = () => journalChunks(readJournalEntry(entry(overrides)), new Set());
      expect(replay).toThrow(message);
      expect(replay).toThrow(/Batch journal entry e1 cannot be replayed/);
    }
  });
});
