import type { Redis } from 'ioredis';
import { SporeprintError } from '../../core/index.js';
import type { TaskJob, TaskRunner } from '../dag/pipeline-types.js';
import {
  bullmqJobId,
  checkInteger,
  checkQueueTarget,
  errorText,
  type QueueTarget,
  redactRedisUrl,
  withTimeout,
} from './bullmq-connection.js';
import { bullmq } from './optional-packages.js';
import { closeRedisClient, openRedisClient } from './redis-client.js';

/** Options of {@link createBullmqDispatcher}. */
export interface BullmqDispatcherOptions extends QueueTarget {
  /** A dispatch that Redis has not acknowledged after this long rejects (default 3000 ms). */
  readonly timeoutMs?: number;
  /**
   * How long a completed job is kept, in seconds (default 86,400: a day). While it is kept, a second
   * dispatch of the same attempt is ignored; after that it would run again (the service's claim
   * compare-and-set still makes that a no-op).
   */
  readonly keepCompletedSeconds?: number;
  /** How long a failed job is kept, in seconds (default 604,800: a week), for inspection. */
  readonly keepFailedSeconds?: number;
}

/** A {@link TaskRunner} that only dispatches: task jobs go to BullMQ workers in other processes. */
export interface BullmqDispatcher extends TaskRunner {
  readonly kind: 'bullmq';
  readonly queueName: string;
}

/**
 * Dispatches task jobs onto a BullMQ queue for `sporeprint worker` processes (see
 * {@link startBullmqWorker}). Each job gets the id `${runId}.${taskId}.${attempt}`, so dispatching
 * the same attempt twice adds it once: BullMQ ignores an add whose id exists (waiting, delayed,
 * active, or completed within `keepCompletedSeconds`). A job whose handler threw (a failed BullMQ
 * job: the worker could not reach the database, say) is moved back to wait by the next dispatch of
 * the same attempt, so `reconcile()` re-dispatching a stuck `queued` task gets it run.
 *
 * Jobs are added with `attempts: 1`: retries are sporeprint's own (the attempt number is part of the
 * id). `dispatch` rejects with `SP_ERR_NOT_READY` within `timeoutMs` when Redis is unreachable (the
 * client has no offline queue and a command timeout), so the caller can pause the run; the client
 * reconnects by itself and later dispatches succeed once Redis is back. `close()` only closes the
 * connection: jobs already added stay in Redis for the workers.
 *
 * @example
 * const runner = createBullmqDispatcher({ redisUrl: 'redis://127.0.0.1:6379' });
 * await runner.dispatch({ runId, taskId: 'etl', attempt: 1 });
 */
export function createBullmqDispatcher(options: BullmqDispatcherOptions): BullmqDispatcher {
  const { queueName, prefix } = checkQueueTarget(options);
  const timeoutMs = checkInteger('dispatch timeoutMs', options.timeoutMs ?? 3000, 100, 600_000);
  const keepCompleted = checkInteger('keepCompletedSeconds', options.keepCompletedSeconds ?? 86_400, 0, 1e8);
  const keepFailed = checkInteger('keepFailedSeconds', options.keepFailedSeconds ?? 604_800, 0, 1e8);
  const owned = options.redisUrl !== undefined;
  const client: Redis = options.connection ?? openRedisClient(options.redisUrl!, 'producer', timeoutMs);
  const where = redactRedisUrl(
    options.redisUrl ?? `redis://${client.options.host}:${client.options.port}/${client.options.db ?? 0}`,
  );
  const queue = new (bullmq().Queue)(queueName, {
    connection: client,
    ...(prefix === undefined ? {} : { prefix }),
    defaultJobOptions: {
      attempts: 1,
      removeOnComplete: { age: keepCompleted, count: 100_000 },
      removeOnFail: { age: keepFailed, count: 100_000 },
    },
  });
  // connection errors surface through the failing dispatch; keep the emitter from throwing them
  queue.on('error', () => {});
  let closed = false;

  const add = async (job: TaskJob, jobId: string, delay: number): Promise<void> => {
    const added = await queue.add(job.taskId, { ...job }, { jobId, delay });
    if (await added.isFailed()) {
      try {
        await added.retry('failed');
      } catch {
        // another dispatcher retried it first, or it was removed meanwhile: nothing to do
      }
    }
  };

  return {
    kind: 'bullmq',
    queueName,
    async dispatch(job: TaskJob, delayMs = 0): Promise<void> {
      const jobId = bullmqJobId(job);
      const delay = checkInteger('dispatch delayMs', delayMs, 0, 2_147_483_647);
      if (closed) {
        throw new SporeprintError(
          'SP_ERR_SHUTTING_DOWN',
          `Cannot dispatch ${jobId}: the BullMQ runner is closed`,
        );
      }
      try {
        await withTimeout(add(job, jobId, delay), timeoutMs, `Dispatching task job ${jobId} to ${where}`);
      } catch (e) {
        if (e instanceof SporeprintError) throw e;
        const why =
          client.status === 'ready'
            ? `Redis at ${where} refused it (${errorText(e)})`
            : `Redis at ${where} is unreachable (connection ${client.status})`;
        throw new SporeprintError('SP_ERR_NOT_READY', `Dispatching task job ${jobId} failed: ${why}`, {
          queue: queueName,
        });
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await withTimeout(queue.close(), timeoutMs, 'Closing the BullMQ queue').catch(() => {});
      if (owned) await closeRedisClient(client);
    },
  };
}
