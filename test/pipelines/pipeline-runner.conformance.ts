/**
 * The conformance suite of pipeline execution, run against every runner (DESIGN.md "one conformance
 * suite per interface"): the local runner here, BullMQ workers in the bullmq tests. The environment
 * gives a PipelineService whose catalogue holds {@link FIXTURE_MODULE}'s pipelines and task kinds,
 * with a heartbeat of at most 250 ms, over a fresh database.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSporeprintError } from '../../src/core/index.js';
import type { PipelineRunView, PipelineService } from '../../src/services/index.js';
import type { PipelineRepository, PipelineTaskRecord } from '../../src/storage/index.js';

/** The user pipeline module of the suite (diamond, always-fails, flaky, retry-once, slow, hog, timeout). */
export const FIXTURE_MODULE = fileURLToPath(
  new URL('../fixtures/pipelines/test-pipelines.ts', import.meta.url),
);

/** What one implementation gives the suite. */
export interface RunnerEnv {
  readonly service: PipelineService;
  /** The same database's pipeline repository (to set up runs as a dead process left them). */
  readonly repo: PipelineRepository;
  readonly executor: 'local' | 'bullmq';
  close(): Promise<void>;
}

const manual = { kind: 'manual' as const, createdBy: 'test' };

function task(view: PipelineRunView, id: string): PipelineTaskRecord {
  const t = view.tasks.find((x) => x.taskId === id);
  if (t === undefined) throw new Error(`no task ${id}`);
  return t;
}

const states = (view: PipelineRunView): Record<string, string> =>
  Object.fromEntries(view.tasks.map((t) => [t.taskId, t.state]));

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isSporeprintError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a rejection');
}

