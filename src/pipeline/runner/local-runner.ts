import { SporeprintError } from '../../core/index.js';
import type { TaskJob, TaskRunner } from '../dag/pipeline-types.js';
import { MAX_TIMER_MS } from '../dag/retry-delay.js';

/** Runs one task job; `signal` aborts when `close(graceMs)` runs out of grace. */
export type TaskJobHandler = (job: TaskJob, signal: AbortSignal) => Promise<void>;

/** Options of {@link createLocalRunner}. */
export interface LocalRunnerOptions {
  /** The one function that executes a job (the service's `executeTask`). */
  readonly handler: TaskJobHandler;
  /** Handlers running at once (default 1); further jobs wait in FIFO order. */
  readonly concurrency?: number;
  /** Receives a handler's rejection (default: written to stderr); never left unhandled. */
  readonly onError?: (error: unknown, job: TaskJob) => void;
  /** How many finished job keys are remembered to ignore a repeated dispatch (default 10000). */
  readonly rememberFinished?: number;
}

/** Jobs of a local runner by stage, for progress views and tests. */
export interface LocalRunnerStats {
  /** Waiting for their delay. */
  readonly delayed: number;
  /** Due, waiting for a free slot. */
  readonly queued: number;
  readonly running: number;
}

/** The in-process {@link TaskRunner}. */
export interface LocalRunner extends TaskRunner {
  readonly kind: 'local';
  stats(): LocalRunnerStats;
}

/** The key a job is deduplicated by (also the BullMQ job id). */
export function taskJobKey(job: TaskJob): string {
  return `${job.runId}.${job.taskId}.${job.attempt}`;
}

/**
 * The in-process runner: `dispatch(job, delayMs)` runs `handler(job)` in this process after the
 * delay, at most `concurrency` at once (FIFO once due). A job is run once per key
 * `${runId}.${taskId}.${attempt}`: a second dispatch while it waits, runs or after it finished (the
 * last `rememberFinished` keys) is ignored. Timers stay ref'd, so a CLI run does not exit while jobs
 * wait. `close(graceMs)` takes no more jobs (dispatch rejects with `SP_ERR_SHUTTING_DOWN`), drops the
 * ones not started, and waits for the running ones — after `graceMs` it aborts their signals and
 * stops waiting.
 *
 * @example
 * const runner = createLocalRunner({ handler: (job) => service.executeTask(job), concurrency: 2 });
 * await runner.dispatch({ runId, taskId: 'etl', attempt: 1 });
 */
export function createLocalRunner(options: LocalRunnerOptions): LocalRunner {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `concurrency must be an integer ≥ 1, got ${String(concurrency)}`,
    );
  }
  const remember = options.rememberFinished ?? 10_000;
  if (!Number.isInteger(remember) || remember < 0) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `rememberFinished must be an integer ≥ 0, got ${String(remember)}`,
    );
  }
  const onError = options.onError ?? reportToStderr;
  const delayed = new Map<string, ReturnType<typeof setTimeout>>();
  const queue: TaskJob[] = [];
  const running = new Map<string, Promise<void>>();
  const finished = new Set<string>();
  const abort = new AbortController();
  let wake: ReturnType<typeof setImmediate> | null = null;
  let closing: Promise<void> | null = null;

  const queuedKeys = new Set<string>();
  const known = (key: string) =>
    delayed.has(key) || queuedKeys.has(key) || running.has(key) || finished.has(key);

  const pump = (): void => {
    while (closing === null && running.size < concurrency && queue.length > 0) {
      const job = queue.shift()!;
      const key = taskJobKey(job);
      queuedKeys.delete(key);
      const done = Promise.resolve()
        .then(() => options.handler(job, abort.signal))
        .catch((e: unknown) => {
          try {
            onError(e, job);
          } catch (reportError) {
            reportToStderr(reportError, job);
          }
        })
        .finally(() => {
          running.delete(key);
          finished.add(key);
          if (finished.size > remember) finished.delete(finished.values().next().value as string);
          pump();
        });
      running.set(key, done);
    }
  };

  const enqueue = (job: TaskJob): void => {
    queue.push(job);
    queuedKeys.add(taskJobKey(job));
    // start on a later turn: dispatch never runs a handler synchronously inside its caller
    wake ??= setImmediate(() => {
      wake = null;
      pump();
    });
  };

  return {
    kind: 'local',
    async dispatch(job: TaskJob, delayMs = 0): Promise<void> {
      if (closing !== null) {
        throw new SporeprintError(
          'SP_ERR_SHUTTING_DOWN',
          'the local task runner is closed and takes no more jobs',
        );
      }
      checkJob(job, delayMs);
      const copy: TaskJob = { runId: job.runId, taskId: job.taskId, attempt: job.attempt };
      const key = taskJobKey(copy);
      if (known(key)) return;
      if (delayMs === 0) {
        enqueue(copy);
        return;
      }
      delayed.set(
        key,
        setTimeout(() => {
          delayed.delete(key);
          enqueue(copy);
        }, delayMs),
      );
    },
    close(graceMs?: number): Promise<void> {
      closing ??= (async () => {
        for (const timer of delayed.values()) clearTimeout(timer);
        delayed.clear();
        queue.length = 0;
        queuedKeys.clear();
        if (wake !== null) clearImmediate(wake);
        const all = Promise.all(running.values()).then(() => undefined);
        if (graceMs === undefined) return all;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            abort.abort(
              new SporeprintError(
                'SP_ERR_SHUTTING_DOWN',
                `the local task runner closed after ${graceMs} ms of grace`,
              ),
            );
            resolve();
          }, graceMs);
        });
        await Promise.race([all, grace]);
        clearTimeout(timer);
      })();
      return closing;
    },
    stats: () => ({ delayed: delayed.size, queued: queue.length, running: running.size }),
  };
}

function checkJob(job: TaskJob, delayMs: number): void {
  const ok =
    job !== null &&
    typeof job === 'object' &&
    typeof job.runId === 'string' &&
    job.runId !== '' &&
    typeof job.taskId === 'string' &&
    job.taskId !== '' &&
    Number.isInteger(job.attempt) &&
    job.attempt >= 1;
  if (!ok) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `a task job needs a runId, a taskId and an integer attempt ≥ 1, got ${JSON.stringify(job)}`,
    );
  }
  if (!(typeof delayMs === 'number' && delayMs >= 0 && delayMs <= MAX_TIMER_MS)) {
    throw new SporeprintError(
      'SP_ERR_BAD_PARAM',
      `delayMs must be a number from 0 to ${MAX_TIMER_MS}, got ${String(delayMs)}`,
    );
  }
}

function reportToStderr(error: unknown, job: TaskJob): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`sporeprint: task job ${taskJobKey(job)} failed in the local runner: ${text}`);
}
