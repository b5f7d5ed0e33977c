/**
 * `sporeprint scheduler` as users run it: two schedulers on one database for several ticks start each
 * scheduled run once (and the runs finish, executed by whichever scheduler created them); a schedule
 * whose cron expression or time zone does not parse, or whose pipeline does not exist, is refused with
 * exit 2 naming it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type PipelineRunRecord } from '../../src/storage/index.js';
import { spawnUntil, type WorkerProcess } from '../helpers/bullmq-workers.js';
import { runCli } from '../helpers/run-cli.js';
import { mariadbBackend, sqliteBackend, type TestBackend } from '../helpers/test-databases.js';

const MODULE = 'test/fixtures/pipelines/test-pipelines.ts';

/** Every second, the diamond pipeline of the test module. */
const EVERY_SECOND = JSON.stringify([
  {
    name: 'each-second',
    pipeline: 'diamond',
    cron: '* * * * * *',
    timezone: 'Europe/Berlin',
    params: { start: 5 },
  },
]);

function envFor(url: string, schedules: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    SPOREPRINT_PIPELINE_MODULES: MODULE,
    SPOREPRINT_PIPELINE_SCHEDULES: schedules,
    SPOREPRINT_EXECUTOR: 'local',
  };
}

async function scheduledRuns(url: string): Promise<PipelineRunRecord[]> {
  const storage = await openStorage(url);
  try {
    const runs = await storage.pipelines.listRuns({ pipeline: 'diamond', limit: 500 });
    return runs.filter((r) => r.triggerKind === 'schedule');
  } finally {
    await storage.close();
  }
}

const waitFor = async (what: string, ok: () => Promise<boolean> | boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

function suite(backend: TestBackend | null, name: string): void {
  if (backend === null) return;
  describe(`sporeprint scheduler (${name})`, () => {
    const children: WorkerProcess[] = [];
    afterAll(() => {
      for (const c of children) c.child.kill('SIGKILL');
    });

    it('two schedulers for several ticks start each scheduled run once, and the runs finish', async () => {
      const url = backend.freshUrl();
      const env = envFor(url, EVERY_SECOND);
      const migrated = await runCli(['db', 'migrate'], env);
      expect(migrated.code, migrated.stderr).toBe(0);
      const started = 'sporeprint scheduler started';
      const [a, b] = await Promise.all([
        spawnUntil(['src/main/cli.ts', 'scheduler', '--poll-ms', '200'], env, started),
        spawnUntil(['src/main/cli.ts', 'scheduler', '--poll-ms', '200'], env, started),
      ]);
      children.push(a, b);
      expect(a.output()).toContain(
        'sporeprint scheduler started: each-second (diamond, "* * * * * *" Europe/Berlin); watched folder: none; runs execute in this process',
      );
      // both have asked for at least four ticks' runs
      const asked = (p: WorkerProcess) =>
        (p.output().match(/scheduler: schedule each-second at /g) ?? []).length;
      await waitFor('four ticks seen by both schedulers', () => asked(a) >= 4 && asked(b) >= 4);
      for (const p of [a, b]) p.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);

      const runs = await scheduledRuns(url);
      const keys = runs.map((r) => r.dedupeKey);
      expect(new Set(keys).size).toBe(keys.length); // one run per tick
      expect(runs.length).toBeGreaterThanOrEqual(4);
      // the ticks each scheduler asked for are the same runs: no tick started twice
      const tickOf = (k: string | null) => k?.replace(/^schedule:each-second:/, '') ?? '';
      const ticks = runs.map((r) => tickOf(r.dedupeKey)).sort();
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]).not.toBe(ticks[i - 1]);
      for (const r of runs) {
        expect(r.dedupeKey).toMatch(/^schedule:each-second:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
        expect(r.params).toEqual({ start: 5 });
        expect(r.triggerRef).toBe('each-second');
      }
      // runs left unfinished by the SIGTERM are adopted by the next process; those finished succeeded
      expect(runs.filter((r) => r.state === 'succeeded').length).toBeGreaterThanOrEqual(2);
      expect(runs.filter((r) => r.state === 'failed' || r.state === 'cancelled')).toEqual([]);
    }, 180_000);
  });
}

suite(sqliteBackend(), 'SQLite');
suite(mariadbBackend('scheduler'), 'MariaDB');

describe('sporeprint scheduler refuses bad schedules', () => {
  const backend = sqliteBackend();
  it.each([
    [
      [{ name: 'nightly', pipeline: 'diamond', cron: '0 25 * * *' }],
      /error \[SP_ERR_CONFIG\]: Schedule nightly: "0 25 \* \* \*" is not a valid schedule: .*hour/,
    ],
    [
      [{ name: 'nightly', pipeline: 'diamond', cron: '0 3 * * *', timezone: 'Mars/Olympus' }],
      /error \[SP_ERR_CONFIG\]: Schedule nightly: "0 3 \* \* \*" in Mars\/Olympus is not a valid schedule/,
    ],
    [
      [{ name: 'nightly', pipeline: 'no-such-pipeline', cron: '0 3 * * *' }],
      /error \[SP_ERR_CONFIG\]: Schedule nightly runs pipeline "no-such-pipeline", which does not exist \(known: .*retrain/,
    ],
    [[{ name: 'nightly', pipeline: 'diamond' }], /error \[SP_ERR_CONFIG\]: .*schedule 1 has no cron/],
  ])('%j: exit 2 naming the problem', async (schedules, message) => {
    const r = await runCli(['scheduler'], envFor(backend.freshUrl(), JSON.stringify(schedules)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a bad --poll-ms', async () => {
    const r = await runCli(['scheduler', '--poll-ms', '5'], envFor(backend.freshUrl(), '[]'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected milliseconds from 100 to 60000, got '5'/);
  });
});
