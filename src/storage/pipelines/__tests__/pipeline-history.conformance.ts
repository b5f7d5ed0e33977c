/**
 * Conformance suite of the pipeline repository, second part: run transitions and listings, attempts,
 * logs, links, effects, bad input and the migration's way down — on every backend.
 */
import { Migrator } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../pipeline/index.js';
import { failure } from '../../__tests__/storage-fixtures.js';
import { migrationProvider } from '../../db/migration-provider.js';
import { storageContext } from '../../db/storage-context.js';
import type { NewPipelineRun } from '../../index.js';
import { at, newRun, openedStorages, PLAN, T0 } from './pipeline-fixtures.js';

/** Registers the second part of the pipeline repository conformance tests for one backend. */
export function describePipelineHistoryConformance(name: string, makeUrl: () => string): void {
  describe(`pipeline repository: runs and history (${name})`, () => {
    const { storage, several } = openedStorages(makeUrl);

    it('a run transition is a compare-and-set on its state', async () => {
      const s = await storage();
      const p = s.pipelines;
      const { run } = await p.createRun(newRun());
      const pause = { runId: run.id, from: ['running'], to: 'paused', now: at(10) } as const;
      expect(await p.transitionRun({ ...pause, set: { pausedReason: 'Redis unreachable' } })).toBe(true);
      expect(await p.transitionRun(pause)).toBe(false);
      expect(await p.getRun(run.id)).toMatchObject({
        state: 'paused',
        pausedReason: 'Redis unreachable',
        updatedAt: at(10),
      });
      const resume = {
        runId: run.id,
        from: ['paused'],
        to: 'running',
        set: { pausedReason: null },
        now: at(20),
      } as const;
      expect(await p.transitionRun(resume)).toBe(true);
      const outcome = { deployed: 'promote', version: 7, rules: [{ name: 'f1', passed: true }] };
      const finish = {
        runId: run.id,
        from: ['running', 'paused'],
        to: 'succeeded',
        set: { outcome, finishedAt: at(30), error: null },
        now: at(30),
      } as const;
      expect(await p.transitionRun(finish)).toBe(true);
      expect(await p.getRun(run.id)).toMatchObject({
        state: 'succeeded',
        pausedReason: null,
        outcome,
        finishedAt: at(30),
        updatedAt: at(30),
        startedAt: T0,
      });
      expect(await p.transitionRun({ ...resume, from: ['running', 'paused'] })).toBe(false);
      expect(await p.transitionRun({ ...finish, runId: 'no-such-run' })).toBe(false);
      // two concurrent cancels: one applies
      const stores = await several(3);
      const other = await (stores[0]?.pipelines ?? p).createRun(newRun());
      const cancels = await Promise.all(
        stores.map((x) =>
          x.pipelines.transitionRun({ runId: other.run.id, from: ['running'], to: 'cancelled' }),
        ),
      );
      expect(cancels.filter(Boolean)).toHaveLength(1);
    });

    it('lists runs newest first, by pipeline and state, in pages; active runs oldest first', async () => {
      const s = await storage();
      const p = s.pipelines;
      const states: RunState[] = [
        'running',
        'succeeded',
        'paused',
        'failed',
        'running',
        'cancelled',
        'running',
      ];
      const ids: string[] = [];
      for (const [i, state] of states.entries()) {
        const plan = { ...PLAN, pipeline: i % 2 === 0 ? 'retrain' : 'diamond' };
        const { run } = await p.createRun(newRun({ plan, now: at(i) }));
        if (state !== 'running') await p.transitionRun({ runId: run.id, from: ['running'], to: state });
        ids.push(run.id);
      }
      const newest = [...ids].reverse();
      expect((await p.listRuns()).map((r) => r.id)).toEqual(newest);
      expect((await p.listRuns({ pipeline: 'retrain' })).map((r) => r.id)).toEqual(
        newest.filter((_, i) => i % 2 === 0),
      );
      const failedOrPaused = await p.listRuns({ states: ['failed', 'paused'] });
      expect(failedOrPaused.map((r) => r.state)).toEqual(['failed', 'paused']);
      expect(await p.listRuns({ pipeline: 'retrain', states: ['running'] })).toHaveLength(3);
      expect(await p.listRuns({ states: [] })).toEqual([]);
      expect(await p.listRuns({ pipeline: 'unknown' })).toEqual([]);
      const paged: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await p.listRuns({ limit: 3, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        paged.push(...page.map((r) => r.id));
        before = page[page.length - 1]?.id;
      }
      expect(paged).toEqual(newest);
      const active = await p.activeRuns();
      expect(active.map((r) => r.id)).toEqual(
        ids.filter((_, i) => ['running', 'paused'].includes(states[i] ?? '')),
      );
      expect(await p.activeRuns(1)).toEqual(active.slice(0, 1));
      for (const limit of [0, 501, 2.5]) {
        const f = await failure(p.listRuns({ limit }));
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(/limit/);
      }
      expect((await failure(p.listRuns({ states: ['bogus' as RunState] }))).message).toMatch(
        /states must be one of/,
      );
      expect((await failure(p.activeRuns(0))).code).toBe('SP_ERR_BAD_PARAM');
    });

    it('keeps the attempts of each task; recording one again updates it', async () => {
      const s = await storage();
      const p = s.pipelines;
      const { run } = await p.createRun(newRun());
      const first = { runId: run.id, taskId: 'b', attempt: 1, worker: 'w1', startedAt: at(1) };
      await p.recordAttempt({ ...first, state: 'running', finishedAt: null, error: null });
      await p.recordAttempt({ ...first, state: 'failed', finishedAt: at(5), error: 'Error: boom\n  at x' });
      await p.recordAttempt({
        ...first,
        attempt: 2,
        worker: 'w2',
        startedAt: at(9),
        state: 'running',
        finishedAt: null,
        error: null,
      });
      await p.recordAttempt({
        runId: run.id,
        taskId: 'a',
        attempt: 1,
        worker: null,
        startedAt: at(0),
        state: 'succeeded',
        finishedAt: at(1),
        error: null,
      });
      const all = await p.attempts(run.id);
      expect(all.map((a) => [a.taskId, a.attempt, a.state])).toEqual([
        ['a', 1, 'succeeded'],
        ['b', 1, 'failed'],
        ['b', 2, 'running'],
      ]);
      expect(all[1]).toEqual({ ...first, state: 'failed', finishedAt: at(5), error: 'Error: boom\n  at x' });
      expect((await p.attempts(run.id, 'b')).map((a) => a.attempt)).toEqual([1, 2]);
      expect(await p.attempts('no-such-run')).toEqual([]);
      const unknown = await failure(
        p.recordAttempt({ ...first, taskId: 'zz', state: 'running', finishedAt: null, error: null }),
      );
      expect(unknown.code).toBe('SP_ERR_NOT_FOUND');
      expect(unknown.message).toMatch(run.id);
      const bad = await failure(
        p.recordAttempt({ ...first, state: 'queued' as 'running', finishedAt: null, error: null }),
      );
      expect(bad.code).toBe('SP_ERR_BAD_PARAM');
    });

    it('appends log lines and reads them in order, by task, after an id, in pages', async () => {
      const stores = await several(3);
      const p = (stores[0] ?? (await storage())).pipelines;
      const { run } = await p.createRun(newRun());
      // concurrent writers on separate connections
      await Promise.all(
        stores.map((x, w) =>
          (async () => {
            for (let i = 0; i < 8; i++) {
              const taskId = w === 0 ? 'a' : 'b';
              await x.pipelines.appendLog({
                runId: run.id,
                taskId,
                attempt: 1,
                at: at(i),
                level: 'info',
                message: `w${w} line ${i} ✓`,
              });
            }
          })(),
        ),
      );
      const long = {
        runId: run.id,
        taskId: 'c',
        attempt: 2,
        at: at(99),
        level: 'error',
        message: 'x'.repeat(70_000),
      } as const;
      await p.appendLog(long);
      const all = await p.logs(run.id);
      expect(all).toHaveLength(25);
      const ids = all.map((l) => l.id);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      expect(new Set(ids).size).toBe(25);
      for (const w of [0, 1, 2]) {
        const mine = all.filter((l) => l.message.startsWith(`w${w} `)).map((l) => l.message);
        expect(mine).toEqual(Array.from({ length: 8 }, (_, i) => `w${w} line ${i} ✓`));
      }
      expect(all[24]).toEqual({ id: ids[24], ...long });
      expect(await p.logs(run.id, { afterId: ids[19] })).toEqual(all.slice(20));
      expect(await p.logs(run.id, { afterId: ids[4], limit: 3 })).toEqual(all.slice(5, 8));
      expect((await p.logs(run.id, { taskId: 'a' })).map((l) => l.message)).toEqual(
        Array.from({ length: 8 }, (_, i) => `w0 line ${i} ✓`),
      );
      expect(await p.logs(run.id, { afterId: ids[24] })).toEqual([]);
      expect(await p.logs('no-such-run')).toEqual([]);
      const unknown = await failure(
        p.appendLog({ runId: 'no-such-run', taskId: 'a', attempt: 1, at: T0, level: 'info', message: 'm' }),
      );
      expect(unknown.code).toBe('SP_ERR_NOT_FOUND');
      const level = await failure(
        p.appendLog({
          runId: run.id,
          taskId: 'a',
          attempt: 1,
          at: T0,
          level: 'debug' as 'info',
          message: 'm',
        }),
      );
      expect(level.message).toMatch(/level must be one of info, warn, error/);
      expect((await failure(p.logs(run.id, { afterId: -1 }))).code).toBe('SP_ERR_BAD_PARAM');
      expect((await failure(p.logs(run.id, { limit: 0 }))).code).toBe('SP_ERR_BAD_PARAM');
    });

    it('links are idempotent; effects are kept by the first writer', async () => {
      const stores = await several(4);
      const p = (stores[0] ?? (await storage())).pipelines;
      const { run } = await p.createRun(newRun());
      const link = { runId: run.id, kind: 'model-version', ref: 'mushroom@7', taskId: 'register' } as const;
      await p.addLink(link);
      await p.addLink(link);
      await p.addLink({ ...link, taskId: 'other' });
      await p.addLink({ runId: run.id, kind: 'dataset', ref: '3', taskId: 'etl' });
      expect(await p.links(run.id)).toEqual([
        { runId: run.id, kind: 'dataset', ref: '3', taskId: 'etl' },
        link,
      ]);
      expect(await p.links('no-such-run')).toEqual([]);
      expect((await failure(p.addLink({ ...link, runId: 'no-such-run' }))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(p.addLink({ ...link, kind: 'file' as 'dataset' }))).message).toMatch(
        /kind must be one of/,
      );

      expect(await p.getEffect(run.id, 'register', 'version')).toBeUndefined();
      const v = { name: 'mushroom', version: 7, tags: ['a', null] };
      expect(await p.putEffect(run.id, 'register', 'version', v, at(1))).toEqual(v);
      expect(await p.putEffect(run.id, 'register', 'version', { other: true })).toEqual(v);
      expect(await p.getEffect(run.id, 'register', 'version')).toEqual(v);
      // a stored JSON null is a result, not "absent"
      expect(await p.putEffect(run.id, 'register', 'nothing', null)).toBeNull();
      expect(await p.getEffect(run.id, 'register', 'nothing')).toBeNull();
      const raced = await Promise.all(
        stores.flatMap((x, i) =>
          [0, 1].map((j) => x.pipelines.putEffect(run.id, 'train', 'run', { writer: `${i}-${j}` })),
        ),
      );
      const stored = await p.getEffect(run.id, 'train', 'run');
      expect(raced).toEqual(raced.map(() => stored));
      expect((await failure(p.putEffect('no-such-run', 'train', 'run', 1))).code).toBe('SP_ERR_NOT_FOUND');
      expect((await failure(p.putEffect(run.id, 'train', '', 1))).message).toMatch(/effect key/);
    });

    it('refuses bad runs and transitions, storing nothing', async () => {
      const s = await storage();
      const p = s.pipelines;
      const bad = async (input: Partial<NewPipelineRun>, message: RegExp) => {
        const f = await failure(p.createRun(newRun(input)));
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(message);
      };
      await bad({ id: 'NOT-A-UUID' }, /run id must be a lower-case UUID/);
      await bad({ triggerKind: 'cron' as 'schedule' }, /triggerKind must be one of/);
      await bad({ executor: 'celery' as 'local' }, /executor must be one of/);
      await bad({ dedupeKey: 'k'.repeat(256) }, /dedupeKey must be a non-empty string of at most 255/);
      await bad(
        { plan: { ...PLAN, tasks: [PLAN.tasks[0], PLAN.tasks[0]] } as typeof PLAN },
        /task "a" twice/,
      );
      await bad({ plan: { ...PLAN, pipeline: '' } }, /plan.pipeline/);
      await bad({ now: new Date(Number.NaN) }, /now must be a valid Date/);
      expect(await p.listRuns()).toEqual([]);
      const { run } = await p.createRun(newRun());
      const t = { runId: run.id, taskId: 'a', from: ['pending'], to: 'queued' } as const;
      expect((await failure(p.transitionTask({ ...t, from: [] }))).message).toMatch(
        /from must list at least one state/,
      );
      expect((await failure(p.transitionTask({ ...t, to: 'done' as 'queued' }))).message).toMatch(
        /to must be one of/,
      );
      expect((await failure(p.transitionTask({ ...t, attempt: -1 }))).message).toMatch(
        /attempt must be a whole number/,
      );
      expect((await failure(p.transitionTask({ ...t, set: { durationMs: 1.5 } }))).message).toMatch(
        /durationMs/,
      );
      // one bad transition in a batch: nothing applied
      const f = await failure(p.transitionTasks([t, { ...t, taskId: 'b', to: 'nope' as 'queued' }]));
      expect(f.code).toBe('SP_ERR_BAD_PARAM');
      expect((await p.task(run.id, 'a'))?.state).toBe('pending');
      expect(
        (await failure(p.transitionRun({ runId: run.id, from: ['done' as RunState], to: 'failed' }))).code,
      ).toBe('SP_ERR_BAD_PARAM');
      expect((await p.getRun(run.id))?.state).toBe('running');
    });

    it('migration 0010 goes down (with any later ones) and up again', async () => {
      const s = await storage();
      await s.pipelines.createRun(newRun());
      const migrator = new Migrator({ db: storageContext(s).db, provider: migrationProvider });
      const down = await migrator.migrateTo('0009-monitoring');
      expect(down.error).toBeUndefined();
      expect(down.results?.find((r) => r.migrationName === '0010-pipelines')?.direction).toBe('Down');
      expect((await s.migrate()).results).toContainEqual({ name: '0010-pipelines', status: 'applied' });
      expect(await s.pipelines.listRuns()).toEqual([]);
    });
  });
}
