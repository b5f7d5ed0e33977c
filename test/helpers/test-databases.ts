import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, it } from 'vitest';

/** A backend the integration suites run against. */
export interface TestBackend {
  readonly name: 'SQLite' | 'MariaDB';
  /** A URL of a fresh, empty database; cleaned up after the file's tests. */
  freshUrl(): string;
}

/** Fresh SQLite files in a temp folder removed after the file's tests. */
export function sqliteBackend(): TestBackend {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-test-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { name: 'SQLite', freshUrl: () => `sqlite:${join(dir, `db-${++n}.sqlite`)}` };
}

/**
 * Fresh MariaDB databases under SPOREPRINT_TEST_MYSQL_URL, dropped after the file's tests; `null` (with a
 * visible skipped suite) when the variable is unset. In CI the variable is set, so an unreachable
 * server fails the tests instead of skipping them.
 */
export function mariadbBackend(suite: string): TestBackend | null {
  const baseUrl = process.env.SPOREPRINT_TEST_MYSQL_URL;
  if (!baseUrl) {
    if (process.env.SPOREPRINT_REQUIRE_SERVICES) {
      throw new Error('SPOREPRINT_REQUIRE_SERVICES is set but SPOREPRINT_TEST_MYSQL_URL is not');
    }
    console.warn(`SPOREPRINT_TEST_MYSQL_URL not set: MariaDB ${suite} tests skipped`);
    describe.skip(`${suite}: MariaDB (SPOREPRINT_TEST_MYSQL_URL not set)`, () => {
      it('needs SPOREPRINT_TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/sporeprint_test', () => {});
    });
    return null;
  }
  const url = new URL(baseUrl);
  const prefix = `${url.pathname.slice(1) || 'sporeprint_test'}_${randomBytes(3).toString('hex')}`;
  const created: string[] = [];
  afterAll(async () => {
    if (created.length === 0) return;
    const admin = await createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password) || undefined,
    });
    try {
      for (const db of created) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    } finally {
      await admin.end();
    }
  });
  return {
    name: 'MariaDB',
    freshUrl: () => {
      const db = `${prefix}_${created.length + 1}`;
      created.push(db);
      const u = new URL(baseUrl);
      u.pathname = `/${db}`;
      return u.toString();
    },
  };
}
