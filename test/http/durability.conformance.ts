import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { spawnListening } from '../helpers/server-process.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

/** Starts `sporeprint serve` as a real process and resolves with its URL once it listens. */
function startServerProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return spawnListening(['src/main/cli.ts', 'serve', '--port', '0'], env);
}

/**
 * Load with `workers` concurrent clients for at least `stopAfterMs` and until `enough(acked)` holds (at
 * most 60 s: a loaded machine answers slower, and the test needs load, not a rate), then kill the server
 * with `signal`; returns the ids of every prediction the server acknowledged (HTTP 200).
 */
async function loadThenKill(
  url: string,
  child: ChildProcess,
  signal: NodeJS.Signals,
  workers = 16,
  stopAfterMs = 1500,
  enough: (acked: readonly string[]) => boolean = (a) => a.length > 20,
): Promise<string[]> {
  const acked: string[] = [];
  let stop = false;
  const body = JSON.stringify(CLASSIC_MUSHROOM);
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (res.status === 200) acked.push(((await res.json()) as { predictionId: string }).predictionId);
        else await res.arrayBuffer();
      } catch {
        // connection refused or reset once the server is gone
        if (stop) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const running = Array.from({ length: workers }, worker);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, stopAfterMs));
  while (!enough(acked) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
  stop = true;
  await Promise.all(running);
  return acked;
}

