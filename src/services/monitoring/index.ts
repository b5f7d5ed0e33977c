export { calibrationError, type LabelledFigures, labelledFigures } from './labelled-figures.js';
export {
  alertSamples,
  type MonitorCheckResult,
  reportAlerts,
  runMonitorCheck,
} from './monitor-check.js';
export {
  leaseTtlMs,
  MONITOR_CHECK_LEASE,
  type MonitorRoundOutcome,
  type MonitorSchedule,
  type MonitorScheduleOptions,
  type MonitorScheduleStatus,
  startMonitorSchedule,
} from './monitor-schedule.js';
export { buildMonitoringReport, verdictReasons } from './monitoring-report.js';
export { MonitoringService, type MonitoringServiceDeps } from './monitoring-service.js';
export type {
  DriftReport,
  DriftSettings,
  EstimatedFigures,
  FeatureDrift,
  MonitorQuery,
  MonitorWindow,
  PerformanceReport,
  WindowFigures,
} from './monitoring-types.js';
export {
  buildReferenceProfile,
  OUTCOMES,
  type Outcome,
  type ProfiledFeature,
  type ReferenceProfile,
} from './reference-profile.js';
