import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { secretOf } from './auth.js';
import { errorBody, handleError } from './errors.js';
import type { HttpDeps } from './http-deps.js';
import { createMetrics, type HttpMetrics } from './metrics.js';
import { predictRoutes } from './routes/predict-routes.js';
import { registryRoutes } from './routes/registry-routes.js';
import { standardRoutes } from './routes/standard-routes.js';

/** The app and its metrics. */
export interface BuiltApp {
  readonly app: FastifyInstance;
  readonly metrics: HttpMetrics;
}

/**
 * Builds the HTTP API (without listening): routes, OpenAPI at /openapi.json, docs at /docs, Prometheus
 * at /metrics, JSON errors with stable codes. Tests use `app.inject()`; main/ calls `listen()`.
 */
export async function buildApp(deps: HttpDeps): Promise<BuiltApp> {
  const app = Fastify({
    logger: deps.settings.logLevel === 'silent' ? false : { level: deps.settings.logLevel },
    bodyLimit: deps.settings.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: false,
  });
  app.decorateRequest('principal', null);
  const metrics = createMetrics(deps.logQueueDepth);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(errorBody('SP_ERR_NOT_FOUND', `no route ${req.method} ${req.url}`));
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
  if (deps.settings.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...deps.settings.corsOrigins] });
  }
  if (deps.settings.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: deps.settings.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => secretOf(req) ?? req.ip,
      allowList: (req) => req.url.startsWith('/health') || req.url === '/metrics',
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        ...errorBody(
          'SP_ERR_RATE_LIMITED',
          `rate limit of ${ctx.max} requests per minute reached; retry in ${ctx.after}`,
        ),
      }),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sporeprint API',
        version: deps.version,
        description:
          'Mushroom classification. Poisonous is the positive class; the API answers "uncertain" rather than guess "edible". Every prediction is logged.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'sporeprint API key' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  predictRoutes(app, deps, metrics);
  standardRoutes(app, deps, metrics);
  if (deps.registry) registryRoutes(app, deps, deps.registry);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return { app, metrics };
}
