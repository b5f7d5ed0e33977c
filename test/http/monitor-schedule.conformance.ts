/**
 * Scheduled monitoring checks across replicas: two real `sporeprint serve` processes on one database,
 * checking every second. Only the holder of the `monitor-check` lease checks (the other skips each
 * round); the checks' alerts land in the shared alert state; when the holder stops, the other takes
 * the lease over and checks from then on.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtlService, MONITOR_CHECK_LEASE } from '../../src/services/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { PRIMARY } from '../helpers/fixture-files.js';
import { logTraffic, MONITORED_MODEL, strideSample } from '../helpers/monitoring-traffic.js';
import { spawnListening } from '../helpers/server-process.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

type Server = { child: ChildProcess; url: string; stderr: () => string };

/** This process's scheduled rounds, from its /metrics. */
async function rounds(s: Server): Promise<{ ran: number; skipped: number; failed: number }> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const of = (outcome: string) => {
    const m = text.match(
      new RegExp(`^sporeprint_monitor_rounds_total\\{outcome="${outcome}"\\} (\\d+)`, 'm'),
    );
    return m === null ? 0 : Number(m[1]);
  };
  return { ran: of('ran'), skipped: of('skipped'), failed: of('failed') };
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(s: Server | undefined): Promise<void> {
  if (s === undefined || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

export function describeMonitorScheduleAcrossProcesses(backend: TestBackend): void {
  describe(`scheduled monitoring checks, one process at a time (${backend.name})`, () => {
    let storage: Storage;
    let cleanup = () => {};
    let a: Server | undefined;
    let b: Server | undefined;

    beforeAll(async () => {
      const url = backend.freshUrl();
      const prepared = await prepareServingDatabase(url);
      cleanup = prepared.cleanup;
      storage = await openStorage(url);
      const heldOut = await new EtlService(storage.datasets, {
        invalidThreshold: 0.01,
        seed: 42,
        speciesFile: PRIMARY,
      }).heldOutRecords('latest');
      // drifted traffic in the last hour: every check fires dataset_drift
      await logTraffic(
        storage,
        prepared,
        new Date(Date.now() - 60_000),
        strideSample(heldOut.records, 200),
        (r) => Object.assign(r, CLASSIC_MUSHROOM),
      );
      const env = {
        DATABASE_URL: url,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: MONITORED_MODEL,
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_ACCESS_LOG: 'false',
        SPOREPRINT_PORT: '0',
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
        SPOREPRINT_MONITOR_CHECK_SECONDS: '1',
      };
      [a, b] = await Promise.all([
        spawnListening(['src/main/cli.ts', 'serve'], env),
        spawnListening(['src/main/cli.ts', 'serve'], env),
      ]);
    }, 600_000);
    afterAll(async () => {
      await Promise.all([stop(a), stop(b)]);
      await storage?.close();
      cleanup();
    });

    it('only the lease holder checks; the other takes over when it stops', async () => {
      if (a === undefined || b === undefined) throw new Error('servers not started');
      const servers = [a, b];
      await until(
        'three checks',
        () => Promise.all(servers.map(rounds)),
        (r) => r[0].ran + r[1].ran >= 3 && r[0].ran + r[0].skipped > 0 && r[1].ran + r[1].skipped > 0,
      );
      const [ra, rb] = await Promise.all(servers.map(rounds));
      const holder = ra.ran > 0 ? a : b;
      const other = holder === a ? b : a;
      // one process checked, the other skipped every round
      expect([ra.ran > 0, rb.ran > 0].filter(Boolean), JSON.stringify([ra, rb])).toHaveLength(1);
      expect((await rounds(other)).ran).toBe(0);
      expect((await rounds(other)).skipped).toBeGreaterThan(0);
      expect(ra.failed + rb.failed).toBe(0);
      const lease = await storage.leases.get(MONITOR_CHECK_LEASE);
      expect(lease?.owner.split(':')[1]).toBe(String(holder.child.pid));
      expect(lease?.token).toBe(1);
      expect(holder.stderr()).toMatch(
        /this process runs the scheduled checks \(lease monitor-check, token 1\)/,
      );
      expect(other.stderr()).not.toMatch(/runs the scheduled checks/);
      // the checks' evaluations are in the shared alert state
      const states = await storage.alerts.states();
      const drift = states.find((s) => s.ruleName === 'dataset_drift');
      expect(drift?.state).toBe('firing');
      expect(Date.now() - (drift?.lastEvalAt.getTime() ?? 0)).toBeLessThan(60_000);
      const evalAt = drift?.lastEvalAt.getTime() ?? 0;

      // the holder stops (releasing the lease): the other checks from its next round
      await stop(holder);
      const after = await until(
        'the other process to check',
        () => rounds(other),
        (r) => r.ran >= 2,
      );
      expect(after.failed).toBe(0);
      const taken = await storage.leases.get(MONITOR_CHECK_LEASE);
      expect(taken?.owner.split(':')[1]).toBe(String(other.child.pid));
      // (released, the lease was deleted: the next holder takes it anew)
      expect(taken?.acquiredAt.getTime()).toBeGreaterThan(lease?.acquiredAt.getTime() ?? Infinity);
      expect(other.stderr()).toMatch(/runs the scheduled checks \(lease monitor-check, token \d+\)/);
      const later = (await storage.alerts.states()).find((s) => s.ruleName === 'dataset_drift');
      expect(later?.lastEvalAt.getTime()).toBeGreaterThan(evalAt);
      // predictions are answered all along
      const res = await fetch(`${other.url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CLASSIC_MUSHROOM),
      });
      expect(res.status).toBe(200);
    }, 240_000);
  });
}
