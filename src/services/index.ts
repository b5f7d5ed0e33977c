export {
  datasetVersionId,
  type EtlDefaults,
  type EtlProgress,
  type EtlRequest,
  EtlService,
  type EtlSummary,
  type LabelConflictSummary,
  type VersionParams,
} from './etl/index.js';
export { DatabaseService } from './system/database-service.js';
