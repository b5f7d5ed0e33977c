import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SporeprintError } from '../../src/core/index.js';
import { type ExperimentDecision, ExperimentService, RegistryService } from '../../src/services/index.js';
import { failure } from '../../src/storage/__tests__/storage-fixtures.js';
import {
  type ArmMetrics,
  createInProcessEventBus,
  type ExperimentRecord,
  openArtifactStore,
  openStorage,
  type Storage,
} from '../../src/storage/index.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const MODEL = 'sporeprint-classic';

/** Figures of one arm (counts chosen by the test). */
export function armMetrics(arm: string, version: number, over: Partial<ArmMetrics> = {}): ArmMetrics {
  return {
    arm,
    version,
    role: arm === 'control' ? 'control' : 'challenger',
    requests: 1000,
    units: 900,
    labelled: 300,
    correct: 290,
    poisonousLabelled: 140,
    poisonousCaught: 139,
    falseEdible: 1,
    uncertain: 5,
    latencyP50Us: 40,
    latencyP95Us: 90,
    ...over,
  };
}

/**
 * The experiment service over a real registry (trained versions: v1 in Production, v2) and a real
 * database, with stub metrics and a stub analysis whose decision each test sets.
 */
export function describeExperimentService(backend: TestBackend): void {
  describe(`experiment service (${backend.name})`, () => {
    let storage: Storage;
    let registry: RegistryService;
    let service: ExperimentService;
    let cleanup: () => void;
    let url: string;
    let decision: ExperimentDecision = { action: 'continue', reason: 'not enough data' };
    let now = new Date('2026-12-01T00:00:00.000Z');
    const changes: string[] = [];
    const by = { actor: 'alice', reason: 'test' };
    const arms = [
      { version: 1, role: 'control' as const },
      { version: 2, role: 'challenger' as const },
    ];
    const metricsOf = (e: ExperimentRecord) => e.arms.map((a) => armMetrics(a.name, a.version));

    beforeAll(async () => {
      url = backend.freshUrl();
      const prepared = await prepareServingDatabase(url);
      cleanup = prepared.cleanup;
      storage = await openStorage(url);
      registry = new RegistryService({
        runs: storage.runs,
        registry: storage.registry,
        artifacts: openArtifactStore(storage, { kind: 'file', dir: join(prepared.varDir, 'artifacts') }),
        datasets: storage.datasets,
        events: createInProcessEventBus(),
        gate: prepared.config.gate,
      });
      // a third version, archived: it may not be an arm
      const v2 = await registry.version(MODEL, 2);
      const v3 = await registry.register(v2.runId, { author: 'test' });
      await registry.archive(MODEL, v3.version, { actor: 'test' });
      service = new ExperimentService({
        experiments: storage.experiments,
        registry,
        metrics: async (e) => metricsOf(e),
        analyze: () => ({ decision }),
        onChange: (e, action) => {
          changes.push(`${e.id}:${action}`);
        },
        now: () => now,
      });
    }, 400_000);
    afterAll(async () => {
      await storage?.close();
      cleanup?.();
    });

    it('refuses bad experiments with an error naming the problem, storing nothing', async () => {
      const before = (await service.list()).length;
      const cases: [Parameters<ExperimentService['create']>[0], string, RegExp][] = [
        [
          { modelName: MODEL, actor: 'a', arms: [arms[0], { version: 9, role: 'challenger' }] },
          'SP_ERR_BAD_PARAM',
          /Arm challenger: version 9 of model sporeprint-classic is not registered \(registered: 1, 2, 3\)/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms: [arms[0], { version: 3, role: 'challenger' }] },
          'SP_ERR_BAD_PARAM',
          /version 3 .* is Archived/,
        ],
        [
          {
            modelName: MODEL,
            actor: 'a',
            arms: [
              { ...arms[0], weight: 0 },
              { ...arms[1], weight: 0 },
            ],
          },
          'SP_ERR_BAD_PARAM',
          /must sum to a positive number/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms: [{ ...arms[0], weight: -1 }, arms[1]] },
          'SP_ERR_BAD_PARAM',
          /weight -1 is invalid/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms: [{ ...arms[0], weight: Number.NaN }, arms[1]] },
          'SP_ERR_BAD_PARAM',
          /weight NaN is invalid/,
        ],
        [{ modelName: MODEL, actor: 'a', arms: [arms[0]] }, 'SP_ERR_BAD_PARAM', /2 to 16 arms/],
        [
          { modelName: MODEL, actor: 'a', arms: [arms[1], { version: 1, role: 'challenger', name: 'b' }] },
          'SP_ERR_BAD_PARAM',
          /exactly one control arm \(got 0\)/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms: [arms[0], { version: 2, role: 'shadow', weight: 5 }] },
          'SP_ERR_BAD_PARAM',
          /shadow: .* weight must be 0/,
        ],
        [
          {
            modelName: MODEL,
            actor: 'a',
            arms: [
              { ...arms[0], name: 'x' },
              { ...arms[1], name: 'x' },
            ],
          },
          'SP_ERR_BAD_PARAM',
          /"x" is used twice/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms, settings: { alpha: 2 } },
          'SP_ERR_BAD_PARAM',
          /alpha 2 is invalid/,
        ],
        [
          { modelName: MODEL, actor: 'a', arms, settings: { engine: 'magic' as 'bayesian' } },
          'SP_ERR_BAD_PARAM',
          /engine "magic" is invalid/,
        ],
        [{ modelName: 'no-such-model', actor: 'a', arms }, 'SP_ERR_NOT_FOUND', /no-such-model/],
      ];
      for (const [input, code, message] of cases) {
        const f = await failure(service.create(input));
        expect(f.code, JSON.stringify(input)).toBe(code);
        expect(f.message).toMatch(message);
      }
      expect((await service.list()).length).toBe(before);
    });

    it('walks the lifecycle with actor and reason in the history, and refuses illegal changes', async () => {
      const e = await service.create({
        id: 'exp-life',
        modelName: MODEL,
        actor: 'alice',
        arms,
        description: 'dt vs gbt',
      });
      expect(e.arms.map((a) => [a.name, a.version, a.weight])).toEqual([
        ['control', 1, 1],
        ['challenger', 2, 1],
      ]);
      expect(e.settings.engine).toBe('bayesian');
      const concludeDraft = await failure(service.conclude(e.id, { actor: 'bob', winner: 'challenger' }));
      expect(concludeDraft).toMatchObject({
        code: 'SP_ERR_EXPERIMENT_STATE',
        message: expect.stringMatching(/it is draft/),
      });
      expect((await failure(service.resume(e.id, by))).message).toMatch(
        /Cannot resume experiment exp-life: it is draft/,
      );
      await service.start(e.id, { actor: 'bob', reason: 'go' });
      await service.pause(e.id, { actor: 'carol', reason: 'lunch' });
      await service.resume(e.id, { actor: 'carol' });
      const w = await service.setWeights(e.id, { challenger: 3 }, { actor: 'dave', reason: 'ramp up' });
      expect(w.arms.map((a) => a.weight)).toEqual([1, 3]);
      expect((await failure(service.setWeights(e.id, { nope: 1 }, by))).message).toMatch(/no arm named nope/);
      expect((await failure(service.setWeights(e.id, { control: 0, challenger: 0 }, by))).code).toBe(
        'SP_ERR_BAD_PARAM',
      );
      await service.stop(e.id, { actor: 'erin', reason: 'enough' });
      expect((await failure(service.start(e.id, by))).code).toBe('SP_ERR_EXPERIMENT_STATE');
      const history = await service.history(e.id);
      expect(history.map((h) => [h.action, h.actor, h.reason])).toEqual([
        ['create', 'alice', null],
        ['start', 'bob', 'go'],
        ['pause', 'carol', 'lunch'],
        ['resume', 'carol', null],
        ['weights', 'dave', 'ramp up'],
        ['stop', 'erin', 'enough'],
      ]);
      expect(history[4].details).toEqual({
        from: { control: 1, challenger: 1 },
        to: { control: 1, challenger: 3 },
      });
      expect(changes).toContain('exp-life:stop');
      const shown = await service.show(e.id);
      expect(shown.metrics?.map((m) => m.arm)).toEqual(['control', 'challenger']);
      expect(shown.analysis?.decision.action).toBe('continue');
    });

    it('refuses a second running experiment on the model, changing nothing', async () => {
      const a = await service.create({ modelName: MODEL, actor: 'a', arms });
      const b = await service.create({ modelName: MODEL, actor: 'a', arms });
      await service.start(a.id, by);
      const f = await failure(service.start(b.id, by));
      expect(f.code).toBe('SP_ERR_EXPERIMENT_STATE');
      expect(f.message).toContain(`experiment ${a.id} is already running on model ${MODEL}`);
      expect((await service.show(b.id)).experiment.status).toBe('draft');
      expect((await service.history(b.id)).length).toBe(1);
      await service.stop(a.id, by);
      await service.stop(b.id, by);
    });

    it('checkRunning applies the decisions: guardrail stop with figures, SRM pause, maximum duration', async () => {
      const e = await service.create({
        modelName: MODEL,
        actor: 'a',
        arms,
        settings: { maxDurationHours: 48 },
      });
      await service.start(e.id, by);
      decision = { action: 'continue', reason: 'keep going' };
      expect(await service.checkRunning()).toEqual([
        { experimentId: e.id, action: 'continue', applied: false, reason: 'keep going' },
      ]);

      decision = { action: 'pause-srm', reason: 'SRM p = 1e-6', figures: { pValue: 1e-6 } };
      expect((await service.checkRunning())[0]).toMatchObject({ action: 'pause-srm', applied: true });
      let shown = await service.show(e.id);
      expect(shown.experiment).toMatchObject({ status: 'paused', statusReason: 'SRM p = 1e-6' });
      expect(await service.checkRunning()).toEqual([]);

      await service.resume(e.id, by);
      decision = {
        action: 'stop-guardrail',
        reason: 'challenger false-edible rate worse',
        arm: 'challenger',
        figures: { diff: 0.02 },
      };
      // two servers (two connections) check at once: the decision is applied once
      const other = await openStorage(url);
      try {
        const twin = new ExperimentService({
          experiments: other.experiments,
          registry,
          metrics: async (x) => metricsOf(x),
          analyze: () => ({ decision }),
        });
        const both = await Promise.all([service.check(e.id), twin.check(e.id)]);
        expect(both.map((o) => o.applied).sort()).toEqual([false, true]);
      } finally {
        await other.close();
      }
      expect((await service.history(e.id)).filter((h) => h.action === 'guardrail-stop')).toHaveLength(1);
      const last = (await service.history(e.id)).at(-1);
      expect(last).toMatchObject({
        action: 'guardrail-stop',
        actor: 'system',
        toStatus: 'stopped',
        reason: 'challenger false-edible rate worse',
      });
      expect(last?.details).toMatchObject({
        decision: { arm: 'challenger', figures: { diff: 0.02 } },
        metrics: [{ arm: 'control' }, { arm: 'challenger' }],
      });
      // applied once: a second check (another server) changes nothing
      expect((await service.check(e.id)).applied).toBe(false);

      // without an analysis, the maximum duration still stops it
      const plain = new ExperimentService({ experiments: storage.experiments, registry, now: () => now });
      const d = await plain.create({ modelName: MODEL, actor: 'a', arms, settings: { maxDurationHours: 1 } });
      await plain.start(d.id, by);
      expect((await plain.checkRunning())[0]).toMatchObject({ action: 'continue', applied: false });
      now = new Date(now.getTime() + 2 * 3_600_000);
      expect((await plain.checkRunning())[0]).toMatchObject({ action: 'stop-max-duration', applied: true });
      shown = await plain.show(d.id);
      expect(shown.experiment.status).toBe('stopped');
      expect(shown.metrics).toBeNull();
    });

    it('concludes a stopped experiment by promoting the winner through the registry with the figures', async () => {
      const e = await service.create({ modelName: MODEL, actor: 'a', arms });
      await service.start(e.id, by);
      decision = { action: 'stop-significant', reason: 'challenger wins (98%)', arm: 'challenger' };
      await service.check(e.id);
      const noWinner = new ExperimentService({ experiments: storage.experiments, registry });
      expect((await failure(noWinner.conclude(e.id, { actor: 'x' }))).message).toMatch(
        /no significant winner: name the winning arm/,
      );
      expect((await failure(service.conclude(e.id, { actor: 'x', winner: 'zzz' }))).message).toMatch(
        /no arm named zzz/,
      );
      // a promotion the quality gate blocks leaves the experiment stopped, its history unchanged
      const gated = new ExperimentService({
        experiments: storage.experiments,
        registry: {
          show: (name) => registry.show(name),
          promote: async () => {
            throw new SporeprintError('SP_ERR_QUALITY_GATE', 'Quality gate blocked promoting (min-recall)');
          },
        },
      });
      const eventsBefore = (await service.history(e.id)).length;
      expect((await failure(gated.conclude(e.id, { actor: 'x', winner: 'challenger' }))).code).toBe(
        'SP_ERR_QUALITY_GATE',
      );
      expect((await service.show(e.id)).experiment.status).toBe('stopped');
      expect((await service.history(e.id)).length).toBe(eventsBefore);

      const before = (await registry.history(MODEL)).length;
      const result = await service.conclude(e.id, { actor: 'frank', reason: 'ship it' });
      expect(result.winner.name).toBe('challenger');
      expect(result.experiment).toMatchObject({ status: 'concluded', winner: 'challenger' });
      expect((await registry.show(MODEL)).versions.find((v) => v.version === 2)?.stage).toBe('Production');
      const events = (await registry.history(MODEL)).slice(before);
      const promoted = events.find((ev) => ev.version === 2 && ev.toStage === 'Production');
      expect(promoted?.actor).toBe('frank');
      expect(promoted?.reason).toContain(
        `ship it; experiment ${e.id} concluded: winner challenger (v2); control v1: 1000 predictions, 300 labelled, accuracy 0.9667`,
      );
      expect((await failure(service.conclude(e.id, { actor: 'x', winner: 'control' }))).code).toBe(
        'SP_ERR_EXPERIMENT_STATE',
      );
      // the winner already in Production (v1 was archived by the promotion): concluded without one
      const again = await service.create({
        modelName: MODEL,
        actor: 'a',
        arms: [
          { version: 2, role: 'control' },
          { version: 2, role: 'challenger' },
        ],
      });
      await service.stop(again.id, by);
      const kept = await service.conclude(again.id, { actor: 'x', winner: 'control' });
      expect(kept.promotion).toBeNull();
      expect((await registry.history(MODEL)).length).toBe(before + events.length);
    });
  });
}
