import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, SECRET_FILE_VARS } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'sporeprint-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('<NAME>_FILE secrets', () => {
  it('reads DATABASE_URL from the file DATABASE_URL_FILE names, trimming the newline', () => {
    const path = secretFile('db-url', 'mysql://sporeprint:s3cret@mariadb:3306/sporeprint\n');
    const c = loadConfig({ env: { DATABASE_URL_FILE: path } });
    expect(c.databaseUrl).toBe('mysql://sporeprint:s3cret@mariadb:3306/sporeprint');
  });

  it('reads the Redis URL and the alert webhook URL the same way', () => {
    expect(SECRET_FILE_VARS).toEqual([
      'DATABASE_URL',
      'SPOREPRINT_REDIS_URL',
      'SPOREPRINT_ALERT_WEBHOOK_URL',
    ]);
    const c = loadConfig({
      env: {
        SPOREPRINT_REDIS_URL_FILE: secretFile('redis-url', 'redis://:pw@redis:6379/0'),
        SPOREPRINT_ALERT_WEBHOOK_URL_FILE: secretFile('hook', '  https://hooks.example/abc  \n'),
      },
    });
    expect(c.redisUrl).toBe('redis://:pw@redis:6379/0');
    expect(c.alerts.webhookUrl).toBe('https://hooks.example/abc');
  });

  it('wins over the config file, as the environment does', () => {
    const c = loadConfig({
      env: { DATABASE_URL_FILE: secretFile('db-url-2', 'sqlite:/tmp/x.db') },
      fileText: JSON.stringify({ databaseUrl: 'sqlite:/tmp/y.db' }),
    });
    expect(c.databaseUrl).toBe('sqlite:/tmp/x.db');
  });

  it('ignores an empty <NAME>_FILE and other variables ending in _FILE', () => {
    const c = loadConfig({ env: { DATABASE_URL_FILE: '', SPOREPRINT_SEED_FILE: '/nonexistent' } });
    expect(c.databaseUrl).toBe('sqlite:./var/sporeprint.db');
  });

  it('refuses both the variable and its _FILE', () => {
    expect(() =>
      loadConfig({
        env: {
          DATABASE_URL: 'sqlite::memory:',
          DATABASE_URL_FILE: secretFile('db-url-3', 'sqlite:/tmp/z.db'),
        },
      }),
    ).toThrow(/DATABASE_URL and DATABASE_URL_FILE are both set/);
  });

  it('names the variable and the path of a missing file', () => {
    const missing = join(dir, 'missing');
    expect(() => loadConfig({ env: { DATABASE_URL_FILE: missing } })).toThrow(
      new RegExp(`DATABASE_URL_FILE: cannot read ${missing}`),
    );
  });

  it('refuses an empty file, and a directory', () => {
    const empty = secretFile('empty', '\n');
    expect(() => loadConfig({ env: { DATABASE_URL_FILE: empty } })).toThrow(/DATABASE_URL_FILE: .* is empty/);
    expect(() => loadConfig({ env: { SPOREPRINT_REDIS_URL_FILE: dir } })).toThrow(
      /SPOREPRINT_REDIS_URL_FILE: cannot read/,
    );
  });
});
