/**
 * Conformance suite for training runs, artifact stores and the model registry (DESIGN convention 5):
 * the same behaviour is required of every backend. Each test opens a fresh database from `makeUrl()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { failure, makeCounts, makeSource, makeVersion } from '../../__tests__/storage-fixtures.js';
import { openArtifactStore, openStorage, type RegisterVersionInput, type Storage } from '../../index.js';

/** Runs one raw SQL statement against the database at `url`, behind the repositories' back. */
export type RawExec = (url: string, statement: string) => Promise<void>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stores a source and a dataset version; returns their ids. */
async function makeDataset(storage: Storage): Promise<{ datasetId: string; sourceSha256: string }> {
  const source = makeSource();
  const version = makeVersion(source.id, 3);
  const load = await storage.datasets.beginSourceLoad(source);
  await load.finish({ counts: makeCounts(3), version });
  return { datasetId: version.id, sourceSha256: source.id };
}

const runId = () => `run-${randomBytes(8).toString('hex')}`;

/** A dataset, a finished run and the input to register its model. */
async function makeRegistration(
  storage: Storage,
  modelName = 'mushroom-gbdt',
): Promise<RegisterVersionInput> {
  const { datasetId, sourceSha256 } = await makeDataset(storage);
  const id = runId();
  await storage.runs.create({
    id,
    datasetId,
    modelKind: 'gradient-boosting',
    modelName,
    params: { eta: 0.3 },
    codeVersion: '0.1.0',
  });
  const artifactSha256 = createHash('sha256').update(id).digest('hex');
  return {
    modelName,
    runId: id,
    datasetId,
    sourceSha256,
    artifactSha256,
    artifactStore: 'file',
    metrics: { test: { accuracy: 0.999, falseEdible: 0 } },
    params: { eta: 0.3, maxDepth: 6 },
    tags: { team: 'fungi' },
    description: 'first try',
    author: 'alice',
  };
}

/**
 * Registers the conformance tests for one backend.
 *
 * @param name - backend name shown in the test report
 * @param makeUrl - returns the URL of a fresh, empty database on each call
 * @param raw - runs raw SQL (to tamper with rows and to probe schema constraints)
 */
