/**
 * The graceful drain of `sporeprint serve` (SQLite, a real process): on SIGTERM the server reports
 * `/health/ready` 503 "draining" at once while it still answers every request (each with
 * `Connection: close`), for SPOREPRINT_DRAIN_SECONDS; then it stops accepting, finishes, flushes the
 * prediction log and exits 0. Every answered prediction is in the log.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { spawnListening, stopServer } from '../helpers/server-process.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';

const DRAIN_SECONDS = 2;

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
  readonly body: string;
}

/**
 * One request on a keep-alive connection of its own (node:http, to see the `Connection` header as
 * sent), closed afterwards.
 */
function send(url: string, method: string, path: string, body?: string): Promise<Answer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  }).finally(() => agent.destroy());
}

describe('graceful drain on SIGTERM (SQLite, a real server process)', () => {
  const backend = sqliteBackend();
  let dbUrl: string;
  let server: Awaited<ReturnType<typeof spawnListening>> | undefined;
  let cleanup = () => {};

  beforeAll(async () => {
    dbUrl = backend.freshUrl();
    const prepared = await prepareServingDatabase(dbUrl);
    cleanup = prepared.cleanup;
    server = await spawnListening(['src/main/cli.ts', 'serve', '--port', '0'], {
      DATABASE_URL: dbUrl,
      SPOREPRINT_VAR_DIR: prepared.varDir,
      SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
      SPOREPRINT_LOG_LEVEL: 'silent',
      SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
      SPOREPRINT_DRAIN_SECONDS: String(DRAIN_SECONDS),
    });
  }, 300_000);
  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null) server.child.kill('SIGKILL');
    await stopServer(server?.child);
    cleanup();
  });

  it('answers while readiness says "draining", then stops accepting, flushes and exits 0', async () => {
    if (server === undefined) throw new Error('server not started');
    const { url, child } = server;
    const body = JSON.stringify(CLASSIC_MUSHROOM);
    expect((await send(url, 'GET', '/health/ready')).status).toBe(200);
    const before = await send(url, 'POST', '/v1/predict', body);
    expect(before.status).toBe(200);
    expect(before.connection).not.toBe('close');

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const t0 = Date.now();
    child.kill('SIGTERM');
    // readiness fails within moments of the signal (the signal is handled between two requests)
    let ready: Answer;
    do ready = await send(url, 'GET', '/health/ready');
    while (ready.status === 200 && Date.now() - t0 < 5000);
    const notReadyAfter = Date.now() - t0;
    expect(ready.status).toBe(503);
    const envelope = JSON.parse(ready.body) as {
      error: { code: string; message: string; details: { status: string; database: string } };
    };
    expect(envelope.error).toMatchObject({ code: 'SP_ERR_NOT_READY', details: { status: 'draining' } });
    expect(envelope.error.message).toMatch(/^not ready: draining: the server is stopping/);
    expect(envelope.error.details.database).toBe('ok');
    expect((await send(url, 'GET', '/v2/health/ready')).status).toBe(503);

    // predictions are answered all through the drain, each closing its connection, until the port closes
    const acked: string[] = [];
    const answers: { at: number; status: number; connection: string | undefined }[] = [];
    let refusedAt: number | null = null;
    while (refusedAt === null && Date.now() - t0 < 30_000) {
      try {
        const a = await send(url, 'POST', '/v1/predict', body);
        answers.push({ at: Date.now() - t0, status: a.status, connection: a.connection });
        if (a.status === 200) acked.push((JSON.parse(a.body) as { predictionId: string }).predictionId);
      } catch (e) {
        // the port closed: refused, or, for a connection the kernel accepted just before the close
        // whose request Node had not read yet (an idle connection, which closing the server ends),
        // reset; either way no answer was given, so nothing acknowledged can be missing
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain((e as NodeJS.ErrnoException).code);
        refusedAt = Date.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const code = await exited;
    console.log(
      `drain ${DRAIN_SECONDS} s: readiness 503 after ${notReadyAfter} ms, ${answers.length} predictions answered while draining, port closed (refused or reset) after ${refusedAt} ms`,
    );
    expect(notReadyAfter).toBeLessThan(1000);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.connection !== 'close')).toEqual([]);
    // still answering late in the drain; refusing only once it is over
    expect(Math.max(...answers.map((a) => a.at))).toBeGreaterThan(DRAIN_SECONDS * 1000 - 500);
    expect(refusedAt).not.toBeNull();
    expect(refusedAt!).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 50);
    expect(code).toBe(0);
    expect(server.stderr()).toMatch(
      /SIGTERM: draining for 2 s \(\/health\/ready answers 503 "draining"; requests are still answered\)…\n(?:.*\n)*?SIGTERM: stopping/,
    );
    // every answered prediction is in the log
    const storage = await openStorage(dbUrl);
    try {
      expect((await storage.predictions.stored(acked)).size).toBe(acked.length);
    } finally {
      await storage.close();
    }
  }, 120_000);
});
