/**
 * Composition root of the API server: builds storage, registry, prediction log and serving from the
 * frozen config, then listens. Stopping: `drain` (readiness 503 "draining" while requests are still
 * answered, for `SPOREPRINT_DRAIN_SECONDS`), then `close` (stop accepting, finish in-flight requests,
 * flush the prediction log, close the database).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import { getSchema } from '../data/index.js';
import {
  buildApp,
  type HttpSettings,
  LogCommitHealth,
  type PipelinesHttpApi,
  type RegistryHttpApi,
} from '../interfaces/http/index.js';
import {
  type AlertService,
  ExperimentRouter,
  ExperimentService,
  type MonitorSchedule,
  type PipelineService,
  RegistryService,
  type RunningExperimentSource,
  registryModelSource,
  ServingService,
  startExperimentChecks,
} from '../services/index.js';
import {
  type ArtifactStore,
  createInProcessEventBus,
  createPredictionLog,
  openRedisEventBus,
  openStorage,
  parseDatabaseUrl,
  preparePredictionChunk,
  type RegistryEventBus,
  type Storage,
} from '../storage/index.js';
import { buildAlertService, retrainOnAlert } from './alert-deps.js';
import { dashboardHttpDeps } from './dashboard-deps.js';
import { experimentServiceDeps } from './experiment-deps.js';
import { buildServerMonitoring } from './monitoring-deps.js';
import { dataDirOf } from './package-info.js';
import { buildEtlAndTraining, buildPipelines, heartbeatMsOf, startPipelineUpkeep } from './pipeline-deps.js';
import { registryServiceDeps } from './registry-deps.js';
import { createRunProcessRunner, spawnRunProcess } from './run-process-runner.js';

/** A running server. */
export interface RunningServer {
  readonly url: string;
  readonly serving: ServingService;
  /** Alerts: the monitoring checks hand their metric values to `alerts.check`. */
  readonly alerts: AlertService;
  /** The monitoring schedule (its status, and a round now). */
  readonly monitor: MonitorSchedule;
  /** How long {@link drain} lasts (`SPOREPRINT_DRAIN_SECONDS`). */
  readonly drainSeconds: number;
  /**
   * The first step of a stop behind a load balancer: from now on `/health/ready` answers 503
   * "draining" and every answer closes its connection, while requests are still answered; resolves
   * after `drainSeconds` (at once for 0), by when health checks have taken the replica out of rotation.
   */
  drain(): Promise<void>;
  /** Graceful stop: no new requests, in-flight ones finish, the log is flushed, the DB closed. */
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly version: string;
  /** Called with a line to print (URLs, warnings). */
  readonly print?: (line: string) => void;
  /**
   * Where the experiment router reads the served model's running experiment; default
   * {@link runningExperimentSource} over the storage. (Tests give a source of their own; the CLI never
   * sets it.)
   */
  readonly runningExperiment?: RunningExperimentSource;
  /** Awaited as each scheduled monitoring check starts (tests hold a check open; the CLI never sets it). */
  readonly beforeMonitorCheck?: () => Promise<void>;
  /** Where the built dashboard lies; default dist/web of this package (tests name another or none). */
  readonly dashboardDir?: string | null;
}

async function eventBus(config: Config): Promise<RegistryEventBus> {
  return config.redisUrl ? openRedisEventBus(config.redisUrl) : createInProcessEventBus();
}

/**
 * SQLite, async log mode: WAL checkpoints about every 4 MiB of values (SQLite's own default is 1,000
 * pages, 4 MiB) instead of every 128 Ki, the durable mode's setting. The small setting keeps the
 * durable p99 low (a checkpoint holds back the commits queued behind it), but each checkpoint syncs
 * the database file, and async answers wait for no commit. Writer cost per row, 60,000 rows in commits
 * of 32, two interleaved runs: 63-73 µs at 128 Ki, 47-57 µs at 4 MiB (about a quarter less CPU taken
 * from the answering thread on a 2-core machine).
 */
const ASYNC_LOG_CHECKPOINT_CHARS = 4 * 1024 * 1024;

