import { SporeprintError } from '../../core/index.js';
import { type JsonValue, OPEN_TASK_STATES, RUN_STATES, type RunState } from '../../pipeline/index.js';
import { checkLimit, timestamp } from '../db/column-values.js';
import { guard, isForeignKeyViolation, isUniqueViolation } from '../db/database-error.js';
import { type DatabaseContext, type WriteTransaction, writeTransaction } from '../db/write-transaction.js';
import {
  attemptFromRow,
  attemptToRow,
  checkAttempt,
  checkDate,
  checkNote,
  checkOneOf,
  checkProgress,
  checkText,
  effectText,
  effectValue,
  linkFromRow,
  linkToRow,
  logFromRow,
  logToRow,
  newRunRows,
  optionalText,
  runFromRow,
  runTransitionSet,
  taskFromRow,
  taskTransitionSet,
} from './pipeline-rows.js';
import type { PipelineTasksTable } from './pipeline-tables.js';
import type {
  NewPipelineRun,
  PipelineAttemptRecord,
  PipelineLinkRecord,
  PipelineLogRecord,
  PipelineRepository,
  PipelineRunRecord,
  PipelineTaskRecord,
  RunListFilter,
  RunTransition,
  TaskTransition,
} from './pipeline-types.js';

/** Rows per INSERT statement (well under both dialects' parameter limits). */
const CHUNK = 100;
const ACTIVE: readonly RunState[] = ['running', 'paused'];

/** The driver error behind a storage error (`writeTransaction` and `guard` keep it as `cause`). */
const driverError = (e: unknown): unknown =>
  e instanceof SporeprintError && e.cause !== undefined ? e.cause : e;

/** A string id to look up; anything else is refused (an unknown string is simply not found). */
function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new SporeprintError('SP_ERR_BAD_PARAM', `${field} must be a string, not ${typeof value}`, {
      field,
    });
  }
  return value;
}

function runNotFound(runId: string, what: string): SporeprintError {
  return new SporeprintError(
    'SP_ERR_NOT_FOUND',
    `Pipeline run ${runId} (or its task) does not exist: ${what}`,
    {
      runId,
    },
  );
}

/**
 * Runs `fn` (one insert), turning a foreign-key violation into `SP_ERR_NOT_FOUND` naming the run and
 * returning false on a unique violation (the row is there already).
 */
async function insertOnce(operation: string, runId: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await guard(operation, fn);
    return true;
  } catch (e) {
    const cause = driverError(e);
    if (isUniqueViolation(cause)) return false;
    if (isForeignKeyViolation(cause)) throw runNotFound(runId, operation);
    throw e;
  }
}

/**
 * The {@link PipelineRepository} over Kysely, for SQLite and MySQL/MariaDB alike. Every state change
 * is one conditional UPDATE (`… WHERE state IN (…) [AND attempt = ?]`) whose matched-row count says
 * whether it applied: on SQLite the statement holds the write lock, on InnoDB it reads the latest
 * committed row under a row lock, so of two concurrent callers expecting the same state exactly one
 * wins. (mysql2 connects with `FOUND_ROWS`, so an UPDATE that writes identical values still counts.)
 * Inserts that must happen once (a run's dedupe key, links, effects) rely on unique keys.
 */
