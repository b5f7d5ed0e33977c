import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchJournal,
  JournalReplayer,
  type ModelSource,
  type PredictionLogSink,
  RegistryService,
  type ServedModel,
  ServingService,
} from '../../src/services/index.js';
import { journalEntry } from '../../src/storage/__tests__/storage-fixtures.js';
import {
  createInProcessEventBus,
  createPredictionLog,
  openArtifactStore,
  openStorage,
  type PredictionLog,
  type PredictionRecord,
  preparePredictionChunk,
  type Storage,
} from '../../src/storage/index.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const ODORS = ['p', 'a', 'l', 'n', 'f', 'c', 'y', 's', 'm'];

/** 1,500 classic mushrooms, two of them invalid (items 3 and 1,203). */
function records(): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = Array.from({ length: 1500 }, (_, i) => ({
    ...CLASSIC_MUSHROOM,
    odor: ODORS[i % ODORS.length],
    'cap-color': i % 7 === 0 ? 'w' : 'n',
  }));
  list[3] = { ...CLASSIC_MUSHROOM, odor: 'zz' };
  list[1203] = { ...CLASSIC_MUSHROOM, colour: 'blue' };
  return list;
}

/** What a logged row says about its prediction (not its id or time). */
const content = (r: PredictionRecord | undefined) =>
  r && {
    input: r.input,
    output: r.output,
    decision: r.decision,
    probability: r.probability,
    modelName: r.modelName,
    modelVersion: r.modelVersion,
    clientId: r.clientId,
    requestKind: r.requestKind,
  };

/**
 * The batch journal of durable batches (issue 6), service side, on each storage backend: answered
 * once journaled, rows written right after; replays after failures and crashes; two replayers.
 */
