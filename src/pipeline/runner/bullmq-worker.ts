import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SporeprintError } from '../../core/index.js';
import type { TaskJob } from '../dag/pipeline-types.js';
import {
  checkInteger,
  checkQueueTarget,
  checkTaskJob,
  errorText,
  type QueueTarget,
} from './bullmq-connection.js';
import type { TaskJobHandler } from './local-runner.js';
import { bullmq } from './optional-packages.js';
import { closeRedisClient, openRedisClient } from './redis-client.js';

/** What a BullMQ worker reports (for logs; nothing depends on it). */
export type BullmqWorkerEvent =
  | { readonly type: 'ready' }
  | { readonly type: 'started'; readonly jobId: string; readonly job: TaskJob }
  | { readonly type: 'completed'; readonly jobId: string; readonly job: TaskJob; readonly ms: number }
  /** The handler threw (or the job's payload is not a task job): the BullMQ job is failed. */
  | { readonly type: 'failed'; readonly jobId: string; readonly error: string }
  /** A job of a worker that stopped renewing its lock went back to wait (another worker takes it). */
  | { readonly type: 'stalled'; readonly jobId: string }
  /** This worker lost the lock of a job it runs (another worker may take it over). */
  | { readonly type: 'lock-lost'; readonly jobId: string }
  /** Shutting down: a running job was aborted and put back on the queue for another worker. */
  | { readonly type: 'requeued'; readonly jobId: string }
  /** A connection or Redis error (the worker keeps reconnecting). */
  | { readonly type: 'error'; readonly error: string };

/** Options of {@link startBullmqWorker}. */
export interface BullmqWorkerOptions extends QueueTarget {
  /** Jobs run at once by this worker (default 1). */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (default 30,000 ms; renewed every half of it). When
   * a worker dies, its jobs become available to other workers once their locks expired and a
   * stalled-job check saw them twice: within about `lockDurationMs + 2 × stalledIntervalMs`.
   */
  readonly lockDurationMs?: number;
  /** Time between stalled-job checks (default half of `lockDurationMs`). */
  readonly stalledIntervalMs?: number;
  /**
   * How many times a job may be recovered from a dead worker before BullMQ fails it (default 3: a
   * task that kills every worker it runs on does not loop for ever).
   */
  readonly maxStalledCount?: number;
  /** Name stored on the jobs it processes (default `host:pid`). */
  readonly name?: string;
  /**
   * Runs one task job (the service's `executeTask`). `signal` aborts when the worker shuts down and
   * its grace period is over (reason: `SP_ERR_SHUTTING_DOWN`); the job then goes back on the queue.
   * A handler that throws fails the BullMQ job (a later dispatch of the same attempt retries it).
   */
  readonly handler: TaskJobHandler;
  readonly onEvent?: (event: BullmqWorkerEvent) => void;
}

/** A running BullMQ worker. */
export interface BullmqWorker {
  /** The worker's name (stored on the jobs it processes). */
  readonly name: string;
  /** Resolves once both Redis connections are ready (Redis may come later: the worker waits for it). */
  ready(): Promise<void>;
  /** Jobs being handled now. */
  activeJobs(): number;
  /**
   * Stops taking jobs and waits up to `graceMs` (default 30,000) for the running ones; then aborts
   * them (their jobs go back on the queue), waits up to 5 s more for the handlers to return, and
   * closes the connections. Resolves in at most about `graceMs + 7 s`.
   */
  close(graceMs?: number): Promise<void>;
}

/** After the grace period: how long aborted handlers get to return before the worker lets go. */
const ABORT_WAIT_MS = 5000;

