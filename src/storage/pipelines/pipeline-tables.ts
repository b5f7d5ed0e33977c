import type { Generated } from 'kysely';

/**
 * The tables of the pipelines aggregate (migration 0010). Part of `DatabaseSchema`
 * (`db/database-schema.ts`), whose conventions they follow. Internal to storage: the repository
 * translates rows to the records of `pipeline-types.ts`.
 */
export interface PipelineTables {
  pipeline_runs: PipelineRunsTable;
  pipeline_tasks: PipelineTasksTable;
  pipeline_task_attempts: PipelineTaskAttemptsTable;
  pipeline_logs: PipelineLogsTable;
  pipeline_links: PipelineLinksTable;
  pipeline_effects: PipelineEffectsTable;
}

/** One run. `params`, `plan` and `outcome` are JSON text; `dedupe_key` is unique when set. */
export interface PipelineRunsTable {
  id: string;
  pipeline: string;
  params: string;
  plan: string;
  state: string;
  trigger_kind: string;
  trigger_ref: string | null;
  dedupe_key: string | null;
  executor: string;
  runner_owner: string | null;
  runner_heartbeat_at: string | null;
  paused_reason: string | null;
  error: string | null;
  outcome: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** One task of a run. `output` is JSON text. */
export interface PipelineTasksTable {
  run_id: string;
  task_id: string;
  kind: string;
  state: string;
  attempt: number;
  max_attempts: number;
  worker: string | null;
  queued_at: string | null;
  started_at: string | null;
  heartbeat_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  next_attempt_at: string | null;
  progress: number | null;
  progress_note: string | null;
  output: string | null;
  error: string | null;
}

/** One attempt of a task (the history). */
export interface PipelineTaskAttemptsTable {
  run_id: string;
  task_id: string;
  attempt: number;
  worker: string | null;
  state: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

/** One log line; `id` orders the lines. */
export interface PipelineLogsTable {
  id: Generated<number>;
  run_id: string;
  task_id: string;
  attempt: number;
  at: string;
  level: string;
  message: string;
}

/** Something a run made. */
export interface PipelineLinksTable {
  run_id: string;
  kind: string;
  ref: string;
  task_id: string;
}

/** A task's stored effect result (JSON text), per key. */
export interface PipelineEffectsTable {
  run_id: string;
  task_id: string;
  effect_key: string;
  result: string;
  created_at: string;
}
