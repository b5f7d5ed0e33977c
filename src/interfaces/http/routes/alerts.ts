import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import type { AlertsHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import {
  AlertListingSchema,
  HistoryEntrySchema,
  HistoryQuery,
  SilenceBody,
  SilenceIdParams,
  SilenceSchema,
} from '../schemas/alert.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { type RouteContext, smallBodyLimit } from './route-context.js';

type AlertsContext = RouteContext & { alerts: AlertsHttpApi };

const tags = ['alerts'];
const ok = (schema: TSchema, ...statuses: number[]) => ({ 200: schema, ...errorResponses(422, ...statuses) });
const actor = (id: string | undefined): string => `api-key:${id ?? 'unknown'}`;
const time = (text: string | undefined): Date | undefined =>
  text === undefined ? undefined : new Date(text);

/**
 * `GET /v1/alerts` (rules, alerts, silences) and `GET /v1/alerts/history` (a predict or admin key,
 * required when prediction requires one), `POST /v1/alerts/silences` and `DELETE /v1/alerts/silences/{id}` (admin key).
 */
export const alertRoutes: FastifyPluginAsyncTypebox<AlertsContext> = async (app, ctx) => {
  const { alerts } = ctx;
  const read = guard(['predict', 'admin'], 'alert reads', () => ctx.deps.settings.requireKeyForPredict);
  const admin = guard(['admin'], 'silences');

  app.get(
    '/v1/alerts',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Alert rules, current alerts (pending, firing, resolved) and silences',
        response: ok(AlertListingSchema, ...AUTH_ERRORS),
      },
    },
    () => alerts.list() as never,
  );
  app.get(
    '/v1/alerts/history',
    {
      preParsing: read,
      schema: {
        querystring: HistoryQuery,
        tags,
        summary: 'The alert history, newest first: transitions, notifications, actions and silences',
        response: ok(Type.Array(HistoryEntrySchema), ...AUTH_ERRORS),
      },
    },
    (req) => alerts.history(req.query) as never,
  );
  app.post(
    '/v1/alerts/silences',
    {
      bodyLimit: smallBodyLimit(ctx),
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Silence the alerts matching every matcher for a while (admin): no notification, no action',
        body: SilenceBody,
        response: ok(SilenceSchema, ...AUTH_ERRORS, ...BODY_ERRORS, 400),
      },
    },
    (req) => {
      const b = req.body;
      return alerts.silence({
        matchers: b.matchers,
        duration: b.duration,
        startsAt: time(b.startsAt),
        endsAt: time(b.endsAt),
        comment: b.comment,
        createdBy: b.createdBy ?? actor(req.principal?.id),
      }) as never;
    },
  );
  app.delete(
    '/v1/alerts/silences/:id',
    {
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'End a silence now (admin)',
        params: SilenceIdParams,
        response: ok(SilenceSchema, ...AUTH_ERRORS, 404, 409),
      },
    },
    (req) => alerts.unsilence(req.params.id, actor(req.principal?.id)) as never,
  );
};
