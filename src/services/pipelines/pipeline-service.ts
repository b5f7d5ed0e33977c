/**
 * The pipeline service: starts runs from the catalogue's pipelines, advances them from their tasks'
 * states in the database (the truth; the runner only transports jobs), executes task attempts for
 * both runners, and retries, cancels, resumes and reconciles runs.
 */
import { SporeprintError } from '../../core/index.js';
import {
  type JsonValue,
  nextSteps,
  type RunState,
  resetSet,
  type TaskJob,
  type TaskState,
} from '../../pipeline/index.js';
import type {
  PipelineLogRecord,
  PipelineRepository,
  PipelineRunRecord,
  RunListFilter,
} from '../../storage/index.js';
import { uuidv7 } from '../serving/uuid-v7.js';
import type { PipelineCatalogue } from './pipeline-catalogue.js';
import type { PipelineRuntime, PipelineRunView, RunTrigger } from './pipeline-service-types.js';
import { blockedBy, FINAL_TASK, firstFailure, runOutcome, stateError } from './run-outcome.js';
import { RunRecovery } from './run-recovery.js';
import { runSingleTask, type SingleTaskResult } from './single-task.js';
import { asError } from './task-context.js';
import { abortCancelled, attemptKey, type ExecutorEnv, executeTask } from './task-executor.js';

/** Dependencies and settings of the {@link PipelineService}. */
export interface PipelineServiceDeps {
  readonly repo: PipelineRepository;
  readonly catalogue: PipelineCatalogue;
  readonly runtime: PipelineRuntime;
  /** Heartbeat of running tasks and of local runs' owner (default 5000 ms). */
  readonly heartbeatMs?: number;
  /**
   * How old a heartbeat must be before its task or run counts as abandoned and another process takes
   * it over (default three heartbeats). Keep it above the longest stretch a task may block its event
   * loop (a training step does): a live holder taken for dead makes the work run twice (results stay
   * right, by compare-and-set and idempotent effects, but the time is spent twice).
   */
  readonly staleAfterMs?: number;
  /** Failures that never stop the work (a log line not stored, a heartbeat missed); default: ignored. */
  readonly onError?: (e: Error) => void;
  readonly now?: () => Date;
  /** Jitter of retry delays (default Math.random). */
  readonly random?: () => number;
}

const ACTIVE: readonly RunState[] = ['running', 'paused'];

/** See the module comment. Call {@link close} to stop its timers. */
export class PipelineService {
  readonly #repo: PipelineRepository;
  readonly #catalogue: PipelineCatalogue;
  readonly #runtime: PipelineRuntime;
  readonly #env: ExecutorEnv;
  readonly #recovery: RunRecovery;
  readonly #now: () => Date;
  readonly #heartbeatMs: number;
  /** Local runs this process executes (their owner heartbeat is renewed). */
  readonly #owned = new Set<string>();
  #ownerTimer: NodeJS.Timeout | undefined;

  constructor(deps: PipelineServiceDeps) {
    this.#repo = deps.repo;
    this.#catalogue = deps.catalogue;
    this.#runtime = deps.runtime;
    this.#now = deps.now ?? (() => new Date());
    this.#heartbeatMs = deps.heartbeatMs ?? 5000;
    const staleAfterMs = Math.max(deps.staleAfterMs ?? 0, 3 * this.#heartbeatMs);
    const onError = deps.onError ?? (() => {});
    this.#env = {
      repo: deps.repo,
      catalogue: deps.catalogue,
      runtime: deps.runtime,
      heartbeatMs: this.#heartbeatMs,
      now: this.#now,
      random: deps.random ?? Math.random,
      onError,
      running: new Map(),
      isStale: (at) => at === null || at.getTime() < this.#env.staleBefore().getTime(),
      staleBefore: () => new Date(this.#now().getTime() - staleAfterMs),
      dispatch: (run, job, delayMs) => this.#dispatch(run, job, delayMs),
      advance: (runId) => this.advance(runId),
    };
    this.#recovery = new RunRecovery(this.#env, (runId) => this.#own(runId));
  }

  /** The catalogue the service runs pipelines from. */
  get catalogue(): PipelineCatalogue {
    return this.#catalogue;
  }

  /** This process's name as the owner of local runs and the worker of tasks (`host:pid:random`). */
  get owner(): string {
    return this.#runtime.owner;
  }

  /** Where this process's runs execute: `local` (in this process) or `bullmq` (worker processes). */
  get executor(): PipelineRuntime['executor'] {
    return this.#runtime.executor;
  }

  /**
   * Plans pipeline `name` with `params` (`SP_ERR_NOT_FOUND`, `SP_ERR_PIPELINE_SPEC` before anything
   * is stored), creates the run — or returns the existing one for a trigger's `dedupeKey` already
   * used — and queues its first tasks.
   */
  async start(
    name: string,
    params: Readonly<Record<string, unknown>>,
    trigger: RunTrigger,
  ): Promise<PipelineRunRecord> {
    const plan = this.#catalogue.plan(this.#catalogue.get(name), params);
    if (trigger.dedupeKey) {
      const existing = await this.#repo.findRunByDedupeKey(trigger.dedupeKey);
      if (existing !== undefined) return existing;
    }
    const local = this.#runtime.executor === 'local';
    const { run, created } = await this.#repo.createRun({
      id: uuidv7(),
      plan,
      triggerKind: trigger.kind,
      triggerRef: trigger.ref ?? null,
      dedupeKey: trigger.dedupeKey ?? null,
      executor: this.#runtime.executor,
      runnerOwner: local ? this.#runtime.owner : null,
      createdBy: trigger.createdBy ?? null,
      now: this.#now(),
    });
    if (!created) return run;
    if (local) this.#own(run.id);
    await this.advance(run.id);
    return (await this.#repo.getRun(run.id)) ?? run;
  }

