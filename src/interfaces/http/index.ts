export { type BuiltApp, buildApp } from './build-app.js';
export { type ErrorBody, errorBody, statusOf } from './errors.js';
export type {
  AlertsHttpApi,
  ApiKeyVerifier,
  ApiPrincipal,
  ExperimentsHttpApi,
  HttpDeps,
  HttpSettings,
  MonitoringHttpApi,
  PipelinesHttpApi,
  RegistryHttpApi,
} from './http-deps.js';
export { LogCommitHealth, type LogCommitHealthOptions } from './log-commit-health.js';
export { createMetrics, type HttpMetrics, type LogCommitStats } from './metrics.js';
export { secretOf } from './plugins/auth.js';
export { ErrorEnvelopeSchema } from './schemas/error-envelope.js';
export { mushroomSchema } from './schemas/mushroom.js';
