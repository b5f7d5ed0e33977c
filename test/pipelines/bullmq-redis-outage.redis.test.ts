import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BullmqDispatcher,
  createBullmqDispatcher,
  pingRedis,
  type TaskJob,
} from '../../src/pipeline/index.js';
import {
  killWorker,
  readRecords,
  spawnWorker,
  type WorkerProcess,
  waitFor,
} from '../helpers/bullmq-workers.js';
import { type PrivateRedis, redisServerFor, startPrivateRedis } from '../helpers/private-redis.js';

/**
 * Redis going away under the BullMQ runner: a private redis-server (no persistence) this file starts,
 * kills and restarts on the same port; worker processes and a dispatcher on it.
 */
if (redisServerFor('BullMQ runner: Redis outage')) {
  describe('BullMQ runner: Redis outage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-bullmq-outage-'));
    const log = join(dir, 'worker.log');
    const runId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const job = (taskId: string): TaskJob => ({ runId, taskId, attempt: 1 });
    const id = (j: TaskJob) => `${j.runId}.${j.taskId}.${j.attempt}`;
    const ended = (j: TaskJob) => readRecords(log).find((r) => r.jobId === id(j) && r.event === 'end');
    let redis: PrivateRedis;
    let worker: WorkerProcess;
    let dispatcher: BullmqDispatcher;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      dispatcher = createBullmqDispatcher({ redisUrl: redis.url, timeoutMs: 2000 });
      worker = await spawnWorker({
        redisUrl: redis.url,
        queueName: 'sporeprint-tasks',
        prefix: 'bull',
        concurrency: 2,
        lockDurationMs: 5000,
        log,
        graceMs: 1000,
      });
    }, 180_000);

    afterAll(async () => {
      await killWorker(worker);
      await dispatcher?.close();
      await redis?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('dispatch rejects within its bound while Redis is down, and a new dispatcher too', async () => {
      const before = job('before-outage');
      await dispatcher.dispatch(before);
      await waitFor('the job before the outage', () => ended(before));
      expect(await pingRedis(redis.url)).toBeLessThan(3000);
      await redis.stop();
      try {
        const t3 = Date.now();
        await expect(pingRedis(redis.url, 1500)).rejects.toMatchObject({
          code: 'SP_ERR_NOT_READY',
          message: expect.stringContaining(`Redis at ${redis.url}`),
        });
        expect(Date.now() - t3).toBeLessThan(4000);
        const t0 = Date.now();
        await expect(dispatcher.dispatch(job('during-outage'))).rejects.toMatchObject({
          code: 'SP_ERR_NOT_READY',
          message: expect.stringMatching(/Redis/),
        });
        const elapsed = Date.now() - t0;
        console.log(`dispatch with Redis down rejected after ${elapsed} ms (bound 2000 ms)`);
        expect(elapsed).toBeLessThan(5000);

        const fresh = createBullmqDispatcher({ redisUrl: redis.url, timeoutMs: 2000 });
        const t1 = Date.now();
        await expect(fresh.dispatch(job('fresh-during-outage'))).rejects.toMatchObject({
          code: 'SP_ERR_NOT_READY',
        });
        expect(Date.now() - t1).toBeLessThan(5000);
        const t2 = Date.now();
        await fresh.close();
        expect(Date.now() - t2).toBeLessThan(5000);
      } finally {
        await redis.restart();
      }
    });

    it('a job running when Redis dies still finishes; the worker and dispatcher carry on once Redis is back', async () => {
      const long = job('sleep-3000-outage');
      await retryUntilDispatched(dispatcher, long);
      await waitFor('the long job to start', () => readRecords(log).find((r) => r.jobId === id(long)));
      await redis.stop();
      const downAt = Date.now();
      // made while Redis is away: it connects once Redis is back
      const late = createBullmqDispatcher({ redisUrl: redis.url, timeoutMs: 2000 });
      await waitFor('the long job to end without Redis', () => ended(long), 30_000);
      await new Promise((r) => setTimeout(r, 1000));
      await redis.restart();
      const upAt = Date.now();
      console.log(`Redis was down for ${upAt - downAt} ms`);
      // the same dispatcher object reconnects by itself
      const after = job('after-outage');
      await retryUntilDispatched(dispatcher, after);
      const dispatchedAt = Date.now();
      const done = await waitFor('the job after the outage', () => ended(after), 90_000);
      console.log(
        `after the restart: dispatch succeeded after ${dispatchedAt - upAt} ms, job handled ${done.at - upAt} ms after the restart`,
      );
      expect(done.at - upAt).toBeLessThan(60_000);
      const fromLate = job('from-late-dispatcher');
      await retryUntilDispatched(late, fromLate);
      await waitFor("the late dispatcher's job", () => ended(fromLate), 60_000);
      await late.close();
      expect(worker.child.exitCode).toBeNull();
      console.log(
        `worker error lines during the outage: ${worker.output().split('worker error').length - 1}`,
      );
    });
  });
}

/** Dispatches `job`, retrying every 200 ms while Redis is still coming back (up to 60 s). */
async function retryUntilDispatched(dispatcher: BullmqDispatcher, job: TaskJob): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      await dispatcher.dispatch(job);
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
