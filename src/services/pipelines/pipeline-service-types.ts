/**
 * What pipeline tasks and users of the pipeline service see: the task handler contract, the catalogue
 * of pipelines and task kinds, and the views the CLI and HTTP API render.
 */
import type { JsonValue, PipelineSpec, TaskRunner } from '../../pipeline/index.js';
import type {
  ExecutorKind,
  LinkKind,
  PipelineAttemptRecord,
  PipelineLinkRecord,
  PipelineRunRecord,
  PipelineTaskRecord,
  TriggerKind,
} from '../../storage/index.js';

/** What a task handler gets for one attempt. */
export interface TaskContext {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The pipeline's parameters (after defaults). */
  readonly pipelineParams: Readonly<Record<string, string | number | boolean>>;
  /** This task's parameters (resolved). */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Outputs of the tasks this one depends on, by task id (read from the database). */
  readonly inputs: Readonly<Record<string, JsonValue>>;
  /** Aborted on timeout or cancel: long work checks it (or passes it down) and stops. */
  readonly signal: AbortSignal;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
  /** 0–1 with an optional note; stored with the heartbeat (throttled). */
  progress(fraction: number, note?: string): void;
  /** Records what the run made (idempotent). */
  link(kind: LinkKind, ref: string): Promise<void>;
  /**
   * Runs `fn` once per (run, task, key): a repeat (retry, re-delivered job) returns the stored result
   * without running `fn`. For effects that must not happen twice (register a version, start an
   * experiment).
   */
  once<T extends JsonValue>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** A task kind's implementation: returns the task's output (JSON, stored in the database). */
export type TaskHandler = (ctx: TaskContext) => Promise<JsonValue>;

/** A module of user pipelines (`SPOREPRINT_PIPELINE_MODULES`): specs and the task kinds they use. */
export interface PipelineModule {
  readonly pipelines?: readonly PipelineSpec[];
  readonly tasks?: Readonly<Record<string, TaskHandler>>;
}

/** What a run was started by. */
export interface RunTrigger {
  readonly kind: TriggerKind;
  readonly ref?: string | null;
  /** A second start with the same key returns the first run (schedules, folder files, alerts, Airflow). */
  readonly dedupeKey?: string | null;
  readonly createdBy?: string | null;
}

/** A run with its tasks, attempts and links: what `pipeline show` and `GET /v1/pipelines/runs/{id}` render. */
export interface PipelineRunView {
  readonly run: PipelineRunRecord;
  readonly tasks: readonly PipelineTaskRecord[];
  readonly attempts: readonly PipelineAttemptRecord[];
  readonly links: readonly PipelineLinkRecord[];
}

/** The service's dependencies that are not repositories. */
export interface PipelineRuntime {
  readonly runner: TaskRunner;
  readonly executor: ExecutorKind;
  /** This process's name as runner/worker owner (host:pid:random). */
  readonly owner: string;
  /**
   * Owners this process knows to be alive whatever their heartbeat says (`serve`: its runner
   * processes, whose heartbeats stall while a task holds their CPU): their runs are not adopted.
   */
  readonly isLiveOwner?: (owner: string) => boolean;
}
