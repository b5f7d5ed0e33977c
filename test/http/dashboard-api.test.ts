/**
 * The routes the dashboard reads, over a real server and SQLite database prepared by the real pipeline:
 * the Overview once and live (server-sent events), dataset versions with their quarantine, version
 * comparison and the quality gate's verdict, the alert history, the feature schema in plain words, and
 * the built dashboard's files (cache policy, CSP, gzip, ETag) beside /docs and the API. Bad input is
 * named in a 4xx envelope.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../src/interfaces/http/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import type { Overview } from '../../src/services/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';
import { runCli } from '../helpers/run-cli.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const backend = sqliteBackend();
const MODEL = 'sporeprint-classic';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** Reads server-sent events from a stream until `done` says enough (or 20 s pass). */
async function readEvents(
  res: Response,
  done: (events: { event: string; data: string }[]) => boolean,
): Promise<{ event: string; data: string }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: string }[] = [];
  let text = '';
  const deadline = Date.now() + 20_000;
  while (!done(events) && Date.now() < deadline) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
    let cut = text.indexOf('\n\n');
    while (cut >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data });
      cut = text.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('dashboard routes (SQLite)', () => {
  let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;
  let storage: Storage;
  let server: RunningServer;
  let dir: string;
  let adminKey: string;
  let anonymous: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  const errorOf = async (res: Response) => ((await res.json()) as ErrorAnswer).error;

  beforeAll(async () => {
    prepared = await prepareServingDatabase(backend.freshUrl(), {
      SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
      SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
    });
    storage = await openStorage(prepared.config.databaseUrl);
    adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
    dir = mkdtempSync(join(tmpdir(), 'sporeprint-dashboard-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>sporeprint</title><script type="module" src="/ui/assets/app-1a2b3c.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-1a2b3c.js'), SCRIPT);
    server = await startServer(prepared.config, { version: 'test', dashboardDir: dir });
    anonymous = client(server.url);
    admin = client(server.url, adminKey);
  }, 400_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    prepared?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the Overview: Production model figures, traffic per decision, a running experiment, a firing alert', async () => {
    const empty = (await (await anonymous.get('/v1/overview')).json()) as Overview;
    expect(empty.models).toEqual([
      {
        name: MODEL,
        latestVersion: 2,
        productionVersion: 1,
        figures: {
          recall: expect.any(Number),
          falseEdible: 0,
          accuracy: expect.any(Number),
          n: expect.any(Number),
        },
      },
    ]);
    expect(empty.predictions.total).toBe(0);
    expect(empty.alerts).toEqual({ firing: [], pending: [] });
    expect(empty.pipelines).toEqual([]);
    expect(empty.problems).toEqual([]);

    for (let i = 0; i < 3; i++)
      expect((await anonymous.post('/v1/predict', CLASSIC_MUSHROOM)).status).toBe(200);
    const created = await admin.post('/v1/experiments', {
      id: 'exp-dash',
      model: MODEL,
      arms: [
        { name: 'control', version: 1, role: 'control' },
        { name: 'challenger', version: 2, role: 'challenger' },
      ],
    });
    expect(created.status).toBe(200);
    expect((await admin.post('/v1/experiments/exp-dash/start', {})).status).toBe(200);
    await server.alerts.check({ dataset_drift_share: 0.7 });

    const now = (await (await anonymous.get('/v1/overview')).json()) as Overview;
    expect(now.predictions.total).toBe(3);
    expect(now.predictions.decisions.poisonous + now.predictions.decisions.uncertain).toBe(3);
    expect(now.predictions.minutes.length).toBeGreaterThanOrEqual(1);
    expect(now.predictions.perMinute).toBeCloseTo(3 / 5);
    expect(now.experiments).toMatchObject([{ id: 'exp-dash', status: 'running', modelName: MODEL }]);
    expect(now.alerts?.firing).toMatchObject([
      { ruleName: 'dataset_drift', severity: 'warning', state: 'firing', value: 0.7 },
    ]);
    expect(now.alerts?.firing[0].summary).toMatch(/Dataset drift/);
  });

  it('streams the Overview as server-sent events at once and again when it changes', async () => {
    const res = await fetch(`${server.url}/v1/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    let posted = false;
    const events = await readEvents(res, (evs) => {
      if (evs.length === 1 && !posted) {
        posted = true;
        void anonymous.post('/v1/predict', CLASSIC_MUSHROOM);
      }
      return evs.length >= 2;
    });
    expect(events.map((e) => e.event)).toEqual(['overview', 'overview']);
    const [first, second] = events.map((e) => JSON.parse(e.data) as Overview);
    expect(second.predictions.total).toBe(first.predictions.total + 1);
    expect((await anonymous.get('/v1/events?since=1')).status).toBe(422);
  });

  it('dataset versions: the list, one version with its profile, its quarantine; unknown ids and bad pages refused', async () => {
    const list = (await (await anonymous.get('/v1/datasets')).json()) as { id: string; fileName: string }[];
    expect(list).toMatchObject([{ id: prepared.datasetId, fileName: 'agaricus-lepiota.data' }]);
    const shown = (await (await anonymous.get(`/v1/datasets/${prepared.datasetId}`)).json()) as {
      datasetId: string;
      rows: { data: number; valid: number };
      profile: { columns: { name: string }[] };
      quarantine: { total: number };
    };
    expect(shown.datasetId).toBe(prepared.datasetId);
    expect(shown.rows.data).toBe(8124);
    expect(shown.profile.columns.map((c) => c.name)).toContain('odor');
    const latest = await anonymous.get('/v1/datasets/latest/quarantine?limit=5');
    expect(await latest.json()).toEqual({ total: shown.quarantine.total, entries: expect.any(Array) });

    const missing = await anonymous.get('/v1/datasets/ds-0000000000000000');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).message).toMatch(/no dataset version 'ds-0000000000000000'/);
    expect((await anonymous.get('/v1/datasets/ds-0000000000000000/quarantine')).status).toBe(404);
    for (const query of ['limit=0', 'limit=501', 'offset=-1', 'limit=ten', 'page=2']) {
      const res = await anonymous.get(`/v1/datasets?${query}`);
      expect(res.status, query).toBe(422);
    }
    expect((await anonymous.get('/v1/datasets/bad%20id')).status).toBe(422);
  });

  it('a version derived from labelled production records shows its lineage', async () => {
    const answer = (await (await anonymous.post('/v1/predict', CLASSIC_MUSHROOM)).json()) as {
      predictionId: string;
    };
    const fb = await anonymous.post('/v1/feedback', { predictionId: answer.predictionId, label: 'p' });
    expect(fb.status).toBe(201);
    const etl = await runCli(['etl', '--source', CLASSIC, '--include-feedback', '--model', MODEL, '--json'], {
      DATABASE_URL: prepared.config.databaseUrl,
    });
    expect(etl.code, etl.stderr).toBe(0);
    const derivedId = (JSON.parse(etl.stdout) as { datasetId: string }).datasetId;
    expect(derivedId).not.toBe(prepared.datasetId);
    const shown = (await (await anonymous.get(`/v1/datasets/${derivedId}`)).json()) as {
      lineage?: Record<string, unknown>;
    };
    expect(shown.lineage).toMatchObject({
      parentId: prepared.datasetId,
      labelSource: 'feedback',
      records: 1,
      quarantined: 0,
      modelName: MODEL,
      lastPredictionId: answer.predictionId,
      models: [{ modelName: MODEL, modelVersion: expect.any(Number), records: 1 }],
      conflicts: [],
    });
    expect(
      (shown.lineage?.rowsAdded as number) +
        (shown.lineage?.heldOutOverlap as number) +
        (shown.lineage?.duplicates as number) >=
        1,
    ).toBe(true);
    const parent = (await (await anonymous.get(`/v1/datasets/${prepared.datasetId}`)).json()) as {
      lineage?: unknown;
    };
    expect(parent.lineage).toBeUndefined();
    // the OpenAPI document describes it for clients
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    expect(JSON.stringify(spec.paths['/v1/datasets/{id}'].get.responses['200'])).toMatch(
      /"lineage":\{.*"parentId".*"heldOutOverlap"/s,
    );
  });

  it('pages versions and history, compares two versions, gives the gate verdict rule by rule; bad input refused', async () => {
    const cmp = await anonymous.get(`/v1/models/${MODEL}/compare?a=1&b=2`);
    expect(cmp.status).toBe(200);
    const c = (await cmp.json()) as {
      versions: number[];
      rows: number;
      metrics: Record<string, { a: number; b: number; delta: number }>;
      decisionMatrix: number[][];
    };
    expect(c.versions).toEqual([1, 2]);
    expect(c.decisionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(c.rows);
    expect(c.metrics.accuracy.delta).toBeCloseTo(c.metrics.accuracy.b - c.metrics.accuracy.a);

    const gate = (await (await anonymous.get(`/v1/models/${MODEL}/versions/2/gate`)).json()) as {
      passed: boolean;
      rules: { rule: string; passed: boolean; message: string }[];
      production: { version: number };
    };
    expect(gate.rules.map((r) => r.rule)).toEqual([
      'min-recall',
      'max-false-edible',
      'max-served-false-edible',
      'min-accuracy',
      'no-regression-recall',
      'no-regression-false-edible',
      'no-regression-accuracy',
    ]);
    expect(gate.production.version).toBe(1);
    expect(gate.passed).toBe(gate.rules.every((r) => r.passed));

    // a page of the versions, newest first, and the newest history events
    const page = async (q: string) =>
      (
        (await (await anonymous.get(`/v1/models/${MODEL}${q}`)).json()) as { versions: { version: number }[] }
      ).versions.map((v) => v.version);
    expect(await page('')).toEqual([2, 1]);
    expect(await page('?limit=1')).toEqual([2]);
    expect(await page('?limit=1&offset=1')).toEqual([1]);
    expect(await page('?offset=5')).toEqual([]);
    const history = (await (await anonymous.get(`/v1/models/${MODEL}/history`)).json()) as { id: number }[];
    const newest = (await (await anonymous.get(`/v1/models/${MODEL}/history?last=2`)).json()) as {
      id: number;
    }[];
    expect(newest).toEqual(history.slice(-2));
    for (const q of ['?limit=0', '?offset=-1', '?limit=x', '?page=1']) {
      expect((await anonymous.get(`/v1/models/${MODEL}${q}`)).status, q).toBe(422);
    }
    expect((await anonymous.get(`/v1/models/${MODEL}/history?last=0`)).status).toBe(422);

    const same = await anonymous.get(`/v1/models/${MODEL}/compare?a=2&b=2`);
    expect(same.status).toBe(400);
    expect((await errorOf(same)).message).toMatch(/two different versions/);
    expect((await anonymous.get(`/v1/models/${MODEL}/compare?a=1`)).status).toBe(422);
    expect((await anonymous.get(`/v1/models/${MODEL}/compare?a=1&b=99`)).status).toBe(404);
    expect((await anonymous.get(`/v1/models/nope/versions/1/gate`)).status).toBe(404);
    expect((await anonymous.get(`/v1/models/${MODEL}/versions/0/gate`)).status).toBe(422);
  });

  it('the alert history, newest first, filtered by kind; bad filters refused', async () => {
    await server.alerts.check({ dataset_drift_share: 0.9 });
    const all = (await (await anonymous.get('/v1/alerts/history')).json()) as { seq: number; kind: string }[];
    expect(all.length).toBeGreaterThan(0);
    expect(all.map((h) => h.seq)).toEqual([...all.map((h) => h.seq)].sort((a, b) => b - a));
    const transitions = (await (
      await anonymous.get('/v1/alerts/history?kind=transition&limit=1')
    ).json()) as {
      kind: string;
      toState: string;
    }[];
    expect(transitions).toMatchObject([{ kind: 'transition', toState: 'firing' }]);
    for (const q of ['kind=sms', 'limit=0', 'limit=10001', 'fingerprint=xyz']) {
      expect((await anonymous.get(`/v1/alerts/history?${q}`)).status, q).toBe(422);
    }
  });

  it('the features in plain words: codes with meanings, labels and help', async () => {
    const res = (await (await anonymous.get('/v1/schema')).json()) as {
      schema: string;
      features: { name: string; label: string; help: string; choices?: { code: string; label: string }[] }[];
    };
    expect(res.schema).toBe('classic');
    const odor = res.features.find((f) => f.name === 'odor');
    expect(odor).toMatchObject({ label: 'Smell', kind: 'nominal' });
    expect(odor?.choices).toContainEqual({ code: 'a', label: 'almond', documented: true });
    expect(res.features.every((f) => f.help !== '')).toBe(true);
  });

  it('serves the built dashboard at / with its CSP, hashed assets cached for a year, gzip and ETag', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toMatch(/default-src 'none'/);
    expect(DASHBOARD_CSP).not.toMatch(/https?:|unsafe|\*/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('/ui/assets/app-1a2b3c.js');

    const asset = await fetch(`${server.url}/ui/assets/app-1a2b3c.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await asset.text()).toBe(SCRIPT); // (fetch decodes the gzip it asked for)
    const etag = asset.headers.get('etag')!;
    const again = await fetch(`${server.url}/ui/assets/app-1a2b3c.js`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    const { request } = await import('node:http');
    const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      const req = request(
        `${server.url}/ui/assets/app-1a2b3c.js`,
        { headers: { 'accept-encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(raw.encoding).toBe('gzip');
    expect(raw.body.length).toBeLessThan(SCRIPT.length / 10);
    expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);

    for (const path of ['/ui/assets/nope.js', '/ui/index.html', '/ui/../package.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe('SP_ERR_NOT_FOUND');
    }
    // the rest of the API is where it was
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/overview', '/v1/events', '/v1/datasets']),
    );
    expect(Object.keys(spec.paths)).not.toContain('/');
  });
});

describe('dashboard routes: without a built dashboard, and with keys required', () => {
  let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;
  let storage: Storage;
  let server: RunningServer;
  let predictKey: string;

  beforeAll(async () => {
    prepared = await prepareServingDatabase(backend.freshUrl(), {
      SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
      SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      SPOREPRINT_REQUIRE_KEY: 'true',
    });
    storage = await openStorage(prepared.config.databaseUrl);
    predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
    server = await startServer(prepared.config, { version: 'test', dashboardDir: null });
  }, 400_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    prepared?.cleanup();
  });

  it('/ names the build command; reads need a key; the schema does not', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(503);
    expect(((await page.json()) as ErrorAnswer).error.message).toMatch(/npm run build/);
    for (const path of ['/v1/overview', '/v1/events', '/v1/datasets', '/v1/alerts/history']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(401);
      const wrong = await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status, path).toBe(401);
      expect(((await wrong.json()) as ErrorAnswer).error.message).toMatch(/unknown or revoked API key/);
    }
    const ok = await fetch(`${server.url}/v1/overview`, {
      headers: { authorization: `Bearer ${predictKey}` },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.url}/v1/schema`)).status).toBe(200);
  });

  it('closes open event streams when the server stops', async () => {
    const res = await fetch(`${server.url}/v1/events`, {
      headers: { authorization: `Bearer ${predictKey}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = Date.now();
    await server.close();
    let ended = false;
    while (!ended) ended = (await reader.read()).done;
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
