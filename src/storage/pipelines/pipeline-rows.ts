/** Conversions between the pipeline records and the rows of the pipeline tables, and input checks. */
import type { Selectable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import {
  type JsonValue,
  type PipelinePlan,
  RUN_STATES,
  type RunState,
  TASK_STATES,
  type TaskState,
} from '../../pipeline/index.js';
import { fromJsonText, timestamp, toJsonText } from '../db/column-values.js';
import type {
  PipelineLinksTable,
  PipelineLogsTable,
  PipelineRunsTable,
  PipelineTaskAttemptsTable,
  PipelineTasksTable,
} from './pipeline-tables.js';
import type {
  ExecutorKind,
  LinkKind,
  NewPipelineRun,
  PipelineAttemptRecord,
  PipelineLinkRecord,
  PipelineLogRecord,
  PipelineRunRecord,
  PipelineTaskRecord,
  RunTransition,
  TaskTransition,
  TriggerKind,
} from './pipeline-types.js';

const TRIGGER_KINDS: readonly TriggerKind[] = ['manual', 'api', 'schedule', 'alert', 'folder', 'airflow'];
const EXECUTORS: readonly ExecutorKind[] = ['local', 'bullmq', 'external'];
const LINK_KINDS: readonly LinkKind[] = ['dataset', 'training-run', 'model-version', 'experiment'];
const LOG_LEVELS: readonly PipelineLogRecord['level'][] = ['info', 'warn', 'error'];
const ATTEMPT_STATES: readonly PipelineAttemptRecord['state'][] = [
  'running',
  'succeeded',
  'failed',
  'cancelled',
];
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));
const json = (text: string | null): JsonValue | null =>
  text === null ? null : (fromJsonText(text) as JsonValue);
const jsonText = (field: string, v: JsonValue | null): string | null =>
  v === null ? null : toJsonText(field, v);
const num = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

function bad(message: string, details?: Record<string, unknown>): SporeprintError {
  return new SporeprintError('SP_ERR_BAD_PARAM', message, details);
}

/** Refuses a value that is not a non-empty string of at most `max` characters. */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value === '' || value.length > max) {
    const shown = typeof value === 'string' ? `"${value.slice(0, 80)}"` : String(value);
    throw bad(`${field} must be a non-empty string of at most ${max} characters, not ${shown}`, { field });
  }
  return value;
}

/** Like {@link checkText}, but null and undefined give null. */
export function optionalText(field: string, value: unknown, max: number): string | null {
  return value === undefined || value === null ? null : checkText(field, value, max);
}

/** Refuses a note (null, or a string of at most `max` characters, maybe empty) that does not fit its column. */
export function checkNote(field: string, value: string | null, max: number): string | null {
  if (value !== null && (typeof value !== 'string' || value.length > max)) {
    throw bad(`${field} must be null or a string of at most ${max} characters`, { field });
  }
  return value;
}

/** Refuses a value that is not one of `allowed`. */
export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw bad(
      `${field} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value) ?? String(value)}`,
      {
        field,
      },
    );
  }
  return value as T;
}

/** Refuses an attempt number that is not a whole number ≥ 0. */
export function checkAttempt(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(`${field} must be a whole number ≥ 0, not ${String(value)}`, { field });
  }
  return value;
}

/** Refuses a date that is not a valid `Date`. */
export function checkDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw bad(`${field} must be a valid Date, not ${String(value)}`, { field });
  }
  return value;
}

const optionalDate = (field: string, v: Date | null): string | null =>
  v === null ? null : timestamp(checkDate(field, v));

/** Refuses a progress fraction outside [0, 1] (null: none). */
export function checkProgress(value: number | null): number | null {
  if (value !== null && (typeof value !== 'number' || !(value >= 0 && value <= 1))) {
    throw bad(`progress must be a fraction from 0 to 1 or null, not ${String(value)}`);
  }
  return value;
}

/** Refuses an expected-state list that is empty or names an unknown state. */
function checkStates<T extends string>(
  field: string,
  states: readonly T[],
  allowed: readonly T[],
): readonly T[] {
  if (!Array.isArray(states) || states.length === 0) {
    throw bad(`${field} must list at least one state`, { field });
  }
  for (const s of states) checkOneOf(field, s, allowed);
  return states;
}

