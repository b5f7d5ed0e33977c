import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/run-cli.js';
import { spawnListening, stopServer } from '../helpers/server-process.js';
import { mariadbBackend } from '../helpers/test-databases.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = fileURLToPath(new URL('../helpers/loaded-packages-probe.ts', import.meta.url));

/** The packages the probe saw loaded, from a process's stderr. */
function loadedPackages(stderr: string): string[] {
  const m = /loaded packages: (\[.*\])/.exec(stderr);
  if (m === null) throw new Error(`no probe output in: ${stderr.slice(-2000)}`);
  return JSON.parse(m[1]) as string[];
}

/** `sporeprint <args>` from source with the probe loaded first. */
function probedCli(args: readonly string[], env: Record<string, string>) {
  return runProcess(
    process.execPath,
    ['--import', 'tsx', '--import', PROBE, 'src/main/cli.ts', ...args],
    ROOT,
    env,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'sporeprint-drivers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqlite = (name: string) => ({
  DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
  SPOREPRINT_VAR_DIR: dir,
});

/**
 * A process loads the database driver and the queue packages its configuration uses, and no others:
 * BullMQ and ioredis only with Redis configured, mysql2 only on a mysql:// URL (each costs memory and
 * start-up time of every CLI command and server).
 */
describe('packages a process loads', () => {
  it('--help loads none of bullmq, ioredis, mysql2', async () => {
    const r = await probedCli(['--help'], {});
    expect(r.code).toBe(0);
    expect(loadedPackages(r.stderr)).toEqual([]);
  });

  it('a command on SQLite without Redis loads none of them', async () => {
    const r = await probedCli(['models', 'list'], sqlite('list'));
    expect(r.code, r.stderr).toBe(0);
    expect(loadedPackages(r.stderr)).toEqual([]);
  });

  it('serve on SQLite without Redis loads none of them', async () => {
    const { child, stderr } = await spawnListening(
      ['--import', PROBE, 'src/main/cli.ts', 'serve', '--port', '0'],
      {
        ...sqlite('serve'),
      },
    );
    await stopServer(child);
    expect(loadedPackages(stderr())).toEqual([]);
  }, 120_000);

  it('with Redis and the BullMQ executor, the worker health check loads ioredis (not BullMQ, not mysql2)', async () => {
    const redisUrl = process.env.SPOREPRINT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
    const r = await probedCli(['worker', '--health'], {
      ...sqlite('health'),
      SPOREPRINT_EXECUTOR: 'bullmq',
      SPOREPRINT_REDIS_URL: redisUrl,
    });
    // whether or not Redis answers here, the check needed ioredis and nothing else of the three
    expect(loadedPackages(r.stderr)).toEqual(['ioredis']);
  });
});

const mariadb = mariadbBackend('driver loading');
if (mariadb !== null) {
  describe('packages a process loads on MariaDB', () => {
    it('a command on a mysql:// URL loads mysql2, not BullMQ or ioredis', async () => {
      const r = await probedCli(['db', 'migrate'], { DATABASE_URL: mariadb.freshUrl() });
      expect(r.code, r.stderr).toBe(0);
      expect(loadedPackages(r.stderr)).toEqual(['mysql2']);
    });
  });
}
