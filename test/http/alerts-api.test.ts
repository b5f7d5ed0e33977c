/** The alerts routes over a real server and SQLite database: keys, listing, silences, bad input. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';

interface Silence {
  id: string;
  status: string;
  matchersText: string[];
  createdBy: string;
  endsAt: string;
}
interface Listing {
  rules: { name: string }[];
  alerts: { labels: Record<string, string>; state: string; silencedBy: string[]; firedAt: string | null }[];
  silences: Silence[];
}

describe('alerts over HTTP (SQLite)', () => {
  let dir: string;
  let server: RunningServer;
  let storage: Storage;
  let admin: ReturnType<typeof client>;
  let reader: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let adminKey: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-alerts-http-'));
    const config = loadConfig({
      env: {
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SPOREPRINT_VAR_DIR: dir,
        SPOREPRINT_PORT: '0',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      },
    });
    storage = await openStorage(config.databaseUrl);
    adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
    const predictKey = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
    server = await startServer(config, { version: 'test' });
    url = server.url;
    admin = client(url, adminKey);
    reader = client(url, predictKey);
    anonymous = client(url);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const errorOf = async (res: Response) => ((await res.json()) as ErrorAnswer).error;
  const del = (path: string, key?: string) =>
    fetch(`${url}${path}`, { method: 'DELETE', headers: key ? { authorization: `Bearer ${key}` } : {} });
  const body = { matchers: ['alertname=dataset_drift'], duration: '2h', comment: 'retraining' };

  it('lists rules, alerts with their state, and silences; a silence mutes the alert', async () => {
    const empty = (await (await anonymous.get('/v1/alerts')).json()) as Listing;
    expect(empty.rules.map((r) => r.name)).toContain('dataset_drift');
    expect(empty.alerts).toEqual([]);
    await server.alerts.check({ dataset_drift_share: 0.7 });
    const firing = (await (await reader.get('/v1/alerts')).json()) as Listing;
    expect(firing.alerts).toMatchObject([
      { labels: { alertname: 'dataset_drift' }, state: 'firing', silencedBy: [] },
    ]);
    expect(typeof firing.alerts[0].firedAt).toBe('string');

    expect((await anonymous.post('/v1/alerts/silences', body)).status).toBe(401);
    const forbidden = await reader.post('/v1/alerts/silences', body);
    expect(forbidden.status).toBe(403);
    expect((await errorOf(forbidden)).message).toMatch(/silences needs a key with role admin/);
    const created = await admin.post('/v1/alerts/silences', body);
    expect(created.status).toBe(200);
    const silence = (await created.json()) as Silence;
    expect(silence).toMatchObject({ status: 'active', matchersText: ['alertname="dataset_drift"'] });
    expect(silence.createdBy).toMatch(/^api-key:key_/);
    const muted = (await (await admin.get('/v1/alerts')).json()) as Listing;
    expect(muted.alerts[0].silencedBy).toEqual([silence.id]);
    expect(muted.silences.map((s) => s.id)).toEqual([silence.id]);

    expect((await del(`/v1/alerts/silences/${silence.id}`)).status).toBe(401);
    expect((await del(`/v1/alerts/silences/${silence.id}`, 'nope')).status).toBe(401);
    const ended = await del(`/v1/alerts/silences/${silence.id}`, adminKey);
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as Silence).status).toBe('expired');
    const again = await del(`/v1/alerts/silences/${silence.id}`, adminKey);
    expect(again.status).toBe(409);
    expect((await errorOf(again)).message).toMatch(/already expired/);
  });

  it('refuses bad silences with 4xx naming the problem, storing nothing', async () => {
    const before = (await storage.alerts.silences()).length;
    for (const [b, status, message] of [
      [
        { ...body, matchers: ['alertname:dataset_drift'] },
        400,
        /Matcher "alertname:dataset_drift" is invalid/,
      ],
      [{ ...body, matchers: ['alertname=~"(x"'] }, 400, /bad regular expression/],
      [{ ...body, matchers: ['alertname=~".*"'] }, 400, /would silence every alert/],
      [{ ...body, matchers: [] }, 422, /matchers/],
      [{ ...body, duration: '-2h' }, 422, /duration/],
      [{ ...body, duration: '0' }, 400, /duration must be positive/],
      [{ ...body, duration: undefined }, 400, /needs a duration/],
      [{ ...body, duration: undefined, endsAt: '2001-01-01T00:00:00Z' }, 400, /past|after it starts/],
      [{ ...body, endsAt: '2101-01-01T00:00:00Z' }, 400, /not both/],
      [{ ...body, endsAt: 'tomorrow', duration: undefined }, 422, /endsAt/],
      [{ ...body, comment: undefined }, 422, /comment/],
      [{ ...body, mattchers: ['x=y'] }, 422, /mattchers/],
    ] as const) {
      const res = await admin.post('/v1/alerts/silences', b);
      expect(res.status, JSON.stringify(b)).toBe(status);
      expect((await errorOf(res)).message).toMatch(message);
    }
    expect((await admin.post('/v1/alerts/silences', '{"matchers":')).status).toBe(400);
    expect((await storage.alerts.silences()).length).toBe(before);
  });

  it('unknown and malformed silence ids, unknown query parameters', async () => {
    const unknown = await del('/v1/alerts/silences/6f1e2d3c-0000-4000-8000-000000000009', adminKey);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).message).toMatch(
      /Silence 6f1e2d3c-0000-4000-8000-000000000009 does not exist/,
    );
    const malformed = await del('/v1/alerts/silences/not-a-uuid', adminKey);
    expect(malformed.status).toBe(422);
    expect((await admin.get('/v1/alerts?state=firing')).status).toBe(422);
  });
});
