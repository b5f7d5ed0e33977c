/**
 * One task of a pipeline run in this process, for Airflow: each Airflow task calls
 * `sporeprint pipeline task <pipeline> <task> --run-key <run_id>`. The sporeprint run of an Airflow
 * run is created by whichever task comes first (dedupe key), with executor `external`: sporeprint
 * keeps the states, outputs, logs and links, Airflow decides what runs when and retries.
 */
import { SporeprintError } from '../../core/index.js';
import type { PipelinePlan, TaskState } from '../../pipeline/index.js';
import type { PipelineRunRecord, PipelineTaskRecord } from '../../storage/index.js';
import { uuidv7 } from '../serving/uuid-v7.js';
import type { PipelineCatalogue } from './pipeline-catalogue.js';
import { type ExecutorEnv, executeTask } from './task-executor.js';

/** What `pipeline task` did. */
export interface SingleTaskResult {
  readonly run: PipelineRunRecord;
  readonly task: PipelineTaskRecord;
  /** False when the task had already succeeded (nothing ran). */
  readonly ran: boolean;
}

/** Airflow run ids: `manual__2024-05-01T03:00:00+00:00`, `scheduled__…`. */
const RUN_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,199}$/;

/** The tasks that depend on `taskId`, directly or not. */
function downstream(plan: PipelinePlan, taskId: string): string[] {
  const found = new Set<string>([taskId]);
  for (const t of plan.tasks) {
    if (t.dependsOn.some((d) => found.has(d))) found.add(t.id);
  }
  found.delete(taskId);
  return [...found];
}

/** See the module comment. */
export async function runSingleTask(
  env: ExecutorEnv,
  catalogue: PipelineCatalogue,
  req: {
    readonly pipeline: string;
    readonly taskId: string;
    readonly runKey: string;
    readonly params: Readonly<Record<string, unknown>>;
  },
): Promise<SingleTaskResult> {
  const { repo } = env;
  if (!RUN_KEY.test(req.runKey)) {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `run key "${req.runKey.slice(0, 60)}" is invalid: 1-200 letters, digits and _ . : + -, as Airflow run ids are`,
    );
  }
  const plan = catalogue.plan(catalogue.get(req.pipeline), req.params);
  const planned = plan.tasks.find((t) => t.id === req.taskId);
  if (planned === undefined) {
    throw new SporeprintError(
      'SP_ERR_NOT_FOUND',
      `pipeline ${req.pipeline} has no task "${req.taskId}" (tasks: ${plan.tasks.map((t) => t.id).join(', ')})`,
    );
  }
  const { run } = await repo.createRun({
    id: uuidv7(),
    plan,
    triggerKind: 'airflow',
    triggerRef: req.runKey,
    dedupeKey: `airflow:${req.pipeline}:${req.runKey}`,
    executor: 'external',
    createdBy: 'airflow',
    now: env.now(),
  });
  const tasks = await repo.tasks(run.id);
  const states = new Map(tasks.map((t) => [t.taskId, t]));
  const task = states.get(req.taskId) as PipelineTaskRecord;
  if (task.state === 'succeeded') return { run, task, ran: false };
  const refuse = (why: string) =>
    new SporeprintError(
      'SP_ERR_PIPELINE_STATE',
      `cannot run task ${req.taskId} of pipeline run ${run.id}: ${why}`,
      {
        runId: run.id,
        taskId: req.taskId,
      },
    );
  if (run.state === 'cancelled' || run.state === 'succeeded') throw refuse(`the run is ${run.state}`);
  const waiting = planned.dependsOn.filter((d) => states.get(d)?.state !== 'succeeded');
  if (waiting.length > 0) {
    throw refuse(
      `upstream task(s) not succeeded: ${waiting.map((d) => `${d} (${states.get(d)?.state ?? '?'})`).join(', ')}`,
    );
  }
  if (task.state === 'running' && !env.isStale(task.heartbeatAt)) {
    throw refuse(`it is running in ${task.worker ?? 'another process'} (attempt ${task.attempt})`);
  }
  const attempt = await queueAgain(env, run, plan, task, states);
  if (attempt === null) throw refuse('another process started it at the same time');
  const ended = await executeTask(env, { runId: run.id, taskId: req.taskId, attempt }, 'inline');
  const fresh = (await repo.getRun(run.id)) ?? run;
  return {
    run: fresh,
    task: ended ?? ((await repo.task(run.id, req.taskId)) as PipelineTaskRecord),
    ran: true,
  };
}

/**
 * Queues the task as its next attempt; a task that failed before (an earlier Airflow try) goes back
 * to pending with the tasks it blocked, and a failed run back to running. Returns the attempt.
 */
async function queueAgain(
  env: ExecutorEnv,
  run: PipelineRunRecord,
  plan: PipelinePlan,
  task: PipelineTaskRecord,
  states: ReadonlyMap<string, PipelineTaskRecord>,
): Promise<number | null> {
  const { repo } = env;
  const now = env.now();
  if (task.state !== 'pending') {
    const blocked = downstream(plan, task.taskId).filter((id) => states.get(id)?.state === 'upstream_failed');
    const reset = await repo.transitionTasks([
      { runId: run.id, taskId: task.taskId, from: [task.state], attempt: task.attempt, to: 'pending' },
      ...blocked.map((id) => ({
        runId: run.id,
        taskId: id,
        from: ['upstream_failed' as TaskState],
        to: 'pending' as TaskState,
        set: { error: null, finishedAt: null },
      })),
    ]);
    if (!reset[0]) return null;
    if (run.state === 'failed') {
      await repo.transitionRun({
        runId: run.id,
        from: ['failed'],
        to: 'running',
        set: { error: null, finishedAt: null },
        now,
      });
    }
  }
  const attempt = task.attempt + 1;
  const queued = await repo.transitionTask({
    runId: run.id,
    taskId: task.taskId,
    from: ['pending'],
    attempt: task.attempt,
    to: 'queued',
    set: { attempt, queuedAt: now, error: null, finishedAt: null, output: null, worker: null },
  });
  return queued ? attempt : null;
}
