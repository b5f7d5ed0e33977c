/**
 * The context one attempt of a task runs with: its parameters and upstream outputs, a log and a
 * progress report stored in the database, links to what the run made, and `once` for effects that
 * must not happen twice.
 */
import type { JsonValue, PipelinePlan, PlannedTask, TaskJob } from '../../pipeline/index.js';
import type { PipelineRepository } from '../../storage/index.js';
import type { TaskContext } from './pipeline-service-types.js';

/** Longest log message stored (longer ones are cut). */
const MAX_LOG_CHARS = 8000;

/** An attempt's context and what the executor does with it afterwards. */
export interface AttemptContext {
  readonly ctx: TaskContext;
  /** The last progress reported (sent with each heartbeat). */
  progress(): { fraction: number | null; note: string | null };
  /** Waits for the log lines and links written so far. */
  flush(): Promise<void>;
}

/** What {@link attemptContext} needs. */
export interface AttemptInput {
  readonly repo: PipelineRepository;
  readonly job: TaskJob;
  readonly plan: PipelinePlan;
  readonly task: PlannedTask;
  readonly inputs: Readonly<Record<string, JsonValue>>;
  readonly signal: AbortSignal;
  /** Stores progress at once (the executor throttles it); errors are reported, never thrown. */
  readonly onProgress: (fraction: number, note: string | null) => void;
  readonly onError: (e: Error) => void;
  readonly now: () => Date;
}

/** Builds the context of one attempt. */
export function attemptContext(input: AttemptInput): AttemptContext {
  const { repo, job, plan, task } = input;
  let fraction: number | null = null;
  let note: string | null = null;
  // log lines and links are written in order; the executor waits for them before finishing
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (write: () => Promise<void>): Promise<void> => {
    const written = chain.then(write);
    chain = written.catch((e: unknown) => input.onError(asError(e)));
    return written;
  };
  const ctx: TaskContext = {
    runId: job.runId,
    taskId: job.taskId,
    attempt: job.attempt,
    pipelineParams: plan.params,
    params: task.params,
    inputs: input.inputs,
    signal: input.signal,
    log(message, level = 'info') {
      const text = String(message);
      // a failed log write is reported (onError), never fails the task
      enqueue(() =>
        repo.appendLog({
          runId: job.runId,
          taskId: job.taskId,
          attempt: job.attempt,
          at: input.now(),
          level,
          message: text.length > MAX_LOG_CHARS ? `${text.slice(0, MAX_LOG_CHARS)}…` : text,
        }),
      ).catch(() => {});
    },
    progress(f, n) {
      if (!Number.isFinite(f)) return;
      fraction = Math.min(1, Math.max(0, f));
      note = n === undefined ? null : String(n).slice(0, 200);
      input.onProgress(fraction, note);
    },
    link(kind, ref) {
      return enqueue(() => repo.addLink({ runId: job.runId, kind, ref, taskId: job.taskId }));
    },
    async once<T extends JsonValue>(key: string, fn: () => Promise<T>): Promise<T> {
      const stored = await repo.getEffect(job.runId, job.taskId, key);
      if (stored !== undefined) return stored as T;
      const result = await fn();
      return (await repo.putEffect(job.runId, job.taskId, key, result, input.now())) as T;
    },
  };
  return {
    ctx,
    progress: () => ({ fraction, note }),
    flush: () => chain,
  };
}

/** `e` as an Error. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
