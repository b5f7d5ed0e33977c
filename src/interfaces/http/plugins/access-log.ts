import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { cut } from '../validation/problems.js';

/**
 * One access log line per request at info level, once answered: method, URL (cut to 200
 * characters), status, time in ms, and the request id (bound by Fastify) — never the body or the API key.
 */
export const accessLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.info(
        {
          method: req.method,
          url: cut(req.url, 200),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
      done();
    });
  },
  { name: 'sporeprint-access-log' },
);
