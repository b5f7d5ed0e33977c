import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../../core/index.js';
import { migrationNames, openStorage, parseDatabaseUrl } from '../../index.js';

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isSporeprintError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseDatabaseUrl', () => {
  it('parses SQLite paths, relative and absolute, and in-memory', () => {
    expect(parseDatabaseUrl('sqlite:var/sporeprint.db')).toEqual({
      dialect: 'sqlite',
      memory: false,
      path: resolve('var/sporeprint.db'),
      display: `sqlite:${resolve('var/sporeprint.db')}`,
    });
    expect(parseDatabaseUrl('sqlite:/tmp/a.db')).toMatchObject({ path: '/tmp/a.db' });
    expect(parseDatabaseUrl('sqlite:///tmp/a.db')).toMatchObject({ path: '/tmp/a.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toMatchObject({ memory: true, path: ':memory:' });
  });

  it('parses MySQL and MariaDB URLs, redacting the password', () => {
    const url = parseDatabaseUrl('mysql://app:s%40cret@db.example:3307/sporeprint');
    expect(url).toMatchObject({
      dialect: 'mysql',
      host: 'db.example',
      port: 3307,
      user: 'app',
      password: 's@cret',
      database: 'sporeprint',
      display: 'mysql://app:***@db.example:3307/sporeprint',
    });
    expect(JSON.stringify(url)).not.toContain('cret');
    expect(parseDatabaseUrl('mariadb://root@127.0.0.1/x')).toMatchObject({
      dialect: 'mysql',
      port: 3306,
      password: undefined,
      display: 'mariadb://root@127.0.0.1:3306/x',
    });
  });

  it('names the problem of a bad URL, never printing the password', () => {
    const cases: [string, RegExp][] = [
      ['postgres://u:hunter2@h/db', /unsupported database URL scheme "postgres:"/i],
      ['var/sporeprint.db', /no scheme/],
      ['sqlite:', /no SQLite file path/],
      ['mysql://u:hunter2@h:3306/', /names no database/],
      ['mysql://u:hunter2@h/bad-name', /Database name "bad-name"/],
      ['mysql://u:hunter2@h:notaport/db', /not a valid mysql:\/\/ URL/],
      ['mysql://h/db', /names no user/],
      ['mysql:db', /has no host/],
    ];
    for (const [url, pattern] of cases) {
      const e = thrown(() => parseDatabaseUrl(url));
      expect(e.code, url).toBe('SP_ERR_CONFIG');
      expect(e.message, url).toMatch(pattern);
      expect(e.message, url).not.toContain('hunter2');
    }
  });
});

describe('openStorage', () => {
  const root = mkdtempSync(join(tmpdir(), 'sporeprint-open-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates parent directories and a WAL-mode SQLite file', async () => {
    const path = join(root, 'a', 'b', 'sporeprint.db');
    const storage = await openStorage(`sqlite:${path}`);
    expect(storage.dialect).toBe('sqlite');
    await storage.close();
    await storage.close();
    expect(existsSync(path)).toBe(true);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .pluck()
        .all();
      expect(tables).toEqual(
        expect.arrayContaining(['dataset_versions', 'quarantine_rows', 'source_rows', 'sources']),
      );
    } finally {
      raw.close();
    }
  });

  it('reports a failed migration as SP_ERR_MIGRATION naming it', async () => {
    const path = join(root, 'conflict.db');
    const raw = new BetterSqlite3(path);
    raw.exec('create table sources (x integer)');
    raw.close();
    const err = await openStorage(`sqlite:${path}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'SP_ERR_MIGRATION' });
    expect(String((err as Error).message)).toMatch(/^Migration 0001-etl-datasets failed: .*sources/);
    const storage = await openStorage(`sqlite:${path}`, { migrate: false });
    expect(await storage.migrationStatus()).toEqual(
      migrationNames().map((name) => ({ name, executedAt: null })),
    );
    await expect(storage.migrate()).rejects.toMatchObject({
      code: 'SP_ERR_MIGRATION',
      details: {
        migration: '0001-etl-datasets',
        results: migrationNames().map((name, i) => ({ name, status: i === 0 ? 'failed' : 'not-run' })),
      },
    });
    await storage.close();
  });

  it('opens an in-memory SQLite database', async () => {
    const storage = await openStorage('sqlite::memory:');
    expect(await storage.datasets.listVersions()).toEqual([]);
    await storage.close();
  });

  it('rejects a bad URL with SP_ERR_CONFIG', async () => {
    await expect(openStorage('redis://localhost/0')).rejects.toMatchObject({ code: 'SP_ERR_CONFIG' });
  });

  it('fails fast with SP_ERR_DATABASE naming host:port when MySQL is unreachable', async () => {
    const started = Date.now();
    const err = await openStorage('mysql://root:hunter2@127.0.0.1:1/sporeprint', {
      connectTimeoutMs: 3000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'SP_ERR_DATABASE' });
    expect(String((err as Error).message)).toContain('127.0.0.1:1');
    expect(String((err as Error).message)).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
