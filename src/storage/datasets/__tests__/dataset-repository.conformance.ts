/**
 * The storage conformance suite (DESIGN convention 5): the same behaviour is required of every
 * backend. Each test opens a fresh database from `makeUrl()`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../../core/index.js';
import {
  makeCounts,
  makeQuarantine,
  makeRows,
  makeSource,
  makeVersion,
  readAllRows as readAll,
} from '../../__tests__/storage-fixtures.js';
import { migrationNames, openStorage, type Storage } from '../../index.js';

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isSporeprintError(e) ? e.code : `not a SporeprintError: ${String(e)}`;
  }
  return 'resolved';
}

async function expectNothingStored(storage: Storage, sourceId: string, versionId: string): Promise<void> {
  expect(await storage.datasets.findSource(sourceId)).toBeUndefined();
  expect(await storage.datasets.findVersion(versionId)).toBeUndefined();
  expect(await storage.datasets.countQuarantine(sourceId)).toBe(0);
  expect(await errorCode(readAll(storage, sourceId))).toBe('SP_ERR_NOT_FOUND');
  expect(await storage.datasets.listVersions()).toEqual([]);
}

/** Starts a process that opens a load of `sourceId`, adds rows, prints "loading" and waits to be killed. */
async function startLoadingProcess(url: string, sourceId: string): Promise<ReturnType<typeof spawn>> {
  const index = fileURLToPath(new URL('../../index.ts', import.meta.url));
  const script = `
    const { openStorage } = await import(${JSON.stringify(index)});
    const [url, sourceId] = process.argv.slice(-2);
    const storage = await openStorage(url);
    const load = await storage.datasets.beginSourceLoad({ id: sourceId, fileName: 'x.csv',
      byteSize: 1, schemaName: 'classic', delimiter: ',' });
    await load.addRows([{ rowIndex: 0, line: 1, label: 'e', features: ['x'], speciesIndex: null,
      isDuplicate: false, isLabelConflict: false }]);
    await load.addQuarantine([{ rowIndex: 1, line: 2, column: null, value: null, reason: 'r' }]);
    console.log('loading');
    setInterval(() => {}, 1000);`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script, url, sourceId],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [chunk] = (await once(child.stdout ?? child, 'data')) as [Buffer];
  expect(chunk.toString()).toContain('loading');
  return child;
}

/**
 * Registers the conformance tests for one backend.
 *
 * @param name - backend name shown in the test report
 * @param makeUrl - returns the URL of a fresh, empty database on each call
 */
