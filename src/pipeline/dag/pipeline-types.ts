/**
 * Pipelines as data: a spec (what the user writes), the frozen plan it is validated into before
 * anything runs, and the states of its tasks. Pure types, shared by the planner, both runners, the
 * storage and the service.
 */

/** A JSON value (task parameters, outputs). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

/** A parameter the pipeline takes (validated before the run starts). */
export interface ParamSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly description?: string;
  /** A parameter without default and `required: true` must be given. */
  readonly required?: boolean;
  readonly default?: string | number | boolean;
  /** Allowed values (strings only). */
  readonly enum?: readonly string[];
}

/** A task parameter: a literal, or `{ $param: name }` — the pipeline parameter of that name. */
export type TaskParamValue = JsonValue | { readonly $param: string };

/** Retry policy: `retries` more attempts after the first, exponential backoff with full jitter. */
export interface RetrySpec {
  readonly retries?: number;
  /** First delay before jitter (default 1000 ms). */
  readonly delayMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Cap of one delay (default 300000 ms). */
  readonly maxDelayMs?: number;
  /** `full` (default): uniform in [0, delay]; `none`: exactly the delay. */
  readonly jitter?: 'full' | 'none';
}

/** One task of a spec. */
export interface TaskSpec {
  /** Unique in the pipeline: [a-z0-9][a-z0-9_-]{0,62}. */
  readonly id: string;
  /** Handler name in the catalogue (e.g. `etl`, `train`). */
  readonly kind: string;
  readonly dependsOn?: readonly string[];
  readonly params?: Readonly<Record<string, TaskParamValue>>;
  readonly retry?: RetrySpec;
  /** Abort an attempt after this long (counts as a failed attempt); default none. */
  readonly timeoutMs?: number;
  readonly description?: string;
}

/** A pipeline as the user writes it. */
export interface PipelineSpec {
  /** [a-z0-9][a-z0-9_-]{0,62}. */
  readonly name: string;
  readonly description?: string;
  readonly params?: Readonly<Record<string, ParamSpec>>;
  readonly tasks: readonly TaskSpec[];
  /** Defaults for every task (a task's own retry/timeout wins). */
  readonly defaults?: { readonly retry?: RetrySpec; readonly timeoutMs?: number };
}

/** The retry policy with every default filled in. */
export interface RetryPolicy {
  /** Attempts in all: retries + 1. */
  readonly maxAttempts: number;
  readonly delayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: 'full' | 'none';
}

/** A task of a plan: parameters resolved, defaults applied. */
export interface PlannedTask {
  readonly id: string;
  readonly kind: string;
  readonly dependsOn: readonly string[];
  /** Parameters with every `$param` replaced by its value. */
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | null;
}

/** A validated pipeline run plan: frozen data, the same for every runner. */
export interface PipelinePlan {
  readonly pipeline: string;
  /** Parameters after defaults. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** In a topological order (dependencies first, ties by spec order). */
  readonly tasks: readonly PlannedTask[];
}

/** States of a task in a run. */
export const TASK_STATES = [
  'pending',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'upstream_failed',
  'cancelled',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** A run with a task in one of these states is not finished (`nextSteps`; a finish's compare-and-set). */
export const OPEN_TASK_STATES: readonly TaskState[] = ['pending', 'queued', 'running', 'retrying'];

/** States of a run. */
export const RUN_STATES = ['running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** What to do next in a run, from its tasks' states (see `nextSteps`). */
export interface NextSteps {
  /** `pending` tasks whose dependencies all succeeded: queue them. */
  readonly ready: readonly string[];
  /** `pending` tasks with a failed, upstream_failed or cancelled dependency: mark `upstream_failed`. */
  readonly blocked: readonly string[];
  /** The run's state once those are applied: `running` while anything can still run. */
  readonly run: 'running' | 'succeeded' | 'failed' | 'cancelled';
}

/** A unit of work a runner transports: one attempt of one task of one run. */
export interface TaskJob {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
}

/** Transports task jobs to a handler: in-process (local) or through a queue (BullMQ). */
export interface TaskRunner {
  readonly kind: 'local' | 'bullmq';
  /**
   * Hands `job` over to be executed after `delayMs`. Idempotent per (runId, taskId, attempt): a job
   * dispatched twice runs once. Rejects when the transport is unreachable (the caller pauses the run).
   */
  dispatch(job: TaskJob, delayMs?: number): Promise<void>;
  /** Stops taking jobs, waits for running ones (or aborts them after `graceMs`), closes connections. */
  close(graceMs?: number): Promise<void>;
}
