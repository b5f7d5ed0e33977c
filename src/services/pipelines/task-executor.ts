/**
 * One attempt of one task, as both runners execute it: claim it (compare-and-set), run its handler
 * with a heartbeat, a timeout and cancellation, store the output or the error, schedule a retry with
 * backoff, then let the run advance. Every state change is a compare-and-set on the attempt, so a
 * duplicate delivery or a stale worker changes nothing.
 */
import { isSporeprintError } from '../../core/index.js';
import {
  canRetry,
  type JsonValue,
  type PlannedTask,
  retryDelayMs,
  type TaskJob,
} from '../../pipeline/index.js';
import type { PipelineRepository, PipelineRunRecord, PipelineTaskRecord } from '../../storage/index.js';
import type { PipelineCatalogue } from './pipeline-catalogue.js';
import type { PipelineRuntime } from './pipeline-service-types.js';
import { asError, attemptContext } from './task-context.js';

/** Why an attempt was stopped before its handler returned. */
type StopKind = 'timeout' | 'cancelled' | 'lost';

class AttemptStopped extends Error {
  constructor(
    readonly kind: StopKind,
    message: string,
  ) {
    super(message);
  }
}

/** Aborts an attempt running in this process because its run was cancelled. */
export function abortCancelled(controller: AbortController): void {
  if (!controller.signal.aborted) controller.abort(new AttemptStopped('cancelled', 'the run was cancelled'));
}

/** Error codes a retry cannot fix: the task fails at once. */
const NOT_RETRYABLE = new Set([
  'SP_ERR_BAD_PARAM',
  'SP_ERR_USAGE',
  'SP_ERR_CONFIG',
  'SP_ERR_PIPELINE_SPEC',
  'SP_ERR_PIPELINE_STATE',
]);

/** Progress is stored at most this often between heartbeats. */
const PROGRESS_WRITE_MS = 1000;

/** What the executor shares with the service. */
export interface ExecutorEnv {
  readonly repo: PipelineRepository;
  readonly catalogue: PipelineCatalogue;
  readonly runtime: PipelineRuntime;
  readonly heartbeatMs: number;
  readonly now: () => Date;
  readonly random: () => number;
  readonly onError: (e: Error) => void;
  /** Attempts running in this process, by `runId/taskId` (cancel aborts them). */
  readonly running: Map<string, AbortController>;
  /** True when a heartbeat at `at` is older than three heartbeats. */
  isStale(at: Date | null): boolean;
  /** The time before which a heartbeat is stale. */
  staleBefore(): Date;
  /** Hands a job to the runner; false (and the run paused) when the runner is unreachable. */
  dispatch(run: PipelineRunRecord, job: TaskJob, delayMs?: number): Promise<boolean>;
  advance(runId: string): Promise<void>;
}

/** How a task's attempt is executed: by a runner (sporeprint retries), or inline (Airflow retries). */
export type ExecuteMode = 'runner' | 'inline';

/** The key of a running attempt in {@link ExecutorEnv.running}. */
export const attemptKey = (runId: string, taskId: string): string => `${runId}/${taskId}`;

/**
 * Executes `job` (see the module comment). Returns the task as it ended, or undefined when the job
 * had nothing to do (unknown, already finished, or claimed by another worker).
 */
export async function executeTask(
  env: ExecutorEnv,
  job: TaskJob,
  mode: ExecuteMode = 'runner',
  runnerSignal?: AbortSignal,
): Promise<PipelineTaskRecord | undefined> {
  const { repo } = env;
  const run = await repo.getRun(job.runId);
  const planned = run?.plan.tasks.find((t) => t.id === job.taskId);
  if (run === undefined || planned === undefined) return undefined;
  if (run.state !== 'running' && run.state !== 'paused') {
    if (run.state === 'cancelled') {
      await repo.transitionTask({
        runId: job.runId,
        taskId: job.taskId,
        from: ['queued', 'retrying'],
        attempt: job.attempt,
        to: 'cancelled',
        set: { finishedAt: env.now() },
      });
    }
    return undefined;
  }
  const attempt = await claim(env, job);
  if (attempt === null) return undefined;
  return runAttempt(env, run, planned, { ...job, attempt }, mode, runnerSignal);
}

