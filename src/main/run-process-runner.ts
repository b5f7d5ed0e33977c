/**
 * How `sporeprint serve` executes local pipeline runs: never in its own process — training is
 * synchronous CPU work that would hold the API's event loop for seconds — but each run in a runner
 * process of its own, `sporeprint pipeline resume <run> --from-owner <server>`, started the way this
 * CLI runs (from the TypeScript sources under tsx, or from dist/ once built) with the server's config.
 * The server owns (heart-beats) a run until its runner process takes it over; that process executes
 * the run's tasks as `pipeline run` does and exits when the run ends. At most `maxProcesses` run at
 * once; further runs wait, still owned by the server, as `running` runs with queued tasks. Runner
 * processes are detached: they outlive the server (a stop, a crash or SIGKILL) and finish their runs.
 * A run whose runner process died is an orphan like any other: the next server adopts it and starts
 * a runner process for it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Config, ENV_VARS } from '../config/index.js';
import { SporeprintError } from '../core/index.js';
import type { TaskJob, TaskRunner } from '../pipeline/index.js';

/** A started runner process and the file its output goes to. */
export interface RunProcess {
  readonly child: ChildProcess;
  readonly log: string;
}

/** Options of {@link createRunProcessRunner}. */
export interface RunProcessRunnerOptions {
  /** Runner processes at once (≥ 1). */
  readonly maxProcesses: number;
  /** Starts the runner process of a run (see {@link spawnRunProcess}). */
  readonly spawn: (runId: string) => RunProcess;
  /** True while the run needs a runner process from this server: it is active and this server owns it. */
  readonly needsRunner: (runId: string) => Promise<boolean>;
  /** What the server's log shows (processes started and ended, failures). */
  readonly print: (line: string) => void;
  readonly now?: () => number;
}

/** What a {@link createRunProcessRunner} runner is doing. */
export interface RunProcessStats {
  /** Run id → pid of its runner process. */
  readonly running: ReadonlyMap<string, number | undefined>;
  /** Runs waiting for a free runner process. */
  readonly waiting: readonly string[];
}

/** The server's local task runner (see the module comment). */
export interface RunProcessRunner extends TaskRunner {
  readonly kind: 'local';
  stats(): RunProcessStats;
  /**
   * True for the owner name of one of its runner processes still running (`host:pid:…`): its
   * heartbeat stalls while a task holds its CPU, and the server must not adopt its run meanwhile.
   */
  isLiveOwner(owner: string): boolean;
}

/** Runner processes that exit in a row leaving their run to the server: from the third, the run pauses. */
const FAILURES_BEFORE_PAUSE = 3;
const MAX_BACKOFF_MS = 60_000;

/**
 * The runner `sporeprint serve` dispatches local jobs to: a job's run gets a runner process (or
 * waits for a free one); the job itself is the runner process's to execute. A runner process that
 * exits while the server owns the run (it never took it — it crashed while starting, the run was
 * cancelled and retried meanwhile — or the server took it back once another process had adopted it)
 * is started again; after three in a row, dispatching fails with
 * `SP_ERR_NOT_READY` (the run pauses with the reason) until a backoff of up to a minute passes.
 * `close()` starts no more processes and leaves the running ones to finish their runs.
 */
