/**
 * Recovery of runs whose work was lost: a local run whose process died (adopted by another process),
 * jobs the runner never got (runner down: the run paused), tasks whose worker stopped heart-beating.
 */
import { SporeprintError } from '../../core/index.js';
import type { RunState } from '../../pipeline/index.js';
import type { PipelineRunRecord, PipelineTaskRecord } from '../../storage/index.js';
import { asError } from './task-context.js';
import { attemptKey, type ExecutorEnv } from './task-executor.js';

const ACTIVE: readonly RunState[] = ['running', 'paused'];

/** Active runs looked at per reconcile round at most. */
const ROUND_LIMIT = 500;

/** See the module comment; used by the PipelineService. */
export class RunRecovery {
  constructor(
    private readonly env: ExecutorEnv,
    /** Makes this process the owner of a local run (heartbeats). */
    private readonly own: (runId: string) => void,
  ) {}

  /** Adopts every local run whose owner stopped heart-beating; returns their ids. */
  async resumeOrphans(): Promise<string[]> {
    const adopted: string[] = [];
    for (const run of await this.env.repo.activeRuns(ROUND_LIMIT)) {
      if (!this.#isOrphan(run)) continue;
      try {
        if (await this.#adopt(run)) adopted.push(run.id);
      } catch (e) {
        this.env.onError(asError(e));
      }
    }
    return adopted;
  }

  /** Resumes one active run (see PipelineService.resume); `from`: the owner handing it over. */
  async resume(run: PipelineRunRecord, from?: string): Promise<void> {
    const { owner } = this.env.runtime;
    if (run.executor === 'local' && from !== undefined && from !== owner && run.runnerOwner === from) {
      if (await this.#takeOver(run, from)) return;
      run = (await this.env.repo.getRun(run.id)) ?? run;
    }
    if (run.executor === 'local' && run.runnerOwner !== owner) {
      if (!this.env.isStale(run.runnerHeartbeatAt)) {
        const ago = run.runnerHeartbeatAt
          ? `${Math.round((this.env.now().getTime() - run.runnerHeartbeatAt.getTime()) / 1000)} s ago`
          : 'never';
        throw new SporeprintError(
          'SP_ERR_PIPELINE_STATE',
          `cannot resume pipeline run ${run.id}: it is ${run.state} in process ${run.runnerOwner} (last heartbeat ${ago}); a run is resumed once its process stops`,
          { runId: run.id, owner: run.runnerOwner },
        );
      }
      await this.#adopt(run);
      return;
    }
    await this.#reconcileRun(run);
  }

  /** One reconcile round over the active runs this process may touch. */
  async reconcile(): Promise<void> {
    const { owner } = this.env.runtime;
    for (const run of await this.env.repo.activeRuns(ROUND_LIMIT)) {
      try {
        if (run.executor === 'external') continue;
        if (run.executor === 'local' && run.runnerOwner !== owner) {
          if (this.#isOrphan(run)) await this.#adopt(run);
          continue;
        }
        await this.#reconcileRun(run);
      } catch (e) {
        this.env.onError(asError(e));
      }
    }
  }

  /**
   * The owner's upkeep of a local run it executes: queued tasks dispatched again (the local runner
   * dedupes), lost attempts queued again. Nothing when the run ended or another process owns it.
   */
  async reconcileOwned(runId: string): Promise<void> {
    const run = await this.env.repo.getRun(runId);
    if (run === undefined || !ACTIVE.includes(run.state) || run.runnerOwner !== this.env.runtime.owner)
      return;
    await this.#reconcileRun(run);
  }

  /**
   * Takes a local run over from a live owner that hands it to this process (`sporeprint serve` to its
   * runner process): its tasks keep their attempts, as nothing of them ran. False when the run has
   * another owner by now.
   */
  async #takeOver(run: PipelineRunRecord, from: string): Promise<boolean> {
    const now = this.env.now();
    const taken = await this.env.repo.transitionRun({
      runId: run.id,
      from: ACTIVE,
      owner: from,
      to: run.state,
      set: { runnerOwner: this.env.runtime.owner, runnerHeartbeatAt: now },
      now,
    });
    if (!taken) return false;
    this.own(run.id);
    await this.#reconcileRun({ ...run, runnerOwner: this.env.runtime.owner });
    return true;
  }

  #isOrphan(run: PipelineRunRecord): boolean {
    const { owner, isLiveOwner } = this.env.runtime;
    return (
      run.executor === 'local' &&
      run.runnerOwner !== owner &&
      this.env.isStale(run.runnerHeartbeatAt) &&
      !(run.runnerOwner !== null && isLiveOwner?.(run.runnerOwner) === true)
    );
  }

  /**
   * Takes over a local run from a dead process: this process becomes its owner, its queued and
   * running tasks are queued again as their next attempt, retrying ones are dispatched at their time.
   * False when another process adopted it first.
   */
  async #adopt(run: PipelineRunRecord): Promise<boolean> {
    const { repo, runtime } = this.env;
    const now = this.env.now();
    const taken = await repo.transitionRun({
      runId: run.id,
      from: [run.state],
      owner: run.runnerOwner,
      to: run.state,
      set: { runnerOwner: runtime.owner, runnerHeartbeatAt: now },
      now,
    });
    if (!taken) return false;
    this.own(run.id);
    const why = `process ${run.runnerOwner ?? '?'} stopped heart-beating; the run was resumed by ${runtime.owner}`;
    for (const t of await repo.tasks(run.id)) {
      if (t.state === 'queued' || t.state === 'running') await this.#requeue(run, t, why);
      else if (t.state === 'retrying') await this.#redispatch(run, t);
    }
    await this.env.advance(run.id);
    return true;
  }

  /** Dispatches queued and retrying tasks again, requeues stale running ones, advances the run. */
  async #reconcileRun(run: PipelineRunRecord): Promise<void> {
    for (const t of await this.env.repo.tasks(run.id)) {
      if (t.state === 'queued' || t.state === 'retrying') await this.#redispatch(run, t);
      else if (
        t.state === 'running' &&
        this.env.isStale(t.heartbeatAt) &&
        !this.env.running.has(attemptKey(run.id, t.taskId))
      ) {
        await this.#requeue(run, t, `worker ${t.worker ?? '?'} stopped heart-beating`, true);
      }
    }
    await this.env.advance(run.id);
  }