/**
 * Claims the task for this worker: queued (or retrying) → running on the job's attempt; or, for a job
 * re-delivered after its worker died, running with a stale heartbeat → running as the next attempt.
 * Returns the attempt held, or null.
 */
async function claim(env: ExecutorEnv, job: TaskJob): Promise<number | null> {
  const { repo } = env;
  const now = env.now();
  const claimed = await repo.transitionTask({
    runId: job.runId,
    taskId: job.taskId,
    from: ['queued', 'retrying'],
    attempt: job.attempt,
    to: 'running',
    set: {
      worker: env.runtime.owner,
      startedAt: now,
      heartbeatAt: now,
      finishedAt: null,
      nextAttemptAt: null,
      progress: null,
      progressNote: null,
      error: null,
    },
  });
  if (claimed) {
    await recordStart(env, job, job.attempt, now);
    return job.attempt;
  }
  const task = await repo.task(job.runId, job.taskId);
  if (task?.state !== 'running' || task.attempt !== job.attempt || !env.isStale(task.heartbeatAt))
    return null;
  const next = job.attempt + 1;
  const reclaimed = await repo.transitionTask({
    runId: job.runId,
    taskId: job.taskId,
    from: ['running'],
    attempt: job.attempt,
    staleBefore: env.staleBefore(),
    to: 'running',
    set: { attempt: next, worker: env.runtime.owner, startedAt: now, heartbeatAt: now, progress: null },
  });
  if (!reclaimed) return null;
  await repo.recordAttempt({
    runId: job.runId,
    taskId: job.taskId,
    attempt: job.attempt,
    worker: task.worker,
    state: 'failed',
    startedAt: task.startedAt ?? now,
    finishedAt: now,
    error: `worker ${task.worker ?? '?'} stopped heart-beating; taken over by ${env.runtime.owner}`,
  });
  await recordStart(env, job, next, now);
  return next;
}

function recordStart(env: ExecutorEnv, job: TaskJob, attempt: number, at: Date): Promise<void> {
  return env.repo.recordAttempt({
    runId: job.runId,
    taskId: job.taskId,
    attempt,
    worker: env.runtime.owner,
    state: 'running',
    startedAt: at,
    finishedAt: null,
    error: null,
  });
}

/** Runs the claimed attempt and stores how it ended. */
async function runAttempt(
  env: ExecutorEnv,
  run: PipelineRunRecord,
  planned: PlannedTask,
  job: TaskJob,
  mode: ExecuteMode,
  runnerSignal: AbortSignal | undefined,
): Promise<PipelineTaskRecord | undefined> {
  const { repo } = env;
  const startedAt = env.now();
  const tasks = await repo.tasks(job.runId);
  const outputs = new Map(tasks.map((t) => [t.taskId, t.output]));
  const inputs: Record<string, JsonValue> = {};
  for (const d of planned.dependsOn) inputs[d] = outputs.get(d) ?? null;

  const controller = new AbortController();
  const stop = (kind: StopKind, message: string) => {
    if (!controller.signal.aborted) controller.abort(new AttemptStopped(kind, message));
  };
  const key = attemptKey(job.runId, job.taskId);
  env.running.set(key, controller);
  // the runner closing past its grace time: the attempt is left to be resumed by another process
  const onRunnerClose = () => stop('lost', 'the task runner of this process closed');
  runnerSignal?.addEventListener('abort', onRunnerClose, { once: true });
  let lastProgressWrite = 0;
  const beat = async (): Promise<void> => {
    const alive = await repo.heartbeatTask(job.runId, job.taskId, job.attempt, attempt.progress(), env.now());
    if (alive) return;
    const now = await repo.task(job.runId, job.taskId);
    if (now?.state === 'cancelled') stop('cancelled', 'the run was cancelled');
    else stop('lost', `the task is no longer attempt ${job.attempt} running here (${now?.state ?? 'gone'})`);
  };
  const attempt = attemptContext({
    repo,
    job,
    plan: run.plan,
    task: planned,
    inputs,
    signal: controller.signal,
    now: env.now,
    onError: env.onError,
    onProgress: () => {
      const t = Date.now();
      if (t - lastProgressWrite < PROGRESS_WRITE_MS) return;
      lastProgressWrite = t;
      beat().catch((e: unknown) => env.onError(asError(e)));
    },
  });
  const heartbeat = setInterval(() => beat().catch((e: unknown) => env.onError(asError(e))), env.heartbeatMs);
  const timeout =
    planned.timeoutMs === null
      ? undefined
      : setTimeout(() => stop('timeout', `timed out after ${planned.timeoutMs} ms`), planned.timeoutMs);
  let output: JsonValue = null;
  let failure: Error | null = null;
  try {
    const handler = env.catalogue.handler(planned.kind);
    output = await untilAborted(handler(attempt.ctx), controller.signal);
    if (output === undefined) output = null;
  } catch (e) {
    failure = asError(e);
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timeout);
    env.running.delete(key);
    runnerSignal?.removeEventListener('abort', onRunnerClose);
  }
  await attempt.flush();
  const ended = await storeEnd(env, job, planned, startedAt, output, failure, mode);
  if (ended.state !== 'retrying') await env.advance(job.runId);
  return (await repo.task(job.runId, job.taskId)) ?? undefined;
}

