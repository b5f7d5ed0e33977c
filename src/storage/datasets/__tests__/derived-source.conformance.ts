/**
 * Derived sources and dataset lineage on every backend (migration 0011): a source whose rows are its
 * parent's followed by its own, the origins of its own rows, a derived version's lineage stored with it,
 * and the refusals that keep the chain consistent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  failure,
  makeCounts,
  makeQuarantine,
  makeRows,
  makeSource,
  makeVersion,
  readAllRows as readAll,
} from '../../__tests__/storage-fixtures.js';
import {
  type DatasetLineageInput,
  openStorage,
  type SourceInput,
  type SourceRow,
  type Storage,
} from '../../index.js';

const randomId = () => createHash('sha256').update(randomBytes(16)).digest('hex');

/** Own rows of a derived source: row indexes from `first` on. */
function ownRows(first: number, n: number): SourceRow[] {
  return makeRows(n).map((r, i) => ({ ...r, rowIndex: first + i, line: i + 1, speciesIndex: null }));
}

const lineageOf = (parentVersionId: string, records = 4): DatasetLineageInput => ({
  parentVersionId,
  labelSource: 'feedback',
  records,
  rowsAdded: 3,
  firstLabelledAt: new Date('2026-05-01T10:00:00.000Z'),
  lastLabelledAt: new Date('2026-05-02T11:30:00.000Z'),
  details: { quarantined: 1, modelName: 'sporeprint-secondary', note: 'ünïcode ✓' },
});

