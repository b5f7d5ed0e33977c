/** Lifecycle stage of a model version. At most one version per model is in `Production`. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** Every stage, in lifecycle order. */
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** What a {@link RegistryEventRecord} records. */
export type RegistryEventKind =
  | 'registered'
  | 'stage-changed'
  | 'alias-set'
  | 'alias-removed'
  | 'rolled-back';

/** A new model version. JSON fields take any JSON-serialisable value. */
export interface RegisterVersionInput {
  /** Letters, digits, `.`, `_` and `-`, starting with a letter or digit (at most 128). */
  readonly modelName: string;
  /** The training run that produced it (must exist). */
  readonly runId: string;
  /** The dataset version it was trained on (must exist). */
  readonly datasetId: string;
  /** sha256 of the dataset's source file (lineage). */
  readonly sourceSha256: string;
  /** sha256 of the pipeline artifact in the artifact store. */
  readonly artifactSha256: string;
  /** Which artifact store holds it (e.g. `'file'`, `'database'`, or a description). */
  readonly artifactStore: string;
  /** Metrics: validation, test, CV. */
  readonly metrics: unknown;
  readonly params: unknown;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
  /** Description of the registered model, used only when this call creates it. */
  readonly modelDescription?: string;
  readonly author: string;
}

/** A stored model version. */
export interface ModelVersionRecord {
  readonly modelName: string;
  readonly version: number;
  readonly runId: string;
  readonly datasetId: string;
  readonly sourceSha256: string;
  readonly artifactSha256: string;
  readonly artifactStore: string;
  readonly metrics: unknown;
  readonly params: unknown;
  readonly tags: Readonly<Record<string, string>>;
  readonly description: string;
  readonly author: string;
  readonly stage: ModelStage;
  /** Aliases pointing at this version, sorted. */
  readonly aliases: readonly string[];
  readonly createdAt: Date;
}

/** A registered model with a summary of its versions. */
export interface RegisteredModelRecord {
  readonly name: string;
  readonly description: string;
  readonly createdAt: Date;
  /** The highest version number. */
  readonly latestVersion: number;
  readonly productionVersion: number | null;
  /** Alias → version. */
  readonly aliases: Readonly<Record<string, number>>;
}

/** A stage transition. */
export interface TransitionStageInput {
  readonly modelName: string;
  readonly version: number;
  readonly toStage: ModelStage;
  /** Who asked (user name, API key id, `system`). */
  readonly actor: string;
  readonly reason?: string;
  /** Overrides a refused transition (quality gate, archived version); recorded in the history. */
  readonly forced?: boolean;
  /**
   * Promotion to Production: archive the current Production version in the same transaction
   * (default `true`). With `false`, promoting while another version is in Production is refused.
   */
  readonly archivePreviousProduction?: boolean;
  /** The event recorded (default `'stage-changed'`); `'rolled-back'` only for promotions to Production. */
  readonly eventKind?: 'stage-changed' | 'rolled-back';
  /**
   * Optimistic check for promotions to Production: the version the caller saw in Production (`null`
   * for none) when it decided, e.g. when a quality gate compared against it. When given and the
   * Production version is another one at commit time, the transition rejects with `SP_ERR_CONFLICT`.
   */
  readonly expectedProduction?: number | null;
  /**
   * Optimistic check of the version's own stage: the stage the caller saw when it decided (e.g. that
   * the version is not in Production). When given and the version is in another stage at commit
   * time, the transition rejects with `SP_ERR_CONFLICT`.
   */
  readonly expectedStage?: ModelStage;
}

/** What {@link RegistryRepository.transitionStage} changed. */
export interface TransitionResult {
  /** The version that was in Production and has been archived, as it is now; `null` if none. */
  readonly previousProduction: ModelVersionRecord | null;
  /** The transitioned version, as it is now. */
  readonly version: ModelVersionRecord;
}

/** Points an alias at a version (creating or moving it). */
export interface SetAliasInput {
  readonly modelName: string;
  /** A letter, then letters, digits, `_` or `-` (at most 64). */
  readonly alias: string;
  readonly version: number;
  readonly actor: string;
  readonly reason?: string;
}

