/**
 * The proof on the BullMQ executor, with `sporeprint worker` processes and a private
 * redis-server this file owns: the `retrain` pipeline gives the same dataset and model artifacts as
 * on the local executor, also when the worker training a model is killed with SIGKILL mid-task (the
 * other worker retries it; nothing is registered twice); Redis stopped mid-run pauses the run with
 * its reason, and the run resumes and finishes once Redis is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { experimentServiceDeps } from '../../src/main/experiment-deps.js';
import { buildEtlAndTraining, buildPipelines, type Pipelines } from '../../src/main/pipeline-deps.js';
import { ExperimentService, type PipelineRunView, type RegistryService } from '../../src/services/index.js';
import { openArtifactStore, openStorage, type Storage } from '../../src/storage/index.js';
import { killWorker, spawnCliWorker, stopWorker, type WorkerProcess } from '../helpers/bullmq-workers.js';
import { DATA_DIR } from '../helpers/fixture-files.js';
import { type PrivateRedis, redisServerFor, startPrivateRedis } from '../helpers/private-redis.js';
import { FIXTURE_MODULE } from './pipeline-runner.conformance.js';
import { testRegistry } from './test-registry.js';

const MODEL = 'sporeprint-secondary';

/** A process's pipelines over its own SQLite database, as `sporeprint` builds them from `env`. */
interface Side {
  readonly storage: Storage;
  readonly registry: RegistryService;
  readonly pipelines: Pipelines;
  close(): Promise<void>;
}

async function openSide(env: Record<string, string>): Promise<Side> {
  const config = loadConfig({ env });
  const storage = await openStorage(config.databaseUrl);
  const artifacts = openArtifactStore(storage, {
    kind: 'file',
    dir: join(env.SPOREPRINT_VAR_DIR, 'artifacts'),
  });
  const registry = testRegistry(storage, artifacts, config.gate);
  const pipelines = await buildPipelines({
    config,
    storage,
    ...buildEtlAndTraining(storage, artifacts, config, DATA_DIR),
    registry,
    experiments: new ExperimentService(experimentServiceDeps(storage, registry)),
    dataDir: DATA_DIR,
    print: () => {},
  });
  return {
    storage,
    registry,
    pipelines,
    async close() {
      await pipelines.close(1000);
      await storage.close();
    },
  };
}

const taskOf = (view: PipelineRunView, id: string) => {
  const t = view.tasks.find((x) => x.taskId === id);
  if (t === undefined) throw new Error(`no task ${id}`);
  return t;
};
const artifactsOf = (view: PipelineRunView) =>
  Object.fromEntries(
    view.tasks
      .filter((t) => t.kind === 'train')
      .map((t) => [t.taskId, (t.output as { artifactSha256: string }).artifactSha256]),
  );
/** The pid in a task's worker name (`host:pid:random`). */
const pidOf = (worker: string | null) => Number(worker?.split(':')[1]);