/** Registers the derived-source tests for one backend. */
export function describeDerivedSourceConformance(name: string, makeUrl: () => string): void {
  describe(`derived sources and lineage: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (): Promise<Storage> => {
      const storage = await openStorage(makeUrl());
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    /** A file source of 10 data rows (8 valid, rows 5 and 9 quarantined) with one version. */
    async function parentOf(storage: Storage) {
      const source = makeSource();
      const rows = makeRows(10).filter((r) => r.rowIndex !== 5 && r.rowIndex !== 9);
      const version = makeVersion(source.id, 10);
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(rows);
      await load.addQuarantine(makeQuarantine());
      await load.finish({ counts: makeCounts(10, 2), version });
      return { source, rows, version };
    }

    it('reads a derived source as its parent rows then its own; stores origins and lineage', async () => {
      const storage = await open();
      const parent = await parentOf(storage);
      const derived: SourceInput = {
        ...makeSource('secondary_data.csv + feedback'),
        parentSourceId: parent.source.id,
      };
      const own = ownRows(10, 4);
      const version = makeVersion(derived.id, 14);
      const load = await storage.datasets.beginSourceLoad(derived);
      await load.addRows(own.slice(0, 3));
      await load.addQuarantine([
        { rowIndex: 13, line: 4, column: 'odor', value: 'z', reason: 'unknown code' },
      ]);
      await load.addOrigins(own.map((r) => ({ rowIndex: r.rowIndex, predictionId: `pred-${r.rowIndex}` })));
      await load.finish({ counts: makeCounts(14, 3), version, lineage: lineageOf(parent.version.id) });

      expect(await readAll(storage, derived.id)).toEqual([...parent.rows, ...own.slice(0, 3)]);
      expect(await readAll(storage, derived.id, 3)).toEqual([...parent.rows, ...own.slice(0, 3)]);
      expect(await readAll(storage, parent.source.id)).toEqual(parent.rows);
      expect(await storage.datasets.findSource(derived.id)).toMatchObject({
        parentSourceId: parent.source.id,
        dataRows: 14,
      });
      expect((await storage.datasets.findSource(parent.source.id))?.parentSourceId).toBeNull();
      // quarantine: the parent's entries first, then its own
      expect(await storage.datasets.countQuarantine(derived.id)).toBe(4);
      expect((await storage.datasets.readQuarantine(derived.id)).map((q) => q.rowIndex)).toEqual([
        5, 5, 9, 13,
      ]);
      expect(await storage.datasets.countQuarantine(parent.source.id)).toBe(3);
      expect(await storage.datasets.readOrigins(derived.id)).toEqual(
        own.map((r) => ({ rowIndex: r.rowIndex, predictionId: `pred-${r.rowIndex}` })),
      );
      expect(await storage.datasets.readOrigins(parent.source.id)).toEqual([]);

      const lineage = await storage.datasets.findLineage(version.id);
      expect(lineage).toMatchObject({ ...lineageOf(parent.version.id), versionId: version.id });
      expect(lineage?.createdAt).toBeInstanceOf(Date);
      expect(await storage.datasets.findLineage(parent.version.id)).toBeUndefined();
      const list = await storage.datasets.listVersions();
      expect(Object.fromEntries(list.map((v) => [v.id, v.parentId]))).toEqual({
        [version.id]: parent.version.id,
        [parent.version.id]: null,
      });

      // another version over the same derived source, with its lineage; a repeat changes nothing
      const other = makeVersion(derived.id, 14);
      expect(await storage.datasets.createVersion(other, lineageOf(parent.version.id, 5))).toBe('created');
      expect(await storage.datasets.createVersion(other, lineageOf(parent.version.id, 9))).toBe('exists');
      expect((await storage.datasets.findLineage(other.id))?.records).toBe(5);

      // a source derived from the derived one reads the whole chain
      const grandchild: SourceInput = { ...makeSource(), parentSourceId: derived.id };
      const more = ownRows(14, 2);
      const load2 = await storage.datasets.beginSourceLoad(grandchild);
      await load2.addRows(more);
      await load2.finish({ counts: makeCounts(16, 3), version: makeVersion(grandchild.id, 16) });
      expect(await readAll(storage, grandchild.id, 4)).toEqual([...parent.rows, ...own.slice(0, 3), ...more]);
      expect(await storage.datasets.countQuarantine(grandchild.id)).toBe(4);
    });

    it('refuses what would break the chain, and leaves nothing behind', async () => {
      const storage = await open();
      const parent = await parentOf(storage);
      const unknownParent = await failure(
        storage.datasets.beginSourceLoad({ ...makeSource(), parentSourceId: randomId() }),
      );
      expect(unknownParent.code).toBe('SP_ERR_NOT_FOUND');
      expect(unknownParent.message).toMatch(/Parent source [0-9a-f]{64} of derived source .* does not exist/);
      const otherSchema = await failure(
        storage.datasets.beginSourceLoad({
          ...makeSource(),
          schemaName: 'classic',
          parentSourceId: parent.source.id,
        }),
      );
      expect(otherSchema).toMatchObject({ code: 'SP_ERR_BAD_DATA' });
      expect(otherSchema.message).toMatch(/is classic data, its parent .* is secondary/);

      // own rows overlapping the parent's row indexes: refused, the load rolled back
      const derived: SourceInput = { ...makeSource(), parentSourceId: parent.source.id };
      const load = await storage.datasets.beginSourceLoad(derived);
      const overlap = await failure(load.addRows(ownRows(9, 2)));
      expect(overlap.code).toBe('SP_ERR_BAD_DATA');
      expect(overlap.message).toMatch(/row index 9 of derived source .*: its own rows start at 10/);
      expect(await storage.datasets.findSource(derived.id)).toBeUndefined();

      const load2 = await storage.datasets.beginSourceLoad(derived);
      expect((await failure(load2.addOrigins([{ rowIndex: 3, predictionId: 'p' }]))).message).toMatch(
        /row origin index 3/,
      );
      const load3 = await storage.datasets.beginSourceLoad(derived);
      expect(
        (await failure(load3.addOrigins([{ rowIndex: 10, predictionId: 'x'.repeat(37) }]))).message,
      ).toMatch(/prediction id "x+" must have 1 to 36 characters/);

      // lineage naming an unknown parent version, a bad figure, or a parent of another source
      const load4 = await storage.datasets.beginSourceLoad(derived);
      await load4.addRows(ownRows(10, 2));
      const noParent = await failure(
        load4.finish({
          counts: makeCounts(12),
          version: makeVersion(derived.id, 12),
          lineage: lineageOf('ds-nope'),
        }),
      );
      expect(noParent.code).toBe('SP_ERR_NOT_FOUND');
      expect(noParent.message).toMatch(/parent version ds-nope does not exist/);
      expect(await storage.datasets.findSource(derived.id)).toBeUndefined();

      const load5 = await storage.datasets.beginSourceLoad(derived);
      await load5.finish({ counts: makeCounts(12), version: makeVersion(derived.id, 12) });
      const v = makeVersion(derived.id, 12);
      const bad = { ...lineageOf(parent.version.id), rowsAdded: 7 };
      expect((await failure(storage.datasets.createVersion(v, bad))).message).toMatch(
        /rowsAdded 7 is more than the 4 records read/,
      );
      const reversed = {
        ...lineageOf(parent.version.id),
        firstLabelledAt: new Date('2026-06-01T00:00:00Z'),
        lastLabelledAt: new Date('2026-05-01T00:00:00Z'),
      };
      expect((await failure(storage.datasets.createVersion(v, reversed))).message).toMatch(/is not a range/);
      const self = await failure(storage.datasets.createVersion(v, lineageOf(v.id)));
      expect(self.message).toMatch(/cannot be its own parent/);
      const source = { ...lineageOf(parent.version.id), labelSource: 'guess' as 'feedback' };
      expect((await failure(storage.datasets.createVersion(v, source))).message).toMatch(
        /label source "guess" is not one of feedback/,
      );
      // a parent version whose source is not this source's parent
      const stranger = await parentOf(storage);
      const unrelated = await failure(storage.datasets.createVersion(v, lineageOf(stranger.version.id)));
      expect(unrelated.code).toBe('SP_ERR_BAD_DATA');
      expect(unrelated.message).toMatch(/is not derived from source/);
      expect(await storage.datasets.findVersion(v.id)).toBeUndefined();
      expect(await storage.datasets.findLineage(v.id)).toBeUndefined();
    });
  });
}
