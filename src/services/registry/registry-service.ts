import { SporeprintError } from '../../core/index.js';
import { evaluateBinary, type ModelPipeline } from '../../ml/index.js';
import type {
  ArtifactStore,
  DatasetRepository,
  ModelStage,
  ModelVersionRecord,
  RegisteredModelRecord,
  RegistryEventBus,
  RegistryEventMessage,
  RegistryEventRecord,
  RegistryRepository,
  RunRepository,
  TransitionResult,
} from '../../storage/index.js';
import { evaluatePipeline, type HeldOutData, readTestSplit } from './held-out-data.js';
import { applyGate, failedRulesText, type GateConfig, type GateVerdict } from './quality-gate.js';
import { type ArtifactCheck, parseModelArtifact, verifyRegisteredArtifacts } from './verify-artifacts.js';

/** Dependencies of the {@link RegistryService}. */
export interface RegistryServiceDeps {
  readonly runs: RunRepository;
  readonly registry: RegistryRepository;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetRepository;
  /** Where registry events go after each change commits. */
  readonly events: RegistryEventBus;
  readonly gate: GateConfig;
  /**
   * Called when publishing an event fails. The registry change itself has committed and stands;
   * default: ignore.
   */
  readonly onEventError?: (error: Error, message: RegistryEventMessage) => void;
  /**
   * Called once a version is registered, before `register` resolves (monitoring builds the version's
   * reference profile here). A failure is reported to `onRegisteredError` and never undoes the
   * registration.
   */
  readonly onRegistered?: (version: ModelVersionRecord) => Promise<void>;
  readonly onRegisteredError?: (error: Error, version: ModelVersionRecord) => void;
}

/** Options of {@link RegistryService.register}. */
export interface RegisterOptions {
  /** Default: the run's model name (`sporeprint-<schema>` unless training was told otherwise). */
  readonly modelName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly author: string;
}

/** Options of {@link RegistryService.promote}. */
export interface PromoteOptions {
  /** Default `Production`. */
  readonly stage?: 'Production' | 'Staging';
  readonly actor: string;
  readonly reason?: string;
  /** Overrides a failed quality gate or an Archived version; needs a reason; recorded. */
  readonly force?: boolean;
}

/** Options of {@link RegistryService.archive}. */
export interface ArchiveOptions {
  readonly actor: string;
  readonly reason?: string;
  /**
   * Archives the Production version, leaving the model with none (running servers keep the model
   * they loaded; new replicas have none to load). Needs a reason; recorded in the history.
   */
  readonly force?: boolean;
}

/** What a promotion did. */
export interface PromotionResult extends TransitionResult {
  /** The gate's verdict (promotions to Production), `null` for Staging. */
  readonly gate: GateVerdict | null;
  readonly forced: boolean;
}

/** What selects a version: its number, an alias, or `'production'`. */
export type VersionSelector = number | string;

/** A verified pipeline and the version it came from. */
export interface LoadedModel {
  readonly version: ModelVersionRecord;
  readonly pipeline: ModelPipeline;
}

/** One metric of two versions on the same rows; `delta` = second − first. */
export interface MetricDelta {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
}

/** {@link RegistryService.compare}'s answer. */
export interface VersionComparison {
  readonly model: string;
  readonly versions: readonly [number, number];
  /** The dataset version whose test split both were evaluated on (the second version's). */
  readonly datasetId: string;
  readonly rows: number;
  readonly metrics: Readonly<
    Record<
      'recall' | 'falseEdible' | 'accuracy' | 'precision' | 'f1' | 'rocAuc' | 'logLoss' | 'brier',
      MetricDelta
    >
  >;
  readonly served: Readonly<Record<'falseEdible' | 'uncertainShare', MetricDelta>>;
  /** Rows whose three-way decisions differ, and their share. */
  readonly disagreements: number;
  readonly disagreementShare: number;
  /** counts[a][b]: rows the first version answered a and the second b (edible, poisonous, uncertain). */
  readonly decisionMatrix: readonly (readonly number[])[];
}

