/**
 * The monitoring schedule over real leases (SQLite): one process checks at a time, the holder keeps
 * the lease round after round, a stopped holder lets it go, failures never stop the schedule. The
 * check itself is the caller's function (the server's end-to-end test runs the real one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../../storage/index.js';
import {
  leaseTtlMs,
  MONITOR_CHECK_LEASE,
  type MonitorCheckResult,
  type MonitorSchedule,
  startMonitorSchedule,
} from '../index.js';

/** A check's result as the schedule keeps it (the schedule never looks inside). */
const RESULT = { samples: {} } as unknown as MonitorCheckResult;

describe('startMonitorSchedule', () => {
  let dir: string;
  let storage: Storage;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sp-monitor-schedule-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = async () => {
    storage = await openStorage(`sqlite:${join(dir, `db-${++n}.sqlite`)}`);
    return storage;
  };

  it('keeps the lease TTL a little longer than the interval', () => {
    expect(leaseTtlMs(1000)).toBe(6000);
    expect(leaseTtlMs(5 * 60_000)).toBe(7.5 * 60_000);
  });

  it('one process checks at a time; the holder keeps the lease; stopping hands it over', async () => {
    const s = await fresh();
    const checks: string[] = [];
    const leases: string[] = [];
    const schedule = (owner: string): MonitorSchedule =>
      startMonitorSchedule({
        leases: s.leases,
        owner,
        intervalMs: 0,
        check: async () => {
          checks.push(owner);
          return RESULT;
        },
        onLease: (l) => leases.push(`${l.owner}#${l.token}`),
      });
    const a = schedule('a:1');
    const b = schedule('b:2');
    expect(await a.round()).toBe('ran');
    expect(await b.round()).toBe('skipped');
    expect(await a.round()).toBe('ran');
    expect(await b.round()).toBe('skipped');
    expect(checks).toEqual(['a:1', 'a:1']);
    expect(a.status()).toMatchObject({ last: RESULT, holdsLease: true, rounds: { ran: 2, skipped: 0 } });
    expect(b.status()).toMatchObject({ last: null, holdsLease: false, rounds: { ran: 0, skipped: 2 } });
    expect((await s.leases.get(MONITOR_CHECK_LEASE))?.owner).toBe('a:1');

    await a.stop();
    expect(await s.leases.get(MONITOR_CHECK_LEASE)).toBeNull();
    expect(await b.round()).toBe('ran');
    expect(checks).toEqual(['a:1', 'a:1', 'b:2']);
    expect(leases).toEqual(['a:1#1', 'b:2#1']);
    await b.stop();
    await s.close();
  });

  it('a failing check is reported and counted; the next round runs again', async () => {
    const s = await fresh();
    const errors: string[] = [];
    let fail = true;
    const sched = startMonitorSchedule({
      leases: s.leases,
      owner: 'a:1',
      intervalMs: 0,
      check: async () => {
        if (fail) throw new Error('no Production version');
        return RESULT;
      },
      onError: (e) => errors.push(e.message),
    });
    expect(await sched.round()).toBe('failed');
    expect(errors).toEqual(['no Production version']);
    fail = false;
    expect(await sched.round()).toBe('ran');
    expect(sched.status().rounds).toEqual({ ran: 1, skipped: 0, failed: 1 });
    await sched.stop();
    await s.close();
  });

  it('keeps when the last check finished and how long it took (the check, not the lease query)', async () => {
    const s = await fresh();
    const sched = startMonitorSchedule({
      leases: s.leases,
      owner: 'timed:1',
      intervalMs: 0,
      check: async () => {
        await new Promise((r) => setTimeout(r, 120));
        return RESULT;
      },
    });
    expect(sched.status()).toMatchObject({ lastAt: null, lastDurationMs: null });
    const before = Date.now();
    expect(await sched.round()).toBe('ran');
    const { lastAt, lastDurationMs } = sched.status();
    expect(lastDurationMs).toBeGreaterThanOrEqual(110);
    expect(lastDurationMs).toBeLessThan(Date.now() - before + 1);
    expect(lastAt?.getTime()).toBeGreaterThanOrEqual(before + 110);
    await sched.stop();
  });

  it('rounds never overlap: a round asked for while one runs is that round', async () => {
    const s = await fresh();
    let release = () => {};
    let calls = 0;
    const sched = startMonitorSchedule({
      leases: s.leases,
      owner: 'a:1',
      intervalMs: 0,
      check: () => {
        calls++;
        return new Promise<MonitorCheckResult>((resolve) => {
          release = () => resolve(RESULT);
        });
      },
    });
    const first = sched.round();
    const second = sched.round();
    expect(second).toBe(first);
    while (calls === 0) await new Promise((r) => setTimeout(r, 5));
    release();
    expect(await first).toBe('ran');
    expect(calls).toBe(1);
    await sched.stop();
    await s.close();
  });
});
