/** What a run's task states say about the run: why a task is blocked, its outcome, its failure. */
import { SporeprintError } from '../../core/index.js';
import type { JsonValue, PipelinePlan, TaskState } from '../../pipeline/index.js';
import type { PipelineRunRecord, PipelineTaskRecord } from '../../storage/index.js';

/** Task states that are final. */
export const FINAL_TASK: ReadonlySet<TaskState> = new Set([
  'succeeded',
  'failed',
  'upstream_failed',
  'cancelled',
]);

/** `SP_ERR_PIPELINE_STATE` naming the run's state. */
export function stateError(run: PipelineRunRecord, action: string, allowed: string): SporeprintError {
  return new SporeprintError(
    'SP_ERR_PIPELINE_STATE',
    `cannot ${action} pipeline run ${run.id} (${run.pipeline}): it is ${run.state}; only ${allowed} runs can be`,
    { runId: run.id, state: run.state },
  );
}

/** Why a task cannot run: its dependencies that did not succeed. */
export function blockedBy(
  plan: PipelinePlan,
  taskId: string,
  states: Readonly<Record<string, TaskState>>,
): string {
  const deps = plan.tasks.find((t) => t.id === taskId)?.dependsOn ?? [];
  const bad = deps.filter(
    (d) => states[d] !== 'succeeded' && states[d] !== undefined && FINAL_TASK.has(states[d]),
  );
  return `upstream task ${bad.map((d) => `${d} (${states[d]})`).join(', ')} did not succeed`;
}

/** The first failed task (plan order) as the run's error, or null. */
export function firstFailure(plan: PipelinePlan, tasks: readonly PipelineTaskRecord[]): string | null {
  const failed = plan.tasks
    .map((p) => tasks.find((t) => t.taskId === p.id))
    .find((t) => t?.state === 'failed');
  return failed ? `task ${failed.taskId} failed: ${failed.error ?? 'unknown error'}` : null;
}

/** A succeeded run's outcome: the output of its one last task, or the outputs of its last tasks by id. */
export function runOutcome(plan: PipelinePlan, tasks: readonly PipelineTaskRecord[]): JsonValue {
  const needed = new Set(plan.tasks.flatMap((t) => t.dependsOn));
  const sinks = plan.tasks.filter((t) => !needed.has(t.id)).map((t) => t.id);
  const output = (id: string) => tasks.find((t) => t.taskId === id)?.output ?? null;
  if (sinks.length === 1) return output(sinks[0]);
  return Object.fromEntries(sinks.map((id) => [id, output(id)]));
}
