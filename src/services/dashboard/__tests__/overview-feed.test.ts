import { describe, expect, it } from 'vitest';
import { OverviewFeed, type OverviewMessage } from '../overview-feed.js';
import type { Overview } from '../overview-types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An Overview whose prediction total is `total`, read at `at`. */
function overview(total: number, at = new Date()): Overview {
  return {
    at: at.toISOString(),
    models: [],
    experiments: null,
    alerts: null,
    pipelines: null,
    predictions: {
      from: at.toISOString(),
      to: at.toISOString(),
      total,
      decisions: { edible: total, poisonous: 0, uncertain: 0 },
      perMinute: 0,
      minutes: [],
    },
    problems: [],
  };
}

/** A source of Overviews whose total the test sets, counting its reads. */
function source() {
  const s = {
    total: 0,
    reads: 0,
    fail: null as string | null,
    read: async (): Promise<Overview> => {
      s.reads++;
      if (s.fail !== null) throw new Error(s.fail);
      return overview(s.total);
    },
  };
  return s;
}

const totals = (ms: OverviewMessage[]) =>
  ms.map((m) => (m.kind === 'overview' ? m.overview.predictions.total : `error: ${m.message}`));

describe('OverviewFeed', () => {
  it('reads nothing without subscribers; sends the first read, then only changes, to every subscriber', async () => {
    const s = source();
    const feed = new OverviewFeed(s.read, { intervalMs: 10 });
    await sleep(40);
    expect(s.reads).toBe(0);
    const a: OverviewMessage[] = [];
    const stopA = feed.subscribe((m) => a.push(m));
    await sleep(60);
    expect(totals(a)).toEqual([0]); // read several times, the same content (only `at` differs)
    expect(s.reads).toBeGreaterThan(2);
    const b: OverviewMessage[] = [];
    const stopB = feed.subscribe((m) => b.push(m));
    expect(totals(b)).toEqual([0]); // the latest at once
    s.total = 5;
    await sleep(40);
    expect(totals(a)).toEqual([0, 5]);
    expect(totals(b)).toEqual([0, 5]);
    expect(feed.subscribers).toBe(2);
    stopA();
    stopB();
    const readsAfterStop = s.reads;
    await sleep(40);
    expect(s.reads - readsAfterStop).toBeLessThanOrEqual(1); // at most the read in flight
    feed.close();
  });

  it('a failed read is sent once as an error; the next good read is sent again', async () => {
    const s = source();
    const feed = new OverviewFeed(s.read, { intervalMs: 10 });
    const got: OverviewMessage[] = [];
    feed.subscribe((m) => got.push(m));
    await sleep(30);
    s.fail = 'database is locked';
    await sleep(50);
    s.fail = null;
    await sleep(30);
    expect(totals(got)).toEqual([0, 'error: database is locked', 0]);
    feed.close();
    expect(feed.subscribers).toBe(0);
    expect(() => feed.subscribe(() => undefined)).toThrow(/closed/);
  });

  it('a subscriber after everyone left gets a fresh read, not the old Overview', async () => {
    const s = source();
    const feed = new OverviewFeed(s.read, { intervalMs: 10 });
    const stop = feed.subscribe(() => undefined);
    await sleep(30);
    stop();
    s.total = 9;
    const got: OverviewMessage[] = [];
    feed.subscribe((m) => got.push(m));
    await sleep(30);
    expect(totals(got)).toEqual([9]);
    feed.close();
  });
});