/**
 * Starts a BullMQ worker on the task queue that hands each task job to `handler`. Stalled-job recovery
 * is BullMQ's: the worker renews each job's lock every `lockDurationMs / 2`; a worker killed mid-job
 * stops renewing, and another worker's stalled-job check (every `stalledIntervalMs`) moves the job back
 * to wait after its lock expired, where a live worker takes it (with the same attempt: the service's
 * claim decides whether to run it). Connections reconnect for ever, so a worker survives Redis
 * restarts; a handler that cannot complete its BullMQ job while Redis is away retries when it returns.
 *
 * @example
 * const worker = startBullmqWorker({ redisUrl, concurrency: 2, handler: (job, signal) => service.executeTask(job, signal) });
 * process.on('SIGTERM', () => void worker.close(30_000).then(() => process.exit(0)));
 */
export function startBullmqWorker(options: BullmqWorkerOptions): BullmqWorker {
  const { queueName, prefix } = checkQueueTarget(options);
  const concurrency = checkInteger('worker concurrency', options.concurrency ?? 1, 1, 1000);
  const lockDuration = checkInteger('lockDurationMs', options.lockDurationMs ?? 30_000, 500, 3_600_000);
  const stalledInterval = checkInteger(
    'stalledIntervalMs',
    options.stalledIntervalMs ?? Math.max(250, Math.round(lockDuration / 2)),
    100,
    3_600_000,
  );
  const maxStalledCount = checkInteger('maxStalledCount', options.maxStalledCount ?? 3, 0, 1000);
  if (typeof options.handler !== 'function') {
    throw new SporeprintError('SP_ERR_BAD_PARAM', 'startBullmqWorker needs a handler function');
  }
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const emit = (event: BullmqWorkerEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // a failing listener never breaks the worker
    }
  };
  const owned = options.redisUrl !== undefined;
  const client: Redis = options.connection ?? openRedisClient(options.redisUrl!, 'consumer', 5000);
  /** The running jobs' abort controllers, by job id (aborted only by a shutdown past its grace). */
  const running = new Map<string, AbortController>();

  const processJob = async (job: Job, token: string | undefined): Promise<void> => {
    const jobId = job.id ?? '?';
    const task = checkTaskJob(job.data, `task job ${jobId}`);
    const started = Date.now();
    emit({ type: 'started', jobId, job: task });
    const abort = new AbortController();
    running.set(jobId, abort);
    try {
      await options.handler(task, abort.signal);
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    } finally {
      running.delete(jobId);
    }
    if (abort.signal.aborted) {
      // aborted by the shutdown: hand the job to another worker now rather than after the lock expires
      await job.moveToWait(token);
      emit({ type: 'requeued', jobId });
      throw new (bullmq().WaitingError)();
    }
    emit({ type: 'completed', jobId, job: task, ms: Date.now() - started });
  };

  const worker = new (bullmq().Worker)(queueName, (job, token) => processJob(job, token), {
    connection: client,
    ...(prefix === undefined ? {} : { prefix }),
    name,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    // retry a failed Redis call of the main loop every 2 s (BullMQ's default: 15 s) once Redis is back
    runRetryDelay: 2000,
  });
  worker.on('failed', (job, error) =>
    emit({ type: 'failed', jobId: job?.id ?? '?', error: errorText(error) }),
  );
  worker.on('stalled', (jobId) => emit({ type: 'stalled', jobId }));
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) emit({ type: 'lock-lost', jobId });
  });
  worker.on('error', (error) => emit({ type: 'error', error: errorText(error) }));
  const ready = worker.waitUntilReady().then(() => emit({ type: 'ready' }));
  ready.catch(() => {});

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    const closed = worker.close();
    closed.catch(() => {});
    if (!(await settlesWithin(closed, graceMs))) {
      const reason = new SporeprintError(
        'SP_ERR_SHUTTING_DOWN',
        `Worker ${name} is shutting down: the task goes back to the queue`,
      );
      for (const abort of running.values()) abort.abort(reason);
      await settlesWithin(closed, ABORT_WAIT_MS);
    }
    if (owned) await closeRedisClient(client);
  };

  return {
    name,
    ready: () => ready,
    activeJobs: () => running.size,
    close(graceMs = 30_000): Promise<void> {
      closing ??= close(checkInteger('close graceMs', graceMs, 0, 86_400_000));
      return closing;
    },
  };
}

/** True when `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
