import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type HTTPMethods,
  LogController,
} from 'fastify';
import { pino } from 'pino';
import { createErrorHandler, errorBody, onClientError, onFrameworkError } from './errors.js';
import type { HttpDeps } from './http-deps.js';
import { createMetrics, type HttpMetrics } from './metrics.js';
import { accessLogPlugin } from './plugins/access-log.js';
import { authPlugin } from './plugins/auth.js';
import { jsonBudget, useBudgetedJson } from './plugins/json-body.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { alertRoutes } from './routes/alerts.js';
import { batchRoute } from './routes/batch.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { datasetRoutes } from './routes/datasets.js';
import { experimentRoutes } from './routes/experiments.js';
import { feedbackRoute } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { mlflowRoutes } from './routes/mlflow.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { oipV2Routes } from './routes/oip-v2.js';
import { overviewRoutes } from './routes/overview.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { predictRoute } from './routes/predict.js';
import { registryRoutes } from './routes/registry.js';
import type { RouteContext } from './routes/route-context.js';
import { schemaRoute } from './routes/schema.js';
import { ErrorEnvelopeSchema } from './schemas/error-envelope.js';
import { MushroomValidator } from './schemas/mushroom.js';
import { SchemaCompilers } from './validation/schema-compilers.js';
import { sharedEnvelopeSerializers } from './validation/serializers.js';

/**
 * The routes of the parts the deps may leave out (registry, experiments, alerts, monitoring, pipelines,
 * datasets, the dashboard's Overview).
 */
async function registerOptionalRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { deps } = ctx;
  if (deps.registry) await app.register(registryRoutes, { ...ctx, registry: deps.registry });
  if (deps.experiments) await app.register(experimentRoutes, { ...ctx, experiments: deps.experiments });
  if (deps.alerts) await app.register(alertRoutes, { ...ctx, alerts: deps.alerts });
  if (deps.monitoring) await app.register(monitoringRoutes, { ...ctx, monitoring: deps.monitoring });
  if (deps.pipelines) await app.register(pipelineRoutes, { ...ctx, pipelines: deps.pipelines });
  if (deps.datasets) await app.register(datasetRoutes, { ...ctx, datasets: deps.datasets });
  if (deps.overview) await app.register(overviewRoutes, { ...ctx, overview: deps.overview });
}

/** The app and its metrics. */
export interface BuiltApp {
  readonly app: FastifyInstance;
  readonly metrics: HttpMetrics;
}

/** Longest path parameter (a model name is at most 128 characters); longer ones are a 414. */
const MAX_PARAM_LENGTH = 200;

const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/**
 * Builds the HTTP API (without listening): one TypeBox schema per request and response is the source
 * of the OpenAPI document (`/openapi.json`, docs at `/docs`), of the validation (Ajv: bodies as sent,
 * path and query parameters coerced from text) and of the handlers' types; responses are serialised
 * from the same schemas. Every error answer, including Fastify's own (404, 405, 413, 414, 415, 431,
 * 503 while closing), is the one error envelope. Tests use `app.inject()`; main/ calls `listen()`.
 */
export async function buildApp(deps: HttpDeps): Promise<BuiltApp> {
  const { settings } = deps;
  const compilers = new SchemaCompilers();
  // log lines are written asynchronously: a line goes out at once when no write is in flight, and
  // under load the lines written meanwhile go out together (an access log line per request costs no
  // write system call of its own); what is left is flushed when the app closes. No minimum length:
  // a line waiting for 4 KiB of others would keep a quiet server's console silent
  const destination =
    settings.logLevel === 'silent' ? null : pino.destination({ dest: 1, sync: false, minLength: 0 });
  const app = Fastify({
    ...(destination === null
      ? { logger: false }
      : { loggerInstance: pino({ level: settings.logLevel }, destination) as FastifyBaseLogger }),
    // the access log plugin writes one line per request instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: settings.bodyLimitBytes,
    // the envelope's 503 while closing (onRequest below), not Fastify's own body
    return503OnClosing: false,
    forceCloseConnections: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    schemaController: { compilersFactory: { buildSerializer: sharedEnvelopeSerializers } },
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
    // a short message; the error handler builds the envelope from the errors themselves
    schemaErrorFormatter: (errors, dataVar) =>
      new Error(`${dataVar}${errors[0]?.instancePath ?? ''} ${errors[0]?.message ?? 'is invalid'}`),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(compilers.fastify);
  app.addSchema(ErrorEnvelopeSchema);
  const metrics = createMetrics(deps.logQueueDepth, deps.logStats, deps.monitorStatus);
  const mushroom = new MushroomValidator(deps.schema, compilers);
  app.setErrorHandler(createErrorHandler(mushroom));
  if (destination !== null) app.addHook('onClose', (_app, done) => destination.flush(() => done()));

  // while closing: in-flight requests finish, and so do requests on connections accepted before the
  // port closed (a client that connected at that moment is answered, not refused with a 503 it cannot
  // safely retry for a POST); every answer closes its connection
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // while draining (before closing): every answer closes its connection, so that clients holding a
  // keep-alive connection (an L4 load balancer's, a Kubernetes Service's) reconnect to another replica
  const draining = deps.draining;
  app.addHook('onRequest', (_req, reply, done) => {
    if (closing || draining?.() === true) void reply.header('connection', 'close');
    done();
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allow = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    if (allow.length > 0) {
      void reply
        .status(405)
        .header('allow', allow.join(', '))
        .send(
          errorBody(
            'SP_ERR_METHOD_NOT_ALLOWED',
            `${req.method} is not allowed here; allowed: ${allow.join(', ')}`,
          ),
        );
      return;
    }
    void reply
      .status(404)
      .send(errorBody('SP_ERR_NOT_FOUND', `no route ${req.method} ${path.slice(0, 200)}`));
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
  if (settings.accessLog) await app.register(accessLogPlugin);
  await app.register(authPlugin, { keys: deps.keys });
  if (settings.rateLimitPerMinute > 0) {
    await app.register(rateLimitPlugin, { perMinute: settings.rateLimitPerMinute });
  }
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...settings.corsOrigins] });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sporeprint API',
        version: deps.version,
        description: `Mushroom classification. Poisonous is the positive class; the API answers "uncertain" rather than guess "edible". Every prediction is logged. Every request is checked against its schema (422 naming each field); a prediction request holds at most ${settings.maxRecordsPerRequest} records; every error answer is the ErrorEnvelope.`,
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'sporeprint API key' } },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: {} });
  // the Mushroom schema as a named component of the document (bodies use the same object inline)
  app.addSchema({ ...(mushroom.schema as object), $id: 'Mushroom' });

  // every JSON body is checked against the structure budget before it is parsed
  const budget = jsonBudget(settings.maxRecordsPerRequest, deps.schema.features.length);
  useBudgetedJson(app, budget);
  const ctx: RouteContext = { deps, metrics, mushroom, jsonBudget: budget, log: app.log };
  await registerRoutes(app, ctx);
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: false } }, async () => app.swagger());
  await app.ready();
  return { app, metrics };
}

/** Every route plugin; those of an absent service are left out. */
async function registerRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await app.register(healthRoutes, ctx);
  await app.register(metricsRoute, ctx);
  await app.register(predictRoute, ctx);
  await app.register(batchRoute, ctx);
  await app.register(feedbackRoute, ctx);
  await app.register(oipV2Routes, ctx);
  await app.register(mlflowRoutes, ctx);
  await registerOptionalRoutes(app, ctx);
  await app.register(schemaRoute, ctx);
  await app.register(dashboardRoutes, ctx);
}
