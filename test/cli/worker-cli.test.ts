/**
 * `sporeprint worker` as a user runs it: refused without the BullMQ settings, `--health` (the
 * container healthcheck) with Redis answering or not, bad options, and a graceful stop on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCliWorker } from '../helpers/bullmq-workers.js';
import { runCli } from '../helpers/run-cli.js';

const redisUrl = process.env.SPOREPRINT_TEST_REDIS_URL;

describe('sporeprint worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-worker-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SPOREPRINT_VAR_DIR: dir,
    SPOREPRINT_EXECUTOR: 'bullmq',
    SPOREPRINT_REDIS_URL: redisUrl ?? 'redis://127.0.0.1:6379',
  };

  it('is refused, exit 2, unless SPOREPRINT_EXECUTOR=bullmq and SPOREPRINT_REDIS_URL are set', async () => {
    const local = await runCli(['worker'], { ...env, SPOREPRINT_EXECUTOR: 'local' });
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('error [SP_ERR_CONFIG]: sporeprint worker runs tasks queued on Redis');
    const noRedis = await runCli(['worker'], { ...env, SPOREPRINT_REDIS_URL: '' });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toContain('bullmq needs SPOREPRINT_REDIS_URL');
  });

  it.each([
    [['--concurrency', '0'], /--concurrency <n>' argument '0' is invalid/],
    [['--concurrency', 'two'], /expected a whole number of tasks from 1 to 64, got 'two'/],
    [['--grace', '-1'], /--grace <seconds>' argument '-1' is invalid/],
  ])('refuses worker %j with exit 2', async (args, message) => {
    const r = await runCli(['worker', ...args], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--health fails (exit 1) naming Redis when it does not answer', async () => {
    const r = await runCli(['worker', '--health'], { ...env, SPOREPRINT_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^database ok \(\d+ ms\)$/m);
    expect(r.stdout).toMatch(
      /^redis +unreachable: Redis at redis:\/\/127\.0\.0\.1:1 does not answer: .*ECONNREFUSED/m,
    );
  });

  it('--health fails (exit 1) naming the database when it does not answer', async () => {
    const r = await runCli(['worker', '--health'], { ...env, DATABASE_URL: 'mysql://root@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^database unreachable: Cannot connect to MySQL\/MariaDB at 127\.0\.0\.1:1/m);
  });

  if (redisUrl === undefined) {
    it.skip('--health and a running worker need SPOREPRINT_TEST_REDIS_URL', () => {});
  } else {
    it('--health passes (exit 0) when the database and Redis answer', async () => {
      const r = await runCli(['worker', '--health'], env);
      expect(r.stdout).toMatch(/^database ok \(\d+ ms\)\nredis +ok \(\d+ ms\)\n$/);
      expect(r.code).toBe(0);
    });

    it('prints a start line, connects, and stops gracefully on SIGTERM (exit 0)', async () => {
      const w = await spawnCliWorker(env, ['--concurrency', '3']);
      expect(w.output()).toMatch(
        /sporeprint worker \S+:\d+ started: queue sporeprint-tasks on redis:\/\/\S+, concurrency 3\n/,
      );
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(w.output()).toContain('SIGTERM: stopping (running tasks get 20 s)…\nstopped\n');
    });
  }
});