// long-function: the composition root builds and wires every adapter of the server in one place
/** Opens everything and listens. */
export async function startServer(config: Config, opts: StartServerOptions): Promise<RunningServer> {
  const storage: Storage = await openStorage(config.databaseUrl, {
    logCheckpointChars: config.server.logMode === 'async' ? ASYNC_LOG_CHECKPOINT_CHARS : undefined,
  });
  const bus = await eventBus(config);
  const registryDeps = registryServiceDeps(storage, config, bus);
  const { artifacts } = registryDeps;
  const registry = new RegistryService(registryDeps);
  // readiness: the log's last commit failed and none succeeded since → not ready (a probe commit
  // through the same writer tells when it recovers)
  const commitHealth = new LogCommitHealth({
    committed: () => log.batches,
    probe: () => probeCommit(storage, config.server.modelName),
  });
  const log = createPredictionLog(storage.predictions, {
    mode: config.server.logMode,
    // Up to a whole /v1/predict/batch request (maxBatch below) in one transaction; single requests
    // never queue this many.
    maxBatch: 10_000,
    // SQLite: one writer (the log's own thread commits batches in order). MariaDB: `logCommits`
    // transactions in flight, each on a log connection of its own (default 1). Several in flight paid
    // when a commit took four round trips; since it takes one, one at a time makes larger batches,
    // fewer transactions and less CPU on both sides: wrk -c32 on /v1/predict, median of 4-6 rounds
    // interleaved with a bare Fastify route, 35-39% of its req/s with 1 against 29-34% with 4, p99
    // 11.6-15.3 ms against 14.6-18.2 ms, mariadbd 40-50 µs a request against 50-60
    concurrency: storage.dialect === 'mysql' ? config.server.logCommits : 1,
    // async mode: queued rows go out within a millisecond (batched by group commit while a write is in
    // flight) rather than the default 50 ms: rows held that long outlive the young generation, and
    // promoting them cost memory and throughput (wrk -c32 on /v1/predict: peak RSS 247-280 MB and
    // 8.2-8.4k req/s with 50 ms, 197 MB and 9.6-10.3k req/s with 1 ms)
    flushIntervalMs: 1,
    onError: (e) => {
      commitHealth.failed(e);
      opts.print?.(`error: prediction log write failed: ${(e as Error).message}`);
    },
  });
  const models = registryModelSource(registry, bus);
  const serving = new ServingService({
    modelName: config.server.modelName,
    models,
    router: (set) =>
      new ExperimentRouter(set, {
        source: opts.runningExperiment ?? runningExperimentSource(storage),
        // registry events (any process, over Redis when configured) re-read the plan at once
        onChange: (listener) => models.onChange(listener),
        onError: onceEach((line) => opts.print?.(`warning: experiments: ${line}`)),
      }),
    log,
    feedback: storage.feedback,
    journal: config.server.batchJournal
      ? {
          entries: storage.predictionJournal,
          stored: (ids) => storage.predictions.stored(ids),
          insert: (chunk) => storage.predictions.insertPrepared([preparePredictionChunk(chunk)]),
        }
      : undefined,
    onLogError: (e) => opts.print?.(`error: prediction log append failed: ${(e as Error).message}`),
    onJournalReplay: (r) =>
      opts.print?.(
        `batch journal: wrote the log rows of ${r.entries} answered batch(es) left unwritten (a stopped server or a failed write): ${r.predictions} predictions`,
      ),
  });
  await serving.start();
  const experiments = experimentsOf(storage, registry, config, opts);
  const print = (line: string) => opts.print?.(line);
  const pipelines = await serverPipelines(config, storage, artifacts, registry, experiments.service, print);
  const alerts = buildAlertService(storage, registry, config, print, pipelines.retrainOnAlert);
  // rows queued in the log, and those of answered batches not handed to it yet (the monitoring backlog)
  const logQueueDepth = () => log.queueDepth + serving.pendingLogRows;
  const monitoring = buildServerMonitoring({ storage, registry, alerts, config, logQueueDepth }, opts);
  const folding = storage.dialect === 'mysql' ? foldPendingCounts(storage, print) : null;
  let draining: Promise<void> | null = null;
  const { app } = await buildApp({
    serving,
    keys: storage.apiKeys,
    registry: registryHttpApi(registry),
    experiments: experiments.service,
    alerts,
    monitoring: monitoring.http,
    pipelines: pipelines.http,
    ...dashboardHttpDeps(storage, config, { registry, experiments: experiments.service, alerts }, opts),
    monitorStatus: monitoring.schedule.status,
    pingDatabase: () => storage.ping(),
    logQueueDepth,
    logStats: () => ({ commits: log.batches, rows: log.rowsWritten }),
    logCommitProblem: () => commitHealth.problem(),
    draining: () => draining !== null,
    schema: serving.ready ? serving.model().pipeline.schema : getSchema('secondary'),
    settings: httpSettings(config),
    version: opts.version,
  });
  const address = await app.listen({
    port: opts.port ?? config.server.port,
    host: opts.host ?? config.server.host,
  });
  let closing: Promise<void> | null = null;
  return {
    url: address,
    serving,
    alerts,
    monitor: monitoring.schedule,
    drainSeconds: config.server.drainSeconds,
    drain() {
      draining ??= new Promise((resolve) => setTimeout(resolve, config.server.drainSeconds * 1000));
      return draining;
    },
    close() {
      closing ??= (async () => {
        await experiments.checks.stop();
        await monitoring.close();
        // the port closes and the requests in flight finish while the model is still served: a
        // request that arrived after the drain is answered, not refused with 503 for want of a model
        await app.close();
        serving.stop();
        await pipelines.close();
        await alerts.flush(5000);
        await alerts.close();
        // async log mode: the rows of batches already answered, then the log's flush
        await serving.drain();
        await log.close();
        await folding?.stop();
        await bus.close();
        await storage.close();
      })();
      return closing;
    },
  };
}

