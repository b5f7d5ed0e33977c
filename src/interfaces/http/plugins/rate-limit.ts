import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SporeprintError } from '../../../core/index.js';

/**
 * The bucket of a request: its verified key, else its address. A random or revoked key verifies to
 * nothing, so it counts against the address: a fresh token per request gets no fresh bucket, and
 * failed authentications count.
 */
export const rateLimitKey = (req: FastifyRequest): string =>
  req.principal === null ? `ip:${req.ip}` : `key:${req.principal.id}`;

/**
 * `perMinute` requests per minute per bucket (see {@link rateLimitKey}), checked after the key is
 * verified and before the body is read; 429 in the error envelope with `Retry-After`. Routes with
 * `config.rateLimit: false` (health probes, metrics) are not limited. Register after the auth plugin.
 */
export const rateLimitPlugin = fp<{ perMinute: number }>(
  async (app: FastifyInstance, opts) => {
    await app.register(rateLimit, {
      max: opts.perMinute,
      timeWindow: 60_000,
      hook: 'onRequest',
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_req, ctx) =>
        new SporeprintError(
          'SP_ERR_RATE_LIMITED',
          `rate limit of ${ctx.max} requests per minute reached; retry in ${ctx.after}`,
        ),
    });
  },
  { name: 'sporeprint-rate-limit', dependencies: ['sporeprint-auth'] },
);
