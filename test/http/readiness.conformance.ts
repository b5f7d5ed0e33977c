import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { client, type ErrorAnswer } from '../helpers/http-client.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const TABLES = ['predictions', 'prediction_journal'];

/** Runs SQL on the server's database through a connection of its own (another client of the database). */
async function exec(dbUrl: string, statements: string[]): Promise<void> {
  if (dbUrl.startsWith('sqlite:')) {
    const db = new Database(dbUrl.slice('sqlite:'.length));
    try {
      for (const s of statements) db.exec(s);
    } finally {
      db.close();
    }
    return;
  }
  const conn = await createConnection(dbUrl);
  try {
    for (const s of statements) await conn.query(s);
  } finally {
    await conn.end();
  }
}

/** Triggers that make every insert into the log's tables fail: its commits fail, reads still work. */
const failCommits = (dbUrl: string) =>
  TABLES.map((t) =>
    dbUrl.startsWith('sqlite:')
      ? `CREATE TRIGGER fail_${t} BEFORE INSERT ON ${t} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`
      : `CREATE TRIGGER fail_${t} BEFORE INSERT ON ${t} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'database or disk is full'`,
  );
const allowCommits = () => TABLES.map((t) => `DROP TRIGGER fail_${t}`);

/**
 * Defect 9: readiness reflects whether the prediction log can commit. Commits are made to fail for
 * real (every insert of the log's writer refused by the database) while the database still answers.
 */
export function describeReadiness(backend: TestBackend): void {
  describe(`readiness follows the prediction log's commits (${backend.name})`, () => {
    let server: RunningServer;
    let dbUrl: string;
    let cleanup: () => void;
    let http: ReturnType<typeof client>;

    beforeAll(async () => {
      dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      cleanup = prepared.cleanup;
      server = await startServer(prepared.config, { version: 'test' });
      http = client(server.url);
    }, 400_000);
    afterAll(async () => {
      await server?.close();
      cleanup?.();
    });

    it('is not ready while commits fail (naming why, no driver text), ready again once they succeed', async () => {
      expect((await http.get('/health/ready')).status).toBe(200);
      await exec(dbUrl, failCommits(dbUrl));
      try {
        const failed = await http.post('/v1/predict', CLASSIC_MUSHROOM);
        expect(failed.status).toBe(503);
        const fe = (await failed.json()) as ErrorAnswer;
        expect(fe.error.code).toBe('SP_ERR_DATABASE');
        expect(fe.error.message).not.toMatch(/disk is full|SQLITE|45000/);
        const ready = await http.get('/health/ready');
        expect(ready.status).toBe(503);
        const e = (await ready.json()) as ErrorAnswer & {
          error: { details: { predictionLog: string; database: string } };
        };
        expect(e.error.code).toBe('SP_ERR_NOT_READY');
        expect(e.error.message).toMatch(
          /prediction log cannot commit: its last commit failed at .* \(SP_ERR_DATABASE/,
        );
        expect(e.error.details.database).toBe('ok');
        expect(JSON.stringify(e)).not.toMatch(/disk is full/);
        expect((await http.get('/v2/health/ready')).status).toBe(503);
        // still failing: the readiness probe's own commit fails too
        await new Promise((r) => setTimeout(r, 1_100));
        expect((await http.get('/health/ready')).status).toBe(503);
      } finally {
        await exec(dbUrl, allowCommits());
      }
      // no prediction needed: the probe commits, readiness recovers (at most one probe a second)
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await http.get('/health/ready')).status).toBe(200);
      expect((await http.post('/v1/predict', CLASSIC_MUSHROOM)).status).toBe(200);
    });
  });
}