/** A model with its versions (newest first). */
export interface ModelDetails {
  readonly model: RegisteredModelRecord;
  readonly versions: readonly ModelVersionRecord[];
}

const RETRIES = 3;

/**
 * Runs `attempt` again (up to {@link RETRIES} times in all) when it rejects with `SP_ERR_CONFLICT`: the
 * registry changed between what the attempt read and its commit.
 */
async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof SporeprintError && e.code === 'SP_ERR_CONFLICT') || n >= RETRIES) throw e;
    }
  }
}

/** A forced registry action needs a reason: it is recorded in the history. */
function requireReasonWhenForced(action: 'promotion' | 'archive', force: boolean, reason?: string): void {
  if (force && !reason?.trim()) {
    throw new SporeprintError(
      'SP_ERR_USAGE',
      `A forced ${action} needs a reason (--reason "…"), recorded in the history`,
    );
  }
}

/**
 * Refuses to move the Production version anywhere but out through another promotion, unless forced:
 * the model would be left with no Production version while servers keep serving the one they loaded.
 */
function refuseLeavingProduction(current: ModelVersionRecord, toStage: ModelStage, force: boolean): void {
  if (current.stage !== 'Production' || force) return;
  const { modelName, version } = current;
  throw new SporeprintError(
    'SP_ERR_REGISTRY_STATE',
    `Version ${version} of model ${modelName} is in Production: moving it to ${toStage} would leave the model ` +
      'with no Production version. Promote another version first (that archives this one), or pass ' +
      '--force --reason "…" (recorded in the history)',
    { modelName, version, stage: current.stage, toStage },
  );
}

/**
 * The model registry as the rest of sporeprint uses it: registration from training runs, promotion
 * through the quality gate, aliases, rollback, history, comparison and verified loading. Every
 * committed change is then published on the event bus.
 */
export class RegistryService {
  readonly #d: RegistryServiceDeps;

  constructor(deps: RegistryServiceDeps) {
    this.#d = deps;
  }

  /** The gate thresholds in force. */
  get gateConfig(): GateConfig {
    return this.#d.gate;
  }

