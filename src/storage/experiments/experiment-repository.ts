import type { Updateable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp, toJsonText } from '../db/column-values.js';
import { guard, isUniqueViolation } from '../db/database-error.js';
import { type DatabaseContext, type WriteTransaction, writeTransaction } from '../db/write-transaction.js';
import {
  alreadyRunning,
  checkActorAndAction,
  checkExperimentId,
  checkStatus,
  eventFromRow,
  experimentFromRow,
  experimentNotFound,
  illegalTransition,
} from './experiment-rows.js';
import type { ExperimentsTable } from './experiment-tables.js';
import type {
  AssignmentUnit,
  ExperimentArm,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentSettings,
  ExperimentStatus,
} from './experiment-types.js';

/** A new experiment (stored as a draft, with a `create` event). */
export interface NewExperimentInput {
  readonly id: string;
  readonly modelName: string;
  readonly description: string | null;
  readonly assignment: AssignmentUnit;
  readonly arms: readonly ExperimentArm[];
  readonly settings: ExperimentSettings;
  readonly createdBy: string;
  readonly reason?: string | null;
  /** Default: now. */
  readonly at?: Date;
}

/** What every change records in the history. */
export interface ExperimentChange {
  readonly id: string;
  /** The statuses the experiment must be in at commit time (checked in the transaction). */
  readonly from: readonly ExperimentStatus[];
  /** The event's action: start, pause, resume, stop, conclude, weights, guardrail-stop, … */
  readonly action: string;
  readonly actor: string;
  readonly reason?: string | null;
  /** Figures recorded with the change, JSON-safe. */
  readonly details?: unknown;
  /** Default: now. */
  readonly at?: Date;
}

/** A status change. */
export interface ExperimentTransitionInput extends ExperimentChange {
  readonly to: ExperimentStatus;
  /** Concluding: the winning arm (null: none). */
  readonly winner?: string | null;
}

/** New arms (weights) of an experiment; its status does not change. */
export interface ExperimentArmsInput extends ExperimentChange {
  readonly arms: readonly ExperimentArm[];
}

/** Filters of {@link ExperimentRepository.list}. */
export interface ExperimentListFilter {
  readonly modelName?: string;
  readonly statuses?: readonly ExperimentStatus[];
  /** Default 100. */
  readonly limit?: number;
}

/**
 * The experiments aggregate: experiments of registered models and their append-only history.
 * Every change commits together with its history event, after checking the experiment's status in
 * the same transaction (`SP_ERR_EXPERIMENT_STATE` naming the status when it does not allow the
 * change). Invariant: at most one experiment per model is `running`; starts serialise on the model
 * (its row is locked on MariaDB, the write lock is taken first on SQLite) and the schema itself refuses
 * a second running experiment.
 */
export interface ExperimentRepository {
  /** Stores a draft. `SP_ERR_NOT_FOUND` for an unknown model, `SP_ERR_CONFLICT` for a taken id. */
  create(input: NewExperimentInput): Promise<ExperimentRecord>;
  /** `SP_ERR_NOT_FOUND` when unknown. */
  get(id: string): Promise<ExperimentRecord>;
  /** Newest first. */
  list(filter?: ExperimentListFilter): Promise<ExperimentRecord[]>;
  /** The model's running experiment, or null. */
  running(modelName: string): Promise<ExperimentRecord | null>;
  /** Every running experiment (for the periodic check). */
  allRunning(): Promise<ExperimentRecord[]>;
  transition(input: ExperimentTransitionInput): Promise<ExperimentRecord>;
  updateArms(input: ExperimentArmsInput): Promise<ExperimentRecord>;
  /** The experiment's events, oldest first. */
  history(id: string): Promise<ExperimentEvent[]>;
}

const RETURNED = [
  'id',
  'model_name',
  'description',
  'status',
  'assignment',
  'arms',
  'settings',
  'created_at',
  'created_by',
  'started_at',
  'stopped_at',
  'concluded_at',
  'winner',
  'status_reason',
  'updated_seq',
] as const;

