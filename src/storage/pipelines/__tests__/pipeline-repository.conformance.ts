/**
 * Conformance suite of the pipeline repository (DESIGN convention 5): runs with their plans and
 * tasks, deduplicated creation, compare-and-set transitions that apply once under concurrency,
 * heartbeats, attempts, logs, links and first-writer-wins effects — on every backend.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { failure } from '../../__tests__/storage-fixtures.js';
import { storageContext } from '../../db/storage-context.js';
import type { Storage } from '../../index.js';
import type { TaskTransition } from '../pipeline-types.js';
import { at, newRun, openedStorages, PLAN, T0 } from './pipeline-fixtures.js';

/** Registers the pipeline repository conformance tests for one backend. */
export function describePipelineRepositoryConformance(name: string, makeUrl: () => string): void {
  describe(`pipeline repository (${name})`, () => {
    const { storage, several } = openedStorages(makeUrl);

    it('creates a run with one pending task per planned task and reads it back', async () => {
      const s = await storage();
      const input = newRun({ runnerOwner: 'host-a:1', createdBy: 'alice', triggerRef: 'cli' });
      const { run, created } = await s.pipelines.createRun(input);
      expect(created).toBe(true);
      expect(run).toEqual({
        id: input.id,
        pipeline: 'diamond',
        params: PLAN.params,
        plan: PLAN,
        state: 'running',
        triggerKind: 'manual',
        triggerRef: 'cli',
        dedupeKey: null,
        executor: 'local',
        runnerOwner: 'host-a:1',
        runnerHeartbeatAt: T0,
        pausedReason: null,
        error: null,
        outcome: null,
        createdBy: 'alice',
        createdAt: T0,
        startedAt: T0,
        finishedAt: null,
        updatedAt: T0,
      });
      expect(await s.pipelines.getRun(input.id)).toEqual(run);
      const tasks = await s.pipelines.tasks(input.id);
      expect(tasks.map((t) => [t.taskId, t.kind, t.state, t.attempt, t.maxAttempts])).toEqual([
        ['a', 'noop', 'pending', 0, 1],
        ['b', 'train', 'pending', 0, 3],
        ['c', 'noop', 'pending', 0, 2],
        ['d', 'noop', 'pending', 0, 1],
      ]);
      expect(await s.pipelines.task(input.id, 'b')).toEqual({
        runId: input.id,
        taskId: 'b',
        kind: 'train',
        state: 'pending',
        attempt: 0,
        maxAttempts: 3,
        worker: null,
        queuedAt: null,
        startedAt: null,
        heartbeatAt: null,
        finishedAt: null,
        durationMs: null,
        nextAttemptAt: null,
        progress: null,
        progressNote: null,
        output: null,
        error: null,
      });
      // unknown ids are not found, not errors
      expect(await s.pipelines.getRun('no-such-run')).toBeUndefined();
      expect(await s.pipelines.task(input.id, 'zz')).toBeUndefined();
      expect(await s.pipelines.tasks('no-such-run')).toEqual([]);
      expect(await s.pipelines.findRunByDedupeKey('none')).toBeUndefined();
    });

    it('a taken dedupe key returns the first run (created: false); runs without a key never collide', async () => {
      const s = await storage();
      const key = 'schedule:nightly:2024-03-01T03:00:00.000Z';
      const first = await s.pipelines.createRun(newRun({ dedupeKey: key, triggerKind: 'schedule' }));
      const second = await s.pipelines.createRun(newRun({ dedupeKey: key, triggerKind: 'schedule' }));
      expect(second).toEqual({ run: first.run, created: false });
      expect(await s.pipelines.findRunByDedupeKey(key)).toEqual(first.run);
      for (let i = 0; i < 3; i++) expect((await s.pipelines.createRun(newRun())).created).toBe(true);
      expect(await s.pipelines.listRuns()).toHaveLength(4);
      // the same id again (no key) is a conflict, and changes nothing
      const again = await failure(s.pipelines.createRun(newRun({ id: first.run.id })));
      expect(again.code).toBe('SP_ERR_CONFLICT');
      expect(again.message).toMatch(first.run.id);
      expect(await s.pipelines.tasks(first.run.id)).toHaveLength(4);
    });

    it('of many concurrent creates with one dedupe key (several connections) exactly one creates', async () => {
      const stores = await several(4);
      for (const round of [0, 1]) {
        const key = `schedule:race:${round}`;
        const results = await Promise.all(
          stores.flatMap((s) => [0, 1, 2].map(() => s.pipelines.createRun(newRun({ dedupeKey: key })))),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const winner = results.find((r) => r.created)?.run.id;
        expect(new Set(results.map((r) => r.run.id))).toEqual(new Set([winner]));
        expect(await stores[0]?.pipelines.tasks(winner ?? '')).toHaveLength(4);
      }
      expect(await stores[0]?.pipelines.listRuns()).toHaveLength(2);
    });

    it('a task transition is a compare-and-set on state and attempt, and touches the run', async () => {
      const s = await storage();
      const { run } = await s.pipelines.createRun(newRun());
      const p = s.pipelines;
      const queue = { runId: run.id, taskId: 'a', from: ['pending'], to: 'queued' } as const;
      expect(await p.transitionTask({ ...queue, set: { attempt: 1, queuedAt: at(1) } })).toBe(true);
      expect(await p.transitionTask({ ...queue, set: { attempt: 1, queuedAt: at(1) } })).toBe(false);
      const claim = { runId: run.id, taskId: 'a', from: ['queued'], to: 'running' } as const;
      expect(await p.transitionTask({ ...claim, attempt: 2, set: { worker: 'w1' } })).toBe(false);
      expect(await p.transitionTask({ ...claim, attempt: 1, set: { worker: 'w1', startedAt: at(2) } })).toBe(
        true,
      );
      // writing identical values still counts as applied (matched rows, not changed rows)
      const same = { runId: run.id, taskId: 'a', from: ['running'], attempt: 1, to: 'running' } as const;
      expect(await p.transitionTask({ ...same, set: { worker: 'w1' } })).toBe(true);
      const output = { rows: 8124, hash: 'ab12', list: [1, 'x', null, { deep: true }] };
      const finish = {
        ...same,
        to: 'succeeded',
        set: { finishedAt: at(3500), durationMs: 1500, output, progress: 1, progressNote: 'done' },
      } as const;
      expect(await p.transitionTask(finish)).toBe(true);
      expect(await p.task(run.id, 'a')).toMatchObject({
        state: 'succeeded',
        attempt: 1,
        worker: 'w1',
        queuedAt: at(1),
        startedAt: at(2),
        finishedAt: at(3500),
        durationMs: 1500,
        output,
        progress: 1,
        progressNote: 'done',
        error: null,
      });
      // null clears a column, an omitted field leaves it
      expect(
        await p.transitionTask({ ...finish, from: ['succeeded'], set: { output: null, error: 'boom' } }),
      ).toBe(true);
      expect(await p.task(run.id, 'a')).toMatchObject({ output: null, error: 'boom', worker: 'w1' });
      expect(((await p.getRun(run.id))?.updatedAt.getTime() ?? 0) > T0.getTime()).toBe(true);
      expect(await p.transitionTask({ ...queue, runId: 'no-such-run' })).toBe(false);
      expect(await p.transitionTask({ ...queue, taskId: 'zz' })).toBe(false);
    });

    it('of concurrent claims and reclaims of one attempt (several connections) exactly one applies', async () => {
      const stores = await several(4);
      const { run } = await (stores[0] as Storage).pipelines.createRun(newRun());
      const p0 = (stores[0] as Storage).pipelines;
      await p0.transitionTask({
        runId: run.id,
        taskId: 'b',
        from: ['pending'],
        to: 'queued',
        set: { attempt: 1 },
      });
      const claims = await Promise.all(
        stores.flatMap((s, i) =>
          [0, 1, 2].map((j) =>
            s.pipelines.transitionTask({
              runId: run.id,
              taskId: 'b',
              from: ['queued'],
              attempt: 1,
              to: 'running',
              set: { worker: `w-${i}-${j}`, heartbeatAt: at(1000) },
            }),
          ),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = `w-${Math.floor(claims.indexOf(true) / 3)}-${claims.indexOf(true) % 3}`;
      expect((await p0.task(run.id, 'b'))?.worker).toBe(winner);
      // a reclaim needs the heartbeat to be older than `staleBefore`
      const reclaim = { runId: run.id, taskId: 'b', from: ['running'], attempt: 1, to: 'running' } as const;
      expect(await p0.transitionTask({ ...reclaim, staleBefore: at(1000), set: { worker: 'late' } })).toBe(
        false,
      );
      const reclaims = await Promise.all(
        stores.map((s, i) =>
          s.pipelines.transitionTask({
            ...reclaim,
            staleBefore: at(5000),
            set: { worker: `r-${i}`, heartbeatAt: at(6000) },
          }),
        ),
      );
      expect(reclaims.filter(Boolean)).toHaveLength(1);
      expect((await p0.task(run.id, 'b'))?.worker).toBe(`r-${reclaims.indexOf(true)}`);
    });

    it('transitionTasks applies several compare-and-sets in one transaction', async () => {
      const s = await storage();
      const { run } = await s.pipelines.createRun(newRun());
      const p = s.pipelines;
      const results = await p.transitionTasks([
        { runId: run.id, taskId: 'a', from: ['pending'], to: 'queued', set: { attempt: 1 } },
        { runId: run.id, taskId: 'b', from: ['running'], to: 'failed' },
        { runId: run.id, taskId: 'c', from: ['pending', 'queued'], to: 'upstream_failed' },
      ]);
      expect(results).toEqual([true, false, true]);
      expect((await p.tasks(run.id)).map((t) => t.state)).toEqual([
        'queued',
        'pending',
        'upstream_failed',
        'pending',
      ]);
      expect(await p.transitionTasks([])).toEqual([]);
      // a statement failing half-way rolls back those before it
      const ctx = storageContext(s);
      const trigger =
        ctx.dialect === 'mysql'
          ? `create trigger pipeline_test_boom before update on pipeline_tasks for each row begin
               if new.task_id = 'd' and new.state = 'failed' then
                 signal sqlstate '45000' set message_text = 'boom'; end if; end`
          : `create trigger pipeline_test_boom before update on pipeline_tasks
               when new.task_id = 'd' and new.state = 'failed' begin select raise(abort, 'boom'); end`;
      await sql.raw(trigger).execute(ctx.db);
      const before = await p.getRun(run.id);
      const failed = await failure(
        p.transitionTasks([
          { runId: run.id, taskId: 'b', from: ['pending'], to: 'queued', set: { attempt: 1 } },
          { runId: run.id, taskId: 'd', from: ['pending'], to: 'failed' },
        ]),
      );
      expect(failed.code).toBe('SP_ERR_DATABASE');
      expect(failed.message).toMatch(/boom/);
      expect((await p.task(run.id, 'b'))?.state).toBe('pending');
      expect(await p.getRun(run.id)).toEqual(before);
    });

    it('a finish applies only once every task settled; a retry reopens the run and its tasks at once', async () => {
      const s = await storage();
      const { run } = await s.pipelines.createRun(newRun());
      const p = s.pipelines;
      const finish = {
        runId: run.id,
        from: ['running', 'paused'],
        whenTasksSettled: true,
        to: 'failed',
        set: { error: 'b failed' },
      } as const;
      expect(await p.transitionRun(finish)).toBe(false);
      const settle = (to: 'failed' | 'succeeded', taskIds: readonly string[]) =>
        p.transitionTasks(
          taskIds.map((taskId) => ({ runId: run.id, taskId, from: ['pending', 'queued', 'running'], to })),
        );
      await settle('succeeded', ['a', 'c']);
      expect(await p.transitionRun(finish)).toBe(false);
      await settle('failed', ['b', 'd']);
      expect(await p.transitionRun(finish)).toBe(true);
      expect((await p.getRun(run.id))?.state).toBe('failed');

      const reset = ['b', 'd'].map((taskId) => ({
        runId: run.id,
        taskId,
        from: ['failed', 'upstream_failed', 'cancelled'],
        to: 'pending',
        set: { error: null, finishedAt: null },
      })) as readonly TaskTransition[];
      const reopen = {
        runId: run.id,
        from: ['failed', 'cancelled'],
        to: 'running',
        set: { error: null },
      } as const;
      // the run's compare-and-set does not match: nothing changes, not even the tasks
      expect(await p.reopenRun({ ...reopen, from: ['cancelled'] }, reset)).toBe(false);
      expect((await p.tasks(run.id)).map((t) => t.state)).toEqual([
        'succeeded',
        'failed',
        'succeeded',
        'failed',
      ]);
      const other = await s.pipelines.createRun(newRun());
      const foreign = await failure(p.reopenRun(reopen, [{ ...reset[0], runId: other.run.id }] as const));
      expect(foreign.code).toBe('SP_ERR_BAD_PARAM');
      expect(foreign.message).toMatch(/is not of run/);
      expect(await p.reopenRun(reopen, reset)).toBe(true);
      expect((await p.getRun(run.id))?.state).toBe('running');
      expect((await p.tasks(run.id)).map((t) => t.state)).toEqual([
        'succeeded',
        'pending',
        'succeeded',
        'pending',
      ]);
      // a finish decided on the tasks' earlier states (a late finaliser) does not land
      expect(await p.transitionRun(finish)).toBe(false);
      expect((await p.getRun(run.id))?.state).toBe('running');
    });

    it('of a retry racing a late finish (several connections) the run never ends failed with reopened tasks', async () => {
      const stores = await several(2);
      const [p0, p1] = stores.map((s) => s.pipelines);
      for (let round = 0; round < 21; round++) {
        const { run } = await p0.createRun(newRun());
        await p0.transitionTasks(
          ['a', 'b', 'c', 'd'].map((taskId) => ({ runId: run.id, taskId, from: ['pending'], to: 'failed' })),
        );
        await p0.transitionRun({ runId: run.id, from: ['running'], to: 'failed' });
        const reset = ['a', 'b', 'c', 'd'].map((taskId) => ({
          runId: run.id,
          taskId,
          from: ['failed'],
          to: 'pending',
        })) as readonly TaskTransition[];
        const [reopened] = await Promise.all([
          p0.reopenRun({ runId: run.id, from: ['failed'], to: 'running' }, reset),
          // staggered from 0 to 6 ms: the finish lands before, during and after the reopening
          new Promise((r) => setTimeout(r, round % 7)).then(() =>
            p1.transitionRun({ runId: run.id, from: ['running'], whenTasksSettled: true, to: 'failed' }),
          ),
        ]);
        expect(reopened).toBe(true);
        expect((await p0.getRun(run.id))?.state).toBe('running');
        expect((await p0.tasks(run.id)).every((t) => t.state === 'pending')).toBe(true);
      }
    });

    it('heartbeats: a task only while that attempt runs, a run only for its owner', async () => {
      const s = await storage();
      const { run } = await s.pipelines.createRun(newRun({ runnerOwner: 'host-a:1' }));
      const p = s.pipelines;
      expect(await p.heartbeatTask(run.id, 'a', 1, undefined, at(1))).toBe(false);
      await p.transitionTask({
        runId: run.id,
        taskId: 'a',
        from: ['pending'],
        to: 'running',
        set: { attempt: 1 },
      });
      expect(await p.heartbeatTask(run.id, 'a', 1, undefined, at(10))).toBe(true);
      expect(await p.heartbeatTask(run.id, 'a', 1, undefined, at(10))).toBe(true);
      expect(await p.heartbeatTask(run.id, 'a', 1, { fraction: 0.25, note: '1 of 4' }, at(20))).toBe(true);
      expect(await p.task(run.id, 'a')).toMatchObject({
        heartbeatAt: at(20),
        progress: 0.25,
        progressNote: '1 of 4',
      });
      expect(await p.heartbeatTask(run.id, 'a', 1, undefined, at(30))).toBe(true);
      expect(await p.task(run.id, 'a')).toMatchObject({ heartbeatAt: at(30), progress: 0.25 });
      expect(await p.heartbeatTask(run.id, 'a', 2, undefined, at(40))).toBe(false);
      expect(await p.heartbeatTask(run.id, 'zz', 1)).toBe(false);
      expect(await p.heartbeatTask('no-such-run', 'a', 1)).toBe(false);
      for (const fraction of [1.5, -0.1, Number.NaN]) {
        const f = await failure(p.heartbeatTask(run.id, 'a', 1, { fraction, note: null }));
        expect(f.code).toBe('SP_ERR_BAD_PARAM');
        expect(f.message).toMatch(/progress/);
      }
      const note = await failure(p.heartbeatTask(run.id, 'a', 1, { fraction: 0.5, note: 'n'.repeat(1001) }));
      expect(note.message).toMatch(/progress note must be null or a string of at most 1000/);
      expect(await p.heartbeatRun(run.id, 'host-a:1', at(50))).toBe(true);
      expect(await p.heartbeatRun(run.id, 'host-a:1', at(50))).toBe(true);
      expect((await p.getRun(run.id))?.runnerHeartbeatAt).toEqual(at(50));
      expect(await p.heartbeatRun(run.id, 'host-b:2', at(60))).toBe(false);
      expect(await p.heartbeatRun('no-such-run', 'host-a:1')).toBe(false);
      // adopted by another process: the old owner's heartbeat is refused
      const adopt = {
        runId: run.id,
        from: ['running'],
        to: 'running',
        set: { runnerOwner: 'host-b:2' },
      } as const;
      expect(await p.transitionRun(adopt)).toBe(true);
      expect(await p.heartbeatRun(run.id, 'host-a:1', at(70))).toBe(false);
      expect(await p.heartbeatRun(run.id, 'host-b:2', at(70))).toBe(true);
      // a hand-over names the owner it takes the run from: once, and only from that owner
      const handOver = { ...adopt, owner: 'host-b:2', set: { runnerOwner: 'host-c:3' } } as const;
      expect(await p.transitionRun({ ...handOver, owner: 'host-a:1' })).toBe(false);
      expect(await p.transitionRun({ ...handOver, owner: null })).toBe(false);
      expect(await p.transitionRun(handOver)).toBe(true);
      expect(await p.transitionRun(handOver)).toBe(false);
      expect((await p.getRun(run.id))?.runnerOwner).toBe('host-c:3');
      expect(await p.transitionRun({ ...adopt, set: { runnerOwner: null } })).toBe(true);
      expect(await p.transitionRun({ ...adopt, owner: null, set: { runnerOwner: 'host-d:4' } })).toBe(true);
      expect((await p.getRun(run.id))?.runnerOwner).toBe('host-d:4');
      const tooLong = await failure(p.transitionRun({ ...adopt, owner: 'x'.repeat(256) }));
      expect(tooLong.code).toBe('SP_ERR_BAD_PARAM');
      expect(tooLong.message).toMatch(/owner/);
    });
  });
}
