import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BullmqDispatcher,
  type BullmqWorkerEvent,
  createBullmqDispatcher,
  pingRedis,
  startBullmqWorker,
  type TaskJob,
} from '../../src/pipeline/index.js';
import {
  killWorker,
  maxOverlap,
  readRecords,
  spawnWorker,
  type WorkerProcess,
  type WorkerSettings,
  waitFor,
} from '../helpers/bullmq-workers.js';

const redisUrl = process.env.SPOREPRINT_TEST_REDIS_URL;

/** Deletes every key under `prefix:` (the queues these tests made). */
async function dropKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

if (!redisUrl) {
  if (process.env.SPOREPRINT_REQUIRE_SERVICES) {
    throw new Error('SPOREPRINT_REQUIRE_SERVICES is set but SPOREPRINT_TEST_REDIS_URL is not');
  }
  console.warn('SPOREPRINT_TEST_REDIS_URL not set: BullMQ runner tests skipped');
  describe.skip('BullMQ runner (SPOREPRINT_TEST_REDIS_URL not set)', () => {
    it('needs SPOREPRINT_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15', () => {});
  });
} else {
  describe('BullMQ runner: dispatch and worker processes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-bullmq-'));
    const prefix = `sptest-${process.pid}-${Date.now()}`;
    const workers: WorkerProcess[] = [];
    const dispatchers: BullmqDispatcher[] = [];
    let n = 0;
    const runId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

    /** A fresh queue, its log file and a dispatcher on it. */
    const setup = (lockDurationMs = 30_000, concurrency = 2, graceMs = 30_000) => {
      n += 1;
      const settings: WorkerSettings = {
        redisUrl: redisUrl!,
        queueName: `q${n}`,
        prefix,
        concurrency,
        lockDurationMs,
        log: join(dir, `q${n}.log`),
        graceMs,
      };
      const dispatcher = createBullmqDispatcher({
        redisUrl: redisUrl!,
        queueName: settings.queueName,
        prefix,
      });
      dispatchers.push(dispatcher);
      const start = async () => {
        const w = await spawnWorker(settings);
        workers.push(w);
        return w;
      };
      const records = () => readRecords(settings.log);
      const count = (jobId: string, event = 'start') =>
        records().filter((r) => r.jobId === jobId && r.event === event).length;
      return { settings, dispatcher, start, records, count };
    };
    const job = (taskId: string, attempt = 1): TaskJob => ({ runId, taskId, attempt });
    const id = (j: TaskJob) => `${j.runId}.${j.taskId}.${j.attempt}`;

    afterAll(async () => {
      await Promise.all(workers.map(killWorker));
      await Promise.all(dispatchers.map((d) => d.close()));
      await dropKeys(redisUrl!, prefix);
      rmSync(dir, { recursive: true, force: true });
    });

    describe('two worker processes on one queue', () => {
      const q = setup();
      beforeAll(async () => {
        await Promise.all([q.start(), q.start()]);
      }, 180_000);

      it('runs a job dispatched several times once, also when dispatched again after it finished', async () => {
        const j = job('sleep-300-idem');
        await Promise.all([q.dispatcher.dispatch(j), q.dispatcher.dispatch(j), q.dispatcher.dispatch(j)]);
        await q.dispatcher.dispatch(j);
        await waitFor('the job to end', () => (q.count(id(j), 'end') === 1 ? true : undefined));
        await q.dispatcher.dispatch(j);
        // a later job on the same queue has ended: the duplicate, had it been queued, would have run by now
        const marker = job('marker-idem');
        await q.dispatcher.dispatch(marker);
        await waitFor('the marker job', () => (q.count(id(marker), 'end') === 1 ? true : undefined));
        await new Promise((r) => setTimeout(r, 500));
        expect(q.count(id(j))).toBe(1);
        // another attempt of the same task is another job
        await q.dispatcher.dispatch(job('sleep-300-idem', 2));
        await waitFor('attempt 2', () =>
          q.count(id(job('sleep-300-idem', 2)), 'end') === 1 ? true : undefined,
        );
      });

      it('fails the BullMQ job when the handler throws; dispatching that attempt again runs it again', async () => {
        const j = job('fail-once');
        await q.dispatcher.dispatch(j);
        await waitFor('the first failure', () => (q.count(id(j), 'threw') === 1 ? true : undefined));
        const client = new Redis(redisUrl!, { maxRetriesPerRequest: null });
        const queue = new Queue(q.settings.queueName, { connection: client, prefix });
        try {
          const state = await waitForState(queue, id(j), 'failed');
          expect(state).toBe('failed');
          await q.dispatcher.dispatch(j);
          await waitFor('the second run', () => (q.count(id(j), 'threw') === 2 ? true : undefined));
          expect(await waitForState(queue, id(j), 'failed')).toBe('failed');
          const failed = await queue.getJob(id(j));
          expect(failed?.failedReason).toBe('task fail-once failed on purpose');
          expect(failed?.opts.attempts).toBe(1);
        } finally {
          await queue.close();
          client.disconnect();
        }
      });

      it('honours the delay: a job dispatched with 1.5 s of delay starts no earlier', async () => {
        const j = job('delayed');
        const t0 = Date.now();
        await q.dispatcher.dispatch(j, 1500);
        const start = await waitFor('the delayed job', () => q.records().find((r) => r.jobId === id(j)));
        expect(start.at - t0).toBeGreaterThanOrEqual(1500);
        expect(start.at - t0).toBeLessThan(15_000);
      });

      it('spreads jobs over both processes', async () => {
        const jobs = Array.from({ length: 8 }, (_, i) => job(`sleep-600-spread-${i}`));
        await Promise.all(jobs.map((j) => q.dispatcher.dispatch(j)));
        await waitFor('all eight', () => (jobs.every((j) => q.count(id(j), 'end') === 1) ? true : undefined));
        const pids = new Set(
          q
            .records()
            .filter((r) => r.jobId.includes('spread'))
            .map((r) => r.pid),
        );
        expect(pids.size).toBe(2);
      });
    });

    it('runs at most `concurrency` jobs at once in a worker, and that many when they wait', async () => {
      const q = setup(30_000, 3);
      const w = await q.start();
      const jobs = Array.from({ length: 7 }, (_, i) => job(`sleep-2000-conc-${i}`));
      await Promise.all(jobs.map((j) => q.dispatcher.dispatch(j)));
      await waitFor('all seven', () => (jobs.every((j) => q.count(id(j), 'end') === 1) ? true : undefined));
      expect(maxOverlap(q.records(), w.pid)).toBe(3);
    });

    it('a worker killed with SIGKILL mid-job: the other worker process runs the job after the lock expired', async () => {
      const q = setup(2000);
      const [a, b] = await Promise.all([q.start(), q.start()]);
      const j = job('sleep-3000-kill');
      await q.dispatcher.dispatch(j);
      const first = await waitFor('the first start', () => q.records().find((r) => r.jobId === id(j)));
      const [victim, survivor] = first.pid === a.pid ? [a, b] : [b, a];
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.exited;
      const again = await waitFor(
        'the job to start on the survivor',
        () => q.records().find((r) => r.jobId === id(j) && r.pid === survivor.pid && r.event === 'start'),
        90_000,
      );
      const recoveryMs = again.at - killedAt;
      console.log(`SIGKILL recovery with lockDuration 2000 ms: ${recoveryMs} ms`);
      expect(recoveryMs).toBeLessThan(30_000);
      await waitFor('the job to end on the survivor', () =>
        q.records().find((r) => r.jobId === id(j) && r.pid === survivor.pid && r.event === 'end'),
      );
      expect(q.count(id(j), 'end')).toBe(1);
      expect(q.count(id(j), 'start')).toBe(2);
    });

    it('SIGTERM past the grace period aborts the running job and another worker runs it at once', async () => {
      const q = setup(30_000, 1, 500);
      const [a, b] = await Promise.all([q.start(), q.start()]);
      const j = job('sleep-20000-term');
      await q.dispatcher.dispatch(j);
      const first = await waitFor('the first start', () => q.records().find((r) => r.jobId === id(j)));
      const [leaving, staying] = first.pid === a.pid ? [a, b] : [b, a];
      const t0 = Date.now();
      leaving.child.kill('SIGTERM');
      expect(await leaving.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(leaving.output()).toContain('"type":"requeued"');
      expect(q.records().find((r) => r.jobId === id(j) && r.event === 'aborted')?.pid).toBe(leaving.pid);
      // requeued at once: well before the 30 s lock would have expired
      const again = await waitFor(
        'the job on the other worker',
        () => q.records().find((r) => r.jobId === id(j) && r.pid === staying.pid),
        25_000,
      );
      expect(again.at - t0).toBeLessThan(25_000);
    });

    it('SIGTERM within the grace period lets the running job finish first', async () => {
      const q = setup(30_000, 1, 60_000);
      const w = await q.start();
      const j = job('sleep-1500-grace');
      await q.dispatcher.dispatch(j);
      await waitFor('the start', () => q.records().find((r) => r.jobId === id(j)));
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(q.records().map((r) => r.event)).toEqual(['start', 'end']);
      expect(w.output()).toContain('worker closed');
    });

    it('fails a job whose payload is not a task job, without calling the handler', async () => {
      const events: BullmqWorkerEvent[] = [];
      let calls = 0;
      const queueName = `q-bad-${++n}`;
      const worker = startBullmqWorker({
        redisUrl: redisUrl!,
        queueName,
        prefix,
        handler: async () => {
          calls += 1;
        },
        onEvent: (e) => events.push(e),
      });
      const client = new Redis(redisUrl!, { maxRetriesPerRequest: null });
      const queue = new Queue(queueName, { connection: client, prefix });
      try {
        await worker.ready();
        await queue.add('foreign', { runId: 'r1', taskId: 'Bad:Id', attempt: 0 }, { jobId: 'foreign-1' });
        const failed = await waitFor('the failed event', () => events.find((e) => e.type === 'failed'));
        expect(failed).toMatchObject({ type: 'failed', jobId: 'foreign-1' });
        expect((failed as { error: string }).error).toMatch(/Invalid task job foreign-1 at \/taskId/);
        expect(calls).toBe(0);
      } finally {
        await queue.close();
        client.disconnect();
        await worker.close(1000);
      }
    });
  });

  describe('BullMQ runner: bad input', () => {
    const d = createBullmqDispatcher({ redisUrl: redisUrl!, queueName: 'q-never-used' });
    afterAll(() => d.close());
    const runId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

    it.each([
      [{ runId, taskId: 'a:b', attempt: 1 }, /at \/taskId/],
      [{ runId: 'run.1', taskId: 'etl', attempt: 1 }, /at \/runId/],
      [{ runId: 'run:1', taskId: 'etl', attempt: 1 }, /at \/runId/],
      [{ runId, taskId: 'etl', attempt: 0 }, /at \/attempt/],
      [{ runId, taskId: 'etl', attempt: 1.5 }, /at \/attempt/],
      [{ runId, taskId: 'etl' }, /attempt/],
      [{ runId, taskId: 'etl', attempt: 1, extra: true }, /Invalid task job/],
    ])('dispatch refuses the job %j with SP_ERR_BAD_PARAM', async (bad, message) => {
      await expect(d.dispatch(bad as unknown as TaskJob)).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringMatching(message),
      });
    });

    it.each([-1, 1.5, Number.NaN, 2 ** 31])('dispatch refuses the delay %s', async (delay) => {
      await expect(d.dispatch({ runId, taskId: 'etl', attempt: 1 }, delay)).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringContaining('dispatch delayMs'),
      });
    });

    it('refuses bad options, naming them', () => {
      const handler = async () => {};
      const cases: [() => unknown, RegExp][] = [
        [() => createBullmqDispatcher({}), /exactly one of redisUrl and connection/],
        [() => createBullmqDispatcher({ redisUrl: 'http://x' }), /Invalid Redis URL "http:\/\/x"/],
        [
          () => createBullmqDispatcher({ redisUrl: 'redis://u:secret@h', queueName: 'a:b' }),
          /Invalid BullMQ queue name "a:b"/,
        ],
        [() => createBullmqDispatcher({ redisUrl: 'redis://h', timeoutMs: 0 }), /dispatch timeoutMs 0/],
        [() => startBullmqWorker({ redisUrl: 'redis://h', handler, concurrency: 0 }), /worker concurrency 0/],
        [
          () => startBullmqWorker({ redisUrl: 'redis://h', handler, lockDurationMs: 10 }),
          /lockDurationMs 10/,
        ],
        [() => startBullmqWorker({ redisUrl: 'redis://h', handler, prefix: 'x y' }), /queue prefix "x y"/],
        [
          () => startBullmqWorker({ redisUrl: 'redis://h' } as never),
          /startBullmqWorker needs a handler function/,
        ],
      ];
      for (const [make, message] of cases) {
        expect(make).toThrow(message);
      }
      expect(() => createBullmqDispatcher({ redisUrl: 'ftp://u:secret@h' })).toThrow(/u:\*\*\*@h/);
    });

    it('pingRedis answers with the round trip, and refuses a URL that is not Redis', async () => {
      expect(await pingRedis(redisUrl!)).toBeGreaterThanOrEqual(0);
      await expect(pingRedis('mysql://root@127.0.0.1/x')).rejects.toMatchObject({
        code: 'SP_ERR_BAD_PARAM',
        message: expect.stringContaining('Invalid Redis URL "mysql://root@127.0.0.1/x"'),
      });
    });

    it('refuses to dispatch once closed', async () => {
      const closed = createBullmqDispatcher({ redisUrl: redisUrl!, queueName: 'q-closed' });
      await closed.close();
      await expect(closed.dispatch({ runId, taskId: 'etl', attempt: 1 })).rejects.toMatchObject({
        code: 'SP_ERR_SHUTTING_DOWN',
      });
    });
  });
}

/** Waits until the job is in `state` (the worker moves it there asynchronously). */
async function waitForState(queue: Queue, jobId: string, state: string): Promise<string> {
  const end = Date.now() + 30_000;
  for (;;) {
    const now = await queue.getJobState(jobId);
    if (now === state || Date.now() > end) return now;
    await new Promise((r) => setTimeout(r, 50));
  }
}
