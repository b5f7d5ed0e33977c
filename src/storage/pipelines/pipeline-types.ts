/**
 * Pipeline runs as stored: runs, their tasks, attempts, logs, links to what they made, and
 * idempotency records of their effects. Every state change is a compare-and-set (expected state and
 * attempt), so duplicate deliveries and stale workers change nothing.
 */
import type { JsonValue, PipelinePlan, RunState, TaskState } from '../../pipeline/index.js';

export type TriggerKind = 'manual' | 'api' | 'schedule' | 'alert' | 'folder' | 'airflow';
export type ExecutorKind = 'local' | 'bullmq' | 'external';
export type LinkKind = 'dataset' | 'training-run' | 'model-version' | 'experiment';

export interface PipelineRunRecord {
  readonly id: string;
  readonly pipeline: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly plan: PipelinePlan;
  readonly state: RunState;
  readonly triggerKind: TriggerKind;
  readonly triggerRef: string | null;
  readonly dedupeKey: string | null;
  readonly executor: ExecutorKind;
  /** The process running a local run (null for bullmq/external). */
  readonly runnerOwner: string | null;
  readonly runnerHeartbeatAt: Date | null;
  readonly pausedReason: string | null;
  readonly error: string | null;
  /** What the run decided (e.g. retrain: `{ deployed: 'promote', version: 7 }`). */
  readonly outcome: JsonValue | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly updatedAt: Date;
}

export interface PipelineTaskRecord {
  readonly runId: string;
  readonly taskId: string;
  readonly kind: string;
  readonly state: TaskState;
  /** The current (or last) attempt, from 1; 0 before the first is queued. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly worker: string | null;
  readonly queuedAt: Date | null;
  readonly startedAt: Date | null;
  readonly heartbeatAt: Date | null;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
  readonly nextAttemptAt: Date | null;
  /** 0–1, null when the task reports none. */
  readonly progress: number | null;
  readonly progressNote: string | null;
  readonly output: JsonValue | null;
  readonly error: string | null;
}

export interface PipelineAttemptRecord {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly worker: string | null;
  readonly state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly error: string | null;
}

