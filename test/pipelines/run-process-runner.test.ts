/**
 * The runner `sporeprint serve` hands local runs to: real processes (node -e …) as runner processes,
 * the server's view of a run (does it still need a runner process) as a set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isSporeprintError, type SporeprintError } from '../../src/core/index.js';
import {
  cliCommand,
  createRunProcessRunner,
  type RunProcess,
  runProcessEnv,
} from '../../src/main/run-process-runner.js';
import { processAlive as alive } from '../helpers/server-process.js';

const job = (runId: string) => ({ runId, taskId: 't', attempt: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<SporeprintError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isSporeprintError(e)) return e;
    throw e;
  }
  throw new Error('expected a SporeprintError');
}

describe('createRunProcessRunner', () => {
  const started: RunProcess[] = [];
  afterAll(() => {
    for (const p of started) if (p.child.exitCode === null && p.child.pid) p.child.kill('SIGKILL');
  });
  /** A runner process that runs `code` (node -e); `onStart` is what it does to the run when it starts. */
  const node =
    (code: string, onStart: (runId: string) => void = () => {}) =>
    (runId: string): RunProcess => {
      const p = { child: spawn(process.execPath, ['-e', code], { stdio: 'ignore' }), log: `log-${runId}` };
      started.push(p);
      onStart(runId);
      return p;
    };

  it('one process per run, at most maxProcesses at once; waiting runs start as slots free, oldest first', async () => {
    const needed = new Set(['r1', 'r2', 'r3']);
    const lines: string[] = [];
    const order: string[] = [];
    const runner = createRunProcessRunner({
      maxProcesses: 1,
      // the process takes the run over at once (the server no longer owns it)
      spawn: node('setTimeout(() => {}, 300)', (runId) => {
        order.push(runId);
        needed.delete(runId);
      }),
      needsRunner: async (runId) => needed.has(runId),
      print: (line) => lines.push(line),
    });
    expect(runner.kind).toBe('local');
    await runner.dispatch(job('r1'));
    await runner.dispatch({ ...job('r1'), taskId: 'other' });
    await runner.dispatch(job('r2'));
    await runner.dispatch(job('r3'));
    await runner.dispatch(job('r2'));
    await until('r1 running', () => runner.stats().running.has('r1'));
    expect(runner.stats().waiting).toEqual(['r2', 'r3']);
    expect(lines).toContain('pipelines: run r2 waits for a free runner process (1 of 1 busy)');
    await until('all three ran', () => order.length === 3 && runner.stats().running.size === 0);
    expect(order).toEqual(['r1', 'r2', 'r3']);
    expect(lines.filter((l) => /executes in runner process \d+ \(log: log-r\d\)$/.test(l))).toHaveLength(3);
    await until('exit lines', () => lines.filter((l) => /exited with code 0$/.test(l)).length === 3);
    // a run that no longer needs a process (cancelled, taken by another server) is not started
    await runner.dispatch(job('gone'));
    await sleep(100);
    expect(order).toEqual(['r1', 'r2', 'r3']);
    expect(runner.stats()).toEqual({ running: new Map(), waiting: [] });
  });

  it('a process that exits without taking its run is started again; the third in a row pauses the run, then it is tried again', async () => {
    let now = 1_000_000;
    const lines: string[] = [];
    let spawns = 0;
    const runner = createRunProcessRunner({
      maxProcesses: 2,
      spawn: node('process.exit(3)', () => spawns++),
      needsRunner: async () => true,
      print: (line) => lines.push(line),
      now: () => now,
    });
    await runner.dispatch(job('bad'));
    await until('three starts', () => spawns === 3 && runner.stats().running.size === 0 && lines.length >= 6);
    await sleep(100);
    expect(spawns).toBe(3);
    expect(lines).toContain(
      'error: pipelines: the runner process of pipeline run bad exited with code 3 while the server owned the run (see log-bad) (3 times in a row)',
    );
    const paused = await failure(runner.dispatch(job('bad')));
    expect(paused.code).toBe('SP_ERR_NOT_READY');
    expect(paused.message).toBe(
      'the runner process of pipeline run bad exited with code 3 while the server owned the run (see log-bad) (3 times in a row); next try in 2 s',
    );
    now += 2000;
    await runner.dispatch(job('bad'));
    await until('a fourth start', () => spawns === 4);
    await until('its end', () => lines.some((l) => l.includes('(4 times in a row)')));
    expect((await failure(runner.dispatch(job('bad')))).message).toMatch(/next try in 4 s$/);

    // a process that cannot even be started counts the same
    const broken = createRunProcessRunner({
      maxProcesses: 1,
      spawn: () => {
        throw new Error('EMFILE: too many open files');
      },
      needsRunner: async () => true,
      print: () => {},
    });
    await broken.dispatch(job('x'));
    let e: SporeprintError | undefined;
    for (let i = 0; i < 200 && e === undefined; i++) {
      await sleep(20);
      e = await broken.dispatch(job('x')).then(
        () => undefined,
        (x: SporeprintError) => x,
      );
    }
    expect((e as SporeprintError).message).toMatch(
      /^the runner process of pipeline run x could not be started: EMFILE: too many open files \(3 times in a row\); next try in 2 s$/,
    );
  });

  it('close: no more processes (SP_ERR_SHUTTING_DOWN); running ones are left to finish their runs', async () => {
    const lines: string[] = [];
    const runner = createRunProcessRunner({
      maxProcesses: 1,
      spawn: node('setTimeout(() => {}, 30000)'),
      needsRunner: async () => true,
      print: (line) => lines.push(line),
    });
    await runner.dispatch(job('long'));
    await runner.dispatch(job('later'));
    const pid = await until('started', () => runner.stats().running.get('long'));
    await runner.close();
    expect(lines.at(-1)).toBe(`pipelines: runs left to finish in their runner processes: long (pid ${pid})`);
    expect(runner.stats().waiting).toEqual([]);
    expect((await failure(runner.dispatch(job('later')))).code).toBe('SP_ERR_SHUTTING_DOWN');
    await sleep(200);
    expect(alive(pid)).toBe(true);
    process.kill(pid as number, 'SIGKILL');
  });

  it('refuses bad options and jobs', async () => {
    for (const maxProcesses of [0, 1.5, Number.NaN]) {
      const e = await failure(() =>
        createRunProcessRunner({
          maxProcesses,
          spawn: node(''),
          needsRunner: async () => true,
          print: () => {},
        }),
      );
      expect(e.code).toBe('SP_ERR_BAD_PARAM');
      expect(e.message).toMatch(/^maxProcesses must be an integer ≥ 1, got /);
    }
    const runner = createRunProcessRunner({
      maxProcesses: 1,
      spawn: node(''),
      needsRunner: async () => false,
      print: () => {},
    });
    for (const bad of [{ ...job(''), runId: '' }, null]) {
      const e = await failure(runner.dispatch(bad as never));
      expect(e.code).toBe('SP_ERR_BAD_PARAM');
      expect(e.message).toMatch(/a task job needs a runId/);
    }
  });
});