/** Between folds of the log's pending monitoring counts (MariaDB). */
const FOLD_INTERVAL_MS = 1000;

/**
 * MariaDB: the prediction log writes each commit's monitoring counts as one pending row; this folds
 * them into the roll-up every second (every replica does: a fold applies each pending row once), so
 * that a monitoring read, which folds what is left first, finds little to do. `stop` folds once more.
 */
function foldPendingCounts(storage: Storage, print: (line: string) => void): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let warned = false;
  const once = (): Promise<void> => {
    running ??= storage.monitoring
      .foldPending()
      .then(() => {
        warned = false;
      })
      .catch((e: unknown) => {
        if (!warned) print(`warning: folding the pending monitoring counts failed: ${(e as Error).message}`);
        warned = true;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void once(), FOLD_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await once();
    },
  };
}

/** The experiment service, and its periodic check of running experiments (stop rules). */
function experimentsOf(
  storage: Storage,
  registry: RegistryService,
  config: Config,
  opts: StartServerOptions,
) {
  const service = new ExperimentService(experimentServiceDeps(storage, registry));
  const checks = startExperimentChecks(service, config.server.experimentCheckSeconds, {
    onApplied: (o) => opts.print?.(`experiment ${o.experimentId}: ${o.action} (${o.reason})`),
    onError: (e) => opts.print?.(`error: experiment check failed: ${e.message}`),
  });
  return { service, checks };
}

/** Where the experiment router reads the served model's running experiment. */
function runningExperimentSource(storage: Storage): RunningExperimentSource {
  return (modelName) => storage.experiments.running(modelName);
}

/** Prints an error's message once until a different one comes (the router retries every second). */
function onceEach(print: (line: string) => void): (error: unknown) => void {
  let last: string | null = null;
  return (error) => {
    const line = error instanceof Error ? error.message : String(error);
    if (line !== last) print(line);
    last = line;
  };
}

/** The HTTP layer's settings from the server's config. */
function httpSettings(config: Config): HttpSettings {
  return {
    requireKeyForPredict: config.server.requireKeyForPredict,
    rateLimitPerMinute: config.server.rateLimitPerMinute,
    corsOrigins: config.server.corsOrigins,
    bodyLimitBytes: config.server.bodyLimitBytes,
    maxRecordsPerRequest: config.server.maxRecordsPerRequest,
    logLevel: config.logLevel,
    accessLog: config.server.accessLog,
  };
}