/** "Nothing acknowledged is lost": kill the server under load, count acknowledged ids against stored rows. */
export function describeDurability(backend: TestBackend): void {
  describe(`prediction log durability on ${backend.name}`, () => {
    let dbUrl: string;
    let env: Record<string, string>;
    let cleanup: () => void;
    beforeAll(async () => {
      dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      cleanup = prepared.cleanup;
      env = {
        DATABASE_URL: dbUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
        SPOREPRINT_LOG_LEVEL: 'silent',
      };
    }, 400_000);
    afterAll(() => cleanup?.());

    it('switches to a version promoted by another process, without failing a request', async () => {
      const { child, url } = await startServerProcess(env);
      try {
        const body = JSON.stringify(CLASSIC_MUSHROOM);
        const ask = async (): Promise<{ status: number; version: number }> => {
          const res = await fetch(`${url}/v1/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const j = (await res.json()) as { model?: { version: number } };
          return { status: res.status, version: j.model?.version ?? -1 };
        };
        const before = await ask();
        expect(before.status).toBe(200);
        const target = before.version === 1 ? 2 : 1;
        // promote in THIS process (another process than the server), straight through the registry
        const storage = await openStorage(dbUrl);
        const { RegistryService } = await import('../../src/services/index.js');
        const { createInProcessEventBus, openArtifactStore } = await import('../../src/storage/index.js');
        const registry = new RegistryService({
          runs: storage.runs,
          registry: storage.registry,
          artifacts: openArtifactStore(storage, { kind: 'file', dir: `${env.SPOREPRINT_VAR_DIR}/artifacts` }),
          datasets: storage.datasets,
          events: createInProcessEventBus(),
          gate: { minRecall: 0, maxFalseEdible: 1e9, minAccuracy: 0, tolerance: 1 },
        });
        const t0 = Date.now();
        await registry.promote('sporeprint-classic', target, {
          actor: 'test',
          reason: 'hot swap',
          force: true,
        });
        await storage.close();
        const statuses = new Set<number>();
        let seen = before.version;
        while (seen !== target && Date.now() - t0 < 10_000) {
          const r = await ask();
          statuses.add(r.status);
          seen = r.version;
        }
        const took = Date.now() - t0;
        expect(seen).toBe(target);
        expect([...statuses]).toEqual([200]);
        expect(took).toBeLessThan(5000);
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }, 300_000);

    it('async log mode: stores each acknowledged prediction within a second, and SIGTERM under load flushes every one', async () => {
      const { child, url } = await startServerProcess({ ...env, SPOREPRINT_LOG_MODE: 'async' });
      const storage = await openStorage(dbUrl);
      try {
        const res = await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(CLASSIC_MUSHROOM),
        });
        expect(res.status).toBe(200);
        const { predictionId } = (await res.json()) as { predictionId: string };
        const t0 = Date.now();
        while ((await storage.predictions.get(predictionId)) === undefined && Date.now() - t0 < 1000) {
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(await storage.predictions.get(predictionId)).toBeDefined();
        const acked = await loadThenKill(url, child, 'SIGTERM');
        expect(acked.length).toBeGreaterThan(20);
        const stored = new Set(await storage.predictions.ids());
        expect(acked.filter((id) => !stored.has(id))).toEqual([]);
        expect(child.exitCode).toBe(0);
      } finally {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        await storage.close();
      }
    }, 300_000);

    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      it(`${signal} under load loses no acknowledged prediction`, async () => {
        const { child, url, stderr } = await startServerProcess(env);
        const acked = await loadThenKill(url, child, signal);
        expect(acked.length).toBeGreaterThan(20);
        const storage = await openStorage(dbUrl);
        try {
          const stored = new Set(await storage.predictions.ids());
          const lost = acked.filter((id) => !stored.has(id));
          expect(lost).toEqual([]);
          if (signal === 'SIGTERM') {
            expect(child.exitCode).toBe(0);
            // the graceful stop ran to its end (the database closed), not cut short by an empty event loop
            expect(stderr()).toMatch(/stopped\n$/);
          }
        } finally {
          await storage.close();
        }
      }, 300_000);
    }

    it('SIGKILL under load of single predictions and journaled batches: after a restart, every acknowledged prediction is stored', async () => {
      const first = await startServerProcess(env);
      const acked: string[] = [];
      let stop = false;
      const batchBody = JSON.stringify({
        records: Array.from({ length: 300 }, (_, i) => ({ ...CLASSIC_MUSHROOM, odor: i % 2 ? 'a' : 'p' })),
      });
      const batcher = async (): Promise<void> => {
        while (!stop) {
          try {
            const res = await fetch(`${first.url}/v1/predict/batch`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: batchBody,
            });
            if (res.status !== 200) {
              await res.arrayBuffer();
              continue;
            }
            const b = (await res.json()) as { items: { predictionId: string }[] };
            for (const it of b.items) acked.push(it.predictionId);
          } catch {
            if (stop) return;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      };
      const batchers = Array.from({ length: 3 }, batcher);
      const singles = await loadThenKill(
        first.url,
        first.child,
        'SIGKILL',
        8,
        1500,
        (a) => a.length > 20 && acked.length > 300,
      );
      stop = true;
      await Promise.all(batchers);
      expect(acked.length).toBeGreaterThan(300);
      expect(singles.length).toBeGreaterThan(20);
      const storage = await openStorage(dbUrl);
      const left = await storage.predictionJournal.count();
      const second = await startServerProcess(env);
      try {
        console.log(
          `${backend.name}: ${singles.length} single and ${acked.length} batch predictions acknowledged before SIGKILL, ${left} journal entries left; all stored after the restart`,
        );
        const stored = await storage.predictions.stored([...acked, ...singles]);
        expect([...acked, ...singles].filter((id) => !stored.has(id))).toEqual([]);
        expect(await storage.predictionJournal.count()).toBe(0);
      } finally {
        await storage.close();
        const gone = new Promise((r) => second.child.once('exit', r));
        second.child.kill('SIGTERM');
        await gone;
      }
    }, 300_000);

    it('SIGKILL right after a journaled 10,000-record batch is answered: the restart stores every answered prediction', async () => {
      const first = await startServerProcess(env);
      const odors = ['p', 'a', 'n', 'f', 'l'];
      const records = Array.from({ length: 10_000 }, (_, i) => ({ ...CLASSIC_MUSHROOM, odor: odors[i % 5] }));
      const res = await fetch(`${first.url}/v1/predict/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      // killed as soon as the whole answer is in: its rows are then still being written, or not yet
      const exited = new Promise((r) => first.child.once('exit', r));
      first.child.kill('SIGKILL');
      await exited;
      const b = JSON.parse(text) as { predicted: number; items: { predictionId: string }[] };
      expect(b.predicted).toBe(10_000);
      const ids = b.items.map((it) => it.predictionId);
      const storage = await openStorage(dbUrl);
      try {
        const left = await storage.predictionJournal.list();
        const storedBefore = (await storage.predictions.stored(ids)).size;
        // either the entry is still there, or every row was written before the kill
        expect(left.length === 1 || storedBefore === 10_000).toBe(true);
        if (left.length === 1) expect(left[0].predictions).toBe(10_000);
        // the restart replays the entry of the killed process before it listens
        const second = await startServerProcess(env);
        try {
          if (left.length === 1) {
            expect(second.stderr()).toMatch(
              /batch journal: wrote the log rows of 1 answered batch\(es\) left unwritten \(a stopped server or a failed write\): \d+ predictions/,
            );
          }
          expect((await storage.predictions.stored(ids)).size).toBe(10_000);
          expect(await storage.predictionJournal.count()).toBe(0);
          const row = await storage.predictions.get(ids[1]);
          expect(row).toMatchObject({ requestKind: 'batch', input: { ...CLASSIC_MUSHROOM, odor: 'a' } });
        } finally {
          const gone = new Promise((r) => second.child.once('exit', r));
          second.child.kill('SIGTERM');
          await gone;
        }
        console.log(
          `${backend.name}: after SIGKILL, ${storedBefore} of 10,000 answered rows were stored and ${left.length} journal entry was left; after the restart, all 10,000`,
        );
      } finally {
        await storage.close();
      }
    }, 300_000);
  });
}