export function describeModelStorageConformance(
  name: string,
  makeUrl: () => string | Promise<string>,
  raw: RawExec,
): void {
  describe(`model storage conformance: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (url?: string): Promise<Storage> => {
      const storage = await openStorage(url ?? (await makeUrl()));
      opened.push(storage);
      return storage;
    };
    const dirs: string[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });
    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    // ---- training runs ----------------------------------------------------------------------

    it('runs: create, finish, get, list newest first with filters and paging', async () => {
      const storage = await open();
      const { datasetId } = await makeDataset(storage);
      const other = await makeDataset(storage);
      const at = (m: number) => new Date(Date.UTC(2024, 0, 1, 0, m));
      const input = {
        id: 'run-a',
        datasetId,
        modelKind: 'logistic-regression',
        modelName: 'lr',
        params: { C: 1, classWeight: null, nested: { ü: [1, 2.5] } },
        codeVersion: '0.1.0+abc',
        startedAt: at(1),
      };
      await storage.runs.create(input);
      expect(await storage.runs.get('run-a')).toEqual({ ...input, status: 'running', finishedAt: null });
      await storage.runs.create({ ...input, id: 'run-b', modelKind: 'decision-tree', startedAt: at(2) });
      await storage.runs.create({ ...input, id: 'run-c', datasetId: other.datasetId, startedAt: at(3) });

      const finish = {
        status: 'succeeded' as const,
        metrics: { validation: { accuracy: 0.86 }, test: { accuracy: 0.864 }, cv: [0.86, 0.87] },
        durations: { fit: 5123.5, evaluate: 12 },
        artifactSha256: 'a'.repeat(64),
        artifactBytes: 2 ** 33,
        warnings: ['lbfgs did not converge in 100 iterations'],
        error: null,
        finishedAt: at(9),
      };
      await storage.runs.finish('run-a', finish);
      expect(await storage.runs.get('run-a')).toEqual({ ...input, ...finish });
      await storage.runs.finish('run-b', {
        status: 'failed',
        metrics: null,
        durations: { fit: 1 },
        artifactSha256: null,
        artifactBytes: null,
        warnings: [],
        error: 'out of memory',
      });
      const b = await storage.runs.get('run-b');
      expect(b).toMatchObject({
        status: 'failed',
        error: 'out of memory',
        artifactSha256: null,
        warnings: [],
      });
      expect(b?.finishedAt).toBeInstanceOf(Date);

      expect((await storage.runs.list()).map((r) => r.id)).toEqual(['run-c', 'run-b', 'run-a']);
      expect((await storage.runs.list({ datasetId })).map((r) => r.id)).toEqual(['run-b', 'run-a']);
      expect((await storage.runs.list({ modelKind: 'decision-tree' })).map((r) => r.id)).toEqual(['run-b']);
      expect((await storage.runs.list({ limit: 1, offset: 1 })).map((r) => r.id)).toEqual(['run-b']);
      expect(await storage.runs.get('run-zzz')).toBeUndefined();
    });

    it('runs: unknown id, double finish, duplicate id and unknown dataset are refused', async () => {
      const storage = await open();
      const { datasetId } = await makeDataset(storage);
      const base = { datasetId, modelKind: 'decision-tree', modelName: 'dt', params: {}, codeVersion: '1' };
      const done = {
        status: 'succeeded' as const,
        metrics: {},
        durations: {},
        artifactSha256: null,
        artifactBytes: null,
        warnings: [],
        error: null,
      };
      const missing = await failure(storage.runs.finish('run-missing', done));
      expect(missing.code).toBe('SP_ERR_NOT_FOUND');
      expect(missing.message).toContain('run-missing');
      await storage.runs.create({ ...base, id: 'run-1' });
      expect((await failure(storage.runs.create({ ...base, id: 'run-1' }))).code).toBe('SP_ERR_CONFLICT');
      await storage.runs.finish('run-1', done);
      const twice = await failure(storage.runs.finish('run-1', { ...done, status: 'failed' }));
      expect(twice.code).toBe('SP_ERR_CONFLICT');
      expect((await storage.runs.get('run-1'))?.status).toBe('succeeded');
      const noDataset = await failure(storage.runs.create({ ...base, id: 'run-2', datasetId: 'ds-nope' }));
      expect(noDataset).toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
        message: expect.stringContaining('ds-nope'),
      });
    });

    // ---- artifact stores --------------------------------------------------------------------

    for (const kind of ['file', 'database'] as const) {
      it(`artifacts (${kind}): round trip, idempotent put, has, unknown and malformed hashes`, async () => {
        const storage = await open();
        const dir = mkdtempSync(join(tmpdir(), 'sporeprint-artifacts-'));
        dirs.push(dir);
        const store = openArtifactStore(storage, kind === 'file' ? { kind, dir } : { kind });
        const bytes = new Uint8Array(randomBytes(300_000));
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        expect(await store.has(sha256)).toBe(false);
        expect(await store.put(bytes)).toEqual({ sha256, bytes: bytes.byteLength });
        expect(await store.put(bytes)).toEqual({ sha256, bytes: bytes.byteLength });
        expect(await store.has(sha256)).toBe(true);
        expect(Buffer.from(await store.get(sha256)).equals(Buffer.from(bytes))).toBe(true);
        const empty = await store.put(new Uint8Array(0));
        expect((await store.get(empty.sha256)).byteLength).toBe(0);
        if (kind === 'file') {
          const path = store.describe(sha256);
          expect(path).toBe(join(dir, sha256.slice(0, 2), sha256));
          expect(statSync(path).mode & 0o222).toBe(0);
        } else {
          expect(store.describe(sha256)).toContain(sha256);
        }

        const unknown = 'f'.repeat(64);
        const nf = await failure(store.get(unknown));
        expect(nf.code).toBe('SP_ERR_NOT_FOUND');
        expect(nf.message).toContain(unknown);
        expect((await failure(store.get('../../etc/passwd'))).code).toBe('SP_ERR_BAD_PARAM');
      });

      it(`artifacts (${kind}): a tampered artifact is refused naming its location, and put repairs it`, async () => {
        const url = await makeUrl();
        const storage = await open(url);
        const dir = mkdtempSync(join(tmpdir(), 'sporeprint-artifacts-'));
        dirs.push(dir);
        const store = openArtifactStore(storage, kind === 'file' ? { kind, dir } : { kind });
        const bytes = new TextEncoder().encode(JSON.stringify({ formatVersion: 1, kind: 'pipeline' }));
        const { sha256 } = await store.put(bytes);
        if (kind === 'file') {
          const path = store.describe(sha256);
          chmodSync(path, 0o644);
          writeFileSync(path, JSON.stringify({ formatVersion: 1, kind: 'evil' }));
        } else {
          await raw(url, `update artifacts set bytes = x'00ff' where sha256 = '${sha256}'`);
        }
        const corrupt = await failure(store.get(sha256));
        expect(corrupt.code).toBe('SP_ERR_ARTIFACT_CORRUPT');
        expect(corrupt.message).toContain(store.describe(sha256));
        await store.put(bytes);
        expect(Buffer.from(await store.get(sha256)).equals(Buffer.from(bytes))).toBe(true);
      });
    }

    // ---- registry ---------------------------------------------------------------------------

    it('registry: versions are numbered per model from 1, with lineage, and models are listed', async () => {
      const storage = await open();
      const r = storage.registry;
      const a1 = await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      const a2 = await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      const b1 = await r.registerVersion({
        ...(await makeRegistration(storage, 'lr')),
        tags: undefined,
        description: undefined,
      });
      expect([a1.version, a2.version, b1.version]).toEqual([1, 2, 1]);
      expect(b1).toMatchObject({ tags: {}, description: '', stage: 'None', aliases: [] });
      const input = await makeRegistration(storage, 'gbdt');
      const a3 = await r.registerVersion(input);
      const { modelDescription: _m, ...expected } = input;
      expect(a3).toEqual({
        ...expected,
        version: 3,
        stage: 'None',
        aliases: [],
        createdAt: expect.any(Date),
      });
      expect(await r.getVersion('gbdt', 3)).toEqual(a3);
      expect((await r.listVersions('gbdt')).map((v) => v.version)).toEqual([3, 2, 1]);
      expect(await r.listModels()).toEqual([
        {
          name: 'gbdt',
          description: '',
          createdAt: expect.any(Date),
          latestVersion: 3,
          productionVersion: null,
          aliases: {},
        },
        {
          name: 'lr',
          description: '',
          createdAt: expect.any(Date),
          latestVersion: 1,
          productionVersion: null,
          aliases: {},
        },
      ]);
      expect(await r.productionVersion('gbdt')).toBeNull();
      const hist = await r.history('gbdt');
      expect(hist.map((e) => [e.event, e.version, e.toStage, e.actor])).toEqual([
        ['registered', 1, 'None', 'alice'],
        ['registered', 2, 'None', 'alice'],
        ['registered', 3, 'None', 'alice'],
      ]);
      expect(hist[0].metrics).toEqual(input.metrics);

      const unknownRun = await failure(r.registerVersion({ ...input, runId: 'run-nope' }));
      expect(unknownRun).toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
        message: expect.stringContaining('run-nope'),
      });
      expect((await r.listVersions('gbdt')).length).toBe(3);
    });

    it('registry: unknown model, version and alias are SP_ERR_NOT_FOUND naming them', async () => {
      const storage = await open();
      const r = storage.registry;
      await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      for (const [p, needle] of [
        [() => r.getModel('nope'), 'nope'],
        [() => r.getVersion('nope', 1), 'nope'],
        [() => r.getVersion('gbdt', 7), 'version 7'],
        [() => r.listVersions('nope'), 'nope'],
        [() => r.versionByAlias('gbdt', 'champion'), 'champion'],
        [() => r.productionVersion('nope'), 'nope'],
        [() => r.history('nope'), 'nope'],
        [() => r.productionAt('nope', new Date()), 'nope'],
        [() => r.rollbackTarget('nope'), 'nope'],
        [
          () => r.transitionStage({ modelName: 'gbdt', version: 9, toStage: 'Staging', actor: 'a' }),
          'version 9',
        ],
        [() => r.transitionStage({ modelName: 'nope', version: 1, toStage: 'Staging', actor: 'a' }), 'nope'],
        [() => r.setAlias({ modelName: 'gbdt', alias: 'x', version: 4, actor: 'a' }), 'version 4'],
        [() => r.removeAlias({ modelName: 'gbdt', alias: 'champion', actor: 'a' }), 'champion'],
      ] as const) {
        const f = await failure(p());
        expect(f.code, needle).toBe('SP_ERR_NOT_FOUND');
        expect(f.message).toContain(needle);
      }
    });

    it('registry: promotion archives the previous Production version in the same step, with history', async () => {
      const storage = await open();
      const r = storage.registry;
      for (let i = 0; i < 3; i++) await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      const s = await r.transitionStage({ modelName: 'gbdt', version: 1, toStage: 'Staging', actor: 'bob' });
      expect(s).toMatchObject({ previousProduction: null, version: { version: 1, stage: 'Staging' } });
      const p1 = await r.transitionStage({
        modelName: 'gbdt',
        version: 1,
        toStage: 'Production',
        actor: 'bob',
        reason: 'passed the gate',
      });
      expect(p1.previousProduction).toBeNull();
      const p2 = await r.transitionStage({
        modelName: 'gbdt',
        version: 2,
        toStage: 'Production',
        actor: 'carol',
      });
      expect(p2.previousProduction).toMatchObject({ version: 1, stage: 'Archived' });
      expect(p2.version).toMatchObject({ version: 2, stage: 'Production' });
      expect((await r.productionVersion('gbdt'))?.version).toBe(2);
      expect((await r.getVersion('gbdt', 1)).stage).toBe('Archived');
      expect((await r.getModel('gbdt')).productionVersion).toBe(2);

      const again = await failure(
        r.transitionStage({ modelName: 'gbdt', version: 2, toStage: 'Production', actor: 'carol' }),
      );
      expect(again.code).toBe('SP_ERR_REGISTRY_STATE');
      const keep = await failure(
        r.transitionStage({
          modelName: 'gbdt',
          version: 3,
          toStage: 'Production',
          actor: 'carol',
          archivePreviousProduction: false,
        }),
      );
      expect(keep.code).toBe('SP_ERR_REGISTRY_STATE');
      expect((await r.productionVersion('gbdt'))?.version).toBe(2);

      const events = (await r.history('gbdt')).filter((e) => e.event !== 'registered');
      expect(events.map((e) => [e.event, e.version, e.fromStage, e.toStage, e.actor, e.forced])).toEqual([
        ['stage-changed', 1, 'None', 'Staging', 'bob', false],
        ['stage-changed', 1, 'Staging', 'Production', 'bob', false],
        ['stage-changed', 1, 'Production', 'Archived', 'carol', false],
        ['stage-changed', 2, 'None', 'Production', 'carol', false],
      ]);
      expect(events[1].reason).toBe('passed the gate');
      expect(events[2].reason).toContain('version 2');
      expect(events[3].metrics).toEqual({ test: { accuracy: 0.999, falseEdible: 0 } });
      expect((await r.history('gbdt', { version: 1 })).length).toBe(4);
      expect((await r.history('gbdt', { limit: 2, offset: 1 })).map((e) => e.version)).toEqual([2, 3]);
    });

    it('registry: an archived version is not promoted unless forced, and the force is recorded', async () => {
      const storage = await open();
      const r = storage.registry;
      await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      await r.transitionStage({ modelName: 'gbdt', version: 1, toStage: 'Archived', actor: 'a' });
      for (const toStage of ['Production', 'Staging'] as const) {
        const refused = await failure(
          r.transitionStage({ modelName: 'gbdt', version: 1, toStage, actor: 'a' }),
        );
        expect(refused.code).toBe('SP_ERR_REGISTRY_STATE');
        expect(refused.message).toContain('Archived');
      }
      const forced = await r.transitionStage({
        modelName: 'gbdt',
        version: 1,
        toStage: 'Production',
        actor: 'ops',
        reason: 'incident 42',
        forced: true,
      });
      expect(forced.version.stage).toBe('Production');
      const last = (await r.history('gbdt')).at(-1);
      expect(last).toMatchObject({
        forced: true,
        reason: 'incident 42',
        actor: 'ops',
        fromStage: 'Archived',
      });
    });

    it('registry: expectedStage refuses a transition when the version moved meanwhile', async () => {
      const storage = await open();
      const r = storage.registry;
      await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      await r.transitionStage({ modelName: 'gbdt', version: 1, toStage: 'Production', actor: 'a' });
      const history = await r.history('gbdt');
      const refused = await failure(
        r.transitionStage({
          modelName: 'gbdt',
          version: 1,
          toStage: 'Archived',
          actor: 'a',
          expectedStage: 'None',
        }),
      );
      expect(refused.code).toBe('SP_ERR_CONFLICT');
      expect(refused.message).toContain('moved from None to Production');
      expect((await r.getVersion('gbdt', 1)).stage).toBe('Production');
      expect(await r.history('gbdt')).toEqual(history);
    });

    it('registry: productionAt answers for several instants; rollbackTarget and rollback', async () => {
      const storage = await open();
      const r = storage.registry;
      for (let i = 0; i < 3; i++) await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      const step = async () => {
        await sleep(5);
        const t = new Date();
        await sleep(5);
        return t;
      };
      const promote = (version: number) =>
        r.transitionStage({ modelName: 'gbdt', version, toStage: 'Production', actor: 'a' });
      const t0 = await step();
      expect(await r.rollbackTarget('gbdt')).toBeNull();
      expect((await failure(r.rollback({ modelName: 'gbdt', actor: 'a' }))).code).toBe(
        'SP_ERR_REGISTRY_STATE',
      );
      await promote(1);
      const t1 = await step();
      expect(await r.rollbackTarget('gbdt')).toBeNull();
      await promote(2);
      const t2 = await step();
      expect(await r.rollbackTarget('gbdt')).toBe(1);
      await r.transitionStage({ modelName: 'gbdt', version: 2, toStage: 'Archived', actor: 'a' });
      const t3 = await step();
      expect(await r.rollbackTarget('gbdt')).toBe(2);
      await promote(3);
      const t4 = await step();
      expect(await r.rollbackTarget('gbdt')).toBe(2);

      const rolled = await r.rollback({ modelName: 'gbdt', actor: 'oncall', reason: 'bad recall' });
      expect(rolled.previousProduction?.version).toBe(3);
      expect(rolled.version).toMatchObject({ version: 2, stage: 'Production' });
      const t5 = await step();
      const last = (await r.history('gbdt')).slice(-2);
      expect(last.map((e) => [e.event, e.version, e.fromStage, e.toStage])).toEqual([
        ['stage-changed', 3, 'Production', 'Archived'],
        ['rolled-back', 2, 'Archived', 'Production'],
      ]);
      expect(last[1]).toMatchObject({ actor: 'oncall', reason: 'bad recall' });
      expect(await r.rollbackTarget('gbdt')).toBe(3);

      const answers = [];
      for (const t of [t0, t1, t2, t3, t4, t5]) answers.push(await r.productionAt('gbdt', t));
      expect(answers).toEqual([null, 1, 2, null, 3, 2]);
      expect(await r.productionAt('gbdt', new Date('2000-01-01T00:00:00Z'))).toBeNull();
    });

    it('registry: aliases are set, moved and removed, with history', async () => {
      const storage = await open();
      const r = storage.registry;
      for (let i = 0; i < 2; i++) await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      const set = await r.setAlias({ modelName: 'gbdt', alias: 'champion', version: 1, actor: 'a' });
      expect(set).toMatchObject({ version: 1, aliases: ['champion'] });
      await r.setAlias({ modelName: 'gbdt', alias: 'challenger', version: 2, actor: 'a' });
      expect((await r.versionByAlias('gbdt', 'champion')).version).toBe(1);
      const moved = await r.setAlias({
        modelName: 'gbdt',
        alias: 'champion',
        version: 2,
        actor: 'b',
        reason: 'won',
      });
      expect(moved.aliases).toEqual(['challenger', 'champion']);
      await r.setAlias({ modelName: 'gbdt', alias: 'champion', version: 2, actor: 'b' });
      expect((await r.getVersion('gbdt', 1)).aliases).toEqual([]);
      expect((await r.getModel('gbdt')).aliases).toEqual({ challenger: 2, champion: 2 });
      await r.removeAlias({ modelName: 'gbdt', alias: 'challenger', actor: 'c' });
      expect((await failure(r.versionByAlias('gbdt', 'challenger'))).code).toBe('SP_ERR_NOT_FOUND');
      expect(
        (await failure(r.setAlias({ modelName: 'gbdt', alias: '1', version: 1, actor: 'a' }))).code,
      ).toBe('SP_ERR_BAD_PARAM');
      const aliasEvents = (await r.history('gbdt')).filter((e) => e.alias !== null);
      expect(aliasEvents.map((e) => [e.event, e.alias, e.version, e.actor])).toEqual([
        ['alias-set', 'champion', 1, 'a'],
        ['alias-set', 'challenger', 2, 'a'],
        ['alias-set', 'champion', 2, 'b'],
        ['alias-removed', 'challenger', 2, 'c'],
      ]);
      expect(aliasEvents[2].reason).toContain('won');
      expect(aliasEvents[2].reason).toContain('moved from version 1');
    });

    it('registry: the schema refuses a second Production version and edits of the event log', async () => {
      const url = await makeUrl();
      const storage = await open(url);
      const r = storage.registry;
      for (let i = 0; i < 2; i++) await r.registerVersion(await makeRegistration(storage, 'gbdt'));
      await r.transitionStage({ modelName: 'gbdt', version: 1, toStage: 'Production', actor: 'a' });
      await expect(
        raw(url, `update model_versions set stage = 'Production' where model_name = 'gbdt' and version = 2`),
      ).rejects.toThrow();
      await expect(raw(url, `update registry_events set actor = 'mallory'`)).rejects.toThrow(/append-only/);
      await expect(raw(url, 'delete from registry_events')).rejects.toThrow(/append-only/);
      expect((await r.history('gbdt')).some((e) => e.actor === 'mallory')).toBe(false);
      expect(await r.history('gbdt')).toHaveLength(3);
      expect((await r.productionVersion('gbdt'))?.version).toBe(1);
    });

    it('registry: concurrent promotions from several storages leave exactly one Production version', async () => {
      const url = await makeUrl();
      const instances = [await open(url), await open(url), await open(url)];
      const first = instances[0];
      const n = 12;
      for (let i = 0; i < n; i++) await first.registry.registerVersion(await makeRegistration(first, 'race'));
      const results = await Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          instances[i % instances.length].registry.transitionStage({
            modelName: 'race',
            version: i + 1,
            toStage: 'Production',
            actor: `worker-${i}`,
          }),
        ),
      );
      const rejected = results.filter((x) => x.status === 'rejected');
      expect(rejected.map((x) => String((x as PromiseRejectedResult).reason))).toEqual([]);

      const versions = await first.registry.listVersions('race');
      const production = versions.filter((v) => v.stage === 'Production');
      expect(production).toHaveLength(1);
      expect(versions.filter((v) => v.stage === 'Archived')).toHaveLength(n - 1);

      // Replaying the log: every promotion is preceded by the archive of the version it replaced.
      const events = (await first.registry.history('race')).filter((e) => e.event === 'stage-changed');
      expect(events).toHaveLength(2 * n - 1);
      let current: number | null = null;
      for (const e of events) {
        if (e.fromStage === 'Production') {
          expect(e.version).toBe(current);
          expect(e.toStage).toBe('Archived');
          current = null;
        } else {
          expect(e.toStage).toBe('Production');
          expect(current).toBeNull();
          current = e.version;
        }
      }
      expect(current).toBe(production[0].version);
      expect(await first.registry.productionAt('race', new Date())).toBe(production[0].version);
      // Each promotion's result names the version it archived, and each was archived exactly once.
      const archived = results
        .map((x) => (x.status === 'fulfilled' ? x.value.previousProduction?.version : undefined))
        .filter((v) => v !== undefined);
      expect(new Set(archived).size).toBe(n - 1);
    });
  });
}