/**
 * The server's pipelines: the service, its upkeep (orphaned runs adopted, reconcile every few
 * seconds) and the routes' view. With the local executor, no task runs in the server's process: each
 * run goes to a runner process of its own (see run-process-runner.ts) — except on an in-memory SQLite
 * database, which no other process can open.
 */
async function serverPipelines(
  config: Config,
  storage: Storage,
  artifacts: ArtifactStore,
  registry: RegistryService,
  experiments: ExperimentService,
  print: (line: string) => void,
) {
  const dataDir = dataDirOf(config);
  const pipelines = await buildPipelines({
    config,
    storage,
    ...buildEtlAndTraining(storage, artifacts, config, dataDir),
    registry,
    experiments,
    dataDir,
    print,
    localRunner: runProcessRunner(config, storage, print),
  });
  const upkeep = startPipelineUpkeep(pipelines.service, Math.max(1000, heartbeatMsOf(config)), print);
  return {
    service: pipelines.service,
    http: pipelinesHttpApi(pipelines.service),
    retrainOnAlert: retrainOnAlert(async () => pipelines.service),
    async close() {
      await upkeep.stop();
      // tasks running here get a few seconds, then are left for another process to resume
      await pipelines.close(5000);
    },
  };
}

/** The server's local runner: runner processes (undefined on an in-memory database: in this process). */
function runProcessRunner(config: Config, storage: Storage, print: (line: string) => void) {
  const url = parseDatabaseUrl(config.databaseUrl);
  if (url.dialect === 'sqlite' && url.memory) {
    print('warning: pipelines: an in-memory SQLite database: pipeline runs execute in the server process');
    return undefined;
  }
  return (owner: string) =>
    createRunProcessRunner({
      maxProcesses: config.pipelines.serveProcesses,
      spawn: (runId) => spawnRunProcess(runId, owner, config),
      needsRunner: async (runId) => {
        const run = await storage.pipelines.getRun(runId);
        return (run?.state === 'running' || run?.state === 'paused') && run.runnerOwner === owner;
      },
      print,
    });
}

/** The pipelines routes' view of the pipeline service. */
function pipelinesHttpApi(service: PipelineService): PipelinesHttpApi {
  return {
    pipelines: () => service.catalogue.list(),
    start: (name, params, trigger) => service.start(name, params, trigger),
    list: (filter) => service.list(filter),
    show: (id) => service.show(id),
    logs: (id, options) => service.logs(id, options),
    retry: (id) => service.retry(id),
    cancel: (id, by) => service.cancel(id, by),
  };
}

/** The registry routes' view of the registry service. */
function registryHttpApi(registry: RegistryService): RegistryHttpApi {
  return {
    list: () => registry.list(),
    show: (name) => registry.show(name),
    version: (name, v) => registry.version(name, v),
    history: (name) => registry.history(name),
    promote: (i) =>
      registry.promote(i.name, i.version, {
        stage: i.stage,
        actor: i.actor,
        reason: i.reason,
        force: i.force,
      }),
    alias: (i) => registry.alias(i.name, i.alias, i.version, i.actor, i.reason),
    rollback: (i) => registry.rollback(i.name, i.actor, i.reason),
    archive: (i) => registry.archive(i.name, i.version, { actor: i.actor, reason: i.reason, force: i.force }),
    compare: (name, a, b) => registry.compare(name, a, b),
    gate: (name, v) => registry.checkGate(name, v),
  };
}

/**
 * A real commit through the prediction log's writer that leaves nothing behind: a batch journal
 * entry put, then removed (on SQLite both go through the log's writer thread). Should a crash leave
 * one, it holds no items, and a journal sweep removes it without writing anything.
 */
async function probeCommit(storage: Storage, modelName: string): Promise<void> {
  const id = `probe-${randomBytes(8).toString('hex')}`;
  const now = new Date();
  await storage.predictionJournal.put({
    id,
    createdAt: now,
    owner: `readiness-probe:${process.pid}:${id}`,
    modelName,
    modelVersion: 1,
    schemaName: 'secondary',
    arm: null,
    experimentId: null,
    clientId: null,
    requestKind: 'batch',
    predictions: 1,
    chunks: [{ start: 0, createdAt: now, latencyUs: 0 }],
    records: '[]',
    items: '[]',
  });
  await storage.predictionJournal.remove(id);
}
