import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll } from 'vitest';
import { parseDatabaseUrl } from '../../index.js';
import { describeModelStorageConformance } from './model-storage.conformance.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-models-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describeModelStorageConformance(
  'SQLite',
  () => `sqlite:${join(root, `db-${++n}`, 'sporeprint.db')}`,
  async (url, statement) => {
    const target = parseDatabaseUrl(url);
    if (target.dialect !== 'sqlite') throw new Error(`not a SQLite URL: ${url}`);
    const db = new BetterSqlite3(target.path);
    try {
      db.pragma('busy_timeout = 5000');
      db.exec(statement);
    } finally {
      db.close();
    }
  },
);
