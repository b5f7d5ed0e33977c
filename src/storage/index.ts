/**
 * Storage: the database (SQLite or MySQL/MariaDB through Kysely), its migrations and repositories.
 * Everything arrives as arguments (a URL, options); services receive the repository interfaces, never
 * connections or transactions.
 */
export {
  API_KEY_ROLES,
  type ApiKeyInput,
  type ApiKeyRecord,
  type ApiKeyRepository,
  type ApiKeyRole,
  type CreatedApiKey,
} from './api-key-types.js';
export {
  type ArtifactStore,
  type ArtifactStoreConfig,
  openArtifactStore,
  type StoredArtifact,
} from './artifact-store.js';
export {
  type DatabaseUrl,
  type MysqlUrl,
  parseDatabaseUrl,
  redactUrl,
  type SqliteUrl,
} from './database-url.js';
export {
  type CreateVersionResult,
  type DatasetRepository,
  type DatasetSchemaName,
  type DatasetVersionInput,
  type DatasetVersionRecord,
  type DatasetVersionSummary,
  type FeatureValue,
  type Label,
  type PageOptions,
  type QuarantineInput,
  type QuarantineRecord,
  type SourceCounts,
  type SourceInput,
  type SourceLoad,
  type SourceLoadFinish,
  type SourceRecord,
  type SourceRow,
  type SourceRowInput,
  SPLIT_CODE,
  type SplitKind,
} from './dataset-types.js';
export {
  type GroupCommitFailure,
  GroupCommitLog,
  type GroupCommitLogOptions,
  type GroupCommitMode,
} from './group-commit-log.js';
export { migrationNames } from './migration-provider.js';
export {
  type MigrationOutcome,
  type MigrationReport,
  type MigrationStatus,
  type OpenStorageOptions,
  openStorage,
  type Storage,
} from './open-storage.js';
export {
  createPredictionLog,
  PredictionLog,
  type PredictionLogItem,
  type PredictionLogOptions,
} from './prediction-log.js';
export { preparePredictionChunk } from './prediction-rows.js';
export {
  type BatchJournalChunk,
  type BatchJournalEntry,
  type BatchJournalSummary,
  type FeedbackInput,
  type FeedbackOutcome,
  type FeedbackRecord,
  type FeedbackRepository,
  type LabelledPrediction,
  type LabelledPredictionOptions,
  PREDICTION_DECISIONS,
  PREDICTION_REQUEST_KINDS,
  type PredictionChunkInput,
  type PredictionDecision,
  type PredictionFilter,
  type PredictionInput,
  type PredictionJournalRepository,
  type PredictionListOptions,
  type PredictionRecord,
  type PredictionRepository,
  type PredictionRequestKind,
  type PreparedPrediction,
  type PreparedPredictionChunk,
  type PreparedPredictions,
} from './prediction-types.js';
export {
  createInProcessEventBus,
  type RegistryEventBus,
  type RegistryEventListener,
  type RegistryEventMessage,
} from './registry-events.js';
export {
  openRedisEventBus,
  parseRegistryEventMessage,
  REGISTRY_EVENTS_CHANNEL,
  type RedisEventBusOptions,
} from './registry-events-redis.js';
export {
  type HistoryOptions,
  MODEL_STAGES,
  type ModelStage,
  type ModelVersionRecord,
  type RegisteredModelRecord,
  type RegisterVersionInput,
  type RegistryEventKind,
  type RegistryEventRecord,
  type RegistryRepository,
  type RemoveAliasInput,
  type RollbackInput,
  type SetAliasInput,
  type TransitionResult,
  type TransitionStageInput,
} from './registry-types.js';
export type {
  RunFinish,
  RunInput,
  RunListOptions,
  RunRecord,
  RunRepository,
  RunStatus,
} from './run-types.js';
