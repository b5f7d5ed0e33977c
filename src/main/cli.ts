#!/usr/bin/env node
/**
 * Composition root of the `sporeprint` CLI: reads configuration once (environment + optional file),
 * builds the storage adapters and services, and runs the command tree.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { type Config, loadConfig, unknownVariables } from '../config/index.js';
import { isSporeprintError } from '../core/index.js';
import { type CliContext, type CliServices, runCli } from '../interfaces/cli/index.js';
import {
  type AlertService,
  DatabaseService,
  ExperimentService,
  MonitoringService,
  RegistryService,
  RunsService,
} from '../services/index.js';
import {
  createInProcessEventBus,
  openRedisEventBus,
  openStorage,
  type RegistryEventBus,
} from '../storage/index.js';
import { buildAlertService, retrainOnAlert } from './alert-deps.js';
import { experimentServiceDeps } from './experiment-deps.js';
import { dataDirOf, packageVersion } from './package-info.js';
import { buildEtlAndTraining, buildPipelines, type Pipelines, readSchedules } from './pipeline-deps.js';
import { registryServiceDeps } from './registry-deps.js';

/**
 * The config: environment variables over the JSON of `SPOREPRINT_CONFIG_JSON` (the text itself: how
 * `sporeprint serve` gives its runner processes its own config) or of the file `SPOREPRINT_CONFIG`.
 */
function readConfig(): Config {
  const text = process.env.SPOREPRINT_CONFIG_JSON;
  if (text) return loadConfig({ env: process.env, fileText: text, fileName: 'SPOREPRINT_CONFIG_JSON' });
  const file = process.env.SPOREPRINT_CONFIG;
  return loadConfig({
    env: process.env,
    fileText: file ? readFileSync(file, 'utf8') : undefined,
    fileName: file,
  });
}

/** The actor recorded for registry actions without `--actor`: the OS user name. */
function defaultActor(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no user entry (some containers)
  }
  return process.env.USER || process.env.USERNAME || 'unknown';
}

/**
 * The registry event bus: Redis when `SPOREPRINT_REDIS_URL` is set (connected on first use, so
 * commands that publish nothing never touch Redis), else in-process.
 */
function registryEventBus(config: Config): RegistryEventBus {
  const url = config.redisUrl;
  if (url === undefined) return createInProcessEventBus();
  let bus: Promise<RegistryEventBus> | undefined;
  const open = (): Promise<RegistryEventBus> => {
    bus ??= openRedisEventBus(url);
    return bus;
  };
  return {
    kind: 'redis',
    publish: async (message) => (await open()).publish(message),
    subscribe: async (listener) => (await open()).subscribe(listener),
    close: async () => {
      if (bus !== undefined) await (await bus.catch(() => undefined))?.close();
    },
  };
}

/** Repeats of a stop signal within this time are the same request (see {@link untilSignal}). */
const DUPLICATE_SIGNAL_MS = 1000;

/**
 * Resolves with the first SIGTERM or SIGINT. A Ctrl-C under `npm start` arrives twice (the terminal
 * signals the process group and npm forwards its copy), so repeats within a second are ignored; a
 * later one stops the process at once, without waiting for the graceful stop to finish.
 */
function untilSignal(): Promise<string> {
  return new Promise((resolveSignal) => {
    let first: { signal: string; at: number } | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      const now = Date.now();
      if (first === undefined) {
        first = { signal, at: now };
        resolveSignal(signal);
      } else if (now - first.at > DUPLICATE_SIGNAL_MS) {
        process.stderr.write(`${signal} again: exiting without finishing the graceful stop\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = readConfig();
  } catch (e) {
    process.stderr.write(
      `error [${isSporeprintError(e) ? e.code : 'SP_ERR_CONFIG'}]: ${(e as Error).message}\n`,
    );
    return 2;
  }
  for (const u of unknownVariables(process.env)) {
    const hint = u.suggestion === null ? '' : ` (did you mean ${u.suggestion}?)`;
    process.stderr.write(`warning: ${u.name} is not a sporeprint setting${hint}: it is ignored\n`);
  }
  const dataDir = dataDirOf(config);
  const pkgVersion = packageVersion();
  const ctx: CliContext = {
    modelName: config.server.modelName,
    defaultActor,
    // loaded on demand: the HTTP stack is not needed by the other commands
    serve: async (opts) =>
      (await import('./server.js')).startServer(config, {
        ...opts,
        version: pkgVersion,
        print: (line) => process.stderr.write(`${line}\n`),
      }),
    untilSignal,
    pipelineSchedules: () => readSchedules(config),
    worker: async (opts) =>
      (await import('./worker.js')).startWorker(
        config,
        { openServices: () => ctx.openServices(), print: (line) => process.stderr.write(`${line}\n`) },
        opts,
      ),
    workerHealth: async () => (await import('./worker.js')).workerHealth(config),
    scheduler: async (opts) =>
      (await import('./scheduler.js')).startScheduler(
        config,
        { openServices: () => ctx.openServices(), print: (line) => process.stderr.write(`${line}\n`) },
        opts,
      ),
    stdout: process.stdout,
    stderr: process.stderr,
    dataDir,
    progress: !process.env.CI,
    async openServices(): Promise<CliServices> {
      const storage = await openStorage(config.databaseUrl);
      const events = registryEventBus(config);
      const deps = registryServiceDeps(storage, config, events);
      const { artifacts } = deps;
      const registry = new RegistryService({
        ...deps,
        onEventError: (e) => process.stderr.write(`warning: registry event not published: ${e.message}\n`),
        // each registered version gets its monitoring reference profile at once
        onRegistered: async (v) => {
          await monitoring?.profile(v.modelName, v.version);
        },
        onRegisteredError: (e, v) =>
          process.stderr.write(
            `warning: the reference profile of ${v.modelName} v${v.version} was not built (${e.message}); monitoring builds it on first use\n`,
          ),
      });
      const monitoring: MonitoringService = new MonitoringService({
        monitoring: storage.monitoring,
        datasets: storage.datasets,
        registry,
        experiments: storage.experiments,
      });
      let alerts: AlertService | undefined;
      const experiments = new ExperimentService(experimentServiceDeps(storage, registry));
      const { etl, training } = buildEtlAndTraining(storage, artifacts, config, dataDir);
      const print = (line: string) => process.stderr.write(`${line}\n`);
      let pipelines: Promise<Pipelines> | undefined;
      const openPipelines = async () => {
        pipelines ??= buildPipelines({
          config,
          storage,
          etl,
          training,
          registry,
          experiments,
          dataDir,
          print,
        });
        return (await pipelines).service;
      };
      return {
        registry,
        experiments,
        monitoring,
        get alerts() {
          alerts ??= buildAlertService(storage, registry, config, print, retrainOnAlert(openPipelines));
          return alerts;
        },
        training,
        runs: new RunsService(storage.runs),
        etl,
        database: new DatabaseService(storage),
        keys: storage.apiKeys,
        pipelines: openPipelines,
        close: async () => {
          // tasks still running here get a moment, then are left for another process to resume
          await (await pipelines?.catch(() => undefined))?.close(2000);
          // queued webhook notifications get a few seconds before the process ends
          await alerts?.flush(10_000);
          await alerts?.close();
          await events.close();
          await storage.close();
        },
      };
    },
  };
  return runCli(ctx, process.argv.slice(2), pkgVersion);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error [SP_ERR_INTERNAL]: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
