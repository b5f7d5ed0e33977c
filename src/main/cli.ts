#!/usr/bin/env node
/**
 * Composition root of the `sporeprint` CLI: reads configuration once (environment + optional file),
 * builds the storage adapters and services, and runs the command tree.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from '../config/index.js';
import { isSporeprintError } from '../core/index.js';
import { type CliContext, type CliServices, runCli } from '../interfaces/cli/index.js';
import {
  type AlertService,
  DatabaseService,
  EtlService,
  ExperimentService,
  MonitoringService,
  RegistryService,
  RunsService,
  TrainingService,
} from '../services/index.js';
import {
  createInProcessEventBus,
  openRedisEventBus,
  openStorage,
  type RegistryEventBus,
} from '../storage/index.js';
import { buildAlertService } from './alert-deps.js';
import { experimentServiceDeps } from './experiment-deps.js';
import { registryServiceDeps } from './registry-deps.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (this file lives in src/main or dist/main). */
const packageRoot = resolve(here, '..', '..');

function readConfig(): Config {
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

let cachedCodeVersion: string | undefined;

/** The package version plus the git commit when the code runs from a checkout. */
function codeVersion(): string {
  if (cachedCodeVersion !== undefined) return cachedCodeVersion;
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: packageRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout (an installed package): the version alone
  }
  cachedCodeVersion = commit ? `${pkg.version}+${commit}` : pkg.version;
  return cachedCodeVersion;
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
  const dataDir = resolve(config.dataDir === './data' ? join(packageRoot, 'data') : config.dataDir);
  const pkgVersion = (
    JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
  ).version;
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
      return {
        registry,
        experiments: new ExperimentService(experimentServiceDeps(storage, registry)),
        monitoring,
        get alerts() {
          alerts ??= buildAlertService(storage, registry, config, (line) =>
            process.stderr.write(`${line}\n`),
          );
          return alerts;
        },
        training: new TrainingService({
          datasets: storage.datasets,
          runs: storage.runs,
          artifacts,
          codeVersion: codeVersion(),
          seed: config.etl.seed,
        }),
        runs: new RunsService(storage.runs),
        etl: new EtlService(storage.datasets, {
          invalidThreshold: config.etl.invalidThreshold,
          seed: config.etl.seed,
          speciesFile: join(dataDir, 'primary_data.csv'),
        }),
        database: new DatabaseService(storage),
        keys: storage.apiKeys,
        close: async () => {
          // queued webhook notifications get a few seconds before the process ends
          await alerts?.flush(10_000);
          await alerts?.close();
          await events.close();
          await storage.close();
        },
      };
    },
  };
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return runCli(ctx, process.argv.slice(2), pkg.version);
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