/** The handler's promise, or a rejection as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Longest error text stored. */
const MAX_ERROR_CHARS = 4000;

/** An error as stored: `SP_ERR_…: message` for domain errors, cut to 4000 characters. */
export function errorText(e: Error): string {
  const text = isSporeprintError(e) ? `${e.code}: ${e.message}` : e.message || String(e);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

/** Stores how the attempt ended (compare-and-set on the attempt); schedules a retry when allowed. */
async function storeEnd(
  env: ExecutorEnv,
  job: TaskJob,
  planned: PlannedTask,
  startedAt: Date,
  output: JsonValue,
  failure: Error | null,
  mode: ExecuteMode,
): Promise<{ state: string }> {
  const { repo } = env;
  const now = env.now();
  const durationMs = now.getTime() - startedAt.getTime();
  const base = { runId: job.runId, taskId: job.taskId, from: ['running' as const], attempt: job.attempt };
  const attemptRecord = (state: 'succeeded' | 'failed' | 'cancelled', error: string | null) =>
    repo.recordAttempt({
      runId: job.runId,
      taskId: job.taskId,
      attempt: job.attempt,
      worker: env.runtime.owner,
      state,
      startedAt,
      finishedAt: now,
      error,
    });
  if (failure === null) {
    const done = await repo.transitionTask({
      ...base,
      to: 'succeeded',
      set: { output, finishedAt: now, durationMs, progress: 1, error: null },
    });
    if (done) await attemptRecord('succeeded', null);
    return { state: 'succeeded' };
  }
  if (failure instanceof AttemptStopped && failure.kind !== 'timeout') {
    // cancelled (the task is already marked) or taken over by another worker (it records this attempt)
    if (failure.kind === 'cancelled') await attemptRecord('cancelled', failure.message);
    return { state: failure.kind };
  }
  const message = errorText(failure);
  const retryable = !(isSporeprintError(failure) && NOT_RETRYABLE.has(failure.code));
  if (mode === 'runner' && retryable && canRetry(planned.retry, job.attempt)) {
    const delayMs = retryDelayMs(planned.retry, job.attempt, env.random);
    const next = job.attempt + 1;
    const retrying = await repo.transitionTask({
      ...base,
      to: 'retrying',
      set: {
        attempt: next,
        nextAttemptAt: new Date(now.getTime() + delayMs),
        error: message,
        worker: null,
        durationMs,
      },
    });
    if (!retrying) return { state: 'lost' };
    await attemptRecord('failed', message);
    await log(
      env,
      job,
      'warn',
      `attempt ${job.attempt} failed: ${message}; attempt ${next} in ${delayMs} ms`,
    );
    const run = await repo.getRun(job.runId);
    if (run !== undefined) await env.dispatch(run, { ...job, attempt: next }, delayMs);
    return { state: 'retrying' };
  }
  const failed = await repo.transitionTask({
    ...base,
    to: 'failed',
    set: { error: message, finishedAt: now, durationMs },
  });
  if (failed) {
    await attemptRecord('failed', message);
    await log(env, job, 'error', `attempt ${job.attempt} failed: ${message}`);
  }
  return { state: 'failed' };
}

function log(env: ExecutorEnv, job: TaskJob, level: 'warn' | 'error', message: string): Promise<void> {
  return env.repo
    .appendLog({ runId: job.runId, taskId: job.taskId, attempt: job.attempt, at: env.now(), level, message })
    .catch((e: unknown) => env.onError(asError(e)));
}
