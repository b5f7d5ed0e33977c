import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineRunRecord } from '../../../storage/index.js';
import {
  dueTick,
  type StartRun,
  scheduleDedupeKey,
  startPipelineScheduler,
  validateSchedules,
} from '../pipeline-scheduler.js';
import type { RunTrigger } from '../pipeline-service-types.js';

const at = (iso: string) => new Date(iso);
const cron = (p: string, timezone = 'UTC') => new Cron(p, { timezone, paused: true });

describe('dueTick', () => {
  it('gives the latest tick at or before now, once', () => {
    const c = cron('0 3 * * *');
    const tick = dueTick(c, at('2026-06-01T03:00:20Z'), null, 600_000);
    expect(tick?.toISOString()).toBe('2026-06-01T03:00:00.000Z');
    expect(dueTick(c, at('2026-06-01T03:05:00Z'), tick, 600_000)).toBeNull();
    // exactly on the tick counts
    expect(dueTick(c, at('2026-06-02T03:00:00Z'), tick, 600_000)?.toISOString()).toBe(
      '2026-06-02T03:00:00.000Z',
    );
  });

  it('skips ticks older than the catch-up window (only the latest missed one runs)', () => {
    const c = cron('*/10 * * * *');
    expect(dueTick(c, at('2026-06-01T03:25:00Z'), null, 60_000)).toBeNull();
    expect(dueTick(c, at('2026-06-01T03:25:00Z'), null, 600_000)?.toISOString()).toBe(
      '2026-06-01T03:20:00.000Z',
    );
  });

  it('follows the time zone, daylight saving included', () => {
    const c = cron('0 3 * * *', 'Europe/Berlin');
    // winter: 03:00 CET = 02:00 UTC; summer (after 29 March 2026): 03:00 CEST = 01:00 UTC
    expect(dueTick(c, at('2026-01-15T02:00:30Z'), null, 600_000)?.toISOString()).toBe(
      '2026-01-15T02:00:00.000Z',
    );
    expect(dueTick(c, at('2026-04-15T01:00:30Z'), null, 600_000)?.toISOString()).toBe(
      '2026-04-15T01:00:00.000Z',
    );
    expect(dueTick(c, at('2026-04-15T02:00:30Z'), null, 600_000)).toBeNull();
  });
});

describe('validateSchedules', () => {
  const known = new Set(['retrain']);
  const ok = { name: 'nightly', pipeline: 'retrain', cron: '0 3 * * *', timezone: 'Europe/Berlin' };

  it('accepts a valid schedule', () => {
    expect(() => validateSchedules([ok], known)).not.toThrow();
  });

  it.each([
    [
      { ...ok, cron: '61 * * * *' },
      /nightly: "61 \* \* \* \*" in Europe\/Berlin is not a valid schedule: .*minute/,
    ],
    [{ ...ok, cron: 'every day' }, /nightly: "every day".* is not a valid schedule/],
    [{ ...ok, timezone: 'Mars/Base' }, /nightly: .* in Mars\/Base is not a valid schedule: .*timezone/i],
    [{ ...ok, pipeline: 'nope' }, /runs pipeline "nope", which does not exist \(known: retrain\)/],
    [{ ...ok, name: 'Bad Name' }, /Schedule name "Bad Name" is invalid/],
  ])('refuses %j with a message naming the problem', (s, message) => {
    let err: unknown;
    try {
      validateSchedules([s], known);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'SP_ERR_CONFIG' });
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a name used twice', () => {
    expect(() => validateSchedules([ok, ok], known)).toThrow(/Schedule nightly is defined twice/);
  });
});

/** A start that keeps one run per dedupe key, as the database does. */
function recordingStart() {
  const runs = new Map<string, { pipeline: string; params: object; trigger: RunTrigger }>();
  const calls: string[] = [];
  const start: StartRun = async (pipeline, params, trigger) => {
    const key = trigger.dedupeKey ?? `${calls.length}`;
    calls.push(key);
    if (!runs.has(key)) runs.set(key, { pipeline, params, trigger });
    return { id: key } as unknown as PipelineRunRecord;
  };
  return { start, runs, calls };
}

describe('startPipelineScheduler', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('starts each tick once, with the tick in the dedupe key, and tries a failed start again', async () => {
    let now = at('2026-06-01T03:00:00.500Z');
    const rec = recordingStart();
    let fail = true;
    const errors: string[] = [];
    const s = startPipelineScheduler({
      schedules: [
        { name: 'every-second', pipeline: 'retrain', cron: '* * * * * *', params: { deploy: 'stop' } },
      ],
      start: async (...a) => {
        if (fail) throw new Error('database down');
        return rec.start(...a);
      },
      pollMs: 3_600_000,
      now: () => now,
      onError: (e) => errors.push(e.message),
    });
    await s.poll();
    expect(errors).toEqual(['database down']);
    fail = false;
    await s.poll();
    await s.poll(); // same instant: nothing new
    now = at('2026-06-01T03:00:02.100Z');
    await s.poll();
    await s.stop();
    expect(rec.calls).toEqual([
      scheduleDedupeKey('every-second', at('2026-06-01T03:00:00Z')),
      scheduleDedupeKey('every-second', at('2026-06-01T03:00:02Z')),
    ]);
    expect([...rec.runs.values()][0]).toMatchObject({
      pipeline: 'retrain',
      params: { deploy: 'stop' },
      trigger: { kind: 'schedule', ref: 'every-second' },
    });
  });

  it('starts the pipeline once per new CSV file in the watched folder, after its size settles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-watch-'));
    dirs.push(dir);
    const rec = recordingStart();
    const s = startPipelineScheduler({ schedules: [], start: rec.start, pollMs: 3_600_000, watch: { dir } });
    writeFileSync(join(dir, 'new.csv'), 'a;b\n');
    writeFileSync(join(dir, 'notes.txt'), 'not data');
    await s.poll(); // first sight: wait for it to settle
    expect(rec.calls).toEqual([]);
    await s.poll();
    await s.poll();
    expect(rec.calls).toHaveLength(1);
    const [run] = [...rec.runs.values()];
    expect(run).toMatchObject({
      pipeline: 'retrain',
      params: { source: join(dir, 'new.csv') },
      trigger: { kind: 'folder', ref: join(dir, 'new.csv') },
    });
    await s.stop();
  });

  it('reports an unreadable folder and keeps polling', async () => {
    const errors: string[] = [];
    const s = startPipelineScheduler({
      schedules: [],
      start: recordingStart().start,
      pollMs: 3_600_000,
      watch: { dir: join(tmpdir(), 'sp-no-such-folder-xyz') },
      onError: (e) => errors.push(e.message),
    });
    await s.poll();
    await s.stop();
    expect(errors.at(-1)).toMatch(/ENOENT.*sp-no-such-folder-xyz/);
  });
});
