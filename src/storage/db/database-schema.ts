import type { AlertTables } from '../alerts/alert-tables.js';
import type { ApiKeyTables } from '../api-keys/api-key-tables.js';
import type { ArtifactTables } from '../artifacts/artifact-tables.js';
import type { DatasetTables } from '../datasets/dataset-tables.js';
import type { ExperimentTables } from '../experiments/experiment-tables.js';
import type { FeedbackTables } from '../feedback/feedback-tables.js';
import type { LeaseTables } from '../leases/lease-tables.js';
import type { MonitoringTables } from '../monitoring/monitoring-tables.js';
import type { PipelineTables } from '../pipelines/pipeline-tables.js';
import type { PredictionTables } from '../predictions/prediction-tables.js';
import type { RegistryTables } from '../registry/registry-tables.js';
import type { RunTables } from '../runs/run-tables.js';

/**
 * Kysely's view of the whole database, as created by the migrations: the tables each aggregate
 * declares in its own `<aggregate>-tables.ts`, put together. Internal to storage: repositories
 * translate rows to the plain records of their public interfaces. A new aggregate adds its tables
 * interface here, and the migration that creates them in `migrations/`.
 *
 * Conventions shared by every table (now and in later migrations): string ids, timestamps as
 * ISO-8601 UTC text with milliseconds (`2024-05-01T12:00:00.000Z`, sortable on both dialects),
 * booleans as 0/1 integers, structured values as JSON text.
 */
export type DatabaseSchema = DatasetTables &
  RunTables &
  ArtifactTables &
  RegistryTables &
  PredictionTables &
  FeedbackTables &
  ApiKeyTables &
  ExperimentTables &
  MonitoringTables &
  AlertTables &
  LeaseTables &
  PipelineTables;
