/**
 * Conformance suite of the roll-up's pending counts (migration 0012) on every backend: the counts of
 * pending commits are summed into `monitor_counts` by the database, key by key as bytes (`=x` and
 * `=X` stay apart), added to what is there, exactly once however many processes fold at a time; a
 * read folds first.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { storageContext } from '../../db/storage-context.js';
import type { Storage } from '../../index.js';
import { openedStorages } from '../../pipelines/__tests__/pipeline-fixtures.js';
import { FeatureCounts } from '../feature-counts.js';

type Count = [string, number, string, string, string, string, string, number];
const HOUR = '2026-12-07T09:00:00.000Z';
const c = (feature: string, value: string, n: number, version = 3, arm = ''): Count => [
  'fold-model',
  version,
  arm === '' ? '' : 'exp-1',
  arm,
  HOUR,
  feature,
  value,
  n,
];

/** Adds a pending row holding `counts` as the log writer does (JSON text), or `text` as given. */
async function pend(s: Storage, counts: Count[] | string): Promise<void> {
  const text = typeof counts === 'string' ? counts : JSON.stringify(counts);
  await storageContext(s).db.insertInto('monitor_count_pending').values({ counts: text }).execute();
}

/** Registers the tests for one backend. */
export function describeFoldPendingConformance(name: string, makeUrl: () => string): void {
  describe(`monitoring roll-up: pending counts folded (${name})`, () => {
    const { storage, several } = openedStorages(makeUrl);

    it('sums pending commits into the roll-up once, keys compared as bytes, added to what is there', async () => {
      const s = await storage();
      const { db } = storageContext(s);
      await db
        .insertInto('monitor_counts')
        .values({
          model_name: 'fold-model',
          model_version: 3,
          experiment_id: '',
          arm: '',
          bucket: HOUR,
          feature: 'cap-shape',
          value: '=x',
          n: 10,
        })
        .execute();
      const pending: Count[][] = [
        [c('cap-shape', '=x', 2), c('cap-shape', '=X', 1), c('@outcome', 'poisonous', 3)],
        [c('cap-shape', '=x', 5), c('habitat', '=ünï "q"; \\', 1), c('@outcome', 'poisonous', 1, 4)],
        [c('@outcome', 'edible', 2, 3, 'challenger')],
      ];
      for (const p of pending) {
        await db
          .insertInto('monitor_count_pending')
          .values({ counts: JSON.stringify(p) })
          .execute();
      }
      expect(await s.monitoring.foldPending()).toBe(3);
      expect(await s.monitoring.foldPending()).toBe(0);
      const rows = await db
        .selectFrom('monitor_counts')
        .select(['model_version', 'arm', 'feature', 'value', 'n'])
        .where('model_name', '=', 'fold-model')
        .execute();
      const got = Object.fromEntries(
        rows.map((r) => [`${r.model_version}|${r.arm}|${r.feature}|${r.value}`, Number(r.n)]),
      );
      expect(got).toEqual({
        '3||cap-shape|=x': 17,
        '3||cap-shape|=X': 1,
        '3||habitat|=ünï "q"; \\': 1,
        '3||@outcome|poisonous': 3,
        '4||@outcome|poisonous': 1,
        '3|challenger|@outcome|edible': 2,
      });
      expect(await db.selectFrom('monitor_count_pending').selectAll().execute()).toEqual([]);
    });

    it("sums the log writer's own format (2) and earlier versions' rows (format 1) alike", async () => {
      const s = await storage();
      const fc = new FeatureCounts();
      const row = {
        modelName: 'fold-model',
        modelVersion: 3,
        experimentId: null,
        arm: null,
        createdAt: '2026-12-07T09:41:00.000Z',
        // a feature named __proto__ is a key like any other
        input: '{"cap-shape":"x","cap-diameter":15.26,"note":"ünï \\"q\\"","__proto__":"p"}',
        output: '{}',
        decision: 'poisonous',
        probability: 0.97,
      };
      fc.add(row, 'NOVEL');
      fc.add(
        { ...row, input: JSON.stringify({ 'cap-shape': 'X' }), decision: 'edible', probability: 0.01 },
        'NOVEL',
      );
      fc.add({ ...row, modelVersion: 4 }, 'NOVEL');
      const text = fc.pendingJson();
      expect(JSON.parse(text)).toMatchObject({ v: 2 });
      await pend(s, text);
      await pend(s, [c('cap-shape', '=x', 2), c('@outcome', 'poisonous', 2)]);
      expect(await s.monitoring.foldPending()).toBe(2);
      const v3 = await s.monitoring.counts({ modelName: 'fold-model', modelVersion: 3 });
      const n = (feature: string, value: string) =>
        v3.find((x) => x.feature === feature && x.value === value)?.n ?? 0;
      expect([
        n('cap-shape', '=x'),
        n('cap-shape', '=X'),
        n('@outcome', 'poisonous'),
        n('@outcome', 'edible'),
      ]).toEqual([3, 1, 3, 1]);
      expect(n('__proto__', '=p')).toBe(1);
      expect([n('cap-diameter', '#15.26'), n('note', '=ünï "q"'), n('@probability', 'poisonous|97')]).toEqual(
        [1, 1, 1],
      );
      const v4 = await s.monitoring.counts({ modelName: 'fold-model', modelVersion: 4 });
      expect(v4.find((x) => x.feature === '@outcome')).toEqual({
        feature: '@outcome',
        value: 'poisonous',
        n: 1,
      });
    });

    it('a fold that fails part way changes nothing: its rows stay pending and the next fold counts them once', async () => {
      const s = await storage();
      const { db, dialect } = storageContext(s);
      await pend(s, [c('@outcome', 'edible', 2)]);
      await pend(s, [c('@outcome', 'edible', 3), c('cap-shape', '=x', 1)]);
      // the upsert into monitor_counts fails after the pending rows were locked
      await sql
        .raw(
          dialect === 'mysql'
            ? "create trigger fold_fails before insert on monitor_counts for each row signal sqlstate '45000' set message_text = 'fold refused'"
            : "create trigger fold_fails before insert on monitor_counts begin select raise(abort, 'fold refused'); end",
        )
        .execute(db);
      await expect(s.monitoring.foldPending()).rejects.toMatchObject({ code: 'SP_ERR_DATABASE' });
      expect(await db.selectFrom('monitor_count_pending').selectAll().execute()).toHaveLength(2);
      expect(await db.selectFrom('monitor_counts').selectAll().execute()).toEqual([]);
      await sql.raw('drop trigger fold_fails').execute(db);
      expect(await s.monitoring.foldPending()).toBe(2);
      expect(await s.monitoring.counts({ modelName: 'fold-model' })).toEqual([
        { feature: '@outcome', value: 'edible', n: 5 },
        { feature: 'cap-shape', value: '=x', n: 1 },
      ]);
    });

    it('a read folds what is pending first', async () => {
      const s = await storage();
      await pend(s, [c('@outcome', 'novel', 4)]);
      const counts = await s.monitoring.counts({ modelName: 'fold-model' });
      expect(counts).toEqual([{ feature: '@outcome', value: 'novel', n: 4 }]);
      expect(await s.monitoring.hours('fold-model')).toEqual([HOUR]);
    });

    for (const [what, bad] of [
      ['a format-1 row of the wrong shape', '[["fold-model", "3"]]'],
      [
        'a format-2 row with a negative count',
        '{"v":2,"g":[["fold-model",3,"","","2026-12-07T09:00:00.000Z",{"f":{"=x":-1}}]]}',
      ],
      ['a format-2 row of an unknown version', '{"v":3,"g":[]}'],
      [
        'a format-2 row with a fractional model version',
        '{"v":2,"g":[["fold-model",3.5,"","","2026-12-07T09:00:00.000Z",{}]]}',
      ],
      ['a format-2 group of the wrong shape', '{"v":2,"g":[["fold-model",3]]}'],
      ['text that is not JSON', 'counts'],
    ] as const) {
      it(`a pending row the log could not have written (${what}) stops reads, naming it and the remedy (rebuild)`, async () => {
        const s = await storage();
        const { db } = storageContext(s);
        await pend(s, [c('@outcome', 'edible', 1)]);
        await pend(s, bad);
        const e = await s.monitoring.counts({ modelName: 'fold-model' }).then(
          () => null,
          (err: unknown) => err as { code?: string; message?: string },
        );
        expect(e?.code).toBe('SP_ERR_DATABASE');
        expect(e?.message).toMatch(
          /Pending monitoring counts row \d+ .*`sporeprint monitor rebuild` recounts/,
        );
        // nothing of that page was folded
        expect(await db.selectFrom('monitor_count_pending').selectAll().execute()).toHaveLength(2);
        await s.monitoring.rebuildCounts();
        expect(await s.monitoring.counts({ modelName: 'fold-model' })).toEqual([]);
      });
    }

    it('of several processes folding at once, each pending commit is added once', async () => {
      const stores = await several(4);
      for (let i = 0; i < 1200; i++) {
        await pend(stores[0], [c('@outcome', 'poisonous', 1), c('cap-shape', `=${i % 7}`, 1)]);
      }
      const folded = await Promise.all(stores.map((s) => s.monitoring.foldPending()));
      // every pending row folded by someone (the later ones may find it done), none twice
      expect(await stores[0].monitoring.foldPending()).toBe(0);
      expect(folded.reduce((a, b) => a + b, 0)).toBe(1200);
      const counts = await stores[1].monitoring.counts({ modelName: 'fold-model' });
      expect(counts.filter((x) => x.feature === '@outcome')).toEqual([
        { feature: '@outcome', value: 'poisonous', n: 1200 },
      ]);
      expect(counts.filter((x) => x.feature === 'cap-shape').reduce((a, x) => a + x.n, 0)).toBe(1200);
    });
  });
}
