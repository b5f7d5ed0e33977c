/**
 * The monitoring checks' thread on SQLite: the conformance suite, and what the thread is for — while a
 * check runs on it, this thread's event loop keeps turning (timers fire on time), where the same
 * check run here holds the loop for most of its duration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isSporeprintError } from '../../src/core/index.js';
import { buildAlertService } from '../../src/main/alert-deps.js';
import { MonitorCheckWorker } from '../../src/main/monitor-check-worker.js';
import { buildServerMonitoring } from '../../src/main/monitoring-deps.js';
import { registryServiceDeps } from '../../src/main/registry-deps.js';
import {
  EtlService,
  MonitoringService,
  type MonitorQuery,
  RegistryService,
} from '../../src/services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY } from '../helpers/fixture-files.js';
import { logTraffic, MONITORED_MODEL as MODEL } from '../helpers/monitoring-traffic.js';
import { prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import { sqliteBackend } from '../helpers/test-databases.js';
import { describeMonitorCheckThread } from './monitor-check-thread.conformance.js';

const backend = sqliteBackend();
describeMonitorCheckThread(backend);

describe('scheduled checks over an in-memory SQLite database', () => {
  it('run on the serving thread (no other connection can open that database)', async () => {
    const config = loadConfig({
      env: { DATABASE_URL: 'sqlite::memory:', SPOREPRINT_MONITOR_CHECK_MINUTES: '0' },
    });
    const storage = await openStorage(config.databaseUrl);
    const registry = new RegistryService(registryServiceDeps(storage, config, createInProcessEventBus()));
    const alerts = buildAlertService(storage, registry, config, () => {});
    const printed: string[] = [];
    const monitoring = buildServerMonitoring(
      { storage, registry, alerts, config, logQueueDepth: () => 0 },
      { print: (line) => printed.push(line) },
    );
    try {
      expect(monitoring.checkThread).toBeNull();
      // no model in Production: the check fails here, as a warning, with the service's message
      expect(await monitoring.schedule.round()).toBe('failed');
      expect(printed.join('\n')).toMatch(/warning: monitoring check failed: .*sporeprint-secondary/);
      expect(monitoring.schedule.status().holdsLease).toBe(true);
    } finally {
      await monitoring.close();
      await alerts.close();
      await storage.close();
    }
  });
});

describe('the check thread over a database it cannot open', () => {
  it('fails each call with the database error, trying again at the next', async () => {
    const config = loadConfig({ env: { DATABASE_URL: 'mysql://root@127.0.0.1:1/sp_mon_nowhere' } });
    const thread = new MonitorCheckWorker(config);
    try {
      for (const call of [
        () => thread.figures({ modelName: MODEL }),
        () => thread.figures({ modelName: MODEL }),
      ]) {
        const e = await call().then(
          () => null,
          (err: unknown) => err,
        );
        expect(isSporeprintError(e) && e.code).toBe('SP_ERR_DATABASE');
        expect((e as Error).message).toMatch(/127\.0\.0\.1:1/);
      }
    } finally {
      await thread.close();
    }
  }, 60_000);
});

/** The nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the command name in parentheses start at field 3 (state)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nices.set(Number(tid), Number(fields[16]));
  }
  return nices;
}

describe.runIf(process.platform === 'linux')('the check thread yields the CPU to serving (Linux)', () => {
  it('runs at SPOREPRINT_MONITOR_CHECK_NICE; every other thread of the process keeps its priority', async () => {
    const before = threadNices();
    const config = loadConfig({
      env: { DATABASE_URL: 'mysql://root@127.0.0.1:1/sp_mon_nowhere', SPOREPRINT_MONITOR_CHECK_NICE: '7' },
    });
    const thread = new MonitorCheckWorker(config);
    try {
      // the first call starts the thread; it sets its priority before it opens the database
      await thread.figures({ modelName: MODEL }).catch(() => undefined);
      const after = threadNices();
      const started = [...after].filter(([tid]) => !before.has(tid));
      expect(started.filter(([, nice]) => nice === 7)).toHaveLength(1);
      for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice);
      expect(getPriority()).toBe(before.get(process.pid) ?? getPriority());
    } finally {
      await thread.close();
    }
  }, 60_000);
});

/** Hours of logged traffic the window spans (each hour is its own roll-up rows and performance row). */
const HOURS = 2000;
const PER_HOUR = 10;

/**
 * The longest stall of this thread's event loop while `run` runs, beside how long it ran (ms): the
 * longest gap between two runs of a 1 ms timer. (perf_hooks' monitorEventLoopDelay is not used: it
 * reported stalls of 3-5 ms across a 40-60 ms synchronous check.)
 */
async function stallDuring(run: () => Promise<unknown>): Promise<{ stall: number; elapsed: number }> {
  let stall = 0;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  const t0 = performance.now();
  await run();
  const elapsed = performance.now() - t0;
  // a stall at the end of the run is measured when the timer it held up fires: let it
  await new Promise((r) => setTimeout(r, 5));
  clearTimeout(timer);
  return { stall, elapsed };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('a check on its thread holds up nothing on this one (SQLite)', () => {
  let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;
  let storage: Storage;
  let service: MonitoringService;
  let query: MonitorQuery;

  beforeAll(async () => {
    prepared = await prepareServingDatabase(backend.freshUrl());
    storage = await openStorage(prepared.config.databaseUrl);
    const { registry } = registryOver(storage, prepared, createInProcessEventBus());
    service = new MonitoringService({ monitoring: storage.monitoring, datasets: storage.datasets, registry });
    const heldOut = await new EtlService(storage.datasets, {
      invalidThreshold: 0.01,
      seed: 42,
      speciesFile: PRIMARY,
    }).heldOutRecords('latest');
    const to = new Date();
    const from = new Date(to.getTime() - HOURS * 3_600_000);
    const rows = Array.from(
      { length: HOURS * PER_HOUR },
      (_, i) => heldOut.records[i % heldOut.records.length],
    );
    await logTraffic(storage, prepared, (i) => new Date(from.getTime() + (i / PER_HOUR) * 3_600_000), rows);
    query = { modelName: MODEL, from, to };
  }, 600_000);
  afterAll(async () => {
    await storage?.close();
    prepared?.cleanup();
  });

  it('timers fire on time during a check on the thread; a check here holds them for most of its run', async () => {
    const thread = new MonitorCheckWorker(prepared.config);
    try {
      // warm both (the thread's start, the profile, the JIT), and the same figures either way
      expect(await thread.figures(query)).toEqual(await service.figures(query));
      const here: { stall: number; elapsed: number }[] = [];
      const there: { stall: number; elapsed: number }[] = [];
      for (let round = 0; round < 5; round++) {
        here.push(await stallDuring(() => service.figures(query)));
        there.push(await stallDuring(() => thread.figures(query)));
      }
      const figures = JSON.stringify({ here, there });
      // ratios of one run's own duration, so a slow or loaded machine scales both sides alike
      expect(median(here.map((r) => r.stall / r.elapsed)), figures).toBeGreaterThan(0.5);
      expect(median(there.map((r) => r.stall / r.elapsed)), figures).toBeLessThan(0.25);
      expect(median(there.map((r) => r.stall)) * 4, figures).toBeLessThan(median(here.map((r) => r.stall)));
    } finally {
      await thread.close();
    }
  }, 120_000);
});
