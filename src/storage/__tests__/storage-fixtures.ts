import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isSporeprintError } from '../../core/index.js';
import type {
  BatchJournalEntry,
  DatasetVersionInput,
  QuarantineInput,
  SourceCounts,
  SourceInput,
  SourceRow,
  SourceRowInput,
  Storage,
} from '../index.js';

/** A random source (its id is the sha256 of random bytes, as a real file's would be). */
export function makeSource(fileName = 'secondary_data.csv'): SourceInput {
  const content = randomBytes(32);
  return {
    id: createHash('sha256').update(content).digest('hex'),
    fileName,
    byteSize: 2_835_258,
    schemaName: 'secondary',
    delimiter: ';',
  };
}

const CODES = ['x', 'f', 's', 'b', 'c', 'p'];

/** `n` rows with every kind of feature value: strings, integers, decimals, negatives, nulls. */
export function makeRows(n: number): SourceRowInput[] {
  return Array.from({ length: n }, (_, i) => ({
    rowIndex: i,
    line: i + 2,
    label: i % 3 === 0 ? 'e' : 'p',
    features: [
      15.26 + i,
      CODES[i % CODES.length],
      i % 4 === 0 ? null : 'g',
      0,
      -1.5,
      1e-7,
      'ünïcode ✓',
      i % 5 === 0 ? null : 17.09,
    ],
    speciesIndex: i % 7 === 0 ? null : Math.floor(i / 3),
    isDuplicate: i % 11 === 0,
    isLabelConflict: i % 13 === 0,
  }));
}

/** Quarantine entries with and without a column and value. */
export function makeQuarantine(): QuarantineInput[] {
  return [
    { rowIndex: 5, line: 7, column: 'cap-diameter', value: '17.wrz', reason: 'not a number' },
    { rowIndex: 5, line: 7, column: 'cap-shape', value: 'q', reason: 'unknown category code "q"' },
    { rowIndex: 9, line: 11, column: null, value: null, reason: 'truncated row: 12 of 21 fields' },
  ];
}

/** Counts consistent with `dataRows` data rows of which `invalid` were quarantined. */
export function makeCounts(dataRows: number, invalid = 0): SourceCounts {
  return {
    dataRows,
    validRows: dataRows - invalid,
    invalidRows: invalid,
    duplicateRows: 1,
    labelConflicts: 2,
  };
}

/** A split with every code, including 255 (row not in any split). */
export function makeSplit(dataRows: number): Uint8Array {
  const codes = [0, 1, 2, 255];
  return Uint8Array.from({ length: dataRows }, (_, i) => codes[(i * 7 + (i >> 3)) % 4]);
}

/** A version over `sourceId` with nested JSON values. */
export function makeVersion(
  sourceId: string,
  dataRows: number,
  overrides: Partial<DatasetVersionInput> = {},
): DatasetVersionInput {
  return {
    id: `ds-${randomBytes(8).toString('hex')}`,
    sourceId,
    schemaName: 'secondary',
    splitKind: 'stratified',
    seed: 42,
    params: { ratios: [0.7, 0.15, 0.15], invalidThreshold: 0.01 },
    split: makeSplit(dataRows),
    counts: { train: { e: 3, p: 4 }, validation: { e: 1, p: 1 }, test: { e: 1, p: 0 } },
    profile: { columns: [{ name: 'cap-diameter', missing: 0.25, mean: 6.7 }], note: 'ünïcode ✓' },
    preprocessing: { oneHot: { 'cap-shape': ['b', 'c', 'f', null] }, scale: [[1.5, 0.25]] },
    ...overrides,
  };
}

/** A batch journal entry of one prediction, with a fresh id unless `overrides` gives one. */
export function journalEntry(overrides: Partial<BatchJournalEntry> = {}): BatchJournalEntry {
  return {
    id: randomUUID(),
    createdAt: new Date('2026-11-27T01:00:00.000Z'),
    owner: 'host-a:4242:0a1b2c3d',
    modelName: 'mushroom-gbdt',
    modelVersion: 3,
    schemaName: 'classic',
    arm: null,
    experimentId: null,
    clientId: null,
    requestKind: 'batch',
    predictions: 1,
    chunks: [{ start: 0, createdAt: new Date('2026-11-27T01:00:00.001Z'), latencyUs: 2 }],
    records: '[{"odor":"p"}]',
    items: '[{"index":0,"ok":true,"predictionId":"p1","decision":"poisonous","probability":0.9}]',
    ...overrides,
  };
}

/**
 * How `p` settled: the code and message of the SporeprintError it rejected with, `not a
 * SporeprintError: …` for any other rejection, or `resolved`.
 */
export async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isSporeprintError(e)) return { code: e.code, message: e.message };
    return { code: `not a SporeprintError: ${String(e)}`, message: String(e) };
  }
  return { code: 'resolved', message: '' };
}

/** Every row of a source, read in batches of `batchSize` (the repository's default when omitted). */
export async function readAllRows(
  storage: Storage,
  sourceId: string,
  batchSize?: number,
): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const batch of storage.datasets.readRows(sourceId, batchSize ? { batchSize } : undefined)) {
    all.push(...batch);
  }
  return all;
}
