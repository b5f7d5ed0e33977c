import type { PipelinePlan, TaskState } from './pipeline-types.js';

const RERUN: ReadonlySet<TaskState> = new Set(['failed', 'upstream_failed', 'cancelled']);

/**
 * The tasks `pipeline retry` sets back to `pending`: those failed, upstream_failed or cancelled,
 * and every task downstream of them (transitively), in plan order. Succeeded tasks not downstream
 * of one of them keep their state and outputs.
 *
 * @example
 * resetSet(plan, { etl: 'succeeded', train: 'failed', deploy: 'upstream_failed' }) // ['train', 'deploy']
 */
export function resetSet(plan: PipelinePlan, states: Readonly<Record<string, TaskState>>): string[] {
  const reset = new Set<string>();
  // plan order is topological: a task's dependencies are decided before it
  for (const task of plan.tasks) {
    const state = Object.hasOwn(states, task.id) ? states[task.id] : undefined;
    if ((state !== undefined && RERUN.has(state)) || task.dependsOn.some((d) => reset.has(d)))
      reset.add(task.id);
  }
  return plan.tasks.filter((t) => reset.has(t.id)).map((t) => t.id);
}
