export { datasetVersionId, type EtlDefaults, EtlService } from './etl-service.js';
export type {
  EtlProgress,
  EtlRequest,
  EtlSummary,
  HeldOutRecords,
  LabelConflictSummary,
  UnseenSpeciesRecords,
  VersionParams,
} from './etl-types.js';
