import type { Insertable } from 'kysely';
import { SporeprintError } from '../../core/index.js';
import { timestamp, toJsonText } from '../db/column-values.js';
import { guard } from '../db/database-error.js';
import { type DatabaseContext, type WriteTransaction, writeTransaction } from '../db/write-transaction.js';
import {
  checkActor,
  checkAlias,
  checkModelName,
  checkRegisterInput,
  checkStage,
  checkVersionNumber,
  eventFromRow,
  modelNotFound,
  previousProduction,
  replayProduction,
  versionFromRow,
  versionNotFound,
} from './registry-rows.js';
import type { RegistryEventsTable } from './registry-tables.js';
import type {
  HistoryOptions,
  ModelVersionRecord,
  RegisteredModelRecord,
  RegisterVersionInput,
  RegistryEventRecord,
  RegistryRepository,
  RemoveAliasInput,
  RollbackInput,
  SetAliasInput,
  TransitionResult,
  TransitionStageInput,
} from './registry-types.js';

type Reader = WriteTransaction;

/** The {@link RegistryRepository} over Kysely, for SQLite and MySQL/MariaDB alike. */
export class KyselyRegistryRepository implements RegistryRepository {
  readonly #ctx: DatabaseContext;

  constructor(ctx: DatabaseContext) {
    this.#ctx = ctx;
  }

  // ---- writes ---------------------------------------------------------------------------------

