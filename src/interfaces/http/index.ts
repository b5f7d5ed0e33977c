export { authenticate, requireRole, secretOf } from './auth.js';
export { type BuiltApp, buildApp } from './build-app.js';
export { type ErrorBody, errorBody, statusOf } from './errors.js';
export type { ApiKeyVerifier, ApiPrincipal, HttpDeps, HttpSettings, RegistryHttpApi } from './http-deps.js';
export { createMetrics, type HttpMetrics } from './metrics.js';
