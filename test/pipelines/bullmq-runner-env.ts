/**
 * The conformance environment of the BullMQ executor: a service in this process that only dispatches
 * (onto a private redis-server), and `sporeprint worker` processes on the same database that run the
 * tasks (the fixture module loaded through SPOREPRINT_PIPELINE_MODULES).
 */
import { createBullmqDispatcher } from '../../src/pipeline/index.js';
import { PipelineCatalogue, type PipelineModule, PipelineService } from '../../src/services/index.js';
import { openStorage } from '../../src/storage/index.js';
import { killWorker, spawnCliWorker, stopWorker, type WorkerProcess } from '../helpers/bullmq-workers.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';
import { FIXTURE_MODULE, type RunnerEnv } from './pipeline-runner.conformance.js';

/** A BullMQ environment and its parts, for tests that kill workers or stop Redis. */
export interface BullmqRunnerEnv extends RunnerEnv {
  readonly redis: PrivateRedis;
  readonly workers: WorkerProcess[];
  /** The environment `sporeprint worker` processes of this env run with. */
  readonly workerEnv: Record<string, string>;
  /** Starts one more worker process. */
  addWorker(): Promise<WorkerProcess>;
}

/**
 * A BullMQ environment on the database at `url` with `workers` worker processes (concurrency 2
 * each, a job lock of `lockMs`: heartbeats every lockMs / 6).
 */
export async function bullmqRunnerEnv(
  url: string,
  opts: { workers?: number; lockMs?: number; env?: Record<string, string> } = {},
): Promise<BullmqRunnerEnv> {
  const redis = await startPrivateRedis();
  const storage = await openStorage(url);
  const module = (await import(FIXTURE_MODULE)) as PipelineModule;
  const catalogue = new PipelineCatalogue([{ source: FIXTURE_MODULE, module }]);
  const runner = createBullmqDispatcher({ redisUrl: redis.url });
  const service = new PipelineService({
    repo: storage.pipelines,
    catalogue,
    runtime: { runner, executor: 'bullmq', owner: 'test-host:1:bullmq' },
    heartbeatMs: 200,
  });
  const workerEnv = {
    DATABASE_URL: url,
    SPOREPRINT_EXECUTOR: 'bullmq',
    SPOREPRINT_REDIS_URL: redis.url,
    SPOREPRINT_PIPELINE_MODULES: FIXTURE_MODULE,
    SPOREPRINT_WORKER_LOCK_MS: String(opts.lockMs ?? 1500),
    ...opts.env,
  };
  const workers: WorkerProcess[] = [];
  const addWorker = async () => {
    const w = await spawnCliWorker(workerEnv, ['--concurrency', '2', '--grace', '2']);
    workers.push(w);
    return w;
  };
  try {
    await Promise.all(Array.from({ length: opts.workers ?? 2 }, addWorker));
  } catch (e) {
    await Promise.all(workers.map(killWorker));
    await redis.dispose();
    throw e;
  }
  return {
    service,
    repo: storage.pipelines,
    executor: 'bullmq',
    redis,
    workers,
    workerEnv,
    addWorker,
    async close() {
      const codes = await Promise.all(
        workers.map(async (w) => {
          const code = await Promise.race([
            stopWorker(w),
            new Promise((r) => setTimeout(() => r('hung'), 30_000)),
          ]);
          if (code === 'hung') await killWorker(w);
          return code;
        }),
      );
      await runner.close();
      await service.close();
      await storage.close();
      await redis.dispose();
      // a worker that was alive exits 0 on SIGTERM; SIGKILLed ones report their signal
      const bad = codes.filter((c) => c !== 0 && c !== 'SIGKILL');
      if (bad.length > 0) throw new Error(`workers did not stop cleanly: ${bad.join(', ')}`);
    },
  };
}