  #redispatch(run: PipelineRunRecord, t: PipelineTaskRecord): Promise<boolean> {
    const at = t.nextAttemptAt?.getTime() ?? 0;
    const delay = t.state === 'retrying' ? Math.max(0, at - this.env.now().getTime()) : 0;
    return this.env.dispatch(run, { runId: run.id, taskId: t.taskId, attempt: t.attempt }, delay);
  }

  /** Queues a lost attempt's task again as its next attempt (compare-and-set on the attempt). */
  async #requeue(
    run: PipelineRunRecord,
    t: PipelineTaskRecord,
    why: string,
    onlyStale = false,
  ): Promise<void> {
    const { repo } = this.env;
    const now = this.env.now();
    const attempt = t.attempt + 1;
    const queued = await repo.transitionTask({
      runId: run.id,
      taskId: t.taskId,
      from: [t.state],
      attempt: t.attempt,
      // a worker's attempt only once its heartbeat is stale (not renewed since it was read)
      ...(t.state === 'running' && onlyStale ? { staleBefore: this.env.staleBefore() } : {}),
      to: 'queued',
      set: { attempt, queuedAt: now, worker: null, heartbeatAt: null, progress: null, progressNote: null },
    });
    if (!queued) return;
    await repo
      .appendLog({
        runId: run.id,
        taskId: t.taskId,
        attempt: t.attempt,
        at: now,
        level: 'warn',
        message: `attempt ${t.attempt} lost (${why}): queued again as attempt ${attempt}`,
      })
      .catch((e: unknown) => this.env.onError(asError(e)));
    if (t.state === 'running') {
      await repo.recordAttempt({
        runId: run.id,
        taskId: t.taskId,
        attempt: t.attempt,
        worker: t.worker,
        state: 'failed',
        startedAt: t.startedAt ?? now,
        finishedAt: now,
        error: `attempt lost: ${why}`,
      });
    }
    await this.env.dispatch(run, { runId: run.id, taskId: t.taskId, attempt });
  }
}
