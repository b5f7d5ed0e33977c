/**
 * Conformance suite of the experiments repository (DESIGN convention 5): the same behaviour on every
 * backend. Each test opens a fresh database from `makeUrl()`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { failure, makeCounts, makeSource, makeVersion } from '../../__tests__/storage-fixtures.js';
import { storageContext } from '../../db/storage-context.js';
import {
  type ExperimentArm,
  type ExperimentSettings,
  type NewExperimentInput,
  openStorage,
  type Storage,
} from '../../index.js';

const MODEL = 'mushroom-gbdt';

const SETTINGS: ExperimentSettings = {
  primaryMetric: 'accuracy',
  engine: 'bayesian',
  sequential: false,
  sequentialTuning: 5000,
  alpha: 0.05,
  correction: 'holm-bonferroni',
  guardrailMargin: 0,
  minLabelledPerArm: 200,
  maxDurationHours: null,
};

const ARMS: ExperimentArm[] = [
  { name: 'control', version: 1, role: 'control', weight: 50 },
  { name: 'challenger', version: 2, role: 'challenger', weight: 50 },
];

/** Registers `n` versions of {@link MODEL} (a dataset and a run each). */
async function registerVersions(storage: Storage, n: number): Promise<void> {
  const source = makeSource();
  const version = makeVersion(source.id, 3);
  const load = await storage.datasets.beginSourceLoad(source);
  await load.finish({ counts: makeCounts(3), version });
  for (let i = 0; i < n; i++) {
    const runId = `run-${randomBytes(8).toString('hex')}`;
    await storage.runs.create({
      id: runId,
      datasetId: version.id,
      modelKind: 'gradient-boosting',
      modelName: MODEL,
      params: {},
      codeVersion: 'test',
    });
    await storage.registry.registerVersion({
      modelName: MODEL,
      runId,
      datasetId: version.id,
      sourceSha256: source.id,
      artifactSha256: createHash('sha256').update(runId).digest('hex'),
      artifactStore: 'file',
      metrics: {},
      params: {},
      author: 'test',
    });
  }
}

const draft = (id: string, overrides: Partial<NewExperimentInput> = {}): NewExperimentInput => ({
  id,
  modelName: MODEL,
  description: 'gbdt v2 against v1',
  assignment: 'client',
  arms: ARMS,
  settings: SETTINGS,
  createdBy: 'alice',
  reason: 'try v2',
  ...overrides,
});