if (redisServerFor('retrain on BullMQ workers')) {
  describe('retrain on BullMQ workers: same results as local, a killed worker, Redis stopped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-bullmq-retrain-'));
    let redis: PrivateRedis;
    let local: Side;
    let queued: Side;
    let workerEnv: Record<string, string>;
    const workers: WorkerProcess[] = [];
    const addWorker = async () => {
      const w = await spawnCliWorker(workerEnv, ['--concurrency', '2', '--grace', '2']);
      workers.push(w);
      return w;
    };

    beforeAll(async () => {
      redis = await startPrivateRedis();
      const localDir = join(dir, 'local');
      local = await openSide({
        DATABASE_URL: `sqlite:${join(localDir, 'db.sqlite')}`,
        SPOREPRINT_VAR_DIR: localDir,
        SPOREPRINT_WORKER_CONCURRENCY: '3',
      });
      const queuedDir = join(dir, 'bullmq');
      workerEnv = {
        DATABASE_URL: `sqlite:${join(queuedDir, 'db.sqlite')}`,
        SPOREPRINT_VAR_DIR: queuedDir,
        SPOREPRINT_EXECUTOR: 'bullmq',
        SPOREPRINT_REDIS_URL: redis.url,
        SPOREPRINT_PIPELINE_MODULES: FIXTURE_MODULE,
        // a training blocks its worker's event loop for a while: a lock long enough to outlast it
        SPOREPRINT_WORKER_LOCK_MS: '10000',
      };
      queued = await openSide(workerEnv);
      await Promise.all([addWorker(), addWorker()]);
    }, 300_000);

    afterAll(async () => {
      await Promise.all(workers.map((w) => stopWorker(w).then(() => killWorker(w))));
      await queued?.close();
      await local?.close();
      await redis?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('retrain: a worker killed mid-training, its task retried on the other; the same dataset and artifacts as local', async () => {
      const service = queued.pipelines.service;
      const run = await service.start('retrain', { deploy: 'promote' }, { kind: 'manual' });
      expect(run.executor).toBe('bullmq');
      // the first training task seen running: kill its worker process
      let killed: { taskId: string; pid: number; at: number } | undefined;
      for (const end = Date.now() + 240_000; killed === undefined; ) {
        if (Date.now() > end) throw new Error('no training task started within 240 s');
        const view = await service.show(run.id);
        const training = view.tasks.find((t) => t.kind === 'train' && t.state === 'running');
        const victim = workers.find((w) => w.pid === pidOf(training?.worker ?? null));
        if (training !== undefined && victim !== undefined) {
          victim.child.kill('SIGKILL');
          await victim.exited;
          killed = { taskId: training.taskId, pid: victim.pid, at: Date.now() };
        } else await new Promise((r) => setTimeout(r, 100));
      }
      const view = await service.waitFor(run.id);
      const summary = JSON.stringify(view.tasks.map((t) => [t.taskId, t.state, t.attempt, t.error]));
      expect(view.run.state, summary).toBe('succeeded');
      const retried = taskOf(view, killed.taskId);
      expect(pidOf(retried.worker)).not.toBe(killed.pid);
      expect(retried.attempt).toBeGreaterThanOrEqual(2);
      const attempts = view.attempts.filter((a) => a.taskId === killed!.taskId);
      expect(attempts.find((a) => a.attempt === 1)).toMatchObject({ state: 'failed' });
      expect(attempts.find((a) => a.attempt === retried.attempt)).toMatchObject({ state: 'succeeded' });
      const retriedAt = attempts.find((a) => a.attempt === retried.attempt)!.startedAt.getTime();
      console.log(
        `SIGKILL of the worker training ${killed.taskId}: taken over ${retriedAt - killed.at} ms later (lock 10000 ms)`,
      );
      // no effect twice: three versions registered by this run, one promoted
      const versions = (await queued.registry.show(MODEL)).versions;
      expect(versions.filter((v) => v.tags.pipelineRun === run.id)).toHaveLength(3);
      expect(view.links.filter((l) => l.kind === 'model-version')).toHaveLength(3);
      expect(view.run.outcome).toMatchObject({ outcome: 'promoted', modelName: MODEL });

      // the same pipeline on the local executor, over another database
      const mine = await local.pipelines.service.waitFor(
        (await local.pipelines.service.start('retrain', { deploy: 'promote' }, { kind: 'manual' })).id,
      );
      expect(mine.run.state).toBe('succeeded');
      expect(mine.run.executor).toBe('local');
      expect(taskOf(mine, 'etl').output).toMatchObject({
        datasetId: (taskOf(view, 'etl').output as { datasetId: string }).datasetId,
      });
      expect(artifactsOf(mine)).toEqual(artifactsOf(view));
      expect(Object.keys(artifactsOf(view))).toHaveLength(3);
      expect(mine.run.outcome).toEqual(view.run.outcome);
    }, 600_000);

    it('Redis stopped mid-run: the run pauses with the reason, then resumes and finishes once Redis is back', async () => {
      if (workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length < 2) {
        await addWorker();
      }
      const service = queued.pipelines.service;
      const run = await service.start('slow', { ms: 3000 }, { kind: 'manual' });
      for (const end = Date.now() + 60_000; ; ) {
        if ((await service.show(run.id)).tasks[0].state === 'running') break;
        if (Date.now() > end) throw new Error('the slow task did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      await redis.stop();
      const stoppedAt = Date.now();
      let paused: PipelineRunView | undefined;
      for (const end = Date.now() + 60_000; paused === undefined; ) {
        const view = await service.show(run.id);
        if (view.run.state === 'paused') paused = view;
        else if (Date.now() > end) throw new Error(`not paused: ${JSON.stringify(view.run)}`);
        else await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`paused ${Date.now() - stoppedAt} ms after Redis stopped: ${paused.run.pausedReason}`);
      expect(paused.run.pausedReason).toMatch(/Redis/);
      expect(taskOf(paused, 'slow')).toMatchObject({ state: 'succeeded', attempt: 1 });
      expect(taskOf(paused, 'after').state).toBe('queued');
      // still paused a while later: nothing runs without Redis
      await new Promise((r) => setTimeout(r, 2000));
      expect((await service.show(run.id)).run.state).toBe('paused');

      await redis.restart();
      const restartedAt = Date.now();
      const view = await service.waitFor(run.id);
      console.log(`finished ${Date.now() - restartedAt} ms after Redis came back`);
      expect(view.run.state).toBe('succeeded');
      expect(view.run.pausedReason).toBeNull();
      expect(view.tasks.map((t) => [t.taskId, t.state, t.attempt])).toEqual([
        ['slow', 'succeeded', 1],
        ['after', 'succeeded', 1],
      ]);
      expect(view.run.outcome).toEqual({ value: 1 });
    }, 300_000);
  });
}
