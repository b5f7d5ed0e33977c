/**
 * `sporeprint serve` with the local executor runs no pipeline task in its own process: each run goes
 * to a runner process (`pipeline resume --from-owner`). Real server processes over SQLite, runs
 * started over HTTP, the test's pipeline module (a task holding the CPU for 2 s).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type PipelineRunRecord, type Storage } from '../../src/storage/index.js';
import { client } from '../helpers/http-client.js';
import { runCli } from '../helpers/run-cli.js';
import { processAlive as alive, spawnListening } from '../helpers/server-process.js';
import { FIXTURE_MODULE } from './pipeline-runner.conformance.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pid in an owner or worker name (`host:pid:random`). */
const pidOf = (owner: string | null | undefined): number => Number(owner?.split(':')[1]);

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('sporeprint serve: local pipeline runs execute in runner processes (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sp-run-processes-'));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    SPOREPRINT_VAR_DIR: dir,
    SPOREPRINT_PIPELINE_MODULES: FIXTURE_MODULE,
    // heartbeats every second: a run whose process is gone is adopted after 6 s (a lock without one)
    SPOREPRINT_WORKER_LOCK_MS: '6000',
    SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
    SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
    SPOREPRINT_ACCESS_LOG: 'false',
  };
  let storage: Storage;
  let adminKey: string;
  const servers: ChildProcess[] = [];
  const runnerPids = new Set<number>();

  beforeAll(async () => {
    storage = await openStorage(env.DATABASE_URL);
    adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
  });
  afterAll(async () => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    // runner processes end with their runs; one left by a failed test is stopped here
    for (const pid of runnerPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (more: Record<string, string> = {}) => {
    const server = await spawnListening(['src/main/cli.ts', 'serve', '--port', '0'], { ...env, ...more });
    servers.push(server.child);
    return { ...server, pid: server.child.pid as number, admin: client(server.url, adminKey) };
  };
  const start = async (admin: ReturnType<typeof client>, pipeline: string, params: object) => {
    const res = await admin.post(`/v1/pipelines/${pipeline}/runs`, { params });
    expect(res.status).toBe(200);
    return (await res.json()) as PipelineRunRecord;
  };
  const task = (runId: string, taskId: string) => storage.pipelines.task(runId, taskId);
  /** The task once it runs: its runner process's pid. */
  const runningIn = async (runId: string, taskId: string): Promise<number> => {
    const t = await until(`${taskId} running`, async () => {
      const x = await task(runId, taskId);
      return x?.state === 'running' ? x : undefined;
    });
    const pid = pidOf(t.worker);
    runnerPids.add(pid);
    return pid;
  };
  const finished = (runId: string) =>
    until(`run ${runId} finished`, async () => {
      const run = await storage.pipelines.getRun(runId);
      return run !== undefined && !['running', 'paused'].includes(run.state) ? run : undefined;
    });
  const stopped = (child: ChildProcess) =>
    new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
    );

  it('a run started over HTTP holds the CPU in a runner process while the API keeps answering', async () => {
    const server = await serve();
    const run = await start(server.admin, 'hog', { ms: 2000 });
    // the server owns the run until its runner process takes it over
    expect(pidOf(run.runnerOwner)).toBe(server.pid);
    const pid = await runningIn(run.id, 'hog');
    expect(pid).not.toBe(server.pid);

    // while the task holds its process's CPU, the server answers at once
    const latencies: number[] = [];
    const from = Date.now();
    while ((await task(run.id, 'hog'))?.state === 'running') {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/health/live`);
      expect(res.status).toBe(200);
      latencies.push(performance.now() - t0);
      await sleep(20);
    }
    const watched = Date.now() - from;
    expect(watched).toBeGreaterThan(1000);
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies), `latencies ${latencies.map(Math.round).join(' ')}`).toBeLessThan(500);

    const ended = await finished(run.id);
    expect(ended).toMatchObject({ state: 'succeeded', outcome: { value: 1 } });
    expect(pidOf(ended.runnerOwner)).toBe(pid);
    const hog = await task(run.id, 'hog');
    expect(hog?.output).toEqual({ value: 1, pid });
    expect(pidOf(hog?.worker)).toBe(pid);
    expect(pidOf((await task(run.id, 'after'))?.worker)).toBe(pid);
    // the runner process exits with its run; its output is in the run's log file, named in the server's log
    await until('the runner process exits', async () => !alive(pid), 30_000);
    const log = join(dir, 'pipeline-runs', `${run.id}.log`);
    expect(server.stderr()).toContain(
      `pipelines: run ${run.id} executes in runner process ${pid} (log: ${log})`,
    );
    await until('the exit is logged', async () =>
      server.stderr().includes(`pipelines: run ${run.id}: runner process ${pid} exited with code 0`),
    );
    expect(readFileSync(log, 'utf8')).toMatch(/^hog: succeeded$/m);
    server.child.kill('SIGTERM');
    await stopped(server.child);
  }, 180_000);

  it('one runner process at a time; SIGKILL of the server: the running run finishes in its process, the waiting one is adopted by the next server', async () => {
    const first = await serve();
    const slow = await start(first.admin, 'slow', { ms: 10_000 });
    const waiting = await start(first.admin, 'diamond', {});
    const pid = await runningIn(slow.id, 'slow');
    // the second run waits, owned by the server, its first task queued
    await until('the wait is logged', async () =>
      first.stderr().includes(`pipelines: run ${waiting.id} waits for a free runner process (1 of 1 busy)`),
    );
    expect(await storage.pipelines.getRun(waiting.id)).toMatchObject({
      state: 'running',
      runnerOwner: waiting.runnerOwner,
    });
    expect((await task(waiting.id, 'a'))?.state).toBe('queued');
    // a run another live process owns is not taken over from a name that is not its owner
    const refused = await runCli(['pipeline', 'resume', waiting.id, '--from-owner', 'elsewhere:1:x'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `SP_ERR_PIPELINE_STATE\\]: cannot resume pipeline run ${waiting.id}: it is running in process ${waiting.runnerOwner}`,
      ),
    );

    first.child.kill('SIGKILL');
    await stopped(first.child);
    expect((await task(slow.id, 'slow'))?.state).toBe('running');
    expect(alive(pid)).toBe(true);
    const done = await finished(slow.id);
    expect(done).toMatchObject({ state: 'succeeded', outcome: { value: 1 } });
    expect(pidOf((await task(slow.id, 'slow'))?.worker)).toBe(pid);
    expect((await task(slow.id, 'slow'))?.attempt).toBe(1);
    await until('its runner process exits', async () => !alive(pid), 30_000);

    // nothing ran the waiting run; its owner is gone
    expect(await storage.pipelines.getRun(waiting.id)).toMatchObject({ state: 'running' });
    const second = await serve();
    const adopted = await finished(waiting.id);
    expect(adopted).toMatchObject({ state: 'succeeded', outcome: { value: 112 } });
    const runner = pidOf(adopted.runnerOwner);
    runnerPids.add(runner);
    expect([first.pid, second.pid, pid]).not.toContain(runner);
    for (const id of ['a', 'b', 'c', 'd']) expect(pidOf((await task(waiting.id, id))?.worker)).toBe(runner);
    expect(second.stderr()).toContain(`pipelines: run ${waiting.id} executes in runner process ${runner}`);
    second.child.kill('SIGTERM');
    await stopped(second.child);
  }, 240_000);

  it('a runner process killed mid-task: the server adopts the run and a new runner process finishes it', async () => {
    const server = await serve();
    const run = await start(server.admin, 'slow', { ms: 3000 });
    const killed = await runningIn(run.id, 'slow');
    process.kill(killed, 'SIGKILL');
    await until('the kill is logged', async () =>
      server.stderr().includes(`pipelines: run ${run.id}: runner process ${killed} was stopped by SIGKILL`),
    );
    const ended = await finished(run.id);
    expect(ended.state).toBe('succeeded');
    const slow = await task(run.id, 'slow');
    const runner = pidOf(slow?.worker);
    runnerPids.add(runner);
    expect([killed, server.pid]).not.toContain(runner);
    expect(slow?.attempt).toBe(2);
    const attempts = (await storage.pipelines.attempts(run.id)).filter((a) => a.taskId === 'slow');
    expect(attempts.map((a) => [a.attempt, a.state, pidOf(a.worker)])).toEqual([
      [1, 'failed', killed],
      [2, 'succeeded', runner],
    ]);
    expect(attempts[0].error).toMatch(/stopped heart-beating/);
    server.child.kill('SIGTERM');
    await stopped(server.child);
  }, 180_000);

  it('a task holding its runner process past three heartbeats: the server does not take the run from it', async () => {
    // heartbeats every 200 ms, stale after 1.2 s, while the task holds its process's CPU for 2.5 s
    const server = await serve({ SPOREPRINT_WORKER_LOCK_MS: '1200' });
    const run = await start(server.admin, 'hog', { ms: 2500 });
    const pid = await runningIn(run.id, 'hog');
    const ended = await finished(run.id);
    expect(ended.state).toBe('succeeded');
    const hog = await task(run.id, 'hog');
    expect(hog).toMatchObject({ attempt: 1, output: { value: 1, pid } });
    expect(pidOf(ended.runnerOwner)).toBe(pid);
    expect(await storage.pipelines.attempts(run.id)).toHaveLength(2);
    expect(server.stderr()).not.toMatch(/resumed|stopped heart-beating/);
    server.child.kill('SIGTERM');
    await stopped(server.child);
  }, 180_000);

  it('a runner process whose run another process took stops; the server starts one again once the run is its own', async () => {
    const server = await serve({ SPOREPRINT_WORKER_LOCK_MS: '1200' });
    const run = await start(server.admin, 'slow', { ms: 5000 });
    const first = await runningIn(run.id, 'slow');
    // as if a process that then died had adopted the run: the server adopts it from that one
    expect(
      await storage.pipelines.transitionRun({
        runId: run.id,
        from: ['running'],
        to: 'running',
        set: { runnerOwner: 'elsewhere:1:dead', runnerHeartbeatAt: new Date(0) },
      }),
    ).toBe(true);
    await until('the first runner process stops', async () => !alive(first), 60_000);
    const log = readFileSync(join(dir, 'pipeline-runs', `${run.id}.log`), 'utf8');
    expect(log).toMatch(
      new RegExp(
        `Pipeline run ${run.id} is run by process (elsewhere:1:dead|[^ ]+:${server.pid}:[0-9a-f]+) now: this process stops`,
      ),
    );
    const ended = await finished(run.id);
    expect(ended.state).toBe('succeeded');
    const second = pidOf(ended.runnerOwner);
    runnerPids.add(second);
    expect([first, server.pid]).not.toContain(second);
    const attempts = (await storage.pipelines.attempts(run.id)).filter((a) => a.taskId === 'slow');
    expect(attempts.map((a) => [a.attempt, a.state, pidOf(a.worker)])).toEqual([
      [1, 'failed', first],
      [2, 'succeeded', second],
    ]);
    expect(attempts[0].error).toMatch(/process elsewhere:1:dead stopped heart-beating/);
    server.child.kill('SIGTERM');
    await stopped(server.child);
  }, 180_000);

  it('refuses a bad number of runner processes', async () => {
    for (const value of ['0', 'two']) {
      const r = await runCli(['serve', '--port', '0'], { ...env, SPOREPRINT_PIPELINE_PROCESSES: value });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /SP_ERR_CONFIG\]: .*pipelines\.serveProcesses \(SPOREPRINT_PIPELINE_PROCESSES\)/,
      );
    }
  }, 120_000);
});
