export { type LabelledFigures, labelledFigures } from './labelled-figures.js';
export {
  type DriftReport,
  type DriftSettings,
  type FeatureDrift,
  MonitoringService,
  type MonitoringServiceDeps,
  type MonitorQuery,
  type MonitorWindow,
  type PerformanceReport,
} from './monitoring-service.js';
export {
  buildReferenceProfile,
  OUTCOMES,
  type Outcome,
  type ProfiledFeature,
  type ReferenceProfile,
} from './reference-profile.js';
