/**
 * Storage: the database (SQLite or MySQL/MariaDB through Kysely), its migrations and repositories.
 * Everything arrives as arguments (a URL, options); services receive the repository interfaces, never
 * connections or transactions.
 *
 * One folder per aggregate (`datasets/`, `runs/`, `registry/`, `artifacts/`, `predictions/`,
 * `feedback/`, `api-keys/`, `experiments/`, `alerts/`, `leases/`, `pipelines/`), each with its tables, types, row conversions and repository; `db/` opens
 * the database, composes the tables into one schema and holds the migrations; `events/` is the bus
 * on which changes are published. This file is storage's only public entry.
 */
export { SILENCE_ID } from './alerts/alert-rows.js';
export type {
  AlertCheckWrite,
  AlertHistoryInput,
  AlertHistoryKind,
  AlertHistoryOptions,
  AlertHistoryRecord,
  AlertLabels,
  AlertRepository,
  AlertStateRecord,
  AlertStatus,
  NotifiedStatus,
  SilenceMatcher,
  SilenceRecord,
} from './alerts/alert-types.js';
export {
  API_KEY_ROLES,
  type ApiKeyInput,
  type ApiKeyRecord,
  type ApiKeyRepository,
  type ApiKeyRole,
  type CreatedApiKey,
} from './api-keys/api-key-types.js';
export {
  type ArtifactStore,
  type ArtifactStoreConfig,
  openArtifactStore,
  type StoredArtifact,
} from './artifacts/artifact-store.js';
export {
  type CreateVersionResult,
  type DatasetLineageInput,
  type DatasetLineageRecord,
  type DatasetRepository,
  type DatasetSchemaName,
  type DatasetVersionInput,
  type DatasetVersionRecord,
  type DatasetVersionSummary,
  type FeatureValue,
  LABEL_SOURCES,
  type Label,
  type LabelSource,
  type PageOptions,
  type QuarantineInput,
  type QuarantineRecord,
  type RowOrigin,
  type SourceCounts,
  type SourceInput,
  type SourceLoad,
  type SourceLoadFinish,
  type SourceRecord,
  type SourceRow,
  type SourceRowInput,
  SPLIT_CODE,
  type SplitKind,
} from './datasets/dataset-types.js';
export {
  type DatabaseUrl,
  type MysqlUrl,
  parseDatabaseUrl,
  redactUrl,
  type SqliteUrl,
} from './db/database-url.js';
export { migrationNames } from './db/migration-provider.js';
export {
  type MigrationOutcome,
  type MigrationReport,
  type MigrationStatus,
  type OpenStorageOptions,
  openStorage,
  type Storage,
} from './db/open-storage.js';
export { threadEntry } from './db/thread-entry.js';
export {
  createInProcessEventBus,
  type RegistryEventBus,
  type RegistryEventListener,
  type RegistryEventMessage,
} from './events/registry-events.js';
export {
  openRedisEventBus,
  parseRegistryEventMessage,
  REGISTRY_EVENTS_CHANNEL,
  type RedisEventBusOptions,
} from './events/registry-events-redis.js';
export {
  type ExperimentMetricsReader,
  experimentMetricsReader,
} from './experiments/experiment-metrics-reader.js';
export type {
  ExperimentArmsInput,
  ExperimentChange,
  ExperimentListFilter,
  ExperimentRepository,
  ExperimentTransitionInput,
  NewExperimentInput,
} from './experiments/experiment-repository.js';
export { EXPERIMENT_ID, EXPERIMENT_STATUSES } from './experiments/experiment-rows.js';
export type {
  ArmMetrics,
  ArmRole,
  AssignmentUnit,
  DisagreementCell,
  ExperimentArm,
  ExperimentEvent,
  ExperimentRecord,
  ExperimentSettings,
  ExperimentStatus,
  PrimaryMetric,
} from './experiments/experiment-types.js';
export type {
  FeedbackInput,
  FeedbackOutcome,
  FeedbackRecord,
  FeedbackRepository,
  LabelledPrediction,
  LabelledPredictionOptions,
  LabelledRecord,
  LabelledRecordOptions,
} from './feedback/feedback-types.js';
export type { LeaseRecord, LeaseRepository } from './leases/lease-types.js';
export {
  CALIBRATION_FEATURE,
  hundredth,
  type InputFeatures,
  LABEL_FEATURE,
  MISSING_VALUE,
  NUMERIC_DIGITS,
  OUTCOME_FEATURE,
  PROBABILITY_FEATURE,
  valueKey,
} from './monitoring/feature-counts.js';
export type {
  BucketCount,
  CountFilter,
  MonitoringRepository,
  StoredProfile,
  ValueCount,
} from './monitoring/monitoring-types.js';
export type {
  ExecutorKind,
  LinkKind,
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
  TriggerKind,
} from './pipelines/pipeline-types.js';
export {
  type GroupCommitFailure,
  GroupCommitLog,
  type GroupCommitLogOptions,
  type GroupCommitMode,
} from './predictions/group-commit-log.js';
export {
  createPredictionLog,
  PredictionLog,
  type PredictionLogItem,
  type PredictionLogOptions,
} from './predictions/prediction-log.js';
export { preparePredictionChunk } from './predictions/prediction-rows.js';
export {
  type BatchJournalChunk,
  type BatchJournalEntry,
  type BatchJournalSummary,
  type ChunkFeatures,
  type DecisionMinute,
  type DecisionMinuteFilter,
  MAX_ACTIVITY_HOURS,
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
} from './predictions/prediction-types.js';
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
} from './registry/registry-types.js';
export type {
  RunFinish,
  RunInput,
  RunListOptions,
  RunRecord,
  RunRepository,
  RunStatus,
} from './runs/run-types.js';