  /**
   * Registers a succeeded training run as a new version (stage None) with its metrics, params, dataset
   * version, source hash (lineage) and artifact, which must load and verify. Refuses unknown runs
   * (`SP_ERR_NOT_FOUND`) and runs that did not succeed (`SP_ERR_REGISTRY_STATE`).
   */
  async register(runId: string, options: RegisterOptions): Promise<ModelVersionRecord> {
    const run = await this.#d.runs.get(runId);
    if (run === undefined) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `Training run ${runId} does not exist`, { runId });
    }
    if (run.status !== 'succeeded' || !run.artifactSha256) {
      throw new SporeprintError(
        'SP_ERR_REGISTRY_STATE',
        `Training run ${runId} is ${run.status}${run.error ? ` (${run.error})` : ''}: only succeeded runs with an artifact can be registered`,
        { runId, status: run.status },
      );
    }
    const dataset = await this.#d.datasets.findVersion(run.datasetId);
    if (dataset === undefined) {
      throw new SporeprintError(
        'SP_ERR_NOT_FOUND',
        `Dataset version ${run.datasetId} of run ${runId} does not exist`,
      );
    }
    await this.#loadArtifact(run.artifactSha256); // refuse to register what would not load
    const version = await this.#d.registry.registerVersion({
      modelName: options.modelName ?? run.modelName,
      runId,
      datasetId: run.datasetId,
      sourceSha256: dataset.sourceId,
      artifactSha256: run.artifactSha256,
      artifactStore: this.#d.artifacts.kind,
      metrics: run.metrics,
      params: run.params,
      tags: { modelKind: run.modelKind, ...(options.tags ?? {}) },
      description: options.description,
      author: options.author,
    });
    await this.#publish('registered', version.modelName, version.version, 'None', null);
    if (this.#d.onRegistered !== undefined) {
      try {
        await this.#d.onRegistered(version);
      } catch (e) {
        this.#d.onRegisteredError?.(e instanceof Error ? e : new Error(String(e)), version);
      }
    }
    return version;
  }

  /**
   * Evaluates the quality gate for promoting `version` to Production: the candidate and the current
   * Production version (both artifacts verified) on the test split of the candidate's dataset version.
   */
  async checkGate(name: string, version: number): Promise<GateVerdict> {
    const candidate = await this.#d.registry.getVersion(name, version);
    const production = await this.#d.registry.productionVersion(name);
    const data = await readTestSplit(this.#d.datasets, candidate.datasetId);
    const cand = evaluatePipeline(await this.#pipelineOf(candidate), data);
    let prod: GateVerdict['production'] = null;
    if (production !== null && production.version !== version) {
      const pipe = await this.#pipelineOf(production);
      prod =
        pipe.schema.name === data.schemaName
          ? { version: production.version, figures: evaluatePipeline(pipe, data).figures }
          : {
              version: production.version,
              figures: null,
              note: `it takes ${pipe.schema.name} data, the candidate's test split is ${data.schemaName}`,
            };
    }
    const { passed, rules } = applyGate(this.#d.gate, cand.figures, prod);
    return {
      passed,
      rules,
      datasetId: data.datasetId,
      candidate: { version, figures: cand.figures },
      production: prod,
      config: this.#d.gate,
    };
  }

  /**
   * Moves a version to Production (through the quality gate) or Staging. A blocked promotion throws
   * `SP_ERR_QUALITY_GATE` naming every failed rule with its figures; `force` (with a reason)
   * overrides it and is recorded with the failed rules in the history. Promoting an Archived version
   * needs `force` too. The previous Production version is archived in the same transaction; if
   * Production changes while the gate evaluates, the gate runs again against the new one.
   */
  async promote(name: string, version: number, options: PromoteOptions): Promise<PromotionResult> {
    const stage = options.stage ?? 'Production';
    if (stage !== 'Production' && stage !== 'Staging') {
      throw new SporeprintError(
        'SP_ERR_USAGE',
        `Promotion goes to Production or Staging, not ${String(stage)}`,
      );
    }
    const force = options.force === true;
    requireReasonWhenForced('promotion', force, options.reason);
    const current = await this.#d.registry.getVersion(name, version);
    if (current.stage === stage) {
      throw new SporeprintError(
        'SP_ERR_REGISTRY_STATE',
        `Version ${version} of model ${name} is already in ${stage}`,
      );
    }
    if (current.stage === 'Archived' && !force) {
      throw new SporeprintError(
        'SP_ERR_REGISTRY_STATE',
        `Version ${version} of model ${name} is Archived: promoting it to ${stage} needs --force with a --reason ` +
          '(or use `sporeprint models rollback` to return to the previous Production version)',
        { modelName: name, version, stage: current.stage },
      );
    }
    if (stage === 'Staging') {
      refuseLeavingProduction(current, 'Staging', force);
      const result = await this.#d.registry.transitionStage({
        modelName: name,
        version,
        toStage: 'Staging',
        actor: options.actor,
        reason: options.reason,
        forced: force,
        expectedStage: current.stage,
      });
      await this.#publishTransition(result, 'stage-changed');
      return { ...result, gate: null, forced: force };
    }
    // Production may move while the gate evaluates: then judge again against the new Production version.
    return retryOnConflict(async () => {
      const gate = await this.checkGate(name, version);
      if (!gate.passed && !force) {
        throw new SporeprintError(
          'SP_ERR_QUALITY_GATE',
          `Quality gate blocked promoting ${name} v${version} to Production (test split of ${gate.datasetId}, ` +
            `${gate.candidate.figures.n} rows): ${failedRulesText(gate.rules)}. Use --force --reason "…" to override.`,
          { modelName: name, version, verdict: gate },
        );
      }
      const failed = failedRulesText(gate.rules);
      const reason =
        force && !gate.passed ? `${options.reason} [quality gate overridden: ${failed}]` : options.reason;
      const result = await this.#d.registry.transitionStage({
        modelName: name,
        version,
        toStage: 'Production',
        actor: options.actor,
        reason,
        forced: force,
        expectedProduction: gate.production?.version ?? null,
      });
      await this.#publishTransition(result, 'stage-changed');
      return { ...result, gate, forced: force };
    });
  }

  /**
   * Archives a version. The Production version is refused (`SP_ERR_REGISTRY_STATE`): promote another
   * version first, which archives it in the same step, or pass `force` with a reason (recorded in the
   * history). The check holds at commit time: a version promoted meanwhile is judged again.
   */
  async archive(name: string, version: number, options: ArchiveOptions): Promise<TransitionResult> {
    const force = options.force === true;
    requireReasonWhenForced('archive', force, options.reason);
    // The version may change stage while we decide: then judge again on its new stage.
    return retryOnConflict(async () => {
      const current = await this.#d.registry.getVersion(name, version);
      refuseLeavingProduction(current, 'Archived', force);
      const result = await this.#d.registry.transitionStage({
        modelName: name,
        version,
        toStage: 'Archived',
        actor: options.actor,
        reason: options.reason,
        forced: force,
        expectedStage: current.stage,
      });
      await this.#publishTransition(result, 'stage-changed');
      return result;
    });
  }

  /**
   * Returns Production to the previously promoted version in one transaction, recorded as
   * `rolled-back` (no quality gate: it served before). `SP_ERR_REGISTRY_STATE` when there is none.
   */
  async rollback(name: string, actor: string, reason?: string): Promise<TransitionResult> {
    const result = await this.#d.registry.rollback({ modelName: name, actor, reason });
    await this.#publishTransition(result, 'rolled-back');
    return result;
  }

  /** Points an alias (e.g. champion) at a version. */
  async alias(
    name: string,
    alias: string,
    version: number,
    actor: string,
    reason?: string,
  ): Promise<ModelVersionRecord> {
    const record = await this.#d.registry.setAlias({ modelName: name, alias, version, actor, reason });
    await this.#publish('alias-set', name, version, record.stage, alias);
    return record;
  }

  /** Removes an alias. */
  async removeAlias(name: string, alias: string, actor: string, reason?: string): Promise<void> {
    const target = await this.#d.registry.versionByAlias(name, alias);
    await this.#d.registry.removeAlias({ modelName: name, alias, actor, reason });
    await this.#publish('alias-removed', name, target.version, target.stage, alias);
  }

  /** Every registered model. */
  list(): Promise<RegisteredModelRecord[]> {
    return this.#d.registry.listModels();
  }

  /** A model with its versions. */
  async show(name: string): Promise<ModelDetails> {
    const model = await this.#d.registry.getModel(name);
    return { model, versions: await this.#d.registry.listVersions(name) };
  }

  /** One version. */
  version(name: string, version: number): Promise<ModelVersionRecord> {
    return this.#d.registry.getVersion(name, version);
  }

  /** The append-only history, oldest first. */
  history(name: string, options?: { readonly version?: number }): Promise<RegistryEventRecord[]> {
    return this.#d.registry.history(name, options);
  }

  /** The version that served as Production at `at`, or `null`. */
  productionAt(name: string, at: Date): Promise<number | null> {
    return this.#d.registry.productionAt(name, at);
  }

  /** The version a selector names: a number, `'production'`, or an alias. */
  async resolve(name: string, selector: VersionSelector): Promise<ModelVersionRecord> {
    if (typeof selector === 'number') return this.#d.registry.getVersion(name, selector);
    if (/^\d+$/.test(selector)) return this.#d.registry.getVersion(name, Number(selector));
    if (selector.toLowerCase() === 'production') {
      const prod = await this.#d.registry.productionVersion(name);
      if (prod === null) {
        throw new SporeprintError('SP_ERR_NOT_FOUND', `Model ${name} has no version in Production`, {
          modelName: name,
        });
      }
      return prod;
    }
    return this.#d.registry.versionByAlias(name, selector);
  }

  /**
   * Loads a version's pipeline from the artifact store, SHA-256 verified: a corrupt or tampered
   * artifact rejects with `SP_ERR_ARTIFACT_CORRUPT` naming the file (or database row).
   */
  async loadPipeline(name: string, selector: VersionSelector): Promise<LoadedModel> {
    const version = await this.resolve(name, selector);
    return { version, pipeline: await this.#pipelineOf(version) };
  }

  /**
   * Compares two versions on the same rows (the test split of the second version's dataset version):
   * metric deltas (second − first) and how often their three-way decisions disagree.
   */
  async compare(name: string, first: number, second: number): Promise<VersionComparison> {
    const [a, b] = [
      await this.#d.registry.getVersion(name, first),
      await this.#d.registry.getVersion(name, second),
    ];
    const [pa, pb] = [await this.#pipelineOf(a), await this.#pipelineOf(b)];
    const data: HeldOutData = await readTestSplit(this.#d.datasets, b.datasetId);
    if (pa.schema.name !== data.schemaName) {
      throw new SporeprintError(
        'SP_ERR_BAD_DATA',
        `Cannot compare ${name} v${first} (${pa.schema.name} data) with v${second} (${data.schemaName} data) on the same rows`,
      );
    }
    const [ea, eb] = [evaluatePipeline(pa, data), evaluatePipeline(pb, data)];
    const [ma, mb] = [
      evaluateBinary(data.labels, ea.probabilities),
      evaluateBinary(data.labels, eb.probabilities),
    ];
    const d = (x: number, y: number): MetricDelta => ({ a: x, b: y, delta: y - x });
    const keys = [
      'recall',
      'falseEdible',
      'accuracy',
      'precision',
      'f1',
      'rocAuc',
      'logLoss',
      'brier',
    ] as const;
    const metrics = Object.fromEntries(keys.map((k) => [k, d(ma[k], mb[k])])) as Record<
      (typeof keys)[number],
      MetricDelta
    >;
    const matrix = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    let disagreements = 0;
    for (let i = 0; i < data.records.length; i++) {
      matrix[ea.decisions[i]][eb.decisions[i]]++;
      if (ea.decisions[i] !== eb.decisions[i]) disagreements++;
    }
    return {
      model: name,
      versions: [first, second],
      datasetId: data.datasetId,
      rows: data.records.length,
      metrics,
      served: {
        falseEdible: d(ea.figures.servedFalseEdible, eb.figures.servedFalseEdible),
        uncertainShare: d(ea.figures.uncertainShare, eb.figures.uncertainShare),
      },
      disagreements,
      disagreementShare: disagreements / data.records.length,
      decisionMatrix: matrix,
    };
  }

  /**
   * Checks every registered version's artifact (of `name`, or of every model) as a server loads it:
   * present, matching its SHA-256, a loadable pipeline. One check per version; never throws for a bad
   * artifact (`sporeprint models verify`, after restoring a backup).
   */
  verifyArtifacts(name?: string): Promise<ArtifactCheck[]> {
    return verifyRegisteredArtifacts(this.#d, name);
  }

  // ---- internals ------------------------------------------------------------------------------

  async #loadArtifact(sha256: string): Promise<ModelPipeline> {
    const bytes = await this.#d.artifacts.get(sha256); // SHA-256 verified
    return parseModelArtifact(bytes, this.#d.artifacts.describe(sha256));
  }

  #pipelineOf(version: ModelVersionRecord): Promise<ModelPipeline> {
    return this.#loadArtifact(version.artifactSha256);
  }

  async #publishTransition(result: TransitionResult, kind: 'stage-changed' | 'rolled-back'): Promise<void> {
    const prev = result.previousProduction;
    if (prev !== null) await this.#publish('stage-changed', prev.modelName, prev.version, prev.stage, null);
    const v = result.version;
    await this.#publish(kind, v.modelName, v.version, v.stage, null);
  }

  async #publish(
    event: RegistryEventMessage['event'],
    model: string,
    version: number,
    stage: ModelStage | null,
    alias: string | null,
  ): Promise<void> {
    const message: RegistryEventMessage = {
      event,
      model,
      version,
      stage,
      alias,
      at: new Date().toISOString(),
    };
    try {
      await this.#d.events.publish(message);
    } catch (e) {
      this.#d.onEventError?.(e as Error, message);
    }
  }
}