  /**
   * Applies what the run's task states call for: ready tasks queued and dispatched (not for
   * `external` runs: Airflow runs those; a local run's only by its owner), tasks under a failed one
   * `upstream_failed`, the run finished when nothing is left. Idempotent.
   */
  async advance(runId: string): Promise<void> {
    const run = await this.#repo.getRun(runId);
    if (run === undefined || !ACTIVE.includes(run.state)) return;
    const tasks = await this.#repo.tasks(runId);
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    const states: Record<string, TaskState> = Object.fromEntries(tasks.map((t) => [t.taskId, t.state]));
    const steps = nextSteps(run.plan, states);
    const now = this.#now();
    if (steps.blocked.length > 0) {
      await this.#repo.transitionTasks(
        steps.blocked.map((taskId) => ({
          runId,
          taskId,
          from: ['pending'],
          to: 'upstream_failed',
          set: { finishedAt: now, error: blockedBy(run.plan, taskId, states) },
        })),
      );
    }
    // a local run's tasks run in its owner's process: only the owner queues them
    const dispatches =
      run.executor === 'bullmq' || (run.executor === 'local' && run.runnerOwner === this.#runtime.owner);
    if (dispatches) {
      for (const taskId of steps.ready) {
        const t = byId.get(taskId);
        if (t === undefined) continue;
        const attempt = t.attempt + 1;
        const queued = await this.#repo.transitionTask({
          runId,
          taskId,
          from: ['pending'],
          attempt: t.attempt,
          to: 'queued',
          set: { attempt, queuedAt: now, nextAttemptAt: null, error: null, worker: null, progress: null },
        });
        if (queued) await this.#dispatch(run, { runId, taskId, attempt });
      }
    }
    if (steps.run !== 'running') await this.#finish(run, steps.run);
  }

  /**
   * Executes one task attempt: what both runners call for every job (see task-executor.ts).
   * `signal` (the runner closing) abandons the attempt for another process to resume.
   */
  async executeTask(job: TaskJob, signal?: AbortSignal): Promise<void> {
    await executeTask(this.#env, job, 'runner', signal);
  }

  /**
   * Reruns a failed or cancelled run: its failed, upstream_failed and cancelled tasks and everything
   * downstream of them go back to pending (attempts keep counting); succeeded tasks keep their
   * outputs. `SP_ERR_PIPELINE_STATE` for a run in another state.
   */
  async retry(runId: string): Promise<PipelineRunRecord> {
    const run = await this.#run(runId);
    if (run.state !== 'failed' && run.state !== 'cancelled')
      throw stateError(run, 'retry', 'failed or cancelled');
    const tasks = await this.#repo.tasks(runId);
    const states: Record<string, TaskState> = Object.fromEntries(tasks.map((t) => [t.taskId, t.state]));
    const reset = resetSet(run.plan, states);
    const local = this.#runtime.executor === 'local' && run.executor === 'local';
    const moved = await this.#repo.reopenRun(
      {
        runId,
        from: [run.state],
        to: 'running',
        set: {
          error: null,
          outcome: null,
          finishedAt: null,
          pausedReason: null,
          ...(local ? { runnerOwner: this.#runtime.owner, runnerHeartbeatAt: this.#now() } : {}),
        },
        now: this.#now(),
      },
      reset.map((taskId) => ({
        runId,
        taskId,
        from: ['failed', 'upstream_failed', 'cancelled', 'pending', 'succeeded'],
        to: 'pending',
        set: {
          error: null,
          finishedAt: null,
          nextAttemptAt: null,
          output: null,
          progress: null,
          progressNote: null,
        },
      })),
    );
    if (!moved) throw stateError((await this.#repo.getRun(runId)) ?? run, 'retry', 'failed or cancelled');
    if (local) this.#own(runId);
    await this.advance(runId);
    return this.#run(runId);
  }

  /**
   * Cancels a running or paused run: its unfinished tasks end `cancelled`; attempts running in this
   * process are aborted at once, those of workers on their next heartbeat.
   */
  async cancel(runId: string, by: string): Promise<PipelineRunRecord> {
    const run = await this.#run(runId);
    if (!ACTIVE.includes(run.state)) throw stateError(run, 'cancel', 'running or paused');
    const now = this.#now();
    const moved = await this.#repo.transitionRun({
      runId,
      from: ACTIVE,
      to: 'cancelled',
      set: { finishedAt: now, error: `cancelled by ${by}`, pausedReason: null },
      now,
    });
    if (!moved) throw stateError((await this.#repo.getRun(runId)) ?? run, 'cancel', 'running or paused');
    const tasks = await this.#repo.tasks(runId);
    const open = tasks.filter((t) => !FINAL_TASK.has(t.state));
    await this.#repo.transitionTasks(
      open.map((t) => ({
        runId,
        taskId: t.taskId,
        from: [t.state],
        attempt: t.attempt,
        to: 'cancelled',
        set: { finishedAt: now, error: `cancelled by ${by}` },
      })),
    );
    for (const t of open) {
      if (t.state !== 'running') continue;
      const running = this.#env.running.get(attemptKey(runId, t.taskId));
      if (running !== undefined) abortCancelled(running);
      await this.#repo.recordAttempt({
        runId,
        taskId: t.taskId,
        attempt: t.attempt,
        worker: t.worker,
        state: 'cancelled',
        startedAt: t.startedAt ?? now,
        finishedAt: now,
        error: `cancelled by ${by}`,
      });
    }
    this.#owned.delete(runId);
    return this.#run(runId);
  }

  /** Adopts the local runs whose owner stopped heart-beating (see {@link resume}); returns their ids. */
  resumeOrphans(): Promise<string[]> {
    return this.#recovery.resumeOrphans();
  }

  /**
   * Resumes a running or paused run from its last finished tasks: a local run whose owner is gone
   * is adopted (its queued and running tasks queued again as their next attempt); any run's queued
   * tasks are dispatched again. `SP_ERR_PIPELINE_STATE` for a finished run or one a live process runs.
   *
   * `from`: a hand-over — the local run is taken from that owner even while it heart-beats, its tasks
   * keep their attempts (how `sporeprint serve` gives each run to a runner process of its own).
   */
  async resume(runId: string, options: { readonly from?: string } = {}): Promise<PipelineRunRecord> {
    const run = await this.#run(runId);
    if (!ACTIVE.includes(run.state)) throw stateError(run, 'resume', 'running or paused');
    await this.#recovery.resume(run, options.from);
    return this.#run(runId);
  }

  /**
   * What a process does every few seconds: for each running or paused run it may touch, dispatches
   * queued and retrying tasks again (the runners dedupe), queues again tasks whose worker stopped
   * heart-beating, and advances the run. A paused run goes back to running once a dispatch succeeds.
   */
  reconcile(): Promise<void> {
    return this.#recovery.reconcile();
  }

  /** A run with its tasks, attempts and links; `SP_ERR_NOT_FOUND` for an unknown id. */
  async show(runId: string): Promise<PipelineRunView> {
    const run = await this.#run(runId);
    const [tasks, attempts, links] = await Promise.all([
      this.#repo.tasks(runId),
      this.#repo.attempts(runId),
      this.#repo.links(runId),
    ]);
    const order = new Map(run.plan.tasks.map((t, i) => [t.id, i]));
    const sorted = [...tasks].sort((a, b) => (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0));
    return { run, tasks: sorted, attempts, links };
  }

  /**
   * Runs, newest first. A pipeline the catalogue does not know and no run has: `SP_ERR_NOT_FOUND`
   * naming the known ones (runs of a pipeline whose module was removed are still listed).
   */
  async list(filter: RunListFilter = {}): Promise<readonly PipelineRunRecord[]> {
    const runs = await this.#repo.listRuns(filter);
    if (
      runs.length === 0 &&
      filter.pipeline !== undefined &&
      !this.#catalogue.names().includes(filter.pipeline)
    ) {
      this.#catalogue.get(filter.pipeline);
    }
    return runs;
  }

  /** A run's log lines in order (`afterId` to follow); `SP_ERR_NOT_FOUND` for an unknown run or task. */
  async logs(
    runId: string,
    options: { readonly taskId?: string; readonly afterId?: number; readonly limit?: number } = {},
  ): Promise<readonly PipelineLogRecord[]> {
    const run = await this.#run(runId);
    if (options.taskId !== undefined && !run.plan.tasks.some((t) => t.id === options.taskId)) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `pipeline run ${runId} has no task "${options.taskId}" (tasks: ${run.plan.tasks.map((t) => t.id).join(', ')})`,
      );
    }
    return this.#repo.logs(runId, options);
  }

  /**
   * Polls the run every `pollMs` (default 250) until it is finished; `onChange` sees each view, and
   * stops the wait early by returning true.
   */
  async waitFor(
    runId: string,
    onChange?: (view: PipelineRunView) => unknown,
    pollMs = 250,
  ): Promise<PipelineRunView> {
    for (;;) {
      const view = await this.show(runId);
      if (onChange?.(view) === true) return view;
      if (!ACTIVE.includes(view.run.state)) return view;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /**
   * Runs one task of a pipeline in this process, for Airflow (`pipeline task`): the run of
   * `runKey` is created or found (dedupe key `airflow:<pipeline>:<runKey>`, executor `external`);
   * refused while an upstream task has not succeeded. Airflow retries: a failed task runs again.
   */
  runSingleTask(
    pipeline: string,
    taskId: string,
    runKey: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<SingleTaskResult> {
    return runSingleTask(this.#env, this.#catalogue, { pipeline, taskId, runKey, params });
  }

  /** Stops the service's timers (owner heartbeats). Running attempts are the runner's to finish. */
  async close(): Promise<void> {
    clearInterval(this.#ownerTimer);
    this.#ownerTimer = undefined;
    this.#owned.clear();
  }

  async #run(runId: string): Promise<PipelineRunRecord> {
    const run = await this.#repo.getRun(runId);
    if (run === undefined) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `pipeline run ${runId} does not exist`, { runId });
    }
    return run;
  }

  async #dispatch(run: PipelineRunRecord, job: TaskJob, delayMs = 0): Promise<boolean> {
    try {
      await this.#runtime.runner.dispatch(job, delayMs);
      if (run.state !== 'paused') return true;
    } catch (e) {
      const reason = `the ${this.#runtime.runner.kind} task runner is unreachable (${asError(e).message.slice(0, 500)}); queued tasks are sent again once it answers`;
      await this.#repo.transitionRun({
        runId: run.id,
        from: ['running'],
        to: 'paused',
        set: { pausedReason: reason },
      });
      this.#env.onError(new Error(`pipeline run ${run.id} paused: ${reason}`));
      return false;
    }
    await this.#repo.transitionRun({
      runId: run.id,
      from: ['paused'],
      to: 'running',
      set: { pausedReason: null },
    });
    return true;
  }

  /** Finishes the run: the outcome (the output of its last task) or the first failure. */
  async #finish(run: PipelineRunRecord, state: Exclude<RunState, 'running' | 'paused'>): Promise<void> {
    const tasks = await this.#repo.tasks(run.id);
    const now = this.#now();
    let outcome: JsonValue | null = null;
    let error: string | null = null;
    if (state === 'succeeded') outcome = runOutcome(run.plan, tasks);
    else error = firstFailure(run.plan, tasks);
    await this.#repo.transitionRun({
      runId: run.id,
      from: ACTIVE,
      whenTasksSettled: true,
      to: state,
      set: { finishedAt: now, outcome, ...(error === null ? {} : { error }), pausedReason: null },
      now,
    });
    this.#owned.delete(run.id);
  }

  /**
   * Renews this process's ownership of a local run until it finishes, and keeps the run moving: each
   * beat dispatches its queued tasks again (the runner dedupes; a task queued by a process that had
   * just lost the run is not left behind).
   */
  #own(runId: string): void {
    this.#owned.add(runId);
    if (this.#ownerTimer !== undefined) return;
    this.#ownerTimer = setInterval(() => {
      for (const id of this.#owned) {
        this.#repo
          .heartbeatRun(id, this.#runtime.owner, this.#now())
          .then((held) => {
            if (!held) this.#owned.delete(id);
            else return this.#recovery.reconcileOwned(id);
          })
          .catch((e: unknown) => this.#env.onError(asError(e)));
      }
    }, this.#heartbeatMs);
    this.#ownerTimer.unref();
  }
}
