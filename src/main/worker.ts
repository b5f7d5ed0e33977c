/**
 * Composition of `sporeprint worker`: a BullMQ worker whose handler is the pipeline service's
 * `executeTask`, beside the pipeline upkeep (runs of dead processes adopted, queued tasks dispatched
 * again, stale ones queued again, paused runs resumed once Redis answers), and its health check.
 */
import type { Config } from '../config/index.js';
import { SporeprintError } from '../core/index.js';
import type { CliServices, WorkerHandle, WorkerHealth } from '../interfaces/cli/index.js';
import {
  type BullmqWorkerEvent,
  DEFAULT_TASK_QUEUE,
  pingRedis,
  startBullmqWorker,
} from '../pipeline/index.js';
import { openStorage, redactUrl } from '../storage/index.js';
import { bullmqRedisUrl, heartbeatMsOf, startPipelineUpkeep } from './pipeline-deps.js';

/** Repeated connection errors are printed at most this often (Redis away prints one per retry). */
const ERROR_EVERY_MS = 10_000;

/** How long `worker --health` waits for each dependency. */
const HEALTH_TIMEOUT_MS = 3000;

/** What {@link startWorker} needs besides the config. */
export interface WorkerDeps {
  /** Opens the services as every CLI command does (their pipelines dispatch through BullMQ). */
  readonly openServices: () => Promise<CliServices>;
  readonly print: (line: string) => void;
}

/**
 * Starts the worker: refuses (`SP_ERR_CONFIG`) unless `SPOREPRINT_EXECUTOR=bullmq` and
 * `SPOREPRINT_REDIS_URL` are set, since a worker's own dispatches (the next tasks of a run it
 * advances) must go through the same queue. Resolves once the services are open; Redis may come later
 * (the worker waits for it and says so).
 */
export async function startWorker(
  config: Config,
  deps: WorkerDeps,
  opts: { concurrency?: number },
): Promise<WorkerHandle> {
  if (config.pipelines.executor !== 'bullmq') {
    throw new SporeprintError(
      'SP_ERR_CONFIG',
      'sporeprint worker runs tasks queued on Redis: set SPOREPRINT_EXECUTOR=bullmq (and SPOREPRINT_REDIS_URL) for it and for the processes that start runs',
      { path: 'pipelines.executor' },
    );
  }
  const redisUrl = bullmqRedisUrl(config);
  const concurrency = opts.concurrency ?? config.pipelines.workerConcurrency;
  const services = await deps.openServices();
  try {
    const pipelines = await services.pipelines();
    const worker = startBullmqWorker({
      redisUrl,
      concurrency,
      lockDurationMs: config.pipelines.workerLockMs,
      handler: (job, signal) => pipelines.executeTask(job, signal),
      onEvent: eventPrinter(deps.print),
    });
    const upkeep = startPipelineUpkeep(pipelines, Math.max(1000, heartbeatMsOf(config)), deps.print);
    let closing: Promise<void> | undefined;
    return {
      name: worker.name,
      concurrency,
      queue: DEFAULT_TASK_QUEUE,
      redis: redactUrl(redisUrl),
      close(graceMs) {
        closing ??= (async () => {
          await worker.close(graceMs);
          await upkeep.stop();
          await services.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await services.close();
    throw e;
  }
}

/** Prints what a worker does, one line an event; connection errors at most every 10 s. */
function eventPrinter(print: (line: string) => void): (e: BullmqWorkerEvent) => void {
  let lastError = 0;
  let suppressed = 0;
  return (e) => {
    switch (e.type) {
      case 'ready':
        return print('worker: connected to Redis, taking tasks');
      case 'started':
        return print(`task ${e.job.taskId} of run ${e.job.runId} (attempt ${e.job.attempt}) started`);
      case 'completed':
        return print(
          `task ${e.job.taskId} of run ${e.job.runId} (attempt ${e.job.attempt}) done in ${e.ms} ms`,
        );
      case 'failed':
        return print(`error: task job ${e.jobId} failed: ${e.error}`);
      case 'stalled':
        return print(`worker: job ${e.jobId} of a worker that stopped went back to the queue`);
      case 'lock-lost':
        return print(`warning: worker: lost the lock of job ${e.jobId} (another worker may take it)`);
      case 'requeued':
        return print(`worker: job ${e.jobId} aborted by the shutdown, back on the queue`);
      case 'error': {
        const now = Date.now();
        if (now - lastError < ERROR_EVERY_MS) {
          suppressed += 1;
          return;
        }
        const more = suppressed > 0 ? ` (${suppressed} more since the last one)` : '';
        lastError = now;
        suppressed = 0;
        return print(`error: worker: ${e.error}${more}`);
      }
    }
  };
}

/**
 * `worker --health`: the database answers a trivial query (opened without migrating) and Redis
 * answers PING, each within 3 s. Never throws: each dependency's result says why it failed.
 */
export async function workerHealth(config: Config): Promise<WorkerHealth> {
  const database = timed(async () => {
    const storage = await openStorage(config.databaseUrl, {
      migrate: false,
      connectTimeoutMs: HEALTH_TIMEOUT_MS,
    });
    await storage.close();
  });
  const redis = timed(async () => {
    await pingRedis(bullmqRedisUrl(config), HEALTH_TIMEOUT_MS);
  });
  return { database: await database, redis: await redis };
}

async function timed(check: () => Promise<void>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const t0 = Date.now();
  try {
    await check();
    return { ok: true, ms: Date.now() - t0 };
  } catch (e) {
    return { ok: false, ms: Date.now() - t0, error: (e as Error).message };
  }
}
