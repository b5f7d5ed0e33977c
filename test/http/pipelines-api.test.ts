/** The pipelines routes over a real server and SQLite database: keys, runs, bad input, states. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';
import { FIXTURE_MODULE } from '../pipelines/pipeline-runner.conformance.js';

interface Run {
  id: string;
  pipeline: string;
  state: string;
  triggerKind: string;
  createdBy: string;
  outcome: unknown;
}
interface View {
  run: Run;
  tasks: { taskId: string; state: string; output: unknown; progress: number | null }[];
  attempts: unknown[];
  links: unknown[];
}

describe('pipelines over HTTP (SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let storage: Storage;
  let admin: ReturnType<typeof client>;
  let reader: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-pipelines-http-'));
    const config = loadConfig({
      env: {
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SPOREPRINT_VAR_DIR: dir,
        SPOREPRINT_PORT: '0',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
        SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
        SPOREPRINT_PIPELINE_MODULES: FIXTURE_MODULE,
        SPOREPRINT_WORKER_CONCURRENCY: '2',
      },
    });
    storage = await openStorage(config.databaseUrl);
    const adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
    const predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
    server = await startServer(config, { version: 'test' });
    admin = client(server.url, adminKey);
    reader = client(server.url, predictKey);
    anonymous = client(server.url);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const errorOf = async (res: Response) => ((await res.json()) as ErrorAnswer).error;
  const runs = async () => (await storage.pipelines.listRuns({ limit: 500 })).length;
  const finished = async (id: string): Promise<View> => {
    for (let i = 0; i < 200; i++) {
      const view = (await (await reader.get(`/v1/pipelines/runs/${id}`)).json()) as View;
      if (!['running', 'paused'].includes(view.run.state)) return view;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run ${id} did not finish`);
  };

  it('lists pipelines; starting a run needs an admin key; the run is readable with its tasks', async () => {
    const list = (await (await anonymous.get('/v1/pipelines')).json()) as { name: string }[];
    expect(list.map((p) => p.name)).toEqual(expect.arrayContaining(['retrain', 'diamond', 'slow']));

    const body = { params: { start: 4 } };
    expect((await anonymous.post('/v1/pipelines/diamond/runs', body)).status).toBe(401);
    const forbidden = await reader.post('/v1/pipelines/diamond/runs', body);
    expect(forbidden.status).toBe(403);
    expect((await errorOf(forbidden)).message).toMatch(/pipeline changes needs a key with role admin/);
    expect(await runs()).toBe(0);

    const started = await admin.post('/v1/pipelines/diamond/runs', body);
    expect(started.status).toBe(200);
    const run = (await started.json()) as Run;
    expect(run).toMatchObject({
      pipeline: 'diamond',
      triggerKind: 'api',
      createdBy: expect.stringMatching(/^api-key:/),
    });
    const view = await finished(run.id);
    expect(view.run).toMatchObject({ state: 'succeeded', outcome: { value: 118 } });
    expect(view.tasks.map((t) => [t.taskId, t.state])).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['d', 'succeeded'],
    ]);
    const listed = (await (
      await reader.get('/v1/pipelines/runs?pipeline=diamond&state=succeeded&limit=1')
    ).json()) as Run[];
    expect(listed.map((r) => r.id)).toEqual([run.id]);
    const logs = (await (await reader.get(`/v1/pipelines/runs/${run.id}/logs?task=a&after=0`)).json()) as {
      message: string;
    }[];
    expect(logs.map((l) => l.message)).toEqual(['value 4']);
  }, 60_000);

  it('refuses bad input: 400 naming the parameter, 404 unknown, 422 malformed; nothing stored', async () => {
    const before = await runs();
    const cases: [string, unknown, number, string, RegExp][] = [
      [
        '/v1/pipelines/diamond/runs',
        { params: { nope: 1 } },
        400,
        'SP_ERR_PIPELINE_SPEC',
        /unknown parameter "nope"/,
      ],
      [
        '/v1/pipelines/diamond/runs',
        { params: { start: 'abc' } },
        400,
        'SP_ERR_PIPELINE_SPEC',
        /"start" must be a number/,
      ],
      ['/v1/pipelines/retrain/runs', { params: { deploy: 'yolo' } }, 400, 'SP_ERR_PIPELINE_SPEC', /deploy/],
      [
        '/v1/pipelines/nope/runs',
        null,
        404,
        'SP_ERR_NOT_FOUND',
        /unknown pipeline "nope" \(known: .*diamond/,
      ],
      ['/v1/pipelines/diamond/runs', { parameters: {} }, 422, 'SP_ERR_VALIDATION', /parameters/],
      ['/v1/pipelines/diamond/runs', { params: { start: { x: 1 } } }, 422, 'SP_ERR_VALIDATION', /start/],
    ];
    for (const [path, body, status, code, message] of cases) {
      const res = await admin.post(path, body);
      const error = await errorOf(res);
      expect(res.status, `${path} ${JSON.stringify(body)} ${JSON.stringify(error)}`).toBe(status);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
    expect(await runs()).toBe(before);
    const spec = await errorOf(
      await admin.post('/v1/pipelines/diamond/runs', { params: { nope: 1, start: 'x' } }),
    );
    expect(spec.details).toMatchObject({
      specProblems: [expect.stringMatching(/nope/), expect.stringMatching(/start/)],
    });
    const unknown = '01900000-0000-7000-8000-000000000000';
    for (const path of [`/v1/pipelines/runs/${unknown}`, `/v1/pipelines/runs/${unknown}/logs`]) {
      const res = await reader.get(path);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).message).toBe(`pipeline run ${unknown} does not exist`);
    }
    expect((await admin.post(`/v1/pipelines/runs/${unknown}/retry`, null)).status).toBe(404);
    expect((await reader.get('/v1/pipelines/runs?state=sleeping')).status).toBe(422);
    expect((await reader.get('/v1/pipelines/runs?limit=0')).status).toBe(422);
  });

  it('cancel and retry: 409 in the wrong state, admin only', async () => {
    const slow = (await (
      await admin.post('/v1/pipelines/slow/runs', { params: { ms: 60_000 } })
    ).json()) as Run;
    expect((await reader.post(`/v1/pipelines/runs/${slow.id}/cancel`, null)).status).toBe(403);
    const retryRunning = await admin.post(`/v1/pipelines/runs/${slow.id}/retry`, null);
    expect(retryRunning.status).toBe(409);
    expect((await errorOf(retryRunning)).code).toBe('SP_ERR_PIPELINE_STATE');
    const cancelled = await admin.post(`/v1/pipelines/runs/${slow.id}/cancel`, null);
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as Run).state).toBe('cancelled');
    const again = await admin.post(`/v1/pipelines/runs/${slow.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect((await errorOf(again)).message).toMatch(/it is cancelled; only running or paused runs/);
    const retried = await admin.post(`/v1/pipelines/runs/${slow.id}/retry`, null);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as Run).state).toBe('running');
    expect((await admin.post(`/v1/pipelines/runs/${slow.id}/cancel`, null)).status).toBe(200);
  });
});