/** Removes an alias. */
export interface RemoveAliasInput {
  readonly modelName: string;
  readonly alias: string;
  readonly actor: string;
  readonly reason?: string;
}

/** A one-call rollback of Production to {@link RegistryRepository.rollbackTarget}. */
export interface RollbackInput {
  readonly modelName: string;
  readonly actor: string;
  readonly reason?: string;
}

/** One entry of the append-only registry history. */
export interface RegistryEventRecord {
  /** Increases in the order events were committed. */
  readonly id: number;
  readonly modelName: string;
  readonly version: number;
  readonly event: RegistryEventKind;
  readonly fromStage: ModelStage | null;
  readonly toStage: ModelStage | null;
  /** The alias of `alias-set` / `alias-removed` events, else `null`. */
  readonly alias: string | null;
  readonly actor: string;
  readonly reason: string | null;
  /** The version's metrics at the moment of the event. */
  readonly metrics: unknown;
  readonly forced: boolean;
  readonly createdAt: Date;
}

/** Filters and paging of {@link RegistryRepository.history}. */
export interface HistoryOptions {
  /** Only events of this version. */
  readonly version?: number;
  /** Default: all. */
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * The model registry: registered models, numbered versions, stages, aliases and an append-only
 * history. Unknown models, versions and aliases reject with `SP_ERR_NOT_FOUND` naming them.
 *
 * Invariant: at most one version per model is in Production at any instant. Promotions lock the
 * model, archive the previous Production version and promote the new one in one transaction, and
 * the schema itself refuses a second Production version.
 */
export interface RegistryRepository {
  /**
   * Registers a new version (stage `None`), numbered per model from 1, creating the registered model
   * on first use; records a `registered` event. Rejects with `SP_ERR_NOT_FOUND` when the run or
   * dataset version is unknown.
   */
  registerVersion(input: RegisterVersionInput): Promise<ModelVersionRecord>;
  getModel(name: string): Promise<RegisteredModelRecord>;
  /** Every registered model, by name. */
  listModels(): Promise<RegisteredModelRecord[]>;
  getVersion(name: string, version: number): Promise<ModelVersionRecord>;
  /** A model's versions, newest first. */
  listVersions(name: string): Promise<ModelVersionRecord[]>;
  versionByAlias(name: string, alias: string): Promise<ModelVersionRecord>;
  /** The version in Production, or `null` when none is. */
  productionVersion(name: string): Promise<ModelVersionRecord | null>;
  /**
   * Moves a version to another stage and records the event. Promoting to Production archives the
   * previous Production version (event `stage-changed`, Production → Archived) in the same
   * transaction. Rejects with `SP_ERR_REGISTRY_STATE` when the version is already in `toStage`, when
   * an Archived version would go to Staging or Production without `forced` (rollbacks excepted), and
   * when `archivePreviousProduction` is `false` while another version is in Production.
   */
  transitionStage(input: TransitionStageInput): Promise<TransitionResult>;
  /**
   * Returns Production to {@link rollbackTarget}, in one transaction, recorded as `rolled-back`.
   * Rejects with `SP_ERR_REGISTRY_STATE` when there is nothing to roll back to.
   */
  rollback(input: RollbackInput): Promise<TransitionResult>;
  /** Points an alias at a version (moving it if it exists); records `alias-set`. */
  setAlias(input: SetAliasInput): Promise<ModelVersionRecord>;
  /** Removes an alias; records `alias-removed`. */
  removeAlias(input: RemoveAliasInput): Promise<void>;
  /** A model's events, oldest first. */
  history(name: string, options?: HistoryOptions): Promise<RegistryEventRecord[]>;
  /** The version that served as Production at instant `at` (from the event log), or `null`. */
  productionAt(name: string, at: Date): Promise<number | null>;
  /**
   * The version that served as Production before the current one (or the last one that served, when
   * none does now), from the history; `null` when there is none.
   */
  rollbackTarget(name: string): Promise<number | null>;
}