/** The row of a new run and the rows of its tasks (all `pending`, attempt 0). */
export function newRunRows(input: NewPipelineRun): {
  readonly run: PipelineRunsTable;
  readonly tasks: PipelineTasksTable[];
} {
  const id = checkText('run id', input.id, 36);
  if (!RUN_ID.test(id)) throw bad(`run id must be a lower-case UUID, not "${id}"`, { field: 'id' });
  const plan: PipelinePlan = input.plan;
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.tasks)) {
    throw bad('plan must be a pipeline plan with a list of tasks', { field: 'plan' });
  }
  const now = timestamp(checkDate('now', input.now ?? new Date()));
  const run: PipelineRunsTable = {
    id,
    pipeline: checkText('plan.pipeline', plan.pipeline, 64),
    params: toJsonText('plan.params', plan.params ?? {}),
    plan: toJsonText('plan', plan),
    state: 'running',
    trigger_kind: checkOneOf('triggerKind', input.triggerKind, TRIGGER_KINDS),
    trigger_ref: optionalText('triggerRef', input.triggerRef, 255),
    dedupe_key: optionalText('dedupeKey', input.dedupeKey, 255),
    executor: checkOneOf('executor', input.executor, EXECUTORS),
    runner_owner: optionalText('runnerOwner', input.runnerOwner, 255),
    runner_heartbeat_at: input.runnerOwner ? now : null,
    paused_reason: null,
    error: null,
    outcome: null,
    created_by: optionalText('createdBy', input.createdBy, 255),
    created_at: now,
    started_at: now,
    finished_at: null,
    updated_at: now,
  };
  const seen = new Set<string>();
  const tasks = plan.tasks.map((t): PipelineTasksTable => {
    const taskId = checkText('plan task id', t.id, 64);
    if (seen.has(taskId)) throw bad(`plan lists task "${taskId}" twice`, { field: 'plan.tasks' });
    seen.add(taskId);
    const maxAttempts = t.retry?.maxAttempts;
    if (typeof maxAttempts !== 'number' || !Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw bad(`plan task "${taskId}" needs retry.maxAttempts ≥ 1, not ${String(maxAttempts)}`);
    }
    return {
      run_id: id,
      task_id: taskId,
      kind: checkText(`kind of plan task "${taskId}"`, t.kind, 128),
      state: 'pending',
      attempt: 0,
      max_attempts: maxAttempts,
      worker: null,
      queued_at: null,
      started_at: null,
      heartbeat_at: null,
      finished_at: null,
      duration_ms: null,
      next_attempt_at: null,
      progress: null,
      progress_note: null,
      output: null,
      error: null,
    };
  });
  return { run, tasks };
}

/** The record of a pipeline_runs row. */
export function runFromRow(row: Selectable<PipelineRunsTable>): PipelineRunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    params: fromJsonText(row.params) as PipelineRunRecord['params'],
    plan: fromJsonText(row.plan) as PipelinePlan,
    state: row.state as RunState,
    triggerKind: row.trigger_kind as TriggerKind,
    triggerRef: row.trigger_ref,
    dedupeKey: row.dedupe_key,
    executor: row.executor as ExecutorKind,
    runnerOwner: row.runner_owner,
    runnerHeartbeatAt: date(row.runner_heartbeat_at),
    pausedReason: row.paused_reason,
    error: row.error,
    outcome: json(row.outcome),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The record of a pipeline_tasks row. */
export function taskFromRow(row: Selectable<PipelineTasksTable>): PipelineTaskRecord {
  return {
    runId: row.run_id,
    taskId: row.task_id,
    kind: row.kind,
    state: row.state as TaskState,
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    worker: row.worker,
    queuedAt: date(row.queued_at),
    startedAt: date(row.started_at),
    heartbeatAt: date(row.heartbeat_at),
    finishedAt: date(row.finished_at),
    durationMs: num(row.duration_ms),
    nextAttemptAt: date(row.next_attempt_at),
    progress: num(row.progress),
    progressNote: row.progress_note,
    output: json(row.output),
    error: row.error,
  };
}

/** The checked column values a task transition sets (state included). */
export function taskTransitionSet(t: TaskTransition): Partial<PipelineTasksTable> {
  checkStates('from', t.from, TASK_STATES);
  const out: Partial<PipelineTasksTable> = { state: checkOneOf('to', t.to, TASK_STATES) };
  const s = t.set ?? {};
  if (s.attempt !== undefined) out.attempt = checkAttempt('set.attempt', s.attempt);
  if (s.worker !== undefined) out.worker = optionalText('set.worker', s.worker, 255);
  if (s.queuedAt !== undefined) out.queued_at = optionalDate('set.queuedAt', s.queuedAt);
  if (s.startedAt !== undefined) out.started_at = optionalDate('set.startedAt', s.startedAt);
  if (s.heartbeatAt !== undefined) out.heartbeat_at = optionalDate('set.heartbeatAt', s.heartbeatAt);
  if (s.finishedAt !== undefined) out.finished_at = optionalDate('set.finishedAt', s.finishedAt);
  if (s.nextAttemptAt !== undefined) out.next_attempt_at = optionalDate('set.nextAttemptAt', s.nextAttemptAt);
  if (s.durationMs !== undefined) {
    if (s.durationMs !== null && !(Number.isSafeInteger(s.durationMs) && s.durationMs >= 0)) {
      throw bad(`set.durationMs must be a whole number ≥ 0 or null, not ${String(s.durationMs)}`);
    }
    out.duration_ms = s.durationMs;
  }
  if (s.output !== undefined) out.output = jsonText('set.output', s.output);
  if (s.error !== undefined) out.error = s.error;
  if (s.progress !== undefined) out.progress = checkProgress(s.progress);
  if (s.progressNote !== undefined) out.progress_note = checkNote('set.progressNote', s.progressNote, 1000);
  if (t.attempt !== undefined) checkAttempt('attempt', t.attempt);
  if (t.staleBefore !== undefined) checkDate('staleBefore', t.staleBefore);
  return out;
}

