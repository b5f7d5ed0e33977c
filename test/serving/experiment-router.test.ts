import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArmRanges,
  assignmentPoint,
  ExperimentRouter,
  type ExperimentRouterOptions,
  type ModelSource,
  ServingService,
} from '../../src/services/index.js';
import {
  createInProcessEventBus,
  type ExperimentArm,
  type ExperimentRecord,
  openStorage,
  type Storage,
} from '../../src/storage/index.js';
import { experimentRecord } from '../helpers/experiment-fixtures.js';
import {
  CLASSIC_MUSHROOM,
  prepareServingDatabase,
  recordingLog,
  registryOver,
} from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const NAME = 'sporeprint-classic';

/** The routing of ExperimentRouter on a real registry: plans, switches, assignment, shadows, logs. */
describe('experiment router: follows the running experiment of the served model', () => {
  const backend = sqliteBackend();
  let storage: Storage;
  let source: ModelSource;
  let v1: number;
  let v2: number;
  let cleanup: () => void;
  const bus = createInProcessEventBus();

  beforeAll(async () => {
    const url = backend.freshUrl();
    const prepared = await prepareServingDatabase(url);
    [v1, v2] = prepared.versions;
    cleanup = prepared.cleanup;
    storage = await openStorage(url);
    ({ source } = registryOver(storage, prepared, bus));
  }, 400_000);
  afterAll(async () => {
    await storage?.close();
    await bus.close();
    cleanup?.();
  });

  const recording = () => recordingLog(storage);

  /** A serving service whose router reads the plan `current()` returns. */
  const service = (
    current: () => ExperimentRecord | null,
    opts: Partial<ExperimentRouterOptions> & { models?: ModelSource } = {},
  ) => {
    const rec = recording();
    let router: ExperimentRouter | undefined;
    const svc = new ServingService({
      modelName: NAME,
      models: opts.models ?? source,
      log: rec.sink,
      feedback: storage.feedback,
      pollMs: 60_000,
      router: (m) => {
        router = new ExperimentRouter(m, { pollMs: 60_000, source: async () => current(), ...opts });
        return router;
      },
    });
    return { svc, rows: rec.rows, router: () => router as ExperimentRouter };
  };

  const twoArms = (weights: [number, number] = [50, 50]): ExperimentArm[] => [
    { name: 'control', version: v1, role: 'control', weight: weights[0] },
    { name: 'challenger', version: v2, role: 'challenger', weight: weights[1] },
  ];

  it('without a running experiment (none, draft, paused, stopped) Production answers with arm and experiment null', async () => {
    let plan: ExperimentRecord | null = null;
    const { svc, router } = service(() => plan);
    await svc.start();
    try {
      for (const status of [null, 'draft', 'paused', 'stopped', 'concluded'] as const) {
        plan = status === null ? null : experimentRecord('exp-off', twoArms(), { status });
        await router().refresh();
        const r = await svc.predict(CLASSIC_MUSHROOM, { clientId: 'c', unit: 'c' });
        expect([r.model.version, r.arm, r.experiment]).toEqual([v1, null, null]);
        expect(router().plan()).toBeNull();
      }
    } finally {
      svc.stop();
      await svc.drain();
    }
  });

  it('a running experiment assigns each client unit to the arm of its hash, the same every time; answers and log rows name arm and experiment', async () => {
    const plan = experimentRecord('exp-two-arms', twoArms([30, 70]));
    const { svc, rows, router } = service(() => plan);
    await svc.start();
    try {
      expect(router().plan()).toMatchObject({ experimentId: 'exp-two-arms', assignment: 'client' });
      const ranges = new ArmRanges([30, 70]);
      const counts = { control: 0, challenger: 0 };
      for (let i = 0; i < 20_000; i++) {
        const unit = `client-${i}`;
        const route = router().route({ unit, kind: 'single' });
        const expected = ranges.pick(assignmentPoint('exp-two-arms', unit)) === 0 ? 'control' : 'challenger';
        expect(route.answer.arm).toBe(expected);
        expect(route.answer.model.version).toBe(expected === 'control' ? v1 : v2);
        expect(router().route({ unit, kind: 'single' })).toBe(route); // sticky, nothing allocated
        counts[expected]++;
      }
      expect(Math.abs(counts.control / 20_000 - 0.3)).toBeLessThan(0.015);
      for (const unit of ['client-1', 'client-2', 'client-3', 'client-4']) {
        const r = await svc.predict(CLASSIC_MUSHROOM, { clientId: unit, unit });
        const arm = router().route({ unit, kind: 'single' }).answer;
        expect([r.arm, r.experiment, r.model.version]).toEqual([arm.arm, 'exp-two-arms', arm.model.version]);
      }
      const items = await svc.predictBatch([CLASSIC_MUSHROOM, CLASSIC_MUSHROOM], { unit: 'client-1' });
      const arm1 = router().route({ unit: 'client-1', kind: 'batch' }).answer.arm;
      expect(items.map((it) => it.ok && [it.arm, it.experiment])).toEqual([
        [arm1, 'exp-two-arms'],
        [arm1, 'exp-two-arms'],
      ]);
      await svc.drain();
      expect(rows.map((r) => [r.arm, r.experimentId, r.clientId])).toEqual(
        ['client-1', 'client-2', 'client-3', 'client-4'].map((c) => [
          router().route({ unit: c, kind: 'single' }).answer.arm,
          'exp-two-arms',
          c,
        ]),
      );
      const stored = await storage.predictions.get(rows[0].id);
      expect(stored).toMatchObject({ arm: rows[0].arm, experimentId: 'exp-two-arms', shadowOf: null });
    } finally {
      svc.stop();
      await svc.drain();
    }
  });

  it('per request (or a request with no unit), every request draws its own arm', async () => {
    let draw = 0;
    const points = [0.1, 0.9, 0.2, 0.8];
    const perRequest = experimentRecord('exp-per-request', twoArms(), { assignment: 'request' });
    const { svc, router } = service(() => perRequest, { random: () => points[draw++ % points.length] });
    await svc.start();
    try {
      const arms = [0, 1, 2, 3].map(() => router().route({ unit: 'same-client', kind: 'single' }).answer.arm);
      expect(arms).toEqual(['control', 'challenger', 'control', 'challenger']);
      // assigned per client, but the request names no unit: drawn too
      const perClient = experimentRecord('exp-no-unit', twoArms());
      const c = service(() => perClient, { random: () => 0.99 });
      await c.svc.start();
      expect(c.router().route({ unit: null, kind: 'single' }).answer.arm).toBe('challenger');
      c.svc.stop();
    } finally {
      svc.stop();
      await svc.drain();
    }
  });

  it('switches to a new plan only once its versions are loaded: requests keep being answered meanwhile, never 503', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: ModelSource = {
      ...source,
      load: async (name, ref) => {
        if (ref.version === v2) await gate;
        return source.load(name, ref);
      },
    };
    let plan: ExperimentRecord | null = null;
    const { svc, router } = service(() => plan, { models: slow });
    await svc.start();
    try {
      plan = experimentRecord('exp-switch', twoArms([0.0001, 99.9999]));
      const switching = router().refresh();
      for (let i = 0; i < 50; i++) {
        const r = await svc.predict(CLASSIC_MUSHROOM, { unit: `u${i}` });
        expect([r.model.version, r.arm]).toEqual([v1, null]); // still Production, not 503
      }
      expect(router().plan()).toBeNull();
      release();
      await switching;
      expect(router().plan()?.experimentId).toBe('exp-switch');
      expect(svc.models.status().versionsLoaded).toBe(2);
      const r = await svc.predict(CLASSIC_MUSHROOM, { unit: 'u1' });
      expect([r.model.version, r.arm]).toEqual([v2, 'challenger']);
      // stopped: Production again, and the version only the experiment used leaves memory
      plan = { ...plan, status: 'stopped' };
      await router().refresh();
      expect(router().plan()).toBeNull();
      expect((await svc.predict(CLASSIC_MUSHROOM, { unit: 'u1' })).arm).toBeNull();
      expect(svc.models.status().selectors.map((s) => s.selector)).toEqual(['production']);
    } finally {
      svc.stop();
      await svc.drain();
    }
  });

  it('a plan whose version cannot be loaded is reported and the current plan keeps routing', async () => {
    const errors: string[] = [];
    let plan: ExperimentRecord | null = experimentRecord('exp-good', twoArms());
    const { svc, router } = service(() => plan, { onError: (e) => errors.push((e as Error).message) });
    await svc.start();
    try {
      plan = experimentRecord('exp-bad', [
        { name: 'control', version: v1, role: 'control', weight: 1 },
        { name: 'ghost', version: 999, role: 'challenger', weight: 1 },
      ]);
      await router().refresh();
      expect(errors).toEqual([
        "experiment 'exp-bad': version(s) 999 of 'sporeprint-classic' not loaded yet; still routing by the previous plan",
      ]);
      expect(router().plan()?.experimentId).toBe('exp-good');
      // an unreadable source: reported, plan kept
      plan = null;
      const failing = service(
        () => {
          throw new Error('experiments table unreadable');
        },
        { onError: (e) => errors.push((e as Error).message) },
      );
      await failing.svc.start();
      expect(errors.at(-1)).toBe('experiments table unreadable');
      expect((await failing.svc.predict(CLASSIC_MUSHROOM)).arm).toBeNull();
      failing.svc.stop();
    } finally {
      svc.stop();
      await svc.drain();
    }
  });

  it('follows change events without waiting for the poll', async () => {
    const listeners = new Set<(m: string) => void>();
    let plan: ExperimentRecord | null = null;
    const { svc, router } = service(() => plan, {
      onChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    await svc.start();
    try {
      plan = experimentRecord('exp-event', twoArms());
      const switched = new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (router().plan() !== null) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
      for (const l of listeners) l('another-model');
      await new Promise((r) => setTimeout(r, 20));
      expect(router().plan()).toBeNull();
      for (const l of listeners) l(NAME);
      await switched;
      expect(router().plan()?.experimentId).toBe('exp-event');
    } finally {
      svc.stop();
      await svc.drain();
    }
    expect(listeners.size).toBe(0);
  });

  it('a shadow arm never changes an answer: answers equal those without it; shadow rows are logged with shadow_of', async () => {
    const plain = service(() => experimentRecord('exp-plain', [twoArms()[0]]));
    const shadowed = service(() =>
      experimentRecord('exp-shadow', [
        twoArms()[0],
        { name: 'shadow', version: v2, role: 'shadow', weight: 0 },
      ]),
    );
    await plain.svc.start();
    await shadowed.svc.start();
    try {
      const mushrooms = [
        CLASSIC_MUSHROOM,
        { ...CLASSIC_MUSHROOM, odor: 'n' },
        { ...CLASSIC_MUSHROOM, odor: 'a' },
      ];
      for (const [i, m] of mushrooms.entries()) {
        const a = await plain.svc.predict(m, { unit: `c${i}` });
        const b = await shadowed.svc.predict(m, { unit: `c${i}` });
        expect({ ...b, predictionId: '', experiment: '' }).toEqual({
          ...a,
          predictionId: '',
          experiment: '',
        });
        expect(b.arm).toBe('control');
      }
      const batchA = await plain.svc.predictBatch(mushrooms, { unit: 'x' });
      const batchB = await shadowed.svc.predictBatch(mushrooms, { unit: 'x' });
      const strip = (items: typeof batchA) =>
        items.map((it) => (it.ok ? { ...it, predictionId: '', experiment: '' } : it));
      expect(strip(batchB)).toEqual(strip(batchA));
      await shadowed.svc.drain();
      const answered = shadowed.rows.filter((r) => r.shadowOf === null);
      const shadows = shadowed.rows.filter((r) => r.shadowOf !== null);
      expect(shadows.map((r) => [r.arm, r.modelVersion, r.experimentId])).toEqual(
        answered.map(() => ['shadow', v2, 'exp-shadow']),
      );
      expect(shadows.map((r) => r.shadowOf)).toEqual(answered.map((r) => r.id));
      expect(await storage.predictions.get(shadows[0].id)).toMatchObject({
        arm: 'shadow',
        shadowOf: answered[0].id,
      });
      expect((await storage.predictions.get(shadows[2].id))?.shadowOf).toBe(answered[2].id);
    } finally {
      plain.svc.stop();
      shadowed.svc.stop();
      await plain.svc.drain();
      await shadowed.svc.drain();
    }
  });
});
