export { datasetVersionId, type EtlDefaults, EtlService } from './etl-service.js';
export type {
  EtlLineage,
  EtlProgress,
  EtlRequest,
  EtlSummary,
  FeedbackEtlRequest,
  HeldOutRecords,
  LabelConflictSummary,
  UnseenSpeciesRecords,
  VersionParams,
} from './etl-types.js';
export type { LabelledRecordReader } from './feedback-records.js';