  async registerVersion(input: RegisterVersionInput): Promise<ModelVersionRecord> {
    checkRegisterInput(input);
    const name = input.modelName;
    const metrics = toJsonText('metrics', input.metrics);
    const params = toJsonText('params', input.params);
    const tags = toJsonText('tags', { ...(input.tags ?? {}) });
    return writeTransaction(this.#ctx, `Registering a version of model ${name}`, async (trx) => {
      const run = await trx
        .selectFrom('training_runs')
        .select('id')
        .where('id', '=', input.runId)
        .executeTakeFirst();
      if (run === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `Training run ${input.runId} does not exist`, {
          runId: input.runId,
        });
      }
      const dataset = await trx
        .selectFrom('dataset_versions')
        .select('id')
        .where('id', '=', input.datasetId)
        .executeTakeFirst();
      if (dataset === undefined) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `Dataset version ${input.datasetId} does not exist`, {
          datasetId: input.datasetId,
        });
      }
      const now = timestamp(undefined);
      const model = { name, description: input.modelDescription ?? '', created_at: now };
      const insertModel = trx.insertInto('registered_models').values(model);
      await (this.#ctx.dialect === 'mysql' ? insertModel.ignore() : insertModel.orIgnore()).execute();
      await this.#lockModel(trx, name);
      const top = await trx
        .selectFrom('model_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('model_name', '=', name)
        .executeTakeFirst();
      const version = Number(top?.v ?? 0) + 1;
      const row = {
        model_name: name,
        version,
        run_id: input.runId,
        dataset_id: input.datasetId,
        source_sha256: input.sourceSha256,
        artifact_sha256: input.artifactSha256,
        artifact_store: input.artifactStore,
        metrics,
        params,
        tags,
        description: input.description ?? '',
        author: input.author,
        stage: 'None',
        created_at: now,
      };
      await trx.insertInto('model_versions').values(row).execute();
      await this.#appendEvent(trx, {
        model_name: name,
        version,
        event: 'registered',
        from_stage: null,
        to_stage: 'None',
        alias: null,
        actor: input.author,
        reason: input.description ?? null,
        metrics,
        forced: 0,
        created_at: now,
      });
      return versionFromRow(row, new Map());
    });
  }

  async transitionStage(input: TransitionStageInput): Promise<TransitionResult> {
    checkModelName(input.modelName);
    checkVersionNumber(input.version);
    checkStage(input.toStage);
    checkActor(input.actor);
    const kind = input.eventKind ?? 'stage-changed';
    if (kind !== 'stage-changed' && kind !== 'rolled-back') {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `Unknown stage event kind "${String(kind)}"`);
    }
    if (kind === 'rolled-back' && input.toStage !== 'Production') {
      throw new SporeprintError('SP_ERR_BAD_PARAM', 'A rollback can only return a version to Production');
    }
    const what = `Moving version ${input.version} of model ${input.modelName} to ${input.toStage}`;
    return writeTransaction(this.#ctx, what, async (trx) => {
      await this.#lockModel(trx, input.modelName);
      return this.#transition(trx, input);
    });
  }

  async rollback(input: RollbackInput): Promise<TransitionResult> {
    checkModelName(input.modelName);
    checkActor(input.actor);
    const name = input.modelName;
    return writeTransaction(this.#ctx, `Rolling back model ${name}`, async (trx) => {
      await this.#lockModel(trx, name);
      const current = await this.#productionNumber(trx, name);
      const target = previousProduction(await this.#stageEvents(trx, name), current);
      if (target === null || target === current) {
        throw new SporeprintError(
          'SP_ERR_REGISTRY_STATE',
          `Model ${name} has no earlier Production version to roll back to` +
            (current === null
              ? ' (no version has been in Production)'
              : ` (version ${current} is the first)`),
          { modelName: name, productionVersion: current },
        );
      }
      return this.#transition(trx, {
        modelName: name,
        version: target,
        toStage: 'Production',
        actor: input.actor,
        reason: input.reason ?? `rollback from version ${current ?? 'none'} to ${target}`,
        eventKind: 'rolled-back',
      });
    });
  }

  async setAlias(input: SetAliasInput): Promise<ModelVersionRecord> {
    checkModelName(input.modelName);
    checkAlias(input.alias);
    checkVersionNumber(input.version);
    checkActor(input.actor);
    const { modelName: name, alias, version } = input;
    return writeTransaction(this.#ctx, `Setting alias ${alias} of model ${name}`, async (trx) => {
      await this.#lockModel(trx, name);
      const target = await this.#versionRow(trx, name, version);
      const existing = await trx
        .selectFrom('model_aliases')
        .select('version')
        .where('model_name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      const now = timestamp(undefined);
      if (existing === undefined) {
        await trx
          .insertInto('model_aliases')
          .values({ model_name: name, alias, version, updated_at: now })
          .execute();
      } else if (Number(existing.version) !== version) {
        await trx
          .updateTable('model_aliases')
          .set({ version, updated_at: now })
          .where('model_name', '=', name)
          .where('alias', '=', alias)
          .execute();
      }
      if (existing === undefined || Number(existing.version) !== version) {
        const from = existing === undefined ? '' : ` (moved from version ${existing.version})`;
        await this.#appendEvent(trx, {
          model_name: name,
          version,
          event: 'alias-set',
          from_stage: null,
          to_stage: null,
          alias,
          actor: input.actor,
          reason: (input.reason ?? '') + from || null,
          metrics: target.metrics,
          forced: 0,
          created_at: now,
        });
      }
      return versionFromRow(target, await this.#aliases(trx, name));
    });
  }

  async removeAlias(input: RemoveAliasInput): Promise<void> {
    checkModelName(input.modelName);
    checkAlias(input.alias);
    checkActor(input.actor);
    const { modelName: name, alias } = input;
    return writeTransaction(this.#ctx, `Removing alias ${alias} of model ${name}`, async (trx) => {
      await this.#lockModel(trx, name);
      const existing = await trx
        .selectFrom('model_aliases')
        .select('version')
        .where('model_name', '=', name)
        .where('alias', '=', alias)
        .executeTakeFirst();
      if (existing === undefined) throw aliasNotFound(name, alias);
      const version = Number(existing.version);
      const target = await this.#versionRow(trx, name, version);
      await trx
        .deleteFrom('model_aliases')
        .where('model_name', '=', name)
        .where('alias', '=', alias)
        .execute();
      await this.#appendEvent(trx, {
        model_name: name,
        version,
        event: 'alias-removed',
        from_stage: null,
        to_stage: null,
        alias,
        actor: input.actor,
        reason: input.reason ?? null,
        metrics: target.metrics,
        forced: 0,
        created_at: timestamp(undefined),
      });
    });
  }

  // ---- reads ----------------------------------------------------------------------------------

  getModel(name: string): Promise<RegisteredModelRecord> {
    return guard(`Reading model ${name}`, async () => {
      const models = await this.#models(name);
      if (models.length === 0) throw modelNotFound(name);
      return models[0];
    });
  }

  listModels(): Promise<RegisteredModelRecord[]> {
    return guard('Listing registered models', () => this.#models(undefined));
  }

  getVersion(name: string, version: number): Promise<ModelVersionRecord> {
    return guard(`Reading version ${version} of model ${name}`, async () => {
      const row = await this.#versionRow(this.#ctx.db, name, version);
      return versionFromRow(row, await this.#aliases(this.#ctx.db, name));
    });
  }

  listVersions(name: string): Promise<ModelVersionRecord[]> {
    return guard(`Listing versions of model ${name}`, async () => {
      const db = this.#ctx.db;
      await this.#modelRow(db, name);
      const rows = await db
        .selectFrom('model_versions')
        .selectAll()
        .where('model_name', '=', name)
        .orderBy('version', 'desc')
        .execute();
      const aliases = await this.#aliases(db, name);
      return rows.map((r) => versionFromRow(r, aliases));
    });
  }

  versionByAlias(name: string, alias: string): Promise<ModelVersionRecord> {
    return guard(`Reading alias ${alias} of model ${name}`, async () => {
      const db = this.#ctx.db;
      await this.#modelRow(db, name);
      const aliases = await this.#aliases(db, name);
      const version = aliases.get(alias);
      if (version === undefined) throw aliasNotFound(name, alias);
      return versionFromRow(await this.#versionRow(db, name, version), aliases);
    });
  }

  productionVersion(name: string): Promise<ModelVersionRecord | null> {
    return guard(`Reading the Production version of model ${name}`, async () => {
      const db = this.#ctx.db;
      await this.#modelRow(db, name);
      const row = await db
        .selectFrom('model_versions')
        .selectAll()
        .where('model_name', '=', name)
        .where('stage', '=', 'Production')
        .executeTakeFirst();
      return row === undefined ? null : versionFromRow(row, await this.#aliases(db, name));
    });
  }

  async history(name: string, options: HistoryOptions = {}): Promise<RegistryEventRecord[]> {
    const { limit, offset = 0 } = options;
    if (
      (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) ||
      !Number.isSafeInteger(offset) ||
      offset < 0
    ) {
      throw new SporeprintError('SP_ERR_USAGE', `Invalid page: limit ${limit}, offset ${offset}`);
    }
    return guard(`Reading the history of model ${name}`, async () => {
      const db = this.#ctx.db;
      await this.#modelRow(db, name);
      let q = db.selectFrom('registry_events').selectAll().where('model_name', '=', name);
      if (options.version !== undefined) q = q.where('version', '=', options.version);
      const rows = await q
        .orderBy('id', 'asc')
        .limit(limit ?? Number.MAX_SAFE_INTEGER)
        .offset(offset)
        .execute();
      return rows.map(eventFromRow);
    });
  }

  async productionAt(name: string, at: Date): Promise<number | null> {
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new SporeprintError('SP_ERR_BAD_PARAM', `productionAt needs a valid date, not ${String(at)}`);
    }
    return guard(
      `Reading which version of model ${name} was in Production at ${at.toISOString()}`,
      async () => {
        const db = this.#ctx.db;
        await this.#modelRow(db, name);
        return replayProduction(await this.#stageEvents(db, name, at));
      },
    );
  }

  rollbackTarget(name: string): Promise<number | null> {
    return guard(`Finding the rollback target of model ${name}`, async () => {
      const db = this.#ctx.db;
      await this.#modelRow(db, name);
      return previousProduction(await this.#stageEvents(db, name), await this.#productionNumber(db, name));
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  /** The transition itself; the caller holds the model lock inside a write transaction. */
  async #transition(trx: WriteTransaction, input: TransitionStageInput): Promise<TransitionResult> {
    const { modelName: name, version, toStage } = input;
    const kind = input.eventKind ?? 'stage-changed';
    const forced = input.forced === true;
    const row = await this.#versionRow(trx, name, version);
    const fromStage = row.stage;
    if (input.expectedStage !== undefined && input.expectedStage !== fromStage) {
      throw new SporeprintError(
        'SP_ERR_CONFLICT',
        `Version ${version} of model ${name} moved from ${input.expectedStage} to ${fromStage} while moving it to ${toStage}`,
        { modelName: name, version, expectedStage: input.expectedStage, stage: fromStage },
      );
    }
    if (fromStage === toStage) {
      throw new SporeprintError(
        'SP_ERR_REGISTRY_STATE',
        `Version ${version} of model ${name} is already in ${toStage}`,
        { modelName: name, version, stage: fromStage },
      );
    }
    if (fromStage === 'Archived' && (toStage === 'Production' || toStage === 'Staging')) {
      if (!forced && kind !== 'rolled-back') {
        throw new SporeprintError(
          'SP_ERR_REGISTRY_STATE',
          `Version ${version} of model ${name} is Archived: promoting it to ${toStage} needs force (with a reason)`,
          { modelName: name, version, stage: fromStage, toStage },
        );
      }
    }
    const now = timestamp(undefined);
    let previous: ModelVersionRecord | null = null;
    if (toStage === 'Production') {
      const prod = await trx
        .selectFrom('model_versions')
        .selectAll()
        .where('model_name', '=', name)
        .where('stage', '=', 'Production')
        .executeTakeFirst();
      const current = prod === undefined ? null : Number(prod.version);
      if (input.expectedProduction !== undefined && input.expectedProduction !== current) {
        throw new SporeprintError(
          'SP_ERR_CONFLICT',
          `Production of model ${name} changed while promoting version ${version}: expected ` +
            `${input.expectedProduction === null ? 'no version' : `version ${input.expectedProduction}`}, found ` +
            `${current === null ? 'none' : `version ${current}`} in Production`,
          {
            modelName: name,
            version,
            expectedProduction: input.expectedProduction,
            productionVersion: current,
          },
        );
      }
      if (prod !== undefined) {
        const prodVersion = Number(prod.version);
        if (input.archivePreviousProduction === false) {
          throw new SporeprintError(
            'SP_ERR_REGISTRY_STATE',
            `Version ${prodVersion} of model ${name} is in Production: archive it first, or let the promotion archive it`,
            { modelName: name, version, productionVersion: prodVersion },
          );
        }
        await trx
          .updateTable('model_versions')
          .set({ stage: 'Archived' })
          .where('model_name', '=', name)
          .where('version', '=', prodVersion)
          .execute();
        await this.#appendEvent(trx, {
          model_name: name,
          version: prodVersion,
          event: 'stage-changed',
          from_stage: 'Production',
          to_stage: 'Archived',
          alias: null,
          actor: input.actor,
          reason: `replaced in Production by version ${version}${input.reason ? `: ${input.reason}` : ''}`,
          metrics: prod.metrics,
          forced: 0,
          created_at: now,
        });
        previous = versionFromRow({ ...prod, stage: 'Archived' }, new Map());
      }
    }
    await trx
      .updateTable('model_versions')
      .set({ stage: toStage })
      .where('model_name', '=', name)
      .where('version', '=', version)
      .execute();
    await this.#appendEvent(trx, {
      model_name: name,
      version,
      event: kind,
      from_stage: fromStage,
      to_stage: toStage,
      alias: null,
      actor: input.actor,
      reason: input.reason ?? null,
      metrics: row.metrics,
      forced: forced ? 1 : 0,
      created_at: now,
    });
    const aliases = await this.#aliases(trx, name);
    return {
      previousProduction:
        previous === null ? null : { ...previous, aliases: aliasesOf(aliases, previous.version) },
      version: versionFromRow({ ...row, stage: toStage }, aliases),
    };
  }

  /** Locks the model's row until the transaction ends (MySQL `FOR UPDATE`; SQLite holds the write lock). */
  async #lockModel(trx: WriteTransaction, name: string): Promise<void> {
    const row = await trx
      .selectFrom('registered_models')
      .select('name')
      .where('name', '=', name)
      .$if(this.#ctx.dialect === 'mysql', (q) => q.forUpdate())
      .executeTakeFirst();
    if (row === undefined) throw modelNotFound(name);
  }

  async #appendEvent(trx: WriteTransaction, event: Insertable<RegistryEventsTable>): Promise<void> {
    await trx.insertInto('registry_events').values(event).execute();
  }

  async #modelRow(db: Reader, name: string) {
    const row = await db
      .selectFrom('registered_models')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (row === undefined) throw modelNotFound(name);
    return row;
  }

  /** The version's row; `SP_ERR_NOT_FOUND` naming the model or the version when absent. */
  async #versionRow(db: Reader, name: string, version: number) {
    const row = await db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row !== undefined) return row;
    await this.#modelRow(db, name);
    throw versionNotFound(name, version);
  }

  async #aliases(db: Reader, name: string): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('model_aliases')
      .select(['alias', 'version'])
      .where('model_name', '=', name)
      .orderBy('alias')
      .execute();
    return new Map(rows.map((r) => [r.alias, Number(r.version)]));
  }

  async #productionNumber(db: Reader, name: string): Promise<number | null> {
    const row = await db
      .selectFrom('model_versions')
      .select('version')
      .where('model_name', '=', name)
      .where('stage', '=', 'Production')
      .executeTakeFirst();
    return row === undefined ? null : Number(row.version);
  }

  /** Events that touched Production, in id order, optionally only those up to instant `at`. */
  #stageEvents(db: Reader, name: string, at?: Date) {
    let q = db
      .selectFrom('registry_events')
      .select(['version', 'from_stage', 'to_stage'])
      .where('model_name', '=', name)
      .where((eb) => eb.or([eb('to_stage', '=', 'Production'), eb('from_stage', '=', 'Production')]));
    if (at !== undefined) q = q.where('created_at', '<=', at.toISOString());
    return q.orderBy('id', 'asc').execute();
  }

  async #models(only: string | undefined): Promise<RegisteredModelRecord[]> {
    const db = this.#ctx.db;
    let q = db.selectFrom('registered_models as m').select((eb) => [
      'm.name',
      'm.description',
      'm.created_at',
      eb
        .selectFrom('model_versions as v')
        .select((e) => e.fn.max('v.version').as('latest'))
        .whereRef('v.model_name', '=', 'm.name')
        .as('latest'),
      eb
        .selectFrom('model_versions as p')
        .select('p.version')
        .whereRef('p.model_name', '=', 'm.name')
        .where('p.stage', '=', 'Production')
        .as('production'),
    ]);
    if (only !== undefined) q = q.where('m.name', '=', only);
    const rows = await q.orderBy('m.name').execute();
    let aliasRows = db.selectFrom('model_aliases').select(['model_name', 'alias', 'version']);
    if (only !== undefined) aliasRows = aliasRows.where('model_name', '=', only);
    const byModel = new Map<string, Record<string, number>>();
    for (const a of await aliasRows.orderBy('alias').execute()) {
      const m = byModel.get(a.model_name) ?? {};
      m[a.alias] = Number(a.version);
      byModel.set(a.model_name, m);
    }
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      createdAt: new Date(r.created_at),
      latestVersion: Number(r.latest ?? 0),
      productionVersion: r.production === null || r.production === undefined ? null : Number(r.production),
      aliases: byModel.get(r.name) ?? {},
    }));
  }
}

function aliasesOf(aliases: ReadonlyMap<string, number>, version: number): string[] {
  return [...aliases].filter(([, v]) => v === version).map(([a]) => a);
}

function aliasNotFound(name: string, alias: string): SporeprintError {
  return new SporeprintError('SP_ERR_NOT_FOUND', `Model ${name} has no alias ${alias}`, {
    modelName: name,
    alias,
  });
}