/** The checked column values a run transition sets (state and `updated_at` included). */
export function runTransitionSet(t: RunTransition): Partial<PipelineRunsTable> {
  checkStates('from', t.from, RUN_STATES);
  const out: Partial<PipelineRunsTable> = {
    state: checkOneOf('to', t.to, RUN_STATES),
    updated_at: timestamp(checkDate('now', t.now ?? new Date())),
  };
  const s = t.set ?? {};
  if (s.pausedReason !== undefined) out.paused_reason = checkNote('set.pausedReason', s.pausedReason, 4000);
  if (s.error !== undefined) out.error = s.error;
  if (s.outcome !== undefined) out.outcome = jsonText('set.outcome', s.outcome);
  if (s.runnerOwner !== undefined) out.runner_owner = optionalText('set.runnerOwner', s.runnerOwner, 255);
  if (s.runnerHeartbeatAt !== undefined) {
    out.runner_heartbeat_at = optionalDate('set.runnerHeartbeatAt', s.runnerHeartbeatAt);
  }
  if (s.startedAt !== undefined) out.started_at = optionalDate('set.startedAt', s.startedAt);
  if (s.finishedAt !== undefined) out.finished_at = optionalDate('set.finishedAt', s.finishedAt);
  return out;
}

/** The row of an attempt. */
export function attemptToRow(a: PipelineAttemptRecord): PipelineTaskAttemptsTable {
  return {
    run_id: checkText('runId', a.runId, 36),
    task_id: checkText('taskId', a.taskId, 64),
    attempt: checkAttempt('attempt', a.attempt),
    worker: optionalText('worker', a.worker, 255),
    state: checkOneOf('state', a.state, ATTEMPT_STATES),
    started_at: timestamp(checkDate('startedAt', a.startedAt)),
    finished_at: optionalDate('finishedAt', a.finishedAt),
    error: a.error ?? null,
  };
}

/** The record of a pipeline_task_attempts row. */
export function attemptFromRow(row: Selectable<PipelineTaskAttemptsTable>): PipelineAttemptRecord {
  return {
    runId: row.run_id,
    taskId: row.task_id,
    attempt: Number(row.attempt),
    worker: row.worker,
    state: row.state as PipelineAttemptRecord['state'],
    startedAt: new Date(row.started_at),
    finishedAt: date(row.finished_at),
    error: row.error,
  };
}

/** The row of a log line. */
export function logToRow(e: Omit<PipelineLogRecord, 'id'>): Omit<PipelineLogsTable, 'id'> {
  if (typeof e.message !== 'string') throw bad('a log message must be a string');
  return {
    run_id: checkText('runId', e.runId, 36),
    task_id: checkText('taskId', e.taskId, 64),
    attempt: checkAttempt('attempt', e.attempt),
    at: timestamp(checkDate('at', e.at)),
    level: checkOneOf('level', e.level, LOG_LEVELS),
    message: e.message,
  };
}

/** The record of a pipeline_logs row. */
export function logFromRow(row: Selectable<PipelineLogsTable>): PipelineLogRecord {
  return {
    id: Number(row.id),
    runId: row.run_id,
    taskId: row.task_id,
    attempt: Number(row.attempt),
    at: new Date(row.at),
    level: row.level as PipelineLogRecord['level'],
    message: row.message,
  };
}

/** The row of a link. */
export function linkToRow(l: PipelineLinkRecord): PipelineLinksTable {
  return {
    run_id: checkText('runId', l.runId, 36),
    kind: checkOneOf('kind', l.kind, LINK_KINDS),
    ref: checkText('ref', l.ref, 255),
    task_id: checkText('taskId', l.taskId, 64),
  };
}

/** The record of a pipeline_links row. */
export function linkFromRow(row: Selectable<PipelineLinksTable>): PipelineLinkRecord {
  return { runId: row.run_id, kind: row.kind as LinkKind, ref: row.ref, taskId: row.task_id };
}

/** The JSON text of a stored effect, and its value back. */
export const effectText = (v: JsonValue): string => toJsonText('effect result', v);
export const effectValue = (text: string): JsonValue => fromJsonText(text) as JsonValue;
