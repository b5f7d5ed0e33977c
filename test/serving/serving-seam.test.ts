import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArmChoice,
  ModelSet,
  type ModelSource,
  ProductionRouter,
  type RegistryService,
  type Route,
  type Router,
  ServingService,
} from '../../src/services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../../src/storage/index.js';
import {
  CLASSIC_MUSHROOM,
  prepareServingDatabase,
  recordingLog,
  registryOver,
} from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const NAME = 'sporeprint-classic';
const PRODUCTION = { kind: 'production' } as const;

/** The serving seam on a real registry: model set, router, predictor and logger, each on its own. */
describe('serving seam: model set, router, predictor, logger', () => {
  const backend = sqliteBackend();
  let storage: Storage;
  let registry: RegistryService;
  let source: ModelSource;
  let versions: number[];
  let cleanup: () => void;
  const bus = createInProcessEventBus();

  beforeAll(async () => {
    const url = backend.freshUrl();
    const prepared = await prepareServingDatabase(url);
    versions = prepared.versions;
    cleanup = prepared.cleanup;
    storage = await openStorage(url);
    ({ registry, source } = registryOver(storage, prepared, bus));
  }, 400_000);
  afterAll(async () => {
    await storage?.close();
    await bus.close();
    cleanup?.();
  });

  const recording = () => recordingLog(storage);

  it('holds versions by selector with one cache, and swaps one selector when the registry moves it', async () => {
    const [v1, v2] = versions;
    await registry.alias(NAME, 'champion', v1, 'test');
    const set = new ModelSet({ modelName: NAME, source, pollMs: 60_000 });
    await set.want(PRODUCTION);
    await set.want({ kind: 'alias', alias: 'champion' });
    await set.want({ kind: 'version', version: v2 });
    await set.want({ kind: 'alias', alias: 'nobody' });
    const prod = set.get(PRODUCTION);
    expect(prod?.version).toBe(v1);
    // the same version under two selectors is one loaded model
    expect(set.get({ kind: 'alias', alias: 'champion' })).toBe(prod);
    expect(set.get({ kind: 'version', version: v2 })?.version).toBe(v2);
    expect(set.get({ kind: 'alias', alias: 'nobody' })).toBeNull();
    expect(set.status().versionsLoaded).toBe(2);

    const swapped: string[] = [];
    set.onSwap((key, m) => swapped.push(`${key}=${m?.version ?? 'none'}`));
    await registry.promote(NAME, v2, { actor: 'test', reason: 'seam test', force: true });
    await set.refresh();
    expect(swapped).toEqual([`production=${v2}`]);
    // Production now shares the loaded v2 with the explicit selector; the alias keeps v1
    expect(set.get(PRODUCTION)).toBe(set.get({ kind: 'version', version: v2 }));
    expect(set.get({ kind: 'alias', alias: 'champion' })?.version).toBe(v1);
    set.release({ kind: 'alias', alias: 'champion' });
    expect(set.status().versionsLoaded).toBe(1);
    await registry.promote(NAME, v1, { actor: 'test', reason: 'back', force: true });
    await set.refresh();
    expect(set.get(PRODUCTION)?.version).toBe(v1);
  });

  it('follows registry events without waiting for the poll', async () => {
    const set = new ModelSet({ modelName: NAME, source, pollMs: 60_000 });
    await set.want(PRODUCTION);
    await set.start();
    try {
      const swapped = new Promise<number>((resolve) => set.onSwap((_k, m) => resolve(m?.version ?? -1)));
      await registry.promote(NAME, versions[1], { actor: 'test', reason: 'event', force: true });
      expect(await swapped).toBe(versions[1]);
    } finally {
      set.stop();
      await registry.promote(NAME, versions[0], { actor: 'test', reason: 'back', force: true });
    }
  });

  it('keeps serving the held version when a new one cannot be loaded, and reports why', async () => {
    let broken = false;
    const flaky: ModelSource = {
      ...source,
      load: (name, ref) =>
        broken ? Promise.reject(new Error('artifact unreadable')) : source.load(name, ref),
    };
    const set = new ModelSet({ modelName: NAME, source: flaky, pollMs: 60_000 });
    await set.want(PRODUCTION);
    broken = true;
    await registry.promote(NAME, versions[1], { actor: 'test', reason: 'flaky', force: true });
    try {
      await set.refresh();
      expect(set.get(PRODUCTION)?.version).toBe(versions[0]);
      expect(set.status().selectors[0].lastError).toBe('artifact unreadable');
      broken = false;
      await set.refresh();
      expect(set.get(PRODUCTION)?.version).toBe(versions[1]);
      expect(set.status().selectors[0].lastError).toBeNull();
    } finally {
      await registry.promote(NAME, versions[0], { actor: 'test', reason: 'back', force: true });
    }
  });

  it('the router chooses the version and arm: answers and log rows carry both; shadows score, are logged with the answered id, and never change an answer', async () => {
    const plain = recording();
    const production = new ServingService({
      modelName: NAME,
      models: source,
      log: plain.sink,
      feedback: storage.feedback,
    });
    await production.start();
    const withShadow = recording();
    /** Production answers as arm "control"; version 2 scores in shadow as arm "shadow". */
    class ShadowRouter implements Router {
      constructor(private readonly models: ModelSet) {}
      selectors() {
        return [PRODUCTION, { kind: 'version' as const, version: versions[1] }];
      }
      route(): Route {
        const answer: ArmChoice = {
          model: this.models.get(PRODUCTION)!,
          arm: 'control',
          experimentId: 'exp-1',
        };
        const shadow: ArmChoice = {
          model: this.models.get({ kind: 'version', version: versions[1] })!,
          arm: 'shadow',
          experimentId: 'exp-1',
        };
        return { answer, shadows: [shadow] };
      }
    }
    const shadowed = new ServingService({
      modelName: NAME,
      models: source,
      log: withShadow.sink,
      feedback: storage.feedback,
      router: (m) => new ShadowRouter(m),
    });
    await shadowed.start();
    try {
      const a = await production.predict(CLASSIC_MUSHROOM, { clientId: 'c' });
      const b = await shadowed.predict(CLASSIC_MUSHROOM, { clientId: 'c' });
      expect({ ...b, predictionId: '', arm: null, experiment: null }).toEqual({ ...a, predictionId: '' });
      expect(b.experiment).toBe('exp-1');
      expect(a.arm).toBeNull();
      expect(b.arm).toBe('control');
      await shadowed.drain();
      expect(plain.rows.map((r) => [r.modelVersion, r.arm, r.experimentId, r.shadowOf])).toEqual([
        [versions[0], null, null, null],
      ]);
      expect(
        withShadow.rows.map((r) => [r.id === b.predictionId, r.modelVersion, r.arm, r.shadowOf]),
      ).toEqual([
        [true, versions[0], 'control', null],
        [false, versions[1], 'shadow', b.predictionId],
      ]);
      // stored as logged: the shadow row names the answered prediction and the experiment
      expect(await storage.predictions.get(withShadow.rows[1].id)).toMatchObject({
        modelVersion: versions[1],
        arm: 'shadow',
        experimentId: 'exp-1',
        shadowOf: b.predictionId,
      });
      expect((await storage.predictions.get(b.predictionId))?.shadowOf).toBeNull();

      const records = Array.from({ length: 1500 }, () => CLASSIC_MUSHROOM);
      const plainItems = await production.predictBatch(records);
      const shadowItems = await shadowed.predictBatch(records);
      expect(shadowItems.map((it) => it.ok && it.decision)).toEqual(
        plainItems.map((it) => it.ok && it.decision),
      );
      await shadowed.drain();
      const answered = withShadow.chunks.filter((c) => c.shadowOf === null);
      const shadows = withShadow.chunks.filter((c) => c.shadowOf !== null);
      expect(answered.map((c) => [c.arm, c.modelVersion, c.ids.length])).toEqual([
        ['control', versions[0], 1000],
        ['control', versions[0], 500],
      ]);
      expect(shadows.map((c) => [c.arm, c.modelVersion, c.ids.length])).toEqual([
        ['shadow', versions[1], 1000],
        ['shadow', versions[1], 500],
      ]);
      // each shadow row names the answered prediction it shadows
      expect(shadows[1].shadowOf).toEqual(answered[1].ids);
    } finally {
      production.stop();
      shadowed.stop();
      await production.drain();
      await shadowed.drain();
    }
  });

  it('the Production router answers SP_ERR_NOT_READY while Production names no version', async () => {
    const set = new ModelSet({ modelName: 'no-such-model', source, pollMs: 60_000 });
    const router = new ProductionRouter(set);
    await set.want(PRODUCTION);
    expect(() => router.route({ unit: null, kind: 'single' })).toThrow(
      /no Production model of 'no-such-model'/,
    );
  });

  it('a version archived out of Production is no longer served (every replica agrees: 503)', async () => {
    const rec = recording();
    const svc = new ServingService({
      modelName: NAME,
      models: source,
      log: rec.sink,
      feedback: storage.feedback,
    });
    await svc.start();
    try {
      expect(svc.ready).toBe(true);
      await registry.archive(NAME, versions[0], {
        actor: 'test',
        reason: 'forced archive of Production',
        force: true,
      });
      await svc.reload();
      expect(svc.ready).toBe(false);
      await expect(svc.predict(CLASSIC_MUSHROOM)).rejects.toMatchObject({ code: 'SP_ERR_NOT_READY' });
      await registry.promote(NAME, versions[1], { actor: 'test', reason: 'recover', force: true });
      await svc.reload();
      expect(svc.model().version).toBe(versions[1]);
    } finally {
      svc.stop();
      await svc.drain();
    }
  });
});
