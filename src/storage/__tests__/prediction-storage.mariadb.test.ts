import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, it } from 'vitest';
import { parseDatabaseUrl } from '../index.js';
import { describePredictionStorageConformance } from './prediction-storage.conformance.js';

const baseUrl = process.env.SPOREPRINT_TEST_MYSQL_URL;

if (baseUrl === undefined || baseUrl === '') {
  console.warn('SPOREPRINT_TEST_MYSQL_URL not set: MariaDB prediction storage tests skipped');
  describe.skip('prediction storage conformance: MariaDB (SPOREPRINT_TEST_MYSQL_URL not set)', () => {
    it('needs SPOREPRINT_TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/sporeprint_test', () => {});
  });
} else {
  const base = parseDatabaseUrl(baseUrl);
  if (base.dialect !== 'mysql')
    throw new Error(`SPOREPRINT_TEST_MYSQL_URL is not a MySQL URL: ${base.display}`);
  // One fresh database per test, under a per-file prefix, so that test files can run in parallel.
  const prefix = `${base.database}_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const urlPrefix = baseUrl.trim().replace(/\/[^/]*$/, '/');

  afterAll(async () => {
    if (created.length === 0) return;
    const admin = await createConnection({
      host: base.host,
      port: base.port,
      user: base.user,
      password: base.password,
    });
    try {
      for (const db of created) await admin.query(`drop database if exists \`${db}\``);
    } finally {
      await admin.end();
    }
  });

  describePredictionStorageConformance('MariaDB', () => {
    const db = `${prefix}_${created.length + 1}`;
    created.push(db);
    return `${urlPrefix}${db}`;
  });
}