/** Registers the suite for one runner implementation. */
export function pipelineRunnerConformance(name: string, makeEnv: () => Promise<RunnerEnv>): void {
  describe(`pipeline execution conformance (${name})`, () => {
    let env: RunnerEnv;
    let service: PipelineService;
    beforeAll(async () => {
      env = await makeEnv();
      service = env.service;
    }, 60_000);
    afterAll(async () => {
      await env?.close();
    });

    it('runs a diamond to the end, each output passed down, once per task', async () => {
      const run = await service.start('diamond', { start: '2' }, manual);
      expect(run).toMatchObject({ pipeline: 'diamond', executor: env.executor, triggerKind: 'manual' });
      const view = await service.waitFor(run.id);
      expect(view.run.state).toBe('succeeded');
      expect(view.tasks.map((t) => [t.taskId, t.output])).toEqual([
        ['a', { value: 2 }],
        ['b', { value: 12 }],
        ['c', { value: 102 }],
        ['d', { value: 114 }],
      ]);
      expect(view.run.outcome).toEqual({ value: 114 });
      expect(view.tasks.every((t) => t.attempt === 1 && t.durationMs !== null)).toBe(true);
      expect(view.attempts.filter((a) => a.state === 'succeeded')).toHaveLength(4);
      const logs = await service.logs(run.id, { taskId: 'a' });
      expect(logs.map((l) => l.message)).toContain('value 2');
      const again = await service.start('diamond', {}, { ...manual, dedupeKey: `k-${run.id}` });
      expect((await service.start('diamond', {}, { ...manual, dedupeKey: `k-${run.id}` })).id).toBe(again.id);
      await service.waitFor(again.id);
    }, 60_000);

    it('retries with backoff, then fails keeping the error; downstream is upstream_failed', async () => {
      const run = await service.start('always-fails', {}, manual);
      const view = await service.waitFor(run.id);
      expect(view.run.state).toBe('failed');
      expect(states(view)).toEqual({
        a: 'succeeded',
        boom: 'failed',
        after: 'upstream_failed',
        beside: 'succeeded',
      });
      const boom = task(view, 'boom');
      expect(boom.attempt).toBe(3);
      expect(boom.error).toMatch(/always fails \(attempt 3\)/);
      expect(view.run.error).toMatch(/task boom failed: always fails \(attempt 3\)/);
      expect(task(view, 'after').error).toMatch(/boom \(failed\)/);
      const tries = view.attempts.filter((a) => a.taskId === 'boom').sort((x, y) => x.attempt - y.attempt);
      expect(tries.map((a) => [a.attempt, a.state])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'failed'],
      ]);
      // backoff without jitter: 50 ms, then 100 ms between the end of one attempt and the next
      const gap = (i: number) => tries[i + 1].startedAt.getTime() - (tries[i].finishedAt as Date).getTime();
      expect(gap(0)).toBeGreaterThanOrEqual(45);
      expect(gap(1)).toBeGreaterThanOrEqual(95);
      const warnings = await service.logs(run.id, { taskId: 'boom' });
      expect(warnings.map((l) => l.message).join('\n')).toMatch(
        /attempt 1 failed: always fails.*attempt 2 in 50 ms/,
      );
    }, 60_000);

    it('a task that fails twice succeeds on its third attempt', async () => {
      const view = await service.waitFor((await service.start('flaky', {}, manual)).id);
      expect(view.run.state).toBe('succeeded');
      expect(task(view, 'flaky')).toMatchObject({ state: 'succeeded', attempt: 3, output: { value: 3 } });
    }, 60_000);

    it('retry reruns only the failed task and what depends on it', async () => {
      const run = await service.start('retry-once', {}, manual);
      const failed = await service.waitFor(run.id);
      expect(states(failed)).toEqual({
        a: 'succeeded',
        flaky: 'failed',
        after: 'upstream_failed',
        beside: 'succeeded',
      });
      const diamond = (await service.list({ pipeline: 'diamond', states: ['succeeded'], limit: 1 }))[0];
      expect(await rejection(service.retry(diamond.id))).toMatchObject({
        code: 'SP_ERR_PIPELINE_STATE',
        message: expect.stringMatching(/it is succeeded; only failed or cancelled runs/),
      });
      expect((await service.retry(run.id)).state).not.toBe('failed');
      const view = await service.waitFor(run.id);
      expect(view.run.state).toBe('succeeded');
      expect(view.run.error).toBeNull();
      expect(view.tasks.map((t) => [t.taskId, t.state, t.attempt])).toEqual([
        ['a', 'succeeded', 1],
        ['flaky', 'succeeded', 2],
        ['after', 'succeeded', 1],
        ['beside', 'succeeded', 1],
      ]);
      expect(view.attempts.filter((a) => a.taskId === 'a')).toHaveLength(1);
      expect(view.attempts.filter((a) => a.taskId === 'beside')).toHaveLength(1);
    }, 60_000);

    it('cancel stops the running task and cancels the rest', async () => {
      const run = await service.start('slow', { ms: 60_000 }, manual);
      await until(async () => (await service.show(run.id)).tasks[0].progress ?? false);
      const cancelled = await service.cancel(run.id, 'tester');
      expect(cancelled).toMatchObject({ state: 'cancelled', error: 'cancelled by tester' });
      const view = await service.show(run.id);
      expect(states(view)).toEqual({ slow: 'cancelled', after: 'cancelled' });
      // the worker notices (at once in-process, on its next heartbeat elsewhere) and stops
      await until(async () =>
        (await service.show(run.id)).attempts.find((a) => a.taskId === 'slow' && a.state === 'cancelled'),
      );
      expect(await rejection(service.cancel(run.id, 'tester'))).toMatchObject({
        code: 'SP_ERR_PIPELINE_STATE',
      });
      expect(await rejection(service.show('no-such-run'))).toMatchObject({
        code: 'SP_ERR_NOT_FOUND',
        message: 'pipeline run no-such-run does not exist',
      });
    }, 60_000);

    it('a task past its timeout fails with the timeout named', async () => {
      const view = await service.waitFor((await service.start('timeout', {}, manual)).id);
      expect(view.run.state).toBe('failed');
      expect(task(view, 'slow').error).toBe('timed out after 300 ms');
      expect(task(view, 'after').state).toBe('upstream_failed');
    }, 60_000);

    it('resumes a run whose runner died, without rerunning what succeeded', async () => {
      const plan = service.catalogue.plan(service.catalogue.get('diamond'), { start: 5 });
      const long = new Date(Date.now() - 3_600_000);
      const { run } = await env.repo.createRun({
        id: `0190a000-0000-7000-8000-${String(Date.now()).slice(-12).padStart(12, '0')}`,
        plan,
        triggerKind: 'manual',
        executor: env.executor,
        runnerOwner: env.executor === 'local' ? 'dead-host:1:gone' : null,
        now: long,
      });
      const move = (
        taskId: string,
        from: 'pending' | 'queued' | 'running',
        to: 'queued' | 'running' | 'succeeded',
        set = {},
      ) => env.repo.transitionTask({ runId: run.id, taskId, from: [from], to, set: { attempt: 1, ...set } });
      await move('a', 'pending', 'queued');
      await move('a', 'queued', 'running');
      await move('a', 'running', 'succeeded', { output: { value: 5 }, finishedAt: long });
      await move('b', 'pending', 'queued');
      await move('b', 'queued', 'running', {
        worker: 'dead-host:1:gone',
        heartbeatAt: long,
        startedAt: long,
      });
      if (env.executor === 'local') expect(await service.resumeOrphans()).toContain(run.id);
      else await service.reconcile();
      const view = await service.waitFor(run.id);
      expect(view.run.state).toBe('succeeded');
      // a was not run again: b and c still build on its stored value 5
      expect(view.run.outcome).toEqual({ value: 5 + 10 + 5 + 100 });
      expect(task(view, 'a').attempt).toBe(1);
      expect(task(view, 'b').attempt).toBe(2);
      expect(view.attempts.find((a) => a.taskId === 'b' && a.attempt === 1)).toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/attempt lost/),
      });
    }, 60_000);
  });
}