export interface PipelineLogRecord {
  readonly id: number;
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly at: Date;
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export interface PipelineLinkRecord {
  readonly runId: string;
  readonly kind: LinkKind;
  readonly ref: string;
  readonly taskId: string;
}

export interface NewPipelineRun {
  readonly id: string;
  readonly plan: PipelinePlan;
  readonly triggerKind: TriggerKind;
  readonly triggerRef?: string | null;
  /** Unique across runs: a second create with the same key returns the first run. */
  readonly dedupeKey?: string | null;
  readonly executor: ExecutorKind;
  readonly runnerOwner?: string | null;
  readonly createdBy?: string | null;
  readonly now?: Date;
}

export interface RunListFilter {
  readonly pipeline?: string;
  readonly states?: readonly RunState[];
  readonly limit?: number;
  /** Runs created before this id (uuid v7 order), for paging. */
  readonly before?: string;
}

/** A compare-and-set on one task: applied only when the task is in `from` (and `attempt` matches). */
export interface TaskTransition {
  readonly runId: string;
  readonly taskId: string;
  readonly from: readonly TaskState[];
  /** The attempt the caller holds; omitted: any. */
  readonly attempt?: number;
  /**
   * Applied only when the task's heartbeat is older than this or missing: reclaiming a `running`
   * attempt whose worker stopped heart-beating, so that two reclaimers cannot both win.
   */
  readonly staleBefore?: Date;
  readonly to: TaskState;
  readonly set?: {
    readonly attempt?: number;
    readonly worker?: string | null;
    readonly queuedAt?: Date | null;
    readonly startedAt?: Date | null;
    readonly heartbeatAt?: Date | null;
    readonly finishedAt?: Date | null;
    readonly durationMs?: number | null;
    readonly nextAttemptAt?: Date | null;
    readonly output?: JsonValue | null;
    readonly error?: string | null;
    readonly progress?: number | null;
    readonly progressNote?: string | null;
  };
}

/** A compare-and-set on a run. */
export interface RunTransition {
  readonly runId: string;
  readonly from: readonly RunState[];
  /**
   * When given, the run must also have this runner owner (null: none) — a hand-over or an adoption
   * applies once, to the owner it was decided against.
   */
  readonly owner?: string | null;
  /**
   * When true, applies only while none of the run's tasks is pending, queued, running or retrying: a
   * finish decided on task states read earlier does not land once a retry has reopened the tasks.
   */
  readonly whenTasksSettled?: boolean;
  readonly to: RunState;
  readonly set?: {
    readonly pausedReason?: string | null;
    readonly error?: string | null;
    readonly outcome?: JsonValue | null;
    readonly runnerOwner?: string | null;
    readonly runnerHeartbeatAt?: Date | null;
    readonly startedAt?: Date | null;
    readonly finishedAt?: Date | null;
  };
  readonly now?: Date;
}

export interface PipelineRepository {
  /**
   * Creates the run and one `pending` task per planned task (attempt 0), in one transaction. With a
   * `dedupeKey` already taken, creates nothing and returns the existing run (`created: false`).
   */
  createRun(input: NewPipelineRun): Promise<{ readonly run: PipelineRunRecord; readonly created: boolean }>;
  getRun(id: string): Promise<PipelineRunRecord | undefined>;
  findRunByDedupeKey(key: string): Promise<PipelineRunRecord | undefined>;
  /** Newest first. */
  listRuns(filter?: RunListFilter): Promise<readonly PipelineRunRecord[]>;
  /** Runs in `running` or `paused` (what a reconciler looks at). */
  activeRuns(limit?: number): Promise<readonly PipelineRunRecord[]>;
  transitionRun(t: RunTransition): Promise<boolean>;
  /**
   * A retry: the run's compare-and-set and its tasks' (all of this run) in one transaction — no finish
   * decided on the tasks' earlier states can land between them. False (nothing changed) when the run's
   * compare-and-set did not match; the tasks' that do not match are left as they are.
   */
  reopenRun(run: RunTransition, tasks: readonly TaskTransition[]): Promise<boolean>;
  /** Renews a local run's runner heartbeat; false when another owner holds the run now. */
  heartbeatRun(runId: string, owner: string, now?: Date): Promise<boolean>;

  tasks(runId: string): Promise<readonly PipelineTaskRecord[]>;
  task(runId: string, taskId: string): Promise<PipelineTaskRecord | undefined>;
  /** One CAS; true when applied. `updated_at` of the run is touched too. */
  transitionTask(t: TaskTransition): Promise<boolean>;
  /** Several CAS in one transaction; returns which applied (same order). */
  transitionTasks(ts: readonly TaskTransition[]): Promise<readonly boolean[]>;
  /** Heartbeat + progress of a running attempt; false when the task is no longer that attempt running. */
  heartbeatTask(
    runId: string,
    taskId: string,
    attempt: number,
    progress?: { readonly fraction: number | null; readonly note: string | null },
    now?: Date,
  ): Promise<boolean>;

  recordAttempt(a: PipelineAttemptRecord): Promise<void>;
  attempts(runId: string, taskId?: string): Promise<readonly PipelineAttemptRecord[]>;

  appendLog(entry: Omit<PipelineLogRecord, 'id'>): Promise<void>;
  /** In order; `afterId` for following. */
  logs(
    runId: string,
    options?: { readonly taskId?: string; readonly afterId?: number; readonly limit?: number },
  ): Promise<readonly PipelineLogRecord[]>;

  /** Idempotent (same run, kind, ref twice is one link). */
  addLink(link: PipelineLinkRecord): Promise<void>;
  links(runId: string): Promise<readonly PipelineLinkRecord[]>;

  /** The stored result of (run, task, key), or undefined. */
  getEffect(runId: string, taskId: string, key: string): Promise<JsonValue | undefined>;
  /** Stores it unless present; returns the stored one (the first writer wins). */
  putEffect(runId: string, taskId: string, key: string, result: JsonValue, now?: Date): Promise<JsonValue>;
}