// long-function: one closure holds the runner's state (processes, waiting runs, failures) that its
// start, failed, ensure and pump steps and the returned runner share; split, they would pass it all around
export function createRunProcessRunner(options: RunProcessRunnerOptions): RunProcessRunner {
  const max = options.maxProcesses;
  if (!Number.isInteger(max) || max < 1) {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `maxProcesses must be an integer ≥ 1, got ${String(max)}`);
  }
  const now = options.now ?? Date.now;
  const children = new Map<string, RunProcess>();
  const waiting = new Set<string>();
  /** Runs taken from `waiting` whose need is being checked (they hold a slot meanwhile). */
  const checking = new Set<string>();
  const failures = new Map<string, { count: number; retryAt: number; reason: string }>();
  let closed = false;

  const start = (runId: string): void => {
    let started: RunProcess;
    try {
      started = options.spawn(runId);
    } catch (e) {
      failed(runId, `could not be started: ${(e as Error).message}`);
      return;
    }
    children.set(runId, started);
    const { child, log } = started;
    options.print(`pipelines: run ${runId} executes in runner process ${child.pid ?? '?'} (log: ${log})`);
    let ended = false;
    const onEnd = (how: string): void => {
      if (ended) return;
      ended = true;
      children.delete(runId);
      options
        .needsRunner(runId)
        .then((needed) => {
          if (!needed) {
            failures.delete(runId);
            options.print(`pipelines: run ${runId}: runner process ${child.pid ?? '?'} ${how}`);
            return;
          }
          failed(runId, `${how} while the server owned the run (see ${log})`);
        })
        .catch((e: unknown) =>
          options.print(`error: pipelines: run ${runId}: checking its state failed: ${(e as Error).message}`),
        )
        .finally(pump);
    };
    child.once('error', (e) => onEnd(`could not be started (${e.message})`));
    child.once('exit', (code, signal) =>
      onEnd(signal === null ? `exited with code ${code}` : `was stopped by ${signal}`),
    );
    // the server may stop (or exit) while its runner processes go on
    child.unref();
  };

  /** A runner process ended and the server owns its run (never taken, or taken back): start another, or back off after a few. */
  const failed = (runId: string, why: string): void => {
    const count = (failures.get(runId)?.count ?? 0) + 1;
    const backoff = count < FAILURES_BEFORE_PAUSE ? 0 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (count - 2));
    const reason = `the runner process of pipeline run ${runId} ${why}${count > 1 ? ` (${count} times in a row)` : ''}`;
    failures.set(runId, { count, retryAt: now() + backoff, reason });
    options.print(`error: pipelines: ${reason}`);
    if (backoff === 0) ensure(runId);
  };

  const ensure = (runId: string): void => {
    if (closed || children.has(runId) || waiting.has(runId) || checking.has(runId)) return;
    waiting.add(runId);
    if (children.size + checking.size >= max) {
      options.print(
        `pipelines: run ${runId} waits for a free runner process (${children.size} of ${max} busy)`,
      );
    }
    pump();
  };

  /** Starts the waiting runs that still need a process, while slots are free (oldest first). */
  function pump(): void {
    while (!closed && children.size + checking.size < max && waiting.size > 0) {
      const runId = waiting.values().next().value as string;
      waiting.delete(runId);
      checking.add(runId);
      options
        .needsRunner(runId)
        .catch((e: unknown) => {
          options.print(`error: pipelines: run ${runId}: checking its state failed: ${(e as Error).message}`);
          return false;
        })
        .then((needed) => {
          checking.delete(runId);
          if (needed && !closed && !children.has(runId)) start(runId);
          pump();
        });
    }
  }

  return {
    kind: 'local',
    async dispatch(job: TaskJob): Promise<void> {
      if (closed) {
        throw new SporeprintError(
          'SP_ERR_SHUTTING_DOWN',
          'the server is stopping and starts no runner processes',
        );
      }
      if (typeof job?.runId !== 'string' || job.runId === '') {
        throw new SporeprintError('SP_ERR_BAD_PARAM', `a task job needs a runId, got ${JSON.stringify(job)}`);
      }
      const failure = failures.get(job.runId);
      if (failure !== undefined && failure.count >= FAILURES_BEFORE_PAUSE && now() < failure.retryAt) {
        const wait = Math.ceil((failure.retryAt - now()) / 1000);
        throw new SporeprintError('SP_ERR_NOT_READY', `${failure.reason}; next try in ${wait} s`, {
          runId: job.runId,
        });
      }
      ensure(job.runId);
    },
    async close(): Promise<void> {
      closed = true;
      waiting.clear();
      if (children.size > 0) {
        const list = [...children].map(([runId, p]) => `${runId} (pid ${p.child.pid ?? '?'})`);
        options.print(`pipelines: runs left to finish in their runner processes: ${list.join(', ')}`);
      }
    },
    isLiveOwner(owner: string): boolean {
      const [host, pid] = owner.split(':');
      if (host !== hostname()) return false;
      for (const { child } of children.values()) if (String(child.pid) === pid) return true;
      return false;
    },
    stats: () => ({
      running: new Map([...children].map(([runId, p]) => [runId, p.child.pid])),
      waiting: [...waiting, ...checking],
    }),
  };
}

/**
 * How this CLI is started again: `node --import tsx src/main/cli.ts` when running from the
 * TypeScript sources (tests, `npm run sporeprint`), `node dist/main/cli.js` once built.
 */
export function cliCommand(): { readonly command: string; readonly args: readonly string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    return {
      command: process.execPath,
      args: ['--import', pathToFileURL(tsx).href, join(dirname(here), 'cli.ts')],
    };
  }
  return { command: process.execPath, args: [join(dirname(here), 'cli.js')] };
}

/**
 * The environment of a runner process: this one's, with the server's config passed whole as
 * `SPOREPRINT_CONFIG_JSON` in place of the variables and file it may have come from (the runner
 * process then runs with exactly the server's config, however the server got it).
 */
export function runProcessEnv(config: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...Object.keys(ENV_VARS), 'SPOREPRINT_CONFIG']) delete env[name];
  env.SPOREPRINT_CONFIG_JSON = JSON.stringify(config);
  return env;
}

/**
 * Starts the runner process of `runId`, which takes the run over from `owner` (this server):
 * detached (its own process group), in this working directory, output appended to
 * `<SPOREPRINT_VAR_DIR>/pipeline-runs/<run>.log`.
 */
export function spawnRunProcess(runId: string, owner: string, config: Config): RunProcess {
  const dir = join(resolve(config.varDir), 'pipeline-runs');
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${runId}.log`);
  const fd = openSync(log, 'a', 0o600);
  try {
    const { command, args } = cliCommand();
    const child = spawn(command, [...args, 'pipeline', 'resume', runId, '--from-owner', owner], {
      cwd: process.cwd(),
      env: runProcessEnv(config),
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    return { child, log };
  } finally {
    closeSync(fd);
  }
}