export function describeStorageConformance(name: string, makeUrl: () => string | Promise<string>): void {
  describe(`storage conformance: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (opts?: { migrate?: boolean }, url?: string): Promise<Storage> => {
      const storage = await openStorage(url ?? (await makeUrl()), opts);
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('runs migrations on open, idempotently, and lists their status', async () => {
      const url = await makeUrl();
      const fresh = await open({ migrate: false }, url);
      expect((await fresh.migrationStatus()).map((m) => m.executedAt)).toEqual(
        migrationNames().map(() => null),
      );
      const first = await fresh.migrate();
      expect(first.results).toEqual(migrationNames().map((n) => ({ name: n, status: 'applied' })));
      expect((await fresh.migrate()).results).toEqual([]);
      await fresh.close();

      const again = await open({}, url);
      expect((await again.migrate()).results).toEqual([]);
      const status = await again.migrationStatus();
      expect(status.map((m) => m.name)).toEqual(migrationNames());
      for (const m of status) expect(m.executedAt).toBeInstanceOf(Date);
      await again.ping();
    });

    it('loads a source and reads its rows back exactly, in row order, in batches', async () => {
      const storage = await open();
      const source = makeSource();
      const rows = makeRows(23);
      const version = makeVersion(source.id, 25);
      const load = await storage.datasets.beginSourceLoad(source);
      // Out of order and in uneven batches: reads must come back sorted by rowIndex.
      await load.addRows(rows.slice(10));
      await load.addRows([]);
      await load.addRows(rows.slice(0, 10));
      await load.finish({ counts: makeCounts(25, 2), version });

      expect(await readAll(storage, source.id)).toEqual(rows);
      expect(await readAll(storage, source.id, 4)).toEqual(rows);
      expect(await readAll(storage, source.id, 23)).toEqual(rows);

      const stored = await storage.datasets.findSource(source.id);
      expect(stored).toMatchObject({ ...source, ...makeCounts(25, 2) });
      expect(stored?.createdAt).toBeInstanceOf(Date);
    });

    it('stores quarantine entries with line, column, value and reason', async () => {
      const storage = await open();
      const source = makeSource();
      const quarantine = makeQuarantine();
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(5));
      await load.addQuarantine(quarantine);
      await load.finish({ counts: makeCounts(12, 2), version: makeVersion(source.id, 12) });

      expect(await storage.datasets.countQuarantine(source.id)).toBe(3);
      const all = await storage.datasets.readQuarantine(source.id);
      expect(all.map(({ id: _id, ...rest }) => rest)).toEqual(quarantine);
      expect(all[0].id).toBeLessThan(all[1].id);
      const second = await storage.datasets.readQuarantine(source.id, { limit: 1, offset: 1 });
      expect(second).toEqual([all[1]]);
      expect(await storage.datasets.readQuarantine(makeSource().id)).toEqual([]);
    });

    it('round-trips a dataset version: split bytes exact, JSON values, dates', async () => {
      const storage = await open();
      const source = makeSource();
      const dataRows = 100_003;
      const createdAt = new Date('2024-05-01T12:34:56.789Z');
      const version = makeVersion(source.id, dataRows, { createdAt, seed: 2 ** 40 + 1 });
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(3));
      await load.finish({ counts: makeCounts(dataRows), version });

      // Deep equality on 100k typed-array elements is slow: compare the bytes, then the rest.
      const { split, ...rest } = version;
      for (const stored of [
        await storage.datasets.findVersion(version.id),
        await storage.datasets.latestVersion(),
      ]) {
        const { split: storedSplit, ...storedRest } = stored ?? { split: undefined };
        expect(storedSplit).toBeInstanceOf(Uint8Array);
        expect(storedSplit?.length).toBe(dataRows);
        expect(Buffer.from(storedSplit ?? []).equals(Buffer.from(split))).toBe(true);
        expect(storedRest).toEqual(rest);
      }
    });

    it('abort leaves no source, rows, quarantine or version, and frees the connection', async () => {
      const storage = await open();
      const source = makeSource();
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(10));
      await load.addQuarantine(makeQuarantine());
      await load.abort();
      await load.abort();
      expect(await errorCode(load.addRows(makeRows(1)))).toBe('SP_ERR_USAGE');
      await expectNothingStored(storage, source.id, 'ds-none');

      // The same source can be loaded afterwards.
      const retry = await storage.datasets.beginSourceLoad(source);
      await retry.addRows(makeRows(2));
      await retry.finish({ counts: makeCounts(2), version: makeVersion(source.id, 2) });
      expect(await readAll(storage, source.id)).toHaveLength(2);
    });

    it('an error mid-load (duplicate row index) rolls everything back', async () => {
      const storage = await open();
      const source = makeSource();
      const version = makeVersion(source.id, 10);
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(10));
      await load.addQuarantine(makeQuarantine());
      expect(await errorCode(load.addRows(makeRows(1)))).toBe('SP_ERR_DATABASE');
      expect(await errorCode(load.finish({ counts: makeCounts(10), version }))).toBe('SP_ERR_USAGE');
      await load.abort();
      await expectNothingStored(storage, source.id, version.id);

      // No orphan rows were left either: reloading the same row indexes succeeds.
      const retry = await storage.datasets.beginSourceLoad(source);
      await retry.addRows(makeRows(10));
      await retry.finish({ counts: makeCounts(10), version });
      expect(await readAll(storage, source.id)).toEqual(makeRows(10));
      expect(await storage.datasets.countQuarantine(source.id)).toBe(0);
    });

    it('a crash mid-load (process killed) leaves nothing behind', async () => {
      const url = await makeUrl();
      const storage = await open({}, url);
      const source = makeSource();
      const child = await startLoadingProcess(url, source.id);
      child.kill('SIGKILL');
      await once(child, 'exit');
      await expectNothingStored(storage, source.id, 'ds-none');
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(1));
      await load.finish({ counts: makeCounts(1), version: makeVersion(source.id, 1) });
      expect(await readAll(storage, source.id)).toEqual(makeRows(1));
    });

    it('an open load is invisible to other connections until it commits', async () => {
      const url = await makeUrl();
      const writer = await open({}, url);
      const reader = await open({}, url);
      const source = makeSource();
      const version = makeVersion(source.id, 4);
      const load = await writer.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(4));
      await load.addQuarantine(makeQuarantine());
      expect(await reader.datasets.findSource(source.id)).toBeUndefined();
      expect(await reader.datasets.countQuarantine(source.id)).toBe(0);
      await load.finish({ counts: makeCounts(4), version });
      expect(await readAll(reader, source.id)).toEqual(makeRows(4));
      expect((await reader.datasets.findVersion(version.id))?.id).toBe(version.id);
    });

    it('refuses values that cannot be stored faithfully, and rolls back', async () => {
      const storage = await open();
      const source = makeSource();
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(3));
      const bad = { ...makeRows(4)[3], features: [Number.NaN] };
      expect(await errorCode(load.addRows([bad]))).toBe('SP_ERR_BAD_DATA');
      await expectNothingStored(storage, source.id, 'ds-none');

      const load2 = await storage.datasets.beginSourceLoad(source);
      const wrongSplit = makeVersion(source.id, 9);
      expect(await errorCode(load2.finish({ counts: makeCounts(10), version: wrongSplit }))).toBe(
        'SP_ERR_BAD_DATA',
      );
      await expectNothingStored(storage, source.id, wrongSplit.id);
    });

    it('refuses to load a source twice', async () => {
      const storage = await open();
      const source = makeSource();
      const load = await storage.datasets.beginSourceLoad(source);
      await load.finish({ counts: makeCounts(0), version: makeVersion(source.id, 0) });
      expect(await errorCode(storage.datasets.beginSourceLoad(source))).toBe('SP_ERR_CONFLICT');
      await storage.ping();
    });

    it('createVersion adds versions over a stored source; an existing id is a no-op', async () => {
      const storage = await open();
      const source = makeSource();
      const load = await storage.datasets.beginSourceLoad(source);
      await load.addRows(makeRows(6));
      const first = makeVersion(source.id, 6);
      await load.finish({ counts: makeCounts(6), version: first });

      const second = makeVersion(source.id, 6, { splitKind: 'species', seed: 7 });
      expect(await storage.datasets.createVersion(second)).toBe('created');
      expect(await storage.datasets.createVersion(second)).toBe('exists');
      expect(await storage.datasets.createVersion({ ...first, seed: 1 })).toBe('exists');
      expect(await storage.datasets.findVersion(first.id)).toMatchObject({ seed: 42 });
      expect(await storage.datasets.findVersion(second.id)).toEqual({
        ...second,
        createdAt: expect.any(Date),
      });

      const orphan = makeVersion(makeSource().id, 6);
      expect(await errorCode(storage.datasets.createVersion(orphan))).toBe('SP_ERR_NOT_FOUND');
      const shortSplit = makeVersion(source.id, 5);
      expect(await errorCode(storage.datasets.createVersion(shortSplit))).toBe('SP_ERR_BAD_DATA');
      expect(await storage.datasets.findVersion(shortSplit.id)).toBeUndefined();
    });

    it('lists versions newest first, with paging, and finds the latest', async () => {
      const storage = await open();
      expect(await storage.datasets.listVersions()).toEqual([]);
      expect(await storage.datasets.latestVersion()).toBeUndefined();
      const source = makeSource('a.csv');
      const load = await storage.datasets.beginSourceLoad(source);
      const at = (s: string) => new Date(`2024-0${s}T00:00:00.000Z`);
      const v1 = makeVersion(source.id, 1, { id: 'ds-b', createdAt: at('1-01') });
      await load.finish({ counts: makeCounts(1), version: v1 });
      const v3 = makeVersion(source.id, 1, { id: 'ds-a', createdAt: at('3-01') });
      const v2 = makeVersion(source.id, 1, { id: 'ds-c', createdAt: at('2-01') });
      const v3b = makeVersion(source.id, 1, { id: 'ds-d', createdAt: at('3-01') });
      for (const v of [v3, v2, v3b]) expect(await storage.datasets.createVersion(v)).toBe('created');

      const list = await storage.datasets.listVersions();
      expect(list.map((v) => v.id)).toEqual(['ds-d', 'ds-a', 'ds-c', 'ds-b']);
      expect(list[0]).toEqual({
        id: 'ds-d',
        sourceId: source.id,
        fileName: 'a.csv',
        schemaName: 'secondary',
        splitKind: 'stratified',
        seed: 42,
        counts: v3b.counts,
        parentId: null,
        createdAt: at('3-01'),
      });
      const paged = await storage.datasets.listVersions({ limit: 2, offset: 1 });
      expect(paged.map((v) => v.id)).toEqual(['ds-a', 'ds-c']);
      expect((await storage.datasets.latestVersion())?.id).toBe('ds-d');
    });

    it('reads nothing for unknown ids', async () => {
      const storage = await open();
      expect(await storage.datasets.findSource(makeSource().id)).toBeUndefined();
      expect(await storage.datasets.findVersion('ds-unknown')).toBeUndefined();
      expect(await storage.datasets.countQuarantine(makeSource().id)).toBe(0);
      expect(await errorCode(readAll(storage, makeSource().id))).toBe('SP_ERR_NOT_FOUND');
    });
  });
}
