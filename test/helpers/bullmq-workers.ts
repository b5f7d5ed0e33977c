import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Settings of one worker process (see bullmq-worker-child.ts). */
export interface WorkerSettings {
  readonly redisUrl: string;
  readonly queueName: string;
  readonly prefix: string;
  readonly concurrency: number;
  readonly lockDurationMs: number;
  /** The JSON-lines file every handler start and end is appended to. */
  readonly log: string;
  readonly graceMs: number;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string | null>;
}

/** One line of a worker log. */
export interface HandlerRecord {
  readonly event: 'start' | 'end' | 'threw' | 'aborted';
  readonly jobId: string;
  readonly pid: number;
  readonly at: number;
}

/**
 * Runs `node --import tsx <args>` from the repository root and resolves once its output (stdout or
 * stderr) contains `ready` (rejects if it exits first, or after 2 minutes).
 */
export function spawnUntil(
  args: readonly string[],
  env: Record<string, string>,
  ready: string,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready}" within 120 s: ${out}`)), 120_000);
    const collect = (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, output: () => out, exited });
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before "${ready}": ${out}`));
    });
  });
}

/** Starts a worker process and resolves once it printed `worker ready`. */
export function spawnWorker(settings: WorkerSettings): Promise<WorkerProcess> {
  return spawnUntil(
    ['test/helpers/bullmq-worker-child.ts'],
    { BULLMQ_CHILD: JSON.stringify(settings) },
    'worker ready',
  );
}

/** Starts `sporeprint worker <args>` with `env` and resolves once it is connected to Redis. */
export function spawnCliWorker(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<WorkerProcess> {
  return spawnUntil(['src/main/cli.ts', 'worker', ...args], env, 'connected to Redis');
}

/** Sends SIGTERM and resolves with the exit code once the process has exited. */
export async function stopWorker(w: WorkerProcess | undefined): Promise<number | string | null> {
  if (w === undefined) return null;
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  return w.exited;
}

/** Kills a worker process if it still runs (SIGKILL) and waits for it. */
export async function killWorker(w: WorkerProcess | undefined): Promise<void> {
  if (w === undefined || w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGKILL');
  await w.exited;
}

/** The records of a worker log (empty while the file does not exist). */
export function readRecords(log: string): HandlerRecord[] {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as HandlerRecord);
}

/** Polls `check` until it returns a value other than undefined (fails after `ms` naming `what`). */
export async function waitFor<T>(what: string, check: () => T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The largest number of jobs one process (or all, with `pid` undefined) ran at the same time. */
export function maxOverlap(records: readonly HandlerRecord[], pid?: number): number {
  let now = 0;
  let max = 0;
  const points = records
    .filter((r) => pid === undefined || r.pid === pid)
    .map((r) => ({ at: r.at, d: r.event === 'start' ? 1 : -1 }))
    .sort((a, b) => a.at - b.at || a.d - b.d);
  for (const p of points) {
    now += p.d;
    max = Math.max(max, now);
  }
  return max;
}
