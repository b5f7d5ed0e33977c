/**
 * The server's monitoring checks on their own thread (`MonitorCheckWorker`), over a real database: the
 * thread computes the figures the service computes, takes and releases the schedule's lease on its own
 * connection, hands errors back with their codes, and the server's scheduled round runs there with its
 * result kept as the schedule's status (what /metrics shows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../src/core/index.js';
import { buildAlertService } from '../../src/main/alert-deps.js';
import { MonitorCheckWorker } from '../../src/main/monitor-check-worker.js';
import { buildServerMonitoring } from '../../src/main/monitoring-deps.js';
import {
  EtlService,
  MONITOR_CHECK_LEASE,
  MonitoringService,
  type RegistryService,
} from '../../src/services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY } from '../helpers/fixture-files.js';
import {
  hour,
  leafLitterSeason,
  logTraffic,
  MONITORED_MODEL as MODEL,
  strideSample,
} from '../helpers/monitoring-traffic.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

/** The code and message of what `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    return { code: isSporeprintError(e) ? e.code : undefined, message: (e as Error).message };
  }
  throw new Error('expected a rejection');
}

export function describeMonitorCheckThread(backend: TestBackend): void {
  describe(`monitoring checks on their own thread (${backend.name})`, () => {
    let prepared: Awaited<ReturnType<typeof prepareServingDatabase>>;
    let storage: Storage;
    let registry: RegistryService;
    let service: MonitoringService;

    beforeAll(async () => {
      prepared = await prepareServingDatabase(backend.freshUrl());
      storage = await openStorage(prepared.config.databaseUrl);
      registry = registryOver(storage, prepared, createInProcessEventBus()).registry;
      service = new MonitoringService({
        monitoring: storage.monitoring,
        datasets: storage.datasets,
        registry,
      });
      const heldOut = await new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      }).heldOutRecords('latest');
      await logTraffic(storage, prepared, hour(12, 30), strideSample(heldOut.records, 300), leafLitterSeason);
      // the last minute: every mushroom the same, so a scheduled check fires dataset_drift
      await logTraffic(
        storage,
        prepared,
        new Date(Date.now() - 60_000),
        strideSample(heldOut.records, 200),
        (r) => Object.assign(r, CLASSIC_MUSHROOM),
      );
    }, 600_000);
    afterAll(async () => {
      await storage?.close();
      prepared?.cleanup();
    });

    it('computes the figures the service computes', async () => {
      const thread = new MonitorCheckWorker(prepared.config);
      try {
        expect(thread.threadId).toBeNull(); // started by the first call
        const q = { modelName: MODEL, from: hour(12), to: hour(13) };
        const figures = await thread.figures(q);
        expect(thread.threadId).not.toBeNull();
        expect(figures).toEqual(await service.figures(q));
        expect(figures.drift.window.rows).toBe(300);
        expect(figures.drift.features.find((f) => f.feature === 'odor')).toMatchObject({ drifted: true });
        const settings = { share: 0.25, all: { test: 'psi' as const, threshold: 0.2 } };
        expect(await thread.figures(q, settings)).toEqual(await service.figures(q, settings));
      } finally {
        await thread.close();
      }
      expect(thread.threadId).toBeNull();
      expect((await failure(thread.figures({ modelName: MODEL }))).message).toMatch(/thread is closed/);
      await thread.close(); // idempotent
    });

    it('hands errors back with their code and message; the thread goes on', async () => {
      const thread = new MonitorCheckWorker(prepared.config);
      try {
        expect(await failure(thread.figures({ modelName: MODEL, from: hour(13), to: hour(12) }))).toEqual({
          code: 'SP_ERR_BAD_PARAM',
          message: expect.stringMatching(/from .* must be before to/),
        });
        expect(await failure(thread.figures({ modelName: 'no-such-model' }))).toMatchObject({
          code: 'SP_ERR_NOT_FOUND',
          message: expect.stringMatching(/no-such-model/),
        });
        expect(
          await failure(thread.figures({ modelName: MODEL, from: hour(12), to: hour(13) }, { share: 2 })),
        ).toMatchObject({ code: 'SP_ERR_BAD_PARAM', message: expect.stringMatching(/share/) });
        const ok = await thread.figures({ modelName: MODEL, from: hour(12), to: hour(13) });
        expect(ok.drift.window.rows).toBe(300);
      } finally {
        await thread.close();
      }
    });

    it("runs the server's scheduled check on the thread; its result is the schedule's status", async () => {
      const alerts = buildAlertService(storage, registry, prepared.config, () => {});
      const monitoring = buildServerMonitoring(
        { storage, registry, alerts, config: prepared.config, logQueueDepth: () => 7 },
        {},
      );
      try {
        const thread = monitoring.checkThread;
        if (thread === null) throw new Error('the checks of a database file run on a thread');
        expect(thread.threadId).toBeNull();
        expect(await monitoring.schedule.round()).toBe('ran');
        expect(thread.threadId).not.toBeNull();
        const status = monitoring.schedule.status();
        expect(status.rounds).toEqual({ ran: 1, skipped: 0, failed: 0 });
        expect(status.holdsLease).toBe(true);
        const last = status.last;
        if (last === null) throw new Error('no check');
        // the thread's figures are the service's over the same window
        const window = last.drift.window;
        const again = await service.figures({
          modelName: MODEL,
          from: new Date(window.from ?? 0),
          to: new Date(window.to),
        });
        expect(last.drift).toEqual(again.drift);
        expect(last.performance).toEqual(again.performance);
        expect(window.rows).toBe(200);
        expect(last.samples.prediction_log_backlog).toBe(7);
        expect(last.alerts.alerts.map((a) => [a.ruleName, a.state])).toContainEqual([
          'dataset_drift',
          'firing',
        ]);
        // the lease was taken in this process's name (on the serving thread's connection)
        expect((await storage.leases.get(MONITOR_CHECK_LEASE))?.owner).toContain(`:${process.pid}:`);
      } finally {
        await monitoring.close();
        await alerts.close();
      }
      expect(monitoring.checkThread?.threadId).toBeNull();
      expect(await storage.leases.get(MONITOR_CHECK_LEASE)).toBeNull(); // let go on close
    });
  });
}
