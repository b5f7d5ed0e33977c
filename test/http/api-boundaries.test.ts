import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { openStorage } from '../../src/storage/index.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

/** Security and limits at the HTTP boundary: keys on predict, rate limit, body size, CORS, content types. */
describe('HTTP API limits and security', () => {
  const backend = sqliteBackend();
  let server: RunningServer;
  let url: string;
  let key: string;
  let revoked: string;
  let cleanup: () => void;

  beforeAll(async () => {
    const dbUrl = backend.freshUrl();
    const prepared = await prepareServingDatabase(dbUrl);
    cleanup = prepared.cleanup;
    const storage = await openStorage(dbUrl);
    key = (await storage.apiKeys.create({ name: 'app', role: 'predict' })).secret;
    const old = await storage.apiKeys.create({ name: 'old', role: 'predict' });
    await storage.apiKeys.revoke(old.id);
    revoked = old.secret;
    await storage.close();
    const config = loadConfig({
      env: {
        DATABASE_URL: dbUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_REQUIRE_KEY: 'true',
        SPOREPRINT_RATE_LIMIT: '40',
        SPOREPRINT_BODY_LIMIT: '4096',
      },
    });
    server = await startServer(config, { version: 'test', port: 0 });
    url = server.url;
  }, 400_000);
  afterAll(async () => {
    await server?.close();
    cleanup?.();
  });

  const predict = (headers: Record<string, string>, body: string = JSON.stringify(CLASSIC_MUSHROOM)) =>
    fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('requires a valid, unrevoked key on prediction endpoints when configured', async () => {
    const none = await predict({});
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('SP_ERR_UNAUTHORIZED');
    expect((await predict({ authorization: `Bearer ${revoked}` })).status).toBe(401);
    expect((await predict({ 'x-api-key': key })).status).toBe(200);
    expect((await predict({ authorization: `Bearer ${key}` })).status).toBe(200);
  });

  it('refuses bodies over the size limit with 413 and unsupported content types with 415', async () => {
    const big = JSON.stringify({ ...CLASSIC_MUSHROOM, padding: 'x'.repeat(8000) });
    const res = await predict({ authorization: `Bearer ${key}` }, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('SP_ERR_PAYLOAD_TOO_LARGE');
    const xml = await fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${key}` },
      body: '<m/>',
    });
    expect(xml.status).toBe(415);
  });

  it('sends no CORS headers by default', async () => {
    const res = await fetch(`${url}/health/live`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rate-limits per key with 429 and a stable error code', async () => {
    let limited: Response | null = null;
    for (let i = 0; i < 60 && limited === null; i++) {
      const r = await predict({ authorization: `Bearer ${key}` });
      if (r.status === 429) limited = r;
      else await r.arrayBuffer();
    }
    expect(limited).not.toBeNull();
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('SP_ERR_RATE_LIMITED');
    // health stays reachable for probes
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('defect 2: a fresh random token per request gets no fresh bucket (failed keys count by address)', async () => {
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 1; i <= 45; i++) {
      const r = await predict({ authorization: `Bearer g${i}` });
      statuses.push(r.status);
      if (r.status === 429) limited ??= r;
      else await r.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    expect(statuses).toContain(429);
    // defect 10: the 429 is the envelope, with a message
    const body = (await limited!.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SP_ERR_RATE_LIMITED');
    expect(body.error.message).toMatch(/rate limit of 40 requests per minute/);
    expect(limited!.headers.get('retry-after')).not.toBeNull();
  });

  it('never leaks a stack trace', async () => {
    const res = await fetch(`${url}/v1/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}` },
      body: 'a,b\n"unclosed',
    });
    const text = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});