/** Registers the conformance tests of the experiments repository for one backend. */
export function describeExperimentRepositoryConformance(
  name: string,
  makeUrl: () => string | Promise<string>,
): void {
  describe(`experiment repository conformance: ${name}`, () => {
    const opened: Storage[] = [];
    const open = async (url?: string): Promise<Storage> => {
      const storage = await openStorage(url ?? (await makeUrl()));
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('creates drafts with a create event, and refuses unknown models, taken ids and bad ids', async () => {
      const storage = await open();
      await registerVersions(storage, 2);
      const e = await storage.experiments.create(draft('exp-000000000001'));
      expect(e).toMatchObject({ id: 'exp-000000000001', status: 'draft', modelName: MODEL, arms: ARMS });
      expect(e.settings).toEqual(SETTINGS);
      expect(await storage.experiments.get(e.id)).toEqual(e);
      const [created] = await storage.experiments.history(e.id);
      expect(created).toMatchObject({
        action: 'create',
        fromStatus: null,
        toStatus: 'draft',
        actor: 'alice',
      });
      expect(created.details).toEqual({ arms: ARMS, settings: SETTINGS });

      expect(await failure(storage.experiments.create(draft(e.id)))).toMatchObject({
        code: 'SP_ERR_CONFLICT',
        message: expect.stringContaining('Experiment exp-000000000001 already exists'),
      });
      expect(await failure(storage.experiments.create(draft('exp-x', { modelName: 'nope' })))).toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
        message: expect.stringContaining('Registered model nope does not exist'),
      });
      expect((await failure(storage.experiments.create(draft('Bad Id')))).code).toBe('SP_ERR_BAD_PARAM');
      expect((await failure(storage.experiments.get('exp-none'))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(storage.experiments.history('exp-none'))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await storage.experiments.list()).map((x) => x.id)).toEqual([e.id]);
    });

    it('walks the lifecycle with one event per change, and refuses illegal transitions changing nothing', async () => {
      const storage = await open();
      await registerVersions(storage, 2);
      const repo = storage.experiments;
      const { id } = await repo.create(draft('exp-life'));
      const concludeDraft = await failure(
        repo.transition({ id, from: ['stopped'], to: 'concluded', action: 'conclude', actor: 'bob' }),
      );
      expect(concludeDraft).toMatchObject({
        code: 'SP_ERR_EXPERIMENT_STATE',
        message: 'Cannot conclude experiment exp-life: it is draft (only possible when stopped)',
      });
      expect((await repo.get(id)).status).toBe('draft');
      expect(await repo.history(id)).toHaveLength(1);

      const started = await repo.transition({
        id,
        from: ['draft'],
        to: 'running',
        action: 'start',
        actor: 'bob',
      });
      expect(started.status).toBe('running');
      expect(started.startedAt).toBeInstanceOf(Date);
      expect((await repo.running(MODEL))?.id).toBe(id);
      await repo.transition({
        id,
        from: ['running'],
        to: 'paused',
        action: 'pause',
        actor: 'bob',
        reason: 'lunch',
      });
      expect((await repo.get(id)).statusReason).toBe('lunch');
      expect(await repo.running(MODEL)).toBeNull();
      const resumed = await repo.transition({
        id,
        from: ['paused'],
        to: 'running',
        action: 'resume',
        actor: 'bob',
      });
      expect(resumed.startedAt).toEqual(started.startedAt);
      const stopped = await repo.transition({
        id,
        from: ['running', 'paused'],
        to: 'stopped',
        action: 'guardrail-stop',
        actor: 'system',
        reason: 'false-edible rate worse',
        details: { falseEdible: [0, 3] },
      });
      expect(stopped.stoppedAt).toBeInstanceOf(Date);
      const concluded = await repo.transition({
        id,
        from: ['stopped'],
        to: 'concluded',
        action: 'conclude',
        actor: 'carol',
        winner: 'control',
      });
      expect(concluded).toMatchObject({ status: 'concluded', winner: 'control' });
      const history = await repo.history(id);
      expect(history.map((h) => [h.action, h.fromStatus, h.toStatus, h.actor])).toEqual([
        ['create', null, 'draft', 'alice'],
        ['start', 'draft', 'running', 'bob'],
        ['pause', 'running', 'paused', 'bob'],
        ['resume', 'paused', 'running', 'bob'],
        ['guardrail-stop', 'running', 'stopped', 'system'],
        ['conclude', 'stopped', 'concluded', 'carol'],
      ]);
      expect(history[4]).toMatchObject({
        reason: 'false-edible rate worse',
        details: { falseEdible: [0, 3] },
      });
      expect(history.map((h) => h.seq)).toEqual([...history.map((h) => h.seq)].sort((a, b) => a - b));
    });

    it('changes arms with a weights event, only in the statuses allowed', async () => {
      const storage = await open();
      await registerVersions(storage, 2);
      const repo = storage.experiments;
      const { id } = await repo.create(draft('exp-weights'));
      const arms = ARMS.map((a) => ({ ...a, weight: a.role === 'control' ? 90 : 10 }));
      const changed = await repo.updateArms({
        id,
        arms,
        from: ['draft', 'running', 'paused'],
        action: 'weights',
        actor: 'dave',
        details: { from: [50, 50], to: [90, 10] },
      });
      expect(changed.arms).toEqual(arms);
      expect(changed.status).toBe('draft');
      await repo.transition({ id, from: ['draft'], to: 'stopped', action: 'stop', actor: 'dave' });
      const refused = await failure(
        repo.updateArms({
          id,
          arms: ARMS,
          from: ['draft', 'running', 'paused'],
          action: 'weights',
          actor: 'x',
        }),
      );
      expect(refused).toMatchObject({
        code: 'SP_ERR_EXPERIMENT_STATE',
        message:
          'Cannot change the weights of experiment exp-weights: it is stopped (only possible when draft, running or paused)',
      });
      expect((await repo.get(id)).arms).toEqual(arms);
      expect((await repo.history(id)).map((h) => h.action)).toEqual(['create', 'weights', 'stop']);
    });

    it('runs at most one experiment per model, even when many start at once', async () => {
      const url = await makeUrl();
      const first = await open(url);
      await registerVersions(first, 2);
      const second = await open(url);
      const ids = Array.from({ length: 6 }, (_, i) => `exp-race-${i}`);
      for (const id of ids) await first.experiments.create(draft(id));
      const results = await Promise.allSettled(
        ids.map((id, i) =>
          (i % 2 === 0 ? first : second).experiments.transition({
            id,
            from: ['draft'],
            to: 'running',
            action: 'start',
            actor: 'racer',
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const winner = (await first.experiments.running(MODEL))?.id;
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toMatchObject({ code: 'SP_ERR_EXPERIMENT_STATE' });
          expect((r.reason as Error).message).toContain(
            `experiment ${winner} is already running on model ${MODEL}`,
          );
        }
      }
      const all = await first.experiments.list({ modelName: MODEL });
      expect(all.filter((e) => e.status === 'running')).toHaveLength(1);
      for (const e of all.filter((x) => x.id !== winner)) {
        expect((await first.experiments.history(e.id)).map((h) => h.action)).toEqual(['create']);
      }
      // once it stops, another may start
      await first.experiments.transition({
        id: winner ?? '',
        from: ['running'],
        to: 'stopped',
        action: 'stop',
        actor: 'racer',
      });
      const next = ids.find((id) => id !== winner) ?? '';
      await second.experiments.transition({
        id: next,
        from: ['draft'],
        to: 'running',
        action: 'start',
        actor: 'r',
      });
      expect((await first.experiments.running(MODEL))?.id).toBe(next);
      expect((await first.experiments.allRunning()).map((e) => e.id)).toEqual([next]);
    });

    it('the schema refuses a second running experiment and any change to the history', async () => {
      const storage = await open();
      await registerVersions(storage, 2);
      await storage.experiments.create(draft('exp-a'));
      await storage.experiments.create(draft('exp-b'));
      await storage.experiments.transition({
        id: 'exp-a',
        from: ['draft'],
        to: 'running',
        action: 'start',
        actor: 'x',
      });
      const { db } = storageContext(storage);
      await expect(
        sql`update experiments set status = 'running' where id = 'exp-b'`.execute(db),
      ).rejects.toThrow();
      await expect(sql`update experiment_events set actor = 'mallory'`.execute(db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from experiment_events`.execute(db)).rejects.toThrow(/append-only/);
      expect((await storage.experiments.history('exp-a')).map((h) => h.actor)).toEqual(['alice', 'x']);
    });
  });
}
