import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import type { RouteContext } from './route-context.js';

/** `GET /metrics`: Prometheus text (no key, no rate limit: scrapers). */
export const metricsRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { registry } = ctx.metrics;
  app.get(
    '/metrics',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        querystring: NoQuery,
        tags: ['health'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: {
          200: Type.String({ description: 'Prometheus text exposition format' }),
          ...errorResponses(),
        },
      },
    },
    async (_req, reply) => {
      void reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
};
