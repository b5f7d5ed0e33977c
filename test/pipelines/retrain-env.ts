/** What the `retrain` pipeline tests run on: SQLite in a temp folder, the local runner, real services. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { experimentServiceDeps } from '../../src/main/experiment-deps.js';
import { buildEtlAndTraining, buildPipelines, type Pipelines } from '../../src/main/pipeline-deps.js';
import { ExperimentService, type RegistryService } from '../../src/services/index.js';
import {
  openArtifactStore,
  openStorage,
  type PipelineTaskRecord,
  type Storage,
} from '../../src/storage/index.js';
import { DATA_DIR } from '../helpers/fixture-files.js';
import { testRegistry } from './test-registry.js';

/** The storage, pipelines, registry and experiments of one test file. */
export interface RetrainEnv {
  readonly storage: Storage;
  readonly pipelines: Pipelines;
  readonly registry: RegistryService;
  readonly experiments: ExperimentService;
  /** Stops the runner, closes the database and removes the folder. */
  close(): Promise<void>;
}

/** A fresh database and pipelines as `sporeprint` builds them (three tasks at once). */
export async function openRetrainEnv(prefix: string): Promise<RetrainEnv> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const config = loadConfig({
    env: {
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      SPOREPRINT_VAR_DIR: dir,
      SPOREPRINT_WORKER_CONCURRENCY: '3',
    },
  });
  const storage = await openStorage(config.databaseUrl);
  const artifacts = openArtifactStore(storage, { kind: 'file', dir: join(dir, 'artifacts') });
  const registry = testRegistry(storage, artifacts, config.gate);
  const experiments = new ExperimentService(experimentServiceDeps(storage, registry));
  const pipelines = await buildPipelines({
    config,
    storage,
    ...buildEtlAndTraining(storage, artifacts, config, DATA_DIR),
    registry,
    experiments,
    dataDir: DATA_DIR,
    print: () => {},
  });
  return {
    storage,
    pipelines,
    registry,
    experiments,
    async close() {
      await pipelines.close(1000);
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a {@link RetrainEnv} before the tests of the calling `describe` and closes it after them; the
 * returned function gives it to the tests.
 */
export function useRetrainEnv(prefix: string): () => RetrainEnv {
  let env: RetrainEnv | undefined;
  beforeAll(async () => {
    env = await openRetrainEnv(prefix);
  });
  afterAll(async () => {
    await env?.close();
  });
  return () => {
    if (env === undefined) throw new Error('the retrain environment is opened in beforeAll');
    return env;
  };
}

/**
 * Delivers a succeeded task of a succeeded run again, as after a worker died once the task had
 * finished: the run back to running, the task queued as its next attempt, then executed. Returns the
 * task as stored afterwards.
 */
export async function deliverAgain(
  env: RetrainEnv,
  runId: string,
  taskId: string,
): Promise<PipelineTaskRecord | undefined> {
  const repo = env.storage.pipelines;
  expect(await repo.transitionRun({ runId, from: ['succeeded'], to: 'running' })).toBe(true);
  const next = ((await repo.task(runId, taskId))?.attempt ?? 0) + 1;
  const queued = await repo.transitionTask({
    runId,
    taskId,
    from: ['succeeded'],
    to: 'queued',
    set: { attempt: next },
  });
  expect(queued).toBe(true);
  await env.pipelines.service.executeTask({ runId, taskId, attempt: next });
  const again = await repo.task(runId, taskId);
  expect(again).toMatchObject({ state: 'succeeded', attempt: next });
  return again;
}