/** The {@link ExperimentRepository} over Kysely, for SQLite and MySQL/MariaDB alike. */
export class KyselyExperimentRepository implements ExperimentRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  async create(input: NewExperimentInput): Promise<ExperimentRecord> {
    checkExperimentId(input.id);
    checkActorAndAction(input.createdBy, 'create');
    const now = timestamp(input.at);
    const row = {
      id: input.id,
      model_name: input.modelName,
      description: input.description,
      status: 'draft',
      assignment: input.assignment,
      arms: toJsonText('arms', input.arms),
      settings: toJsonText('settings', input.settings),
      created_at: now,
      created_by: input.createdBy,
      started_at: null,
      stopped_at: null,
      concluded_at: null,
      winner: null,
      status_reason: null,
      updated_seq: 1,
    };
    try {
      return await writeTransaction(this.#ctx, `Creating experiment ${input.id}`, async (trx) => {
        await this.#lockModel(trx, input.modelName);
        const taken = await trx
          .selectFrom('experiments')
          .select('id')
          .where('id', '=', input.id)
          .executeTakeFirst();
        if (taken !== undefined) throw idTaken(input.id);
        await trx.insertInto('experiments').values(row).execute();
        await trx
          .insertInto('experiment_events')
          .values({
            experiment_id: input.id,
            at: now,
            actor: input.createdBy,
            action: 'create',
            from_status: null,
            to_status: 'draft',
            reason: input.reason ?? null,
            details: toJsonText('details', { arms: input.arms, settings: input.settings }),
          })
          .execute();
        return experimentFromRow(row);
      });
    } catch (e) {
      if (isUniqueViolation(e) || isUniqueViolation((e as { cause?: unknown }).cause))
        throw idTaken(input.id);
      throw e;
    }
  }

  get(id: string): Promise<ExperimentRecord> {
    return guard(`Reading experiment ${id}`, async () => {
      const row = await this.#ctx.db
        .selectFrom('experiments')
        .select(RETURNED)
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) throw experimentNotFound(id);
      return experimentFromRow(row);
    });
  }

  list(filter: ExperimentListFilter = {}): Promise<ExperimentRecord[]> {
    for (const s of filter.statuses ?? []) checkStatus(s);
    return guard('Listing experiments', async () => {
      const rows = await this.#ctx.db
        .selectFrom('experiments')
        .select(RETURNED)
        .$if(filter.modelName !== undefined, (q) => q.where('model_name', '=', filter.modelName ?? ''))
        .$if((filter.statuses?.length ?? 0) > 0, (q) => q.where('status', 'in', [...(filter.statuses ?? [])]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(experimentFromRow);
    });
  }

  async running(modelName: string): Promise<ExperimentRecord | null> {
    const [first] = await this.list({ modelName, statuses: ['running'], limit: 1 });
    return first ?? null;
  }

  allRunning(): Promise<ExperimentRecord[]> {
    return this.list({ statuses: ['running'], limit: 10_000 });
  }

  async transition(input: ExperimentTransitionInput): Promise<ExperimentRecord> {
    checkStatus(input.to);
    const what = `Moving experiment ${input.id} to ${input.to}`;
    return this.#change(input, what, async (trx, current, now) => {
      if (input.to === 'running') await this.#refuseSecondRunning(trx, current);
      const set: Updateable<ExperimentsTable> = { status: input.to };
      if (input.to === 'running' && current.started_at === null) set.started_at = now;
      if (input.to === 'stopped') set.stopped_at = now;
      if (input.to === 'concluded') {
        set.concluded_at = now;
        set.winner = input.winner ?? null;
      }
      if (input.reason !== undefined) set.status_reason = input.reason;
      return { set, toStatus: input.to };
    });
  }

  updateArms(input: ExperimentArmsInput): Promise<ExperimentRecord> {
    const arms = toJsonText('arms', input.arms);
    return this.#change(input, `Changing the arms of experiment ${input.id}`, async (_trx, current) => ({
      set: { arms },
      toStatus: current.status as ExperimentStatus,
    }));
  }

  history(id: string): Promise<ExperimentEvent[]> {
    return guard(`Reading the history of experiment ${id}`, async () => {
      const exists = await this.#ctx.db
        .selectFrom('experiments')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      if (exists === undefined) throw experimentNotFound(id);
      const rows = await this.#ctx.db
        .selectFrom('experiment_events')
        .selectAll()
        .where('experiment_id', '=', id)
        .orderBy('seq', 'asc')
        .execute();
      return rows.map(eventFromRow);
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * One change in one transaction: locks the model and the experiment, checks the status, applies
   * `decide`'s update (plus `updated_seq`), appends the event and returns the record as committed.
   */
  async #change(
    input: ExperimentChange,
    what: string,
    decide: (
      trx: WriteTransaction,
      current: ExperimentsRowRead,
      now: string,
    ) => Promise<{ set: Updateable<ExperimentsTable>; toStatus: ExperimentStatus }>,
  ): Promise<ExperimentRecord> {
    checkExperimentId(input.id);
    checkActorAndAction(input.actor, input.action);
    for (const s of input.from) checkStatus(s);
    const details = input.details === undefined ? null : toJsonText('details', input.details);
    const now = timestamp(input.at);
    try {
      return await writeTransaction(this.#ctx, what, async (trx) => {
        const model = await trx
          .selectFrom('experiments')
          .select('model_name')
          .where('id', '=', input.id)
          .executeTakeFirst();
        if (model === undefined) throw experimentNotFound(input.id);
        await this.#lockModel(trx, model.model_name);
        const current = await this.#lockedRow(trx, input.id);
        const status = current.status as ExperimentStatus;
        if (!input.from.includes(status)) throw illegalTransition(input.id, status, input.action, input.from);
        const { set, toStatus } = await decide(trx, current, now);
        await trx
          .updateTable('experiments')
          .set({ ...set, updated_seq: current.updated_seq + 1 })
          .where('id', '=', input.id)
          .execute();
        await trx
          .insertInto('experiment_events')
          .values({
            experiment_id: input.id,
            at: now,
            actor: input.actor,
            action: input.action,
            from_status: status,
            to_status: toStatus,
            reason: input.reason ?? null,
            details,
          })
          .execute();
        return experimentFromRow(await this.#lockedRow(trx, input.id));
      });
    } catch (e) {
      // the schema's backstop (a second running experiment of the model) reads as the domain error
      if (isUniqueViolation((e as { cause?: unknown }).cause)) {
        const record = await this.get(input.id);
        const other = await this.running(record.modelName);
        throw alreadyRunning(input.id, record.modelName, other?.id ?? 'another experiment');
      }
      throw e;
    }
  }

  async #refuseSecondRunning(trx: WriteTransaction, current: ExperimentsRowRead): Promise<void> {
    const other = await trx
      .selectFrom('experiments')
      .select('id')
      .where('model_name', '=', current.model_name)
      .where('status', '=', 'running')
      .where('id', '!=', current.id)
      .executeTakeFirst();
    if (other !== undefined) throw alreadyRunning(current.id, current.model_name, other.id);
  }

  /** MariaDB: locks the model's row, so changes to the model's experiments serialise (SQLite: the write lock). */
  async #lockModel(trx: WriteTransaction, name: string): Promise<void> {
    const row = await trx
      .selectFrom('registered_models')
      .select('name')
      .where('name', '=', name)
      .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
      .executeTakeFirst();
    if (row === undefined) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `Registered model ${name} does not exist`, {
        modelName: name,
      });
    }
  }

  async #lockedRow(trx: WriteTransaction, id: string): Promise<ExperimentsRowRead> {
    const row = await trx
      .selectFrom('experiments')
      .select(RETURNED)
      .where('id', '=', id)
      .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
      .executeTakeFirst();
    if (row === undefined) throw experimentNotFound(id);
    return row;
  }
}

type ExperimentsRowRead = {
  readonly [K in (typeof RETURNED)[number]]: ExperimentsTable[K];
};

function idTaken(id: string): SporeprintError {
  return new SporeprintError('SP_ERR_CONFLICT', `Experiment ${id} already exists: choose another id`, {
    experimentId: id,
  });
}
