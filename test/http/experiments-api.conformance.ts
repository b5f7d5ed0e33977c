import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';
import { prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const MODEL = 'sporeprint-classic';

interface Experiment {
  id: string;
  status: string;
  arms: { name: string; version: number; weight: number }[];
  winner: string | null;
}

/** The experiments routes over a real server and database: keys, lifecycle, bad input, conclusion. */
export function describeExperimentsApi(backend: TestBackend): void {
  describe(`experiments over HTTP (${backend.name})`, () => {
    let server: RunningServer;
    let storage: Storage;
    let cleanup: () => void;
    let admin: ReturnType<typeof client>;
    let reader: ReturnType<typeof client>;
    let anonymous: ReturnType<typeof client>;
    const arms = [
      { version: 1, role: 'control', weight: 50 },
      { version: 2, role: 'challenger', weight: 50 },
    ];

    beforeAll(async () => {
      const url = backend.freshUrl();
      const prepared = await prepareServingDatabase(url, { SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0.5' });
      cleanup = prepared.cleanup;
      storage = await openStorage(url);
      const adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
      const predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
      server = await startServer(prepared.config, { version: 'test' });
      admin = client(server.url, adminKey);
      reader = client(server.url, predictKey);
      anonymous = client(server.url);
    }, 400_000);
    afterAll(async () => {
      await server?.close();
      await storage?.close();
      cleanup?.();
    });

    const errorOf = async (res: Response) => ((await res.json()) as ErrorAnswer).error;
    const count = async () => (await storage.experiments.list()).length;

    it('changes need an admin key; reads take a predict key', async () => {
      const body = { model: MODEL, arms };
      expect((await anonymous.post('/v1/experiments', body)).status).toBe(401);
      const forbidden = await reader.post('/v1/experiments', body);
      expect(forbidden.status).toBe(403);
      expect((await errorOf(forbidden)).message).toMatch(/experiment changes needs a key with role admin/);
      expect(await count()).toBe(0);
      const created = await admin.post('/v1/experiments', { ...body, id: 'exp-keys', reason: 'try' });
      expect(created.status).toBe(200);
      const record = (await created.json()) as Experiment & {
        settings: Record<string, unknown>;
        createdBy: string;
      };
      expect(record).toMatchObject({ status: 'draft', createdBy: expect.stringMatching(/^api-key:/) });
      expect(record.settings).toMatchObject({ engine: 'bayesian', alpha: 0.05, maxDurationHours: null });
      expect((await reader.get('/v1/experiments')).status).toBe(200);
      expect((await anonymous.get('/v1/experiments/exp-keys')).status).toBe(200);
      expect((await reader.post('/v1/experiments/exp-keys/start', null)).status).toBe(403);
      expect((await admin.post('/v1/experiments/exp-keys/stop', { reason: 'done' })).status).toBe(200);
    });

    it('refuses bad experiments with a clear error and stores nothing', async () => {
      const before = await count();
      const cases: [unknown, number, string, RegExp][] = [
        [
          { model: MODEL, arms: [arms[0], { version: 9, role: 'challenger' }] },
          400,
          'SP_ERR_BAD_PARAM',
          /Arm challenger: version 9 .* is not registered/,
        ],
        [
          {
            model: MODEL,
            arms: [
              { ...arms[0], weight: 0 },
              { ...arms[1], weight: 0 },
            ],
          },
          400,
          'SP_ERR_BAD_PARAM',
          /must sum to a positive number/,
        ],
        [{ model: MODEL, arms: [arms[0], { ...arms[1], weight: -5 }] }, 422, 'SP_ERR_VALIDATION', /weight/],
        [{ model: MODEL, arms: [arms[0]] }, 422, 'SP_ERR_VALIDATION', /arms/],
        [{ model: MODEL, arms, settings: { alpha: 0.9 } }, 422, 'SP_ERR_VALIDATION', /alpha/],
        [{ model: 'nope', arms }, 404, 'SP_ERR_NOT_FOUND', /nope/],
        [{ model: MODEL, arms, id: 'exp-keys' }, 409, 'SP_ERR_CONFLICT', /exp-keys already exists/],
      ];
      for (const [body, status, code, message] of cases) {
        const res = await admin.post('/v1/experiments', body);
        const error = await errorOf(res);
        expect(res.status, JSON.stringify(error)).toBe(status);
        expect(error.code).toBe(code);
        expect(`${error.message} ${JSON.stringify(error.details ?? {})}`).toMatch(message);
      }
      expect(await count()).toBe(before);
    });

    it('runs one experiment per model, refuses illegal transitions with 409, and concludes through the registry', async () => {
      const a = (await (
        await admin.post('/v1/experiments', { model: MODEL, arms, id: 'exp-a' })
      ).json()) as Experiment;
      await admin.post('/v1/experiments', { model: MODEL, arms, id: 'exp-b' });
      const concludeDraft = await admin.post('/v1/experiments/exp-a/conclude', { winner: 'challenger' });
      expect(concludeDraft.status).toBe(409);
      expect((await errorOf(concludeDraft)).code).toBe('SP_ERR_EXPERIMENT_STATE');
      expect(
        ((await (await admin.post('/v1/experiments/exp-a/start', null)).json()) as Experiment).status,
      ).toBe('running');
      const second = await admin.post('/v1/experiments/exp-b/start', { reason: 'me too' });
      expect(second.status).toBe(409);
      expect((await errorOf(second)).message).toContain(
        'experiment exp-a is already running on model sporeprint-classic',
      );
      const weights = await admin.put('/v1/experiments/exp-a/weights', {
        weights: { challenger: 10 },
        reason: 'ramp',
      });
      expect(((await weights.json()) as Experiment).arms.map((x) => x.weight)).toEqual([50, 10]);
      const badWeights = await admin.put('/v1/experiments/exp-a/weights', { weights: { ghost: 1 } });
      expect(badWeights.status).toBe(400);
      expect((await errorOf(badWeights)).message).toMatch(/no arm named ghost/);
      expect((await admin.post('/v1/experiments/exp-a/pause', null)).status).toBe(200);
      expect((await admin.post('/v1/experiments/exp-a/resume', null)).status).toBe(200);
      expect((await admin.post('/v1/experiments/exp-a/stop', { reason: 'enough data' })).status).toBe(200);
      const noWinner = await admin.post('/v1/experiments/exp-a/conclude', null);
      expect(noWinner.status).toBe(400);
      expect((await errorOf(noWinner)).message).toMatch(
        /no significant winner \(waiting for 200 labelled predictions per arm.*\): name the winning arm \(control, challenger\)/,
      );
      const concluded = await admin.post('/v1/experiments/exp-a/conclude', {
        winner: 'challenger',
        reason: 'better',
      });
      expect(concluded.status).toBe(200);
      const result = (await concluded.json()) as { experiment: Experiment; promotion: unknown };
      expect(result.experiment).toMatchObject({ status: 'concluded', winner: 'challenger' });
      expect(result.promotion).not.toBeNull();
      const history = (await storage.registry.history(MODEL)).at(-1);
      expect(history).toMatchObject({ version: a.arms[1].version, toStage: 'Production' });
      expect(history?.reason).toContain('better; experiment exp-a concluded: winner challenger (v2)');

      const shown = (await (await reader.get('/v1/experiments/exp-a')).json()) as {
        experiment: Experiment;
        metrics: unknown;
        analysis: unknown;
      };
      expect(shown.experiment.id).toBe('exp-a');
      const events = (await (await reader.get('/v1/experiments/exp-a/history')).json()) as {
        action: string;
        actor: string;
      }[];
      expect(events.map((e) => e.action)).toEqual([
        'create',
        'start',
        'weights',
        'pause',
        'resume',
        'stop',
        'conclude',
      ]);
      expect(events[1].actor).toMatch(/^api-key:/);
      const list = (await (await reader.get('/v1/experiments?status=concluded')).json()) as Experiment[];
      expect(list.map((e) => e.id)).toEqual(['exp-a']);
      expect((await reader.get('/v1/experiments/exp-none')).status).toBe(404);
      expect((await reader.get('/v1/experiments?model=nope')).status).toBe(404);
      await admin.post('/v1/experiments/exp-b/stop', null);
    });

    it("the server's periodic check stops an experiment past its maximum duration", async () => {
      const body = {
        model: MODEL,
        id: 'exp-short',
        arms: [
          { version: 2, role: 'control' },
          { version: 2, role: 'challenger' },
        ],
        settings: { maxDurationHours: 0.001 }, // 3.6 s
      };
      expect((await admin.post('/v1/experiments', body)).status).toBe(200);
      expect((await admin.post('/v1/experiments/exp-short/start', null)).status).toBe(200);
      let status = 'running';
      for (let i = 0; i < 300 && status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (
          (await (await reader.get('/v1/experiments/exp-short')).json()) as { experiment: Experiment }
        ).experiment.status;
      }
      expect(status).toBe('stopped');
      const events = (await (await reader.get('/v1/experiments/exp-short/history')).json()) as {
        action: string;
        actor: string;
        reason: string;
      }[];
      expect(events.at(-1)).toMatchObject({ action: 'max-duration-stop', actor: 'system' });
      expect(events.at(-1)?.reason).toMatch(/maximum duration reached: running [\d.]+ h of at most 0\.001 h/);
    }, 60_000);
  });
}