export class KyselyPipelineRepository implements PipelineRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async createRun(
    input: NewPipelineRun,
  ): Promise<{ readonly run: PipelineRunRecord; readonly created: boolean }> {
    const { run, tasks } = newRunRows(input);
    try {
      await writeTransaction(this.#ctx, `Creating pipeline run ${run.id}`, async (trx) => {
        await trx.insertInto('pipeline_runs').values(run).execute();
        for (let i = 0; i < tasks.length; i += CHUNK) {
          await trx
            .insertInto('pipeline_tasks')
            .values(tasks.slice(i, i + CHUNK))
            .execute();
        }
      });
      return { run: runFromRow(run), created: true };
    } catch (e) {
      if (!isUniqueViolation(driverError(e))) throw e;
    }
    const existing = run.dedupe_key === null ? undefined : await this.findRunByDedupeKey(run.dedupe_key);
    if (existing !== undefined) return { run: existing, created: false };
    throw new SporeprintError('SP_ERR_CONFLICT', `Pipeline run ${run.id} already exists`, { runId: run.id });
  }

  async getRun(id: string): Promise<PipelineRunRecord | undefined> {
    checkId('run id', id);
    return guard(`Reading pipeline run ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('pipeline_runs')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : runFromRow(row);
    });
  }

  async findRunByDedupeKey(key: string): Promise<PipelineRunRecord | undefined> {
    checkId('dedupe key', key);
    return guard('Finding a pipeline run by its dedupe key', async () => {
      const row = await this.#ctx.db
        .selectFrom('pipeline_runs')
        .selectAll()
        .where('dedupe_key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : runFromRow(row);
    });
  }

  async listRuns(filter: RunListFilter = {}): Promise<readonly PipelineRunRecord[]> {
    const limit = checkLimit(filter.limit ?? 50, 500);
    const { pipeline, states, before } = filter;
    if (pipeline !== undefined) checkId('pipeline', pipeline);
    if (before !== undefined) checkId('before', before);
    if (states !== undefined) {
      if (!Array.isArray(states)) throw new SporeprintError('SP_ERR_BAD_PARAM', 'states must be a list');
      for (const s of states) checkOneOf('states', s, RUN_STATES);
      if (states.length === 0) return [];
    }
    return guard('Listing pipeline runs', async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_runs')
        .selectAll()
        .$if(pipeline !== undefined, (q) => q.where('pipeline', '=', pipeline ?? ''))
        .$if(states !== undefined, (q) => q.where('state', 'in', [...(states ?? [])]))
        .$if(before !== undefined, (q) => q.where('id', '<', before ?? ''))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(runFromRow);
    });
  }

  async activeRuns(limit = 1000): Promise<readonly PipelineRunRecord[]> {
    checkLimit(limit, 10_000);
    return guard('Listing active pipeline runs', async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_runs')
        .selectAll()
        .where('state', 'in', [...ACTIVE])
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(runFromRow);
    });
  }

  async transitionRun(t: RunTransition): Promise<boolean> {
    return guard(`Changing the state of pipeline run ${t.runId}`, () => casRun(this.#ctx.db, t));
  }

  async reopenRun(run: RunTransition, tasks: readonly TaskTransition[]): Promise<boolean> {
    if (!Array.isArray(tasks)) throw new SporeprintError('SP_ERR_BAD_PARAM', 'transitions must be a list');
    const sets = tasks.map((t) => {
      checkId('runId', t.runId);
      checkId('taskId', t.taskId);
      if (t.runId !== run.runId) {
        throw new SporeprintError('SP_ERR_BAD_PARAM', `task ${t.taskId} is not of run ${run.runId}`);
      }
      return taskTransitionSet(t);
    });
    return writeTransaction(this.#ctx, `Reopening pipeline run ${run.runId}`, async (trx) => {
      if (!(await casRun(trx, run))) return false;
      for (const [i, t] of tasks.entries()) await casTask(trx, t, sets[i] ?? {});
      return true;
    });
  }

  async heartbeatRun(runId: string, owner: string, now = new Date()): Promise<boolean> {
    checkId('runId', runId);
    checkText('owner', owner, 255);
    const at = timestamp(checkDate('now', now));
    return guard(`Renewing the runner heartbeat of pipeline run ${runId}`, async () => {
      const result = await this.#ctx.db
        .updateTable('pipeline_runs')
        .set({ runner_heartbeat_at: at })
        .where('id', '=', runId)
        .where('runner_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async tasks(runId: string): Promise<readonly PipelineTaskRecord[]> {
    checkId('runId', runId);
    return guard(`Reading the tasks of pipeline run ${runId}`, async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_tasks')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('task_id')
        .execute();
      return rows.map(taskFromRow);
    });
  }

  async task(runId: string, taskId: string): Promise<PipelineTaskRecord | undefined> {
    checkId('runId', runId);
    checkId('taskId', taskId);
    return guard(`Reading task ${taskId} of pipeline run ${runId}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('pipeline_tasks')
        .selectAll()
        .where('run_id', '=', runId)
        .where('task_id', '=', taskId)
        .executeTakeFirst();
      return row === undefined ? undefined : taskFromRow(row);
    });
  }

  async transitionTask(t: TaskTransition): Promise<boolean> {
    const [applied] = await this.transitionTasks([t]);
    return applied === true;
  }

  async transitionTasks(ts: readonly TaskTransition[]): Promise<readonly boolean[]> {
    if (!Array.isArray(ts)) throw new SporeprintError('SP_ERR_BAD_PARAM', 'transitions must be a list');
    const sets = ts.map((t) => {
      checkId('runId', t.runId);
      checkId('taskId', t.taskId);
      return taskTransitionSet(t);
    });
    if (ts.length === 0) return [];
    const now = timestamp(new Date());
    return writeTransaction(this.#ctx, 'Changing pipeline task states', async (trx) => {
      const applied: boolean[] = [];
      const touched = new Set<string>();
      for (const [i, t] of ts.entries()) {
        const ok = await casTask(trx, t, sets[i] ?? {});
        applied.push(ok);
        if (ok) touched.add(t.runId);
      }
      for (const runId of touched) {
        await trx.updateTable('pipeline_runs').set({ updated_at: now }).where('id', '=', runId).execute();
      }
      return applied;
    });
  }

  async heartbeatTask(
    runId: string,
    taskId: string,
    attempt: number,
    progress?: { readonly fraction: number | null; readonly note: string | null },
    now = new Date(),
  ): Promise<boolean> {
    checkId('runId', runId);
    checkId('taskId', taskId);
    checkAttempt('attempt', attempt);
    const at = timestamp(checkDate('now', now));
    const fraction = progress === undefined ? undefined : checkProgress(progress.fraction);
    const note = progress === undefined ? null : checkNote('progress note', progress.note ?? null, 1000);
    return guard(`Heartbeat of task ${taskId} of pipeline run ${runId}`, async () => {
      const result = await this.#ctx.db
        .updateTable('pipeline_tasks')
        .set(
          progress === undefined
            ? { heartbeat_at: at }
            : { heartbeat_at: at, progress: fraction ?? null, progress_note: note },
        )
        .where('run_id', '=', runId)
        .where('task_id', '=', taskId)
        .where('state', '=', 'running')
        .where('attempt', '=', attempt)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async recordAttempt(a: PipelineAttemptRecord): Promise<void> {
    const row = attemptToRow(a);
    const { run_id: _r, task_id: _t, attempt: _a, ...update } = row;
    const operation = `Recording attempt ${row.attempt} of task ${row.task_id} of pipeline run ${row.run_id}`;
    await insertOnce(operation, row.run_id, () => {
      const insert = this.#ctx.db.insertInto('pipeline_task_attempts').values(row);
      return (
        this.#ctx.dialect === 'mysql'
          ? insert.onDuplicateKeyUpdate(update)
          : insert.onConflict((oc) => oc.columns(['run_id', 'task_id', 'attempt']).doUpdateSet(update))
      ).execute();
    });
  }

  async attempts(runId: string, taskId?: string): Promise<readonly PipelineAttemptRecord[]> {
    checkId('runId', runId);
    if (taskId !== undefined) checkId('taskId', taskId);
    return guard(`Reading the attempts of pipeline run ${runId}`, async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_task_attempts')
        .selectAll()
        .where('run_id', '=', runId)
        .$if(taskId !== undefined, (q) => q.where('task_id', '=', taskId ?? ''))
        .orderBy('started_at')
        .orderBy('task_id')
        .orderBy('attempt')
        .execute();
      return rows.map(attemptFromRow);
    });
  }

  async appendLog(entry: Omit<PipelineLogRecord, 'id'>): Promise<void> {
    const row = logToRow(entry);
    await insertOnce(`Appending to the log of pipeline run ${row.run_id}`, row.run_id, () =>
      this.#ctx.db.insertInto('pipeline_logs').values(row).execute(),
    );
  }

  async logs(
    runId: string,
    options: { readonly taskId?: string; readonly afterId?: number; readonly limit?: number } = {},
  ): Promise<readonly PipelineLogRecord[]> {
    checkId('runId', runId);
    const { taskId, afterId } = options;
    if (taskId !== undefined) checkId('taskId', taskId);
    if (afterId !== undefined) checkAttempt('afterId', afterId);
    const limit = checkLimit(options.limit ?? 1000, 10_000);
    return guard(`Reading the log of pipeline run ${runId}`, async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_logs')
        .selectAll()
        .where('run_id', '=', runId)
        .$if(taskId !== undefined, (q) => q.where('task_id', '=', taskId ?? ''))
        .$if(afterId !== undefined, (q) => q.where('id', '>', afterId ?? 0))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(logFromRow);
    });
  }

  async addLink(link: PipelineLinkRecord): Promise<void> {
    const row = linkToRow(link);
    await insertOnce(`Linking ${row.kind} ${row.ref} to pipeline run ${row.run_id}`, row.run_id, () =>
      this.#ctx.db.insertInto('pipeline_links').values(row).execute(),
    );
  }

  async links(runId: string): Promise<readonly PipelineLinkRecord[]> {
    checkId('runId', runId);
    return guard(`Reading the links of pipeline run ${runId}`, async () => {
      const rows = await this.#ctx.db
        .selectFrom('pipeline_links')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('kind')
        .orderBy('ref')
        .execute();
      return rows.map(linkFromRow);
    });
  }

  async getEffect(runId: string, taskId: string, key: string): Promise<JsonValue | undefined> {
    checkId('runId', runId);
    checkId('taskId', taskId);
    checkId('effect key', key);
    return guard(`Reading effect ${key} of task ${taskId} of pipeline run ${runId}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('pipeline_effects')
        .select('result')
        .where('run_id', '=', runId)
        .where('task_id', '=', taskId)
        .where('effect_key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : effectValue(row.result);
    });
  }

  async putEffect(
    runId: string,
    taskId: string,
    key: string,
    result: JsonValue,
    now = new Date(),
  ): Promise<JsonValue> {
    const row = {
      run_id: checkText('runId', runId, 36),
      task_id: checkText('taskId', taskId, 64),
      effect_key: checkText('effect key', key, 255),
      result: effectText(result),
      created_at: timestamp(checkDate('now', now)),
    };
    const operation = `Storing effect ${key} of task ${taskId} of pipeline run ${runId}`;
    const inserted = await insertOnce(operation, runId, () =>
      this.#ctx.db.insertInto('pipeline_effects').values(row).execute(),
    );
    if (inserted) return effectValue(row.result);
    const stored = await this.getEffect(runId, taskId, key);
    if (stored === undefined) throw runNotFound(runId, operation);
    return stored;
  }
}

/** One task compare-and-set inside a transaction; true when it matched the row. */
async function casTask(
  trx: WriteTransaction,
  t: TaskTransition,
  set: Partial<PipelineTasksTable>,
): Promise<boolean> {
  const stale = t.staleBefore === undefined ? undefined : timestamp(t.staleBefore);
  const result = await trx
    .updateTable('pipeline_tasks')
    .set(set)
    .where('run_id', '=', t.runId)
    .where('task_id', '=', t.taskId)
    .where('state', 'in', [...t.from])
    .$if(t.attempt !== undefined, (q) => q.where('attempt', '=', t.attempt ?? 0))
    .$if(stale !== undefined, (q) =>
      q.where((eb) => eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', stale ?? '')])),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One run compare-and-set (alone or inside a transaction); true when it matched the row. */
async function casRun(db: WriteTransaction, t: RunTransition): Promise<boolean> {
  checkId('runId', t.runId);
  const set = runTransitionSet(t);
  const owner = t.owner === undefined ? undefined : optionalText('owner', t.owner, 255);
  const result = await db
    .updateTable('pipeline_runs')
    .set(set)
    .where('id', '=', t.runId)
    .where('state', 'in', [...t.from])
    .$if(owner !== undefined, (q) =>
      owner === null ? q.where('runner_owner', 'is', null) : q.where('runner_owner', '=', owner ?? ''),
    )
    .$if(t.whenTasksSettled === true, (q) =>
      q.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('pipeline_tasks')
              .select('task_id')
              .where('run_id', '=', t.runId)
              .where('state', 'in', [...OPEN_TASK_STATES]),
          ),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
