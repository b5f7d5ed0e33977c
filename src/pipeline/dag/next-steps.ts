import { SporeprintError } from '../../core/index.js';
import {
  type NextSteps,
  OPEN_TASK_STATES,
  type PipelinePlan,
  TASK_STATES,
  type TaskState,
} from './pipeline-types.js';

const KNOWN_STATES: ReadonlySet<string> = new Set(TASK_STATES);
const FAILED_UPSTREAM: ReadonlySet<TaskState> = new Set(['failed', 'upstream_failed', 'cancelled']);
const ACTIVE: ReadonlySet<TaskState> = new Set(OPEN_TASK_STATES);

/**
 * What to do next in a run, from its tasks' states: the `pending` tasks whose dependencies all
 * succeeded (`ready`: queue them), the `pending` tasks under a failed, upstream_failed or cancelled
 * task, transitively (`blocked`: mark them `upstream_failed`), and the run's state once that is
 * done: `running` while a task is pending (and not blocked), queued, running or retrying; else
 * `cancelled` if a task was cancelled, `failed` if one failed or is upstream_failed, else `succeeded`.
 * Both lists are in plan order.
 *
 * @throws SporeprintError `SP_ERR_INTERNAL` when a task of the plan has no state or an unknown one.
 * @example
 * nextSteps(plan, { etl: 'succeeded', train: 'pending' }) // { ready: ['train'], blocked: [], run: 'running' }
 */
export function nextSteps(plan: PipelinePlan, states: Readonly<Record<string, TaskState>>): NextSteps {
  const effective = new Map<string, TaskState>();
  const ready: string[] = [];
  const blocked: string[] = [];
  // plan order is topological: a task's dependencies have their effective state when it is reached
  for (const task of plan.tasks) {
    const state = Object.hasOwn(states, task.id) ? states[task.id] : undefined;
    if (state === undefined || !KNOWN_STATES.has(state)) {
      throw new SporeprintError(
        'SP_ERR_INTERNAL',
        `task "${task.id}" of pipeline "${plan.pipeline}" has ${state === undefined ? 'no state' : `an unknown state "${String(state)}"`}`,
      );
    }
    let now = state;
    if (state === 'pending') {
      const deps = task.dependsOn.map((d) => effective.get(d) ?? 'pending');
      if (deps.some((s) => FAILED_UPSTREAM.has(s))) {
        blocked.push(task.id);
        now = 'upstream_failed';
      } else if (deps.every((s) => s === 'succeeded')) {
        ready.push(task.id);
      }
    }
    effective.set(task.id, now);
  }
  const all = [...effective.values()];
  const run = all.some((s) => ACTIVE.has(s))
    ? 'running'
    : all.includes('cancelled')
      ? 'cancelled'
      : all.some((s) => s === 'failed' || s === 'upstream_failed')
        ? 'failed'
        : 'succeeded';
  return { ready, blocked, run };
}
