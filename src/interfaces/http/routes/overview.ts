import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OverviewMessage } from '../../../services/index.js';
import type { OverviewHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { OverviewSchema } from '../schemas/overview.js';
import type { RouteContext } from './route-context.js';

type OverviewContext = RouteContext & { overview: OverviewHttpApi };

/** A comment line sent when nothing else was, so proxies and clients know the stream is alive. */
const KEEP_ALIVE_MS = 15_000;
/** How long a client waits before reconnecting after the stream ends (the SSE `retry` field). */
const RETRY_MS = 2000;

/** One server-sent event. */
function sseEvent(m: OverviewMessage): string {
  const data = m.kind === 'overview' ? m.overview : { message: m.message };
  return `event: ${m.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /v1/overview` (the Overview once) and `GET /v1/events` (server-sent events: an `overview` event
 * at once and whenever it changes, read every second while someone listens; an `error` event when a
 * read fails; a comment every 15 s), with the read rule of the other read routes. Open streams end
 * when the server closes.
 */
export const overviewRoutes: FastifyPluginAsyncTypebox<OverviewContext> = async (app, ctx) => {
  const { overview } = ctx;
  const read = guard(['predict', 'admin'], 'dashboard reads', () => ctx.deps.settings.requireKeyForPredict);
  const tags = ['dashboard'];
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    overview.feed.close();
    done();
  });

  app.get(
    '/v1/overview',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'The Overview: Production models, running experiments, alerts, pipeline runs, traffic',
        response: { 200: OverviewSchema, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    () => overview.read() as never,
  );
  app.get(
    '/v1/events',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'The Overview, live (server-sent events)',
        description:
          'A text/event-stream: `event: overview` with the Overview (the schema of GET /v1/overview) at once and each time it changes (it is read every second while a client listens), `event: error` with `{"message"}` when a read fails, and a comment line every 15 s. Clients reconnect after 2 s when the stream ends.',
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'the event stream',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errorResponses(...AUTH_ERRORS),
        },
      },
    },
    (req, reply) => {
      reply.hijack();
      const res: ServerResponse = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // (nginx and other proxies: do not buffer the stream)
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${RETRY_MS}\n\n`);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        open.delete(end);
        clearInterval(keepAlive);
        unsubscribe();
        if (!res.writableEnded) res.end();
      };
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      keepAlive.unref();
      const unsubscribe = overview.feed.subscribe((m) => {
        if (!ended) res.write(sseEvent(m));
      });
      open.add(end);
      req.raw.on('close', end);
      res.on('error', end);
    },
  );
};
