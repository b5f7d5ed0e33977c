/**
 * Monitoring as the server builds it: the monitoring service, its HTTP view (reports carry the current
 * alerts) and the schedule — a check of the served model over the last `windowMinutes` every interval,
 * one process at a time under the database lease `monitor-check`, with the prediction log's queue
 * depth as the backlog sample. The window's figures are computed on a thread of their own
 * (`MonitorCheckWorker`), so a check holds up no prediction; the lease and the alert rules are taken
 * and evaluated here. A
 * failing check is a warning; serving goes on.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import type { MonitoringHttpApi } from '../interfaces/http/index.js';
import {
  type AlertService,
  MonitoringService,
  type MonitorSchedule,
  type RegistryService,
  reportAlerts,
  runMonitorCheck,
  startMonitorSchedule,
} from '../services/index.js';
import { parseDatabaseUrl, type Storage } from '../storage/index.js';
import { MonitorCheckWorker } from './monitor-check-worker.js';

export interface ServerMonitoring {
  readonly service: MonitoringService;
  readonly http: MonitoringHttpApi;
  readonly schedule: MonitorSchedule;
  /** The thread the scheduled checks run on (null: on this thread, for an in-memory database). */
  readonly checkThread: MonitorCheckWorker | null;
  /** Stops the schedule (letting its lease go), then the check thread. */
  close(): Promise<void>;
}

/**
 * Whether the scheduled checks run on their own thread: yes, unless the database is SQLite in memory
 * (which another connection cannot open). MySQL/MariaDB answers queries asynchronously, but the drift
 * tests are computed in JavaScript, so they move off this thread too.
 */
function checksOnThread(config: Config): boolean {
  const target = parseDatabaseUrl(config.databaseUrl);
  return target.dialect !== 'sqlite' || !target.memory;
}

/** The interval of the schedule: seconds when set, else minutes; 0 = off. */
export function monitorIntervalMs(config: Config): number {
  const m = config.monitoring;
  return Math.round((m.checkSeconds ?? m.checkMinutes * 60) * 1000);
}

export function buildServerMonitoring(
  parts: {
    readonly storage: Storage;
    readonly registry: RegistryService;
    readonly alerts: AlertService;
    readonly config: Config;
    /** Rows waiting to be written to the prediction log (the backlog sample). */
    readonly logQueueDepth: () => number;
  },
  hooks: {
    readonly print?: (line: string) => void;
    /** Awaited as each scheduled check starts, after the lease is taken (tests hold a check open). */
    readonly beforeMonitorCheck?: () => Promise<void>;
  },
): ServerMonitoring {
  const { storage, registry, alerts, config } = parts;
  const modelName = config.server.modelName;
  const service = new MonitoringService({
    monitoring: storage.monitoring,
    datasets: storage.datasets,
    registry,
    experiments: storage.experiments,
  });
  const http: MonitoringHttpApi = {
    defaultModel: modelName,
    drift: (q, settings) => service.drift(q, settings),
    performance: (q) => service.performance(q),
    report: async (q, settings) => service.report(q, { settings, alerts: reportAlerts(await alerts.list()) }),
    profile: (name, version) => service.profile(name, version),
  };
  const windowMs = config.monitoring.windowMinutes * 60_000;
  let lastError: string | null = null;
  const checkThread = checksOnThread(config) ? new MonitorCheckWorker(config) : null;
  const schedule = startMonitorSchedule({
    // the lease on this thread's connection, at the server's priority: a write the check thread,
    // running at a lower one, could hold up (and with it, on SQLite, the prediction log's commits)
    leases: storage.leases,
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    intervalMs: monitorIntervalMs(config),
    check: async () => {
      await hooks.beforeMonitorCheck?.();
      const to = new Date();
      const result = await runMonitorCheck(
        { monitoring: checkThread ?? service, alerts },
        { modelName, from: new Date(to.getTime() - windowMs), to },
        { predictionLogBacklog: parts.logQueueDepth(), now: to },
      );
      lastError = null;
      return result;
    },
    onLease: (l) =>
      hooks.print?.(`monitoring: this process runs the scheduled checks (lease ${l.name}, token ${l.token})`),
    // the same failure every round is printed once, until it changes or a check succeeds
    onError: (e) => {
      if (e.message !== lastError) hooks.print?.(`warning: monitoring check failed: ${e.message}`);
      lastError = e.message;
    },
  });
  return {
    service,
    http,
    schedule,
    checkThread,
    async close() {
      await schedule.stop();
      await checkThread?.close();
    },
  };
}
