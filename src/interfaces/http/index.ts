export { type BuiltApp, buildApp } from './build-app.js';
export { type ErrorBody, errorBody, statusOf } from './errors.js';
export type {
  AlertsHttpApi,
  ApiKeyVerifier,
  ApiPrincipal,
  DatasetsHttpApi,
  ExperimentsHttpApi,
  HttpDeps,
  HttpSettings,
  MonitoringHttpApi,
  OverviewHttpApi,
  PipelinesHttpApi,
  RegistryHttpApi,
} from './http-deps.js';
export { LogCommitHealth, type LogCommitHealthOptions } from './log-commit-health.js';
export { createMetrics, type HttpMetrics, type LogCommitStats } from './metrics.js';
export { secretOf } from './plugins/auth.js';
export { DASHBOARD_CSP, DASHBOARD_PREFIX } from './routes/dashboard.js';
export { ErrorEnvelopeSchema } from './schemas/error-envelope.js';
export { mushroomSchema } from './schemas/mushroom.js';
