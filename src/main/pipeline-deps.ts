/**
 * Pipelines as every process builds them from config: the catalogue (built-in `retrain` plus the
 * modules of `SPOREPRINT_PIPELINE_MODULES`, loaded with dynamic import), the task runner
 * (`SPOREPRINT_EXECUTOR`: local by default, or a BullMQ dispatcher feeding `sporeprint worker`
 * processes) and the service.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/index.js';
import { SporeprintError } from '../core/index.js';
import {
  createBullmqDispatcher,
  createLocalRunner,
  type TaskJob,
  type TaskRunner,
} from '../pipeline/index.js';
import {
  builtInModule,
  type CatalogueModule,
  EtlService,
  type ExperimentService,
  PipelineCatalogue,
  type PipelineModule,
  type PipelineRuntime,
  PipelineService,
  type RegistryService,
  TrainingService,
} from '../services/index.js';
import type { ArtifactStore, Storage } from '../storage/index.js';
import { codeVersion } from './package-info.js';

/** The ETL and training services over a storage, as the CLI and the pipelines use them. */
export function buildEtlAndTraining(
  storage: Storage,
  artifacts: ArtifactStore,
  config: Config,
  dataDir: string,
): { etl: EtlService; training: TrainingService } {
  return {
    etl: new EtlService(
      storage.datasets,
      {
        invalidThreshold: config.etl.invalidThreshold,
        seed: config.etl.seed,
        speciesFile: join(dataDir, 'primary_data.csv'),
      },
      storage.feedback,
    ),
    training: new TrainingService({
      datasets: storage.datasets,
      runs: storage.runs,
      artifacts,
      codeVersion: codeVersion(),
      seed: config.etl.seed,
    }),
  };
}

/** This process's name as a runner owner and worker: `host:pid:random`. */
export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Loads the user pipeline modules (ES modules exporting `pipelines` and `tasks`, or a default export
 * holding them). `SP_ERR_CONFIG` naming a module that cannot be loaded.
 */
export async function loadPipelineModules(paths: readonly string[]): Promise<CatalogueModule[]> {
  const modules: CatalogueModule[] = [];
  for (const path of paths) {
    const file = resolve(path);
    let ns: Record<string, unknown>;
    try {
      ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new SporeprintError(
        'SP_ERR_CONFIG',
        `invalid setting pipelines.modules (SPOREPRINT_PIPELINE_MODULES): cannot load ${file}: ${(e as Error).message}`,
        { module: file },
      );
    }
    const module = (ns.pipelines !== undefined || ns.tasks !== undefined ? ns : ns.default) as PipelineModule;
    modules.push({ source: file, module });
  }
  return modules;
}

