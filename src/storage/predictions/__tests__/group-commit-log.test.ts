/** GroupCommitLog's batching and failure rules, on a fake writer (the databases are in the conformance suite). */
import { describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../../core/index.js';
import { type GroupCommitFailure, GroupCommitLog } from '../../index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A writer that records its batches, takes `delayMs` per write and can be made to fail. */
function fakeWriter(delayMs = 2) {
  const batches: number[][] = [];
  const stored: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failNext = 0;
  return {
    batches,
    stored,
    get maxInFlight() {
      return maxInFlight;
    },
    fail(times: number) {
      failNext = times;
    },
    write: async (rows: readonly number[]) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await sleep(delayMs);
        batches.push([...rows]);
        if (failNext > 0) {
          failNext--;
          throw new Error('disk on fire');
        }
        stored.push(...rows);
      } finally {
        inFlight--;
      }
    },
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isSporeprintError(e) ? e.code : e instanceof Error ? e.message : String(e);
  }
}

describe('GroupCommitLog', () => {
  it('gathers concurrent appends into few batches, each append resolving after its batch', async () => {
    const w = fakeWriter();
    const log = new GroupCommitLog<number>({ write: w.write, maxBatch: 100 });
    const acked: number[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        log.append(i).then(() => {
          if (w.stored.includes(i)) acked.push(i);
        }),
      ),
    );
    expect(acked).toHaveLength(1000);
    expect(w.stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Math.max(...w.batches.map((b) => b.length))).toBe(100);
    expect(log.batches).toBe(w.batches.length);
    expect(log.batches).toBeLessThanOrEqual(11);
    expect(log.rowsWritten).toBe(1000);
    expect(log.queueDepth).toBe(0);
    expect(w.maxInFlight).toBe(1);
  });

  it('writes what queued during a write in the next one (classic group commit)', async () => {
    const w = fakeWriter(20);
    const log = new GroupCommitLog<number>({ write: w.write });
    const first = log.append(0);
    await sleep(5); // the first write is in flight
    const rest = [1, 2, 3, 4].map((i) => log.append(i));
    expect(log.queueDepth).toBe(5);
    await Promise.all([first, ...rest]);
    expect(w.batches).toEqual([[0], [1, 2, 3, 4]]);
  });

  it('with concurrency above 1, rows queued during a write start another one at once (durable)', async () => {
    const w = fakeWriter(30);
    const log = new GroupCommitLog<number>({ write: w.write, maxBatch: 100, concurrency: 2 });
    const first = log.append(0);
    await sleep(5); // the first write is in flight
    const second = [1, 2, 3].map((i) => log.append(i));
    await sleep(5); // and the second one, with what queued meanwhile
    expect(log.queueDepth).toBe(4);
    const third = [4, 5].map((i) => log.append(i)); // both slots busy: these wait for a free one
    await Promise.all([first, ...second, ...third]);
    expect(w.maxInFlight).toBe(2);
    expect(w.batches).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('starts another write when maxBatch rows queue and concurrency allows', async () => {
    const w = fakeWriter(10);
    const log = new GroupCommitLog<number>({ write: w.write, maxBatch: 10, concurrency: 3 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => log.append(i)));
    expect(w.maxInFlight).toBe(3);
    expect(w.stored).toHaveLength(60);
  });

  it('durable: a failed write rejects every append of its batch, and is reported', async () => {
    const w = fakeWriter();
    const failures: GroupCommitFailure<number>[] = [];
    const log = new GroupCommitLog<number>({ write: w.write, onError: (_, f) => failures.push(f) });
    await log.append(-1);
    w.fail(1);
    const results = await Promise.all([1, 2, 3].map((i) => code(log.append(i))));
    expect(results).toEqual(['disk on fire', 'disk on fire', 'disk on fire']);
    expect(failures).toEqual([{ rows: [1, 2, 3], attempt: 1, final: true }]);
    expect(log.rowsFailed).toBe(3);
    expect(await code(log.append(4))).toBe('resolved');
    expect(w.stored).toEqual([-1, 4]);
  });

  it('rejects a row that prepare refuses, without failing its batch', async () => {
    const w = fakeWriter();
    const log = new GroupCommitLog<number>({
      write: w.write,
      prepare: (n) => {
        if (n < 0) throw new Error('negative');
        return n * 10;
      },
    });
    const results = await Promise.all([1, -2, 3].map((i) => code(log.append(i))));
    expect(results).toEqual(['resolved', 'negative', 'resolved']);
    expect(w.stored).toEqual([10, 30]);
  });

  it('async: resolves at once, writes within the interval, retries, then reports lost rows', async () => {
    const w = fakeWriter(1);
    const failures: GroupCommitFailure<number>[] = [];
    const log = new GroupCommitLog<number>({
      write: w.write,
      mode: 'async',
      flushIntervalMs: 30,
      asyncAttempts: 3,
      retryDelayMs: 5,
      onError: (_, f) => failures.push(f),
    });
    const started = Date.now();
    await Promise.all([1, 2, 3].map((i) => log.append(i)));
    expect(w.stored).toEqual([]);
    expect(log.queueDepth).toBe(3);
    while (w.stored.length < 3 && Date.now() - started < 1000) await sleep(2);
    expect(w.stored).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeLessThan(200);
    expect(w.batches).toEqual([[1, 2, 3]]);

    w.fail(2); // fails twice, succeeds on the third attempt
    await log.append(4);
    await log.flush();
    expect(w.stored).toEqual([1, 2, 3, 4]);
    expect(failures.map((f) => [f.attempt, f.final])).toEqual([
      [1, false],
      [2, false],
    ]);

    w.fail(3); // never succeeds: reported as final, and flush rejects
    await log.append(5);
    expect(await code(log.flush())).toBe('disk on fire');
    expect(failures.at(-1)).toEqual({ rows: [5], attempt: 3, final: true });
    expect(log.rowsFailed).toBe(1);
    expect(log.queueDepth).toBe(0);
  });

  it('async needs onError; close flushes and refuses further appends', async () => {
    const w = fakeWriter();
    expect(() => new GroupCommitLog<number>({ write: w.write, mode: 'async' })).toThrow(/onError/);
    const log = new GroupCommitLog<number>({
      write: w.write,
      mode: 'async',
      flushIntervalMs: 60_000,
      onError: () => undefined,
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(i)));
    expect(w.stored).toEqual([]);
    await log.close();
    expect(w.stored).toHaveLength(10);
    expect(log.closed).toBe(true);
    expect(await code(log.append(11))).toBe('SP_ERR_USAGE');
    await log.close();
  });

  it('async: past maxQueue, appends wait for their commit (back-pressure, not unbounded memory)', async () => {
    const w = fakeWriter(5);
    const log = new GroupCommitLog<number>({
      write: w.write,
      mode: 'async',
      maxQueue: 4,
      flushIntervalMs: 60_000,
      onError: () => undefined,
    });
    for (let i = 0; i < 4; i++) await log.append(i);
    expect(w.stored).toEqual([]);
    await log.append(4); // waits: written with everything queued once the write starts
    expect(w.stored).toContain(4);
    await log.close();
  });

  it('refuses bad options', () => {
    const write = async () => undefined;
    expect(() => new GroupCommitLog<number>({ write, maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => new GroupCommitLog<number>({ write, concurrency: 1.5 })).toThrow(/concurrency/);
  });
  it('appendMany resolves once every row is committed, across several batches', async () => {
    const w = fakeWriter();
    const log = new GroupCommitLog<number>({ write: w.write, maxBatch: 100 });
    const rows = Array.from({ length: 350 }, (_, i) => i);
    let committedWhenResolved = -1;
    await log.appendMany(rows).then(() => {
      committedWhenResolved = w.stored.length;
    });
    expect(committedWhenResolved).toBe(350);
    expect(w.batches.map((b) => b.length)).toEqual([100, 100, 100, 50]);
    expect(log.rowsWritten).toBe(350);
    expect(await code(log.appendMany([]))).toBe('resolved');
  });

  it('appendMany rejects when one of its batches fails, and appends nothing when a row is bad', async () => {
    const w = fakeWriter();
    const log = new GroupCommitLog<number>({ write: w.write, maxBatch: 10 });
    w.fail(1);
    expect(await code(log.appendMany(Array.from({ length: 25 }, (_, i) => i)))).toBe('disk on fire');
    await log.flush().catch(() => undefined);
    const checked = new GroupCommitLog<number>({
      write: w.write,
      prepare: (n) => {
        if (n < 0) throw new Error('negative');
        return n;
      },
    });
    expect(await code(checked.appendMany([1, -1, 2]))).toBe('negative');
    expect(checked.queueDepth).toBe(0);
    await checked.close();
    expect(await code(checked.appendMany([1]))).toBe('SP_ERR_USAGE');
  });

  it('size: an item stands for its rows in batches (at most maxBatch rows; a bigger item alone) and counts', async () => {
    // items are row counts; each write records the items it got
    const writes: number[][] = [];
    let release: (() => void) | undefined;
    const log = new GroupCommitLog<number>({
      write: async (items) => {
        writes.push([...items]);
        if (writes.length === 1) await new Promise<void>((r) => (release = r));
      },
      size: (n) => n,
      maxBatch: 6,
    });
    const first = log.append(1); // written at once, held until released
    await sleep(5);
    const rest = [log.append(5), log.append(3), log.append(2), log.append(9), log.append(1)];
    await sleep(5);
    expect(log.queueDepth).toBe(1 + 5 + 3 + 2 + 9 + 1);
    release?.();
    await Promise.all([first, ...rest]);
    // 5 alone (5 + 3 > 6); 3 + 2 (+ 9 > 6); 9 alone, over maxBatch; 1
    expect(writes).toEqual([[1], [5], [3, 2], [9], [1]]);
    expect(log.rowsWritten).toBe(21);
    expect(log.queueDepth).toBe(0);
    expect(log.batches).toBe(5);
  });

  it('size: failed items count their rows as failed; an item of no rows is refused alone', async () => {
    const w = fakeWriter();
    const failures: GroupCommitFailure<number>[] = [];
    const log = new GroupCommitLog<number>({
      write: w.write,
      size: (n) => n,
      onError: (_, f) => failures.push(f),
    });
    w.fail(1);
    expect(await code(log.append(4))).toBe('disk on fire');
    expect(log.rowsFailed).toBe(4);
    expect(failures.map((f) => f.rows)).toEqual([[4]]);
    expect(await code(log.append(0))).toBe('SP_ERR_BAD_PARAM');
    expect(await code(log.appendMany([2, 0]))).toBe('SP_ERR_BAD_PARAM');
    expect(log.queueDepth).toBe(0);
    await log.append(3);
    expect(log.rowsWritten).toBe(3);
    await log.close();
  });

  it('size, async: maxQueue counts rows, so one big item waits for its commit', async () => {
    const w = fakeWriter(5);
    const log = new GroupCommitLog<number>({
      write: w.write,
      mode: 'async',
      size: (n) => n,
      maxQueue: 10,
      flushIntervalMs: 60_000,
      onError: () => undefined,
    });
    await log.append(6); // queued: 6 of 10
    expect(w.stored).toEqual([]);
    await log.append(5); // 11 > 10: waits for its commit
    expect(w.stored).toEqual([6, 5]);
    await log.close();
  });
});