describe('the runner process command and environment', () => {
  it('starts this CLI the way it runs now (here: the TypeScript sources under tsx)', () => {
    const { command, args } = cliCommand();
    expect(command).toBe(process.execPath);
    expect(args[0]).toBe('--import');
    expect(args.at(-1)).toMatch(/src[/\\]main[/\\]cli\.ts$/);
    const version = spawnSync(command, [...args, '--version'], { encoding: 'utf8', cwd: '/' });
    expect(version.status, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
  }, 60_000);

  it("passes the server's config whole, in place of the variables it may have come from", () => {
    const config = loadConfig({
      env: {
        DATABASE_URL: 'sqlite:/tmp/somewhere/db.sqlite',
        SPOREPRINT_PIPELINE_MODULES: '/a.js,/b.js',
        SPOREPRINT_PIPELINE_PROCESSES: '3',
      },
      fileText: JSON.stringify({ alerts: { rules: [{ name: 'dataset_drift', action: 'retrain' }] } }),
    });
    const saved = { ...process.env };
    try {
      process.env.DATABASE_URL = 'sqlite:/elsewhere.sqlite';
      process.env.SPOREPRINT_CONFIG = '/etc/sporeprint.json';
      const env = runProcessEnv(config);
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.SPOREPRINT_CONFIG).toBeUndefined();
      expect(env.PATH).toBe(process.env.PATH);
      const again = loadConfig({ env, fileText: env.SPOREPRINT_CONFIG_JSON });
      expect(again).toEqual(config);
      expect(again.pipelines.serveProcesses).toBe(3);
    } finally {
      process.env = saved;
    }
  });
});
