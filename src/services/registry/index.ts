export type {
  ModelStage,
  ModelVersionRecord,
  RegisteredModelRecord,
  RegistryEventBus,
  RegistryEventMessage,
  RegistryEventRecord,
  TransitionResult,
} from '../../storage/index.js';
export { readSplitRecords } from './held-out-data.js';
export {
  DEFAULT_GATE,
  type EvaluationFigures,
  type GateConfig,
  type GateRule,
  type GateVerdict,
} from './quality-gate.js';
export {
  type ArchiveOptions,
  type LoadedModel,
  type MetricDelta,
  type ModelDetails,
  type PromoteOptions,
  type PromotionResult,
  type RegisterOptions,
  RegistryService,
  type RegistryServiceDeps,
  type VersionComparison,
  type VersionSelector,
} from './registry-service.js';
export type { ArtifactCheck } from './verify-artifacts.js';
