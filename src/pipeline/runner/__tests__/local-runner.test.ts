import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { SporeprintError } from '../../../core/index.js';
import type { TaskJob } from '../../dag/pipeline-types.js';
import { createLocalRunner, taskJobKey } from '../local-runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const job = (taskId: string, attempt = 1): TaskJob => ({ runId: 'r1', taskId, attempt });

/** Resolves when `check()` holds, polling every few ms (fails after 2 s). */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in 2 s');
    await sleep(5);
  }
}

describe('createLocalRunner', () => {
  it('runs at most `concurrency` handlers at once, in FIFO order', async () => {
    const started: string[] = [];
    let active = 0;
    let peak = 0;
    const runner = createLocalRunner({
      concurrency: 2,
      handler: async (j) => {
        started.push(j.taskId);
        active += 1;
        peak = Math.max(peak, active);
        await sleep(30);
        active -= 1;
      },
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await runner.dispatch(job(id));
    expect(started).toEqual([]); // never inside dispatch
    await until(() => started.length === 5 && active === 0);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
    expect(runner.stats()).toEqual({ delayed: 0, queued: 0, running: 0 });
    await runner.close();
  });

  it('honours delays', async () => {
    const startedAt = new Map<string, number>();
    const runner = createLocalRunner({
      concurrency: 4,
      handler: async (j) => {
        startedAt.set(j.taskId, Date.now());
      },
    });
    const t0 = Date.now();
    await runner.dispatch(job('late'), 120);
    await runner.dispatch(job('soon'), 30);
    await runner.dispatch(job('now'));
    expect(runner.stats().delayed).toBe(2);
    await until(() => startedAt.size === 3);
    expect([...startedAt.keys()]).toEqual(['now', 'soon', 'late']);
    expect(startedAt.get('soon')! - t0).toBeGreaterThanOrEqual(25);
    expect(startedAt.get('late')! - t0).toBeGreaterThanOrEqual(115);
    await runner.close();
  });

  it('runs a job once per run, task and attempt, even when dispatched again after it finished', async () => {
    const runs: string[] = [];
    const runner = createLocalRunner({
      concurrency: 3,
      handler: async (j) => {
        runs.push(taskJobKey(j));
        await sleep(10);
      },
    });
    await runner.dispatch(job('a'), 20);
    await runner.dispatch(job('a'));
    await runner.dispatch(job('a'), 5);
    await runner.dispatch(job('b'));
    await runner.dispatch(job('b'));
    await until(() => runs.length === 2 && runner.stats().running === 0);
    await runner.dispatch(job('a')); // finished: ignored
    await runner.dispatch(job('a', 2)); // the next attempt is a new job
    await runner.dispatch({ runId: 'r2', taskId: 'a', attempt: 1 });
    await until(() => runs.length === 4 && runner.stats().running === 0);
    await sleep(30);
    expect(runs.sort()).toEqual(['r1.a.1', 'r1.a.2', 'r1.b.1', 'r2.a.1']);
    await runner.close();
  });

  it('remembers a bounded number of finished keys', async () => {
    const runs: string[] = [];
    const runner = createLocalRunner({ rememberFinished: 1, handler: async (j) => void runs.push(j.taskId) });
    await runner.dispatch(job('a'));
    await until(() => runs.length === 1 && runner.stats().running === 0);
    await runner.dispatch(job('b'));
    await until(() => runs.length === 2 && runner.stats().running === 0);
    await runner.dispatch(job('b')); // remembered
    await runner.dispatch(job('a')); // forgotten: the oldest key went out
    await until(() => runs.length === 3);
    expect(runs).toEqual(['a', 'b', 'a']);
    await runner.close();
  });

  it('hands a rejection or a throw to onError and keeps running other jobs', async () => {
    const errors: Array<[string, string]> = [];
    const done: string[] = [];
    const runner = createLocalRunner({
      handler: (j) => {
        if (j.taskId === 'throws') throw new Error('sync boom');
        if (j.taskId === 'rejects') return Promise.reject(new Error('async boom'));
        done.push(j.taskId);
        return Promise.resolve();
      },
      onError: (e, j) => {
        errors.push([j.taskId, (e as Error).message]);
        if (j.taskId === 'rejects') throw new Error('the error hook itself fails');
      },
    });
    const stderr: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void stderr.push(args.join(' '));
    try {
      await runner.dispatch(job('throws'));
      await runner.dispatch(job('rejects'));
      await runner.dispatch(job('fine'));
      await until(() => done.length === 1 && runner.stats().running === 0);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([
      ['throws', 'sync boom'],
      ['rejects', 'async boom'],
    ]);
    expect(String(stderr[0])).toContain('task job r1.rejects.1 failed in the local runner');
    await runner.close();
  });

  it('close drops jobs not started, waits for running ones, then refuses new jobs', async () => {
    const events: string[] = [];
    const runner = createLocalRunner({
      concurrency: 1,
      handler: async (j) => {
        events.push(`start ${j.taskId}`);
        await sleep(60);
        events.push(`end ${j.taskId}`);
      },
    });
    await runner.dispatch(job('running'));
    await runner.dispatch(job('waiting'));
    await runner.dispatch(job('delayed'), 20);
    await until(() => events.length === 1);
    await runner.close();
    expect(events).toEqual(['start running', 'end running']);
    await sleep(40);
    expect(events).toHaveLength(2);
    await expect(runner.dispatch(job('late'))).rejects.toMatchObject({ code: 'SP_ERR_SHUTTING_DOWN' });
    await runner.close(); // twice is fine
  });

  it('close(graceMs) aborts what still runs after the grace and stops waiting', async () => {
    let signal: AbortSignal | undefined;
    const runner = createLocalRunner({
      handler: (_job, s) => {
        signal = s;
        return new Promise<void>(() => {}); // never ends by itself
      },
    });
    await runner.dispatch(job('stuck'));
    await until(() => signal !== undefined);
    const t0 = Date.now();
    await runner.close(50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(signal!.aborted).toBe(true);
    expect((signal!.reason as SporeprintError).code).toBe('SP_ERR_SHUTTING_DOWN');
  });

  it('refuses bad options, jobs and delays with a clear error', async () => {
    const handler = async () => {};
    for (const concurrency of [0, 1.5, -1]) {
      expect(() => createLocalRunner({ handler, concurrency })).toThrow(
        `concurrency must be an integer ≥ 1, got ${concurrency}`,
      );
    }
    expect(() => createLocalRunner({ handler, rememberFinished: -1 })).toThrow(/rememberFinished/);
    const runner = createLocalRunner({ handler });
    await expect(runner.dispatch({ runId: 'r', taskId: 'a', attempt: 0 })).rejects.toThrow(
      'a task job needs a runId, a taskId and an integer attempt ≥ 1, got {"runId":"r","taskId":"a","attempt":0}',
    );
    await expect(runner.dispatch({ runId: '', taskId: 'a', attempt: 1 })).rejects.toMatchObject({
      code: 'SP_ERR_BAD_PARAM',
    });
    await expect(runner.dispatch(job('a'), -1)).rejects.toThrow(
      'delayMs must be a number from 0 to 2147483647, got -1',
    );
    await expect(runner.dispatch(job('a'), Number.NaN)).rejects.toThrow(/delayMs/);
    await runner.close();
  });

  it('keeps a process alive while a delayed job waits (a CLI run does not exit early)', async () => {
    const entry = fileURLToPath(new URL('../local-runner.ts', import.meta.url));
    const script = `
      const { createLocalRunner } = await import(${JSON.stringify(entry)});
      const runner = createLocalRunner({ handler: async (job) => { console.log('ran ' + job.taskId); } });
      await runner.dispatch({ runId: 'r', taskId: 'late', attempt: 1 }, 150);`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(stdout.trim()).toBe('ran late');
  });
});
