/**
 * Monitoring checks end to end, through the real log, roll-up, monitoring service and alert service:
 * 20 windows of in-distribution traffic raise no dataset-drift alert; one window of species the model
 * never saw fires it at the first check.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAlertService } from '../../src/main/alert-deps.js';
import { EtlService, MonitoringService, runMonitorCheck } from '../../src/services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY, SECONDARY, tempFiles } from '../helpers/fixture-files.js';
import { hour, logTraffic, MONITORED_MODEL } from '../helpers/monitoring-traffic.js';
import { prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';

const ROWS_PER_WINDOW = 500;

/** A deterministic sample with replacement (in-distribution traffic: the held-out rows' distribution). */
function sample<T>(rows: readonly T[], n: number, seed: number): T[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return rows[(x >>> 0) % rows.length];
  });
}

async function services(url: string, prepared: Awaited<ReturnType<typeof prepareServingDatabase>>) {
  const storage = await openStorage(url);
  const { registry } = registryOver(storage, prepared, createInProcessEventBus());
  const monitoring = new MonitoringService({
    monitoring: storage.monitoring,
    datasets: storage.datasets,
    registry,
  });
  const alerts = buildAlertService(storage, registry, prepared.config, () => {});
  return { storage, monitoring, alerts };
}

describe('monitoring checks and alerts (SQLite, real log)', () => {
  const files = tempFiles();
  const open: Storage[] = [];
  const cleanups: (() => void)[] = [];
  afterAll(async () => {
    for (const s of open) await s.close();
    for (const c of cleanups) c();
  });

  it('20 windows of in-distribution traffic: no dataset-drift alert, ever', async () => {
    const url = `sqlite:${join(files.dir, 'calm.sqlite')}`;
    const prepared = await prepareServingDatabase(url);
    cleanups.push(prepared.cleanup);
    const s = await services(url, prepared);
    open.push(s.storage);
    const etl = new EtlService(s.storage.datasets, {
      invalidThreshold: 0.01,
      seed: 42,
      speciesFile: PRIMARY,
    });
    const heldOut = (await etl.heldOutRecords('latest')).records;
    const shares: number[] = [];
    for (let w = 0; w < 20; w++) {
      await logTraffic(s.storage, prepared, hour(w, 10), sample(heldOut, ROWS_PER_WINDOW, w + 1));
      const check = await runMonitorCheck(
        s,
        { modelName: MONITORED_MODEL, from: hour(w), to: hour(w + 1) },
        { now: hour(w + 1) },
      );
      expect(check.drift.window.rows).toBe(ROWS_PER_WINDOW);
      shares.push(check.drift.dataset?.share ?? 1);
      expect(check.alerts.alerts.filter((a) => a.ruleName === 'dataset_drift')).toEqual([]);
    }
    expect(Math.max(...shares)).toBeLessThan(0.5);
    await s.alerts.close();
  }, 600_000);

  it('a window of species the model never saw fires the dataset-drift alert at the first check', async () => {
    const url = `sqlite:${join(files.dir, 'species.sqlite')}`;
    // unseen species fail the quality gate by design: the model is promoted with --force
    const prepared = await prepareServingDatabase(
      url,
      {},
      {
        source: SECONDARY,
        split: 'species',
        modelName: 'sporeprint-secondary',
        models: ['decision-tree'],
        force: true,
      },
    );
    cleanups.push(prepared.cleanup);
    const s = await services(url, prepared);
    open.push(s.storage);
    const etl = new EtlService(s.storage.datasets, {
      invalidThreshold: 0.01,
      seed: 42,
      speciesFile: PRIMARY,
    });
    const unseen = (await etl.unseenSpeciesRecords(prepared.datasetId)).records;
    await logTraffic(
      s.storage,
      prepared,
      hour(3, 20),
      sample(unseen, ROWS_PER_WINDOW, 7),
      undefined,
      'sporeprint-secondary',
    );
    const check = await runMonitorCheck(
      s,
      { modelName: 'sporeprint-secondary', from: hour(3), to: hour(4) },
      { now: hour(4) },
    );
    expect(check.drift.dataset?.drifted).toBe(true);
    const fired = check.alerts.alerts.find((a) => a.ruleName === 'dataset_drift');
    expect(fired?.state).toBe('firing');
    expect(check.alerts.transitions.map((t) => `${t.ruleName}:${t.to}`)).toContain('dataset_drift:firing');
    await s.alerts.close();
  }, 600_000);
});
