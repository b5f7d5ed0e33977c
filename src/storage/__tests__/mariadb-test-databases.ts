import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, it } from 'vitest';
import { type MysqlUrl, parseDatabaseUrl } from '../index.js';

/** Fresh MariaDB databases for one test file, and the server they live on. */
export interface MariadbTestDatabases {
  /** URL of a new, empty database; every one made is dropped after the file's tests. */
  freshUrl(): string;
  /** Connection settings of the server (no database). */
  readonly auth: { host: string; port: number; user: string; password: string | undefined };
}

/**
 * Databases under SPOREPRINT_TEST_MYSQL_URL for one test file (per-file random prefix, so files run in
 * parallel). Returns null, with a visible skipped suite, when the variable is unset; when it is set an
 * unreachable server fails the tests instead of skipping them.
 */
export function mariadbTestDatabases(suite: string): MariadbTestDatabases | null {
  const baseUrl = process.env.SPOREPRINT_TEST_MYSQL_URL;
  if (baseUrl === undefined || baseUrl === '') {
    console.warn(`SPOREPRINT_TEST_MYSQL_URL not set: MariaDB ${suite} tests skipped`);
    describe.skip(`${suite}: MariaDB (SPOREPRINT_TEST_MYSQL_URL not set)`, () => {
      it('needs SPOREPRINT_TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/sporeprint_test', () => {});
    });
    return null;
  }
  const parsed = parseDatabaseUrl(baseUrl);
  if (parsed.dialect !== 'mysql')
    throw new Error(`SPOREPRINT_TEST_MYSQL_URL is not a MySQL URL: ${parsed.display}`);
  const base: MysqlUrl = parsed;
  const prefix = `${base.database}_${randomBytes(4).toString('hex')}`;
  const urlPrefix = baseUrl.trim().replace(/\/[^/]*$/, '/');
  const auth = { host: base.host, port: base.port, user: base.user, password: base.password };
  const created: string[] = [];
  afterAll(async () => {
    if (created.length === 0) return;
    const admin = await createConnection(auth);
    try {
      for (const db of created) await admin.query(`drop database if exists \`${db}\``);
    } finally {
      await admin.end();
    }
  });
  return {
    auth,
    freshUrl() {
      const db = `${prefix}_${created.length + 1}`;
      created.push(db);
      return `${urlPrefix}${db}`;
    },
  };
}