export function describeBatchJournal(backend: TestBackend): void {
  describe(`batch journal on ${backend.name}`, () => {
    let url: string;
    let cleanup: () => void;
    let model: ServedModel;
    const opened: Storage[] = [];
    const logs: PredictionLog[] = [];
    const services: ServingService[] = [];
    const errors: string[] = [];

    beforeAll(async () => {
      url = backend.freshUrl();
      const prepared = await prepareServingDatabase(url);
      cleanup = prepared.cleanup;
      const storage = await openStorage(url);
      try {
        const registry = new RegistryService({
          runs: storage.runs,
          registry: storage.registry,
          artifacts: openArtifactStore(storage, { kind: 'file', dir: join(prepared.varDir, 'artifacts') }),
          datasets: storage.datasets,
          events: createInProcessEventBus(),
          gate: prepared.config.gate,
        });
        const m = await registry.loadPipeline('sporeprint-classic', 'production');
        model = {
          name: 'sporeprint-classic',
          version: m.version.version,
          artifactSha256: m.version.artifactSha256,
          pipeline: m.pipeline,
        };
      } finally {
        await storage.close();
      }
    }, 400_000);

    afterEach(async () => {
      for (const s of services.splice(0)) {
        s.stop();
        await s.drain();
      }
      await Promise.all(logs.splice(0).map((l) => l.close()));
      // every test leaves the journal empty
      await Promise.all(opened.splice(0).map((s) => s.close()));
      errors.length = 0;
    });
    afterAll(() => cleanup?.());

    const open = async (): Promise<Storage> => {
      const s = await openStorage(url);
      opened.push(s);
      return s;
    };
    const journalOf = (s: Storage, put?: BatchJournal['entries']['put']): BatchJournal => ({
      entries:
        put === undefined
          ? s.predictionJournal
          : {
              put,
              get: (id) => s.predictionJournal.get(id),
              list: () => s.predictionJournal.list(),
              count: () => s.predictionJournal.count(),
              remove: (id) => s.predictionJournal.remove(id),
            },
      stored: (ids) => s.predictions.stored(ids),
      insert: (chunk) => s.predictions.insertPrepared([preparePredictionChunk(chunk)]),
    });
    const models: ModelSource = {
      resolve: async () => ({ version: model.version, artifactSha256: model.artifactSha256 }),
      load: async () => model,
      onChange: () => () => {},
    };
    /** A started service over `s`; `failChunk(i)`: the i-th chunk handed to the log (from 0) is refused. */
    const service = async (
      s: Storage,
      opts: {
        journal?: boolean;
        failChunk?: (i: number) => boolean;
        put?: BatchJournal['entries']['put'];
      } = {},
    ): Promise<ServingService> => {
      const log = createPredictionLog(s.predictions, { maxBatch: 10_000 });
      logs.push(log);
      let handed = 0;
      const sink: PredictionLogSink = {
        mode: 'durable',
        get queueDepth() {
          return log.queueDepth;
        },
        append: (row) => log.append(row),
        appendChunk: (chunk) =>
          opts.failChunk?.(handed++) === true
            ? Promise.reject(new Error('disk full'))
            : log.appendChunk(chunk),
      };
      const svc = new ServingService({
        modelName: 'sporeprint-classic',
        models,
        log: sink,
        feedback: s.feedback,
        journal: opts.journal === false ? undefined : journalOf(s, opts.put),
        onLogError: (e) => errors.push((e as Error).message),
      });
      services.push(svc);
      await svc.start();
      return svc;
    };
    const okIds = (items: readonly { ok: boolean; predictionId?: string }[]): string[] =>
      items.flatMap((it) => (it.ok && it.predictionId !== undefined ? [it.predictionId] : []));

    it('answers once journaled; feedback right after the answer works; the rows follow as an unjournaled batch writes them, and the entry goes', async () => {
      const s = await open();
      const journaled = await service(s);
      const direct = await service(s, { journal: false });
      const input = records();
      const { items, itemsJson, durable } = await journaled.classifyBatch(input, { clientId: 'c1' });
      await durable;
      // answered: none of its rows is handed to the log yet (they count in the log's queue depth)
      expect(journaled.pendingLogRows).toBe(1498);
      expect(JSON.parse(itemsJson)).toEqual(JSON.parse(JSON.stringify(items)));
      expect(items.filter((it) => !it.ok).map((it) => it.index)).toEqual([3, 1203]);
      const ids = okIds(items);
      expect(ids).toHaveLength(1498);
      // the answer is out: a label for its last prediction is taken at once (waits for the row)
      expect(await journaled.feedback(ids[ids.length - 1], 'p', 'lab')).toBe('created');
      await journaled.drain();
      expect(journaled.pendingLogRows).toBe(0);
      expect(await s.predictionJournal.count()).toBe(0);
      expect((await s.predictions.stored(ids)).size).toBe(1498);
      const other = okIds(await direct.predictBatch(input, { clientId: 'c1' }));
      for (const k of [0, 2, 3, 999, 1000, 1201, 1497]) {
        const [a, b] = await Promise.all([s.predictions.get(ids[k]), s.predictions.get(other[k])]);
        expect(content(a)).toEqual(content(b));
        expect(a?.input).toMatchObject({ odor: expect.any(String), 'cap-shape': 'x' });
      }
      expect(errors).toEqual([]);
    }, 60_000);

    it("the roll-up the log keeps for served predictions (single, small and journaled batches) is what a recount of the log's texts gives", async () => {
      const s = await open();
      const journaled = await service(s);
      const direct = await service(s, { journal: false });
      const input = records();
      await journaled.predictBatch(input, { clientId: 'c1' }); // journaled, rows written after
      await direct.predictBatch(input.slice(0, 300)); // committed before the answer
      await Promise.all(input.slice(4, 44).map((r) => direct.predict(r))); // (record 3 is invalid)
      await journaled.drain();
      await direct.drain();
      const byKey = (counts: readonly { feature: string; value: string; n: number }[]) =>
        new Map(counts.map((c) => [`${c.feature}=${c.value}`, c.n]));
      const kept = byKey(await s.monitoring.counts({ modelName: 'sporeprint-classic' }));
      await s.monitoring.rebuildCounts();
      const recounted = byKey(await s.monitoring.counts({ modelName: 'sporeprint-classic' }));
      expect(kept).toEqual(recounted);
      expect(kept.get('odor==p')).toBeGreaterThan(200); // 1 in 9 of 1,838 predictions
    }, 60_000);

    it('small batches commit their rows before the answer (no journal entry)', async () => {
      const s = await open();
      const svc = await service(s);
      const ids = okIds(await svc.predictBatch(records().slice(0, 255)));
      expect((await s.predictions.stored(ids)).size).toBe(254);
      expect(await s.predictionJournal.count()).toBe(0);
    }, 60_000);

    it('rows that could not be written stay journaled, and a replay writes exactly the missing ones, once', async () => {
      const s = await open();
      const before = await s.predictions.count();
      // the second chunk's rows are refused (a disk error, say): the answer was already sent
      const failing = await service(s, { failChunk: (i) => i === 1 });
      const input = records();
      const { items, durable } = await failing.classifyBatch(input, { clientId: 'c2' });
      await durable;
      await failing.drain();
      const ids = okIds(items);
      expect(errors.join('\n')).toMatch(
        /499 predictions of an answered batch are not logged yet: batch journal entry \S+ keeps them for a replay \(disk full\)/,
      );
      expect((await s.predictions.stored(ids)).size).toBe(1498 - 499);
      const [left] = await s.predictionJournal.list();
      expect(left.predictions).toBe(1498);
      // the next sweep (here: another service of this process, as after a restart) writes the rest
      const restarted = await service(s, { journal: true });
      expect(await s.predictionJournal.count()).toBe(0);
      expect((await s.predictions.count()) - before).toBe(1498);
      expect((await s.predictions.stored(ids)).size).toBe(1498);
      // a replayed row is the row the server would have written
      const direct = await service(s, { journal: false });
      const other = okIds(await direct.predictBatch(input, { clientId: 'c2' }));
      for (const k of [998, 999, 1200, 1497]) {
        const [a, b] = await Promise.all([s.predictions.get(ids[k]), s.predictions.get(other[k])]);
        expect(content(a)).toEqual(content(b));
      }
      // the replayed chunk keeps its time and latency: the same for each of its rows, as answered
      const [first, last] = await Promise.all([s.predictions.get(ids[999]), s.predictions.get(ids[1497])]);
      expect(first?.createdAt).toEqual(last?.createdAt);
      expect(first?.latencyUs).toBe(last?.latencyUs);
      expect(first?.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
      expect(await restarted.replayJournal()).toEqual({ entries: 0, predictions: 0, failed: [] });
    }, 60_000);

    it('two processes replaying the same entry at once store each prediction once', async () => {
      const s1 = await open();
      const s2 = await open();
      const before = await s1.predictions.count();
      // the first chunk's rows written, the second's not: as a process killed while writing them
      const failing = await service(s1, { failChunk: (i) => i !== 0 });
      const { items, durable } = await failing.classifyBatch(records());
      await durable;
      await failing.drain();
      expect(await s1.predictionJournal.count()).toBe(1);
      const ids = okIds(items);
      expect((await s1.predictions.stored(ids)).size).toBe(999);
      const a = new ServingService({
        modelName: 'sporeprint-classic',
        models,
        log: createPredictionLog(s1.predictions),
        feedback: s1.feedback,
        journal: journalOf(s1),
      });
      const b = new ServingService({
        modelName: 'sporeprint-classic',
        models,
        log: createPredictionLog(s2.predictions),
        feedback: s2.feedback,
        journal: journalOf(s2),
      });
      const replays = await Promise.all([a.replayJournal({ all: true }), b.replayJournal({ all: true })]);
      expect(replays.flatMap((r) => r.failed)).toEqual([]);
      expect(replays[0].predictions + replays[1].predictions).toBe(499);
      expect((await s1.predictions.count()) - before).toBe(1498);
      expect((await s2.predictions.stored(ids)).size).toBe(1498);
      expect(await s2.predictionJournal.count()).toBe(0);
    }, 60_000);

    it('an entry that cannot be read is reported and kept; a batch that cannot be journaled is logged before its answer', async () => {
      const s = await open();
      const svc = await service(s, {
        put: () => Promise.reject(new Error('packet too large')),
      });
      const ids = okIds(await svc.predictBatch(records()));
      expect((await s.predictions.stored(ids)).size).toBe(1498);
      expect(errors).toEqual(['batch of 1498 predictions not journaled, logged directly: packet too large']);
      const bad = journalEntry({
        id: 'bad-entry',
        createdAt: new Date(),
        owner: 'elsewhere:1:00',
        modelName: 'sporeprint-classic',
        modelVersion: 1,
        records: '{"records": [',
        items: '[]',
      });
      await s.predictionJournal.put(bad);
      // another host's entry younger than a minute: left to its owner
      expect(await svc.replayJournal()).toEqual({ entries: 0, predictions: 0, failed: [] });
      const r = await svc.replayJournal({ all: true });
      expect(r.entries).toBe(0);
      expect(r.failed).toEqual([
        {
          id: 'bad-entry',
          message: expect.stringMatching(
            /batch journal entry bad-entry \(1 predictions\) was not replayed: Batch journal entry bad-entry cannot be replayed: its texts are not JSON/,
          ),
        },
      ]);
      expect(await s.predictionJournal.count()).toBe(1);
      // sweeps (every 10 s) report an entry they cannot replay once, not every time
      await s.predictionJournal.put({
        ...bad,
        id: 'old-bad-entry',
        createdAt: new Date(Date.now() - 120_000),
      });
      const told: string[] = [];
      const replayer = new JournalReplayer(journalOf(s), {
        busy: () => false,
        onError: (e) => told.push((e as Error).message),
      });
      expect((await replayer.sweep()).failed.map((f) => f.id)).toEqual(['old-bad-entry']);
      expect((await replayer.sweep()).failed.map((f) => f.id)).toEqual(['old-bad-entry']);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/batch journal entry old-bad-entry \(1 predictions\) was not replayed/);
      await s.predictionJournal.remove('bad-entry');
      await s.predictionJournal.remove('old-bad-entry');
    }, 60_000);
  });
}