/** A configured schedule (`SPOREPRINT_PIPELINE_SCHEDULES`). */
export interface ConfiguredSchedule {
  readonly name: string;
  readonly pipeline: string;
  readonly cron: string;
  readonly timezone?: string;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The schedules of `SPOREPRINT_PIPELINE_SCHEDULES`: a JSON list, or the path of a file holding one.
 * `SP_ERR_CONFIG` naming the problem (cron expressions are checked by the scheduler).
 */
export function readSchedules(config: Config): ConfiguredSchedule[] {
  const value = config.pipelines.schedules;
  if (value === undefined) return [];
  const bad = (why: string) =>
    new SporeprintError(
      'SP_ERR_CONFIG',
      `invalid setting pipelines.schedules (SPOREPRINT_PIPELINE_SCHEDULES): ${why}`,
      {
        path: 'pipelines.schedules',
      },
    );
  let text = value;
  if (!value.trimStart().startsWith('[')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (e) {
      throw bad(`neither a JSON list nor a readable file: ${(e as Error).message}`);
    }
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(list)) throw bad('expected a JSON list of schedules');
  return list.map((s: unknown, i) => {
    const o = s as Record<string, unknown> | null;
    for (const key of ['name', 'pipeline', 'cron']) {
      if (typeof o?.[key] !== 'string' || o[key] === '') throw bad(`schedule ${i + 1} has no ${key}`);
    }
    return o as unknown as ConfiguredSchedule;
  });
}

/** The heartbeat of tasks and local runs: a sixth of the worker lock, between 100 ms and 5 s. */
export function heartbeatMsOf(config: Config): number {
  return Math.max(100, Math.min(5000, Math.floor(config.pipelines.workerLockMs / 6)));
}

/** The job handler a runner calls: the service's `executeTask`. */
type JobHandler = (job: TaskJob, signal: AbortSignal) => Promise<void>;

/**
 * The task runner by config. `local` (default): jobs run in this process, `workerConcurrency` at once.
 * `bullmq`: jobs go onto the BullMQ queue on `config.redisUrl` (this process only dispatches; the
 * `sporeprint worker` processes run them through the service's `executeTask`, see main/worker.ts).
 */
async function createRunner(
  config: Config,
  handler: JobHandler,
  print: (line: string) => void,
): Promise<TaskRunner> {
  if (config.pipelines.executor === 'bullmq') {
    return createBullmqDispatcher({ redisUrl: bullmqRedisUrl(config) });
  }
  return createLocalRunner({
    handler,
    concurrency: config.pipelines.workerConcurrency,
    onError: (e, job) =>
      print(`error: pipeline task ${job.taskId} of run ${job.runId}: ${(e as Error).message ?? String(e)}`),
  });
}

/** The Redis of the BullMQ executor; `SP_ERR_CONFIG` when `SPOREPRINT_REDIS_URL` is not set. */
export function bullmqRedisUrl(config: Config): string {
  if (config.redisUrl === undefined) {
    throw new SporeprintError(
      'SP_ERR_CONFIG',
      'invalid setting pipelines.executor (SPOREPRINT_EXECUTOR): bullmq needs SPOREPRINT_REDIS_URL',
      { path: 'pipelines.executor' },
    );
  }
  return config.redisUrl;
}

/** What {@link buildPipelines} needs. */
export interface PipelineBuildInput {
  readonly config: Config;
  readonly storage: Storage;
  readonly etl: EtlService;
  readonly training: TrainingService;
  readonly registry: RegistryService;
  readonly experiments: ExperimentService;
  readonly dataDir: string;
  /** Warnings and errors that never stop the work. */
  readonly print: (line: string) => void;
  /**
   * With the local executor: this process's runner, given its owner name, in place of the one that
   * executes tasks in this process (`sporeprint serve` hands runs to runner processes).
   */
  readonly localRunner?: (owner: string) => TaskRunner & Pick<PipelineRuntime, 'isLiveOwner'>;
}

/** The pipelines of a process. */
export interface Pipelines {
  readonly catalogue: PipelineCatalogue;
  readonly service: PipelineService;
  readonly runner: TaskRunner;
  /** Stops the runner (running tasks get `graceMs`, then are left for another process to resume). */
  close(graceMs?: number): Promise<void>;
}

/** Builds the catalogue, runner and service (see the module comment). */
export async function buildPipelines(input: PipelineBuildInput): Promise<Pipelines> {
  const { config } = input;
  const catalogue = new PipelineCatalogue([
    builtInModule({
      etl: input.etl,
      training: input.training,
      registry: input.registry,
      experiments: input.experiments,
      defaultSource: join(input.dataDir, 'secondary_data.csv'),
      defaultModelName: config.server.modelName,
      defaultDeploy: config.pipelines.retrainDeploy,
    }),
    ...(await loadPipelineModules(config.pipelines.modules)),
  ]);
  let service: PipelineService | undefined;
  const owner = processOwner();
  const runner: TaskRunner & Pick<PipelineRuntime, 'isLiveOwner'> =
    input.localRunner !== undefined && config.pipelines.executor === 'local'
      ? input.localRunner(owner)
      : await createRunner(
          config,
          (job, signal) => (service as PipelineService).executeTask(job, signal),
          input.print,
        );
  service = new PipelineService({
    repo: input.storage.pipelines,
    catalogue,
    runtime: { runner, executor: runner.kind, owner, isLiveOwner: (o) => runner.isLiveOwner?.(o) === true },
    heartbeatMs: heartbeatMsOf(config),
    // a task or local run is taken for abandoned only after a whole worker lock without a heartbeat:
    // training blocks its event loop for seconds at a time, longer on a loaded machine
    staleAfterMs: config.pipelines.workerLockMs,
    onError: (e) => input.print(`warning: pipelines: ${e.message}`),
  });
  const built = service;
  return {
    catalogue,
    service: built,
    runner,
    async close(graceMs = 10_000) {
      await runner.close(graceMs);
      await built.close();
    },
  };
}

/** A process's periodic pipeline upkeep (see {@link startPipelineUpkeep}). */
export interface PipelineUpkeep {
  stop(): Promise<void>;
}

/**
 * What serve, scheduler and worker processes do for pipelines: adopt the runs of dead processes at
 * once, then reconcile every `intervalMs` (queued tasks sent again, stale ones queued again, paused
 * runs resumed once the runner answers). A round never overlaps the previous one; failures are
 * printed and never stop it.
 */
export function startPipelineUpkeep(
  service: PipelineService,
  intervalMs: number,
  print: (line: string) => void,
): PipelineUpkeep {
  let round: Promise<void> = service
    .resumeOrphans()
    .then((ids) => {
      if (ids.length > 0)
        print(`pipelines: resumed ${ids.length} run(s) whose process stopped: ${ids.join(', ')}`);
    })
    .catch((e: unknown) => print(`error: pipelines: resuming runs failed: ${(e as Error).message}`));
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round = service
      .reconcile()
      .catch((e: unknown) => print(`error: pipelines: reconcile failed: ${(e as Error).message}`))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
