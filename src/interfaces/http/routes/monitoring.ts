import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { SporeprintError } from '../../../core/index.js';
import { REPORT_CSP, renderMonitoringReport } from '../../../reports/index.js';
import type { DriftSettings, MonitorQuery } from '../../../services/index.js';
import type { DriftTestName } from '../../../stats/index.js';
import type { MonitoringHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import {
  DriftQuery,
  DriftReportSchema,
  MonitoringReportSchema,
  PerformanceReportSchema,
  ProfileQuery,
  ProfileSchema,
  ReportHtml,
  ReportQuery,
  WindowQuery,
} from '../schemas/monitoring.js';
import type { RouteContext } from './route-context.js';

type MonitoringContext = RouteContext & { monitoring: MonitoringHttpApi };
type WindowParams = {
  model?: string;
  version?: string;
  from?: string;
  to?: string;
  last?: number;
  experiment?: string;
  arm?: string;
};

const tags = ['monitoring'];
const ERRORS = [...AUTH_ERRORS, 404, 422];
const ok = (schema: TSchema) => ({ 200: schema, ...errorResponses(...ERRORS) });

const bad = (message: string): never => {
  throw new SporeprintError('SP_ERR_BAD_PARAM', message);
};

/** A query's time: the schema checked its shape, this its calendar (2026-02-30 is refused). */
function timeOf(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  const day = text.slice(0, 10);
  if (Number.isNaN(d.getTime()) || (text.length === 10 && d.toISOString().slice(0, 10) !== day)) {
    bad(`${name} is not a valid time: ${text}`);
  }
  return d;
}

/** The version selector: a number, or production or an alias. */
const versionOf = (v: string | undefined): number | string | undefined =>
  v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;

/** The service's query from the route's (checked before any work: arm needs experiment). */
function windowOf(api: MonitoringHttpApi, q: WindowParams): MonitorQuery {
  if (q.arm !== undefined && q.experiment === undefined) bad('arm needs experiment');
  return {
    modelName: q.model ?? api.defaultModel,
    version: versionOf(q.version),
    from: timeOf('from', q.from),
    to: timeOf('to', q.to),
    last: q.last,
    experimentId: q.experiment,
    arm: q.arm,
  };
}

/** Weight (q) the Accept header gives a media type: exact, then `type/*`, then `*\/*`; 0 when absent. */
function weightOf(accept: string, type: string): number {
  let best = -1;
  let weight = 0;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity =
      range === type ? 2 : range === `${type.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best) continue;
    best = specificity;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weight = q === undefined ? 1 : Number(q.slice(2)) || 0;
  }
  return weight;
}

/** The service's drift settings from the query's (none given: Evidently's defaults). */
function driftSettingsOf(q: { test?: DriftTestName; threshold?: number; share?: number }): DriftSettings {
  return {
    ...(q.share === undefined ? {} : { share: q.share }),
    all: {
      ...(q.test === undefined ? {} : { test: q.test }),
      ...(q.threshold === undefined ? {} : { threshold: q.threshold }),
    },
  };
}

/** HTML when `format=html`, or when Accept prefers text/html to JSON. */
function wantsHtml(req: FastifyRequest, format: 'html' | 'json' | undefined): boolean {
  if (format !== undefined) return format === 'html';
  const accept = req.headers.accept;
  if (accept === undefined) return false;
  const html = weightOf(accept, 'text/html');
  return html > 0 && html > weightOf(accept, 'application/json');
}

/**
 * `GET /v1/monitoring/drift|performance|report|profile`: the monitoring service over HTTP, with the
 * read rule of the experiments routes (a predict or admin key, required when prediction requires one).
 */
export const monitoringRoutes: FastifyPluginAsyncTypebox<MonitoringContext> = async (app, ctx) => {
  const { monitoring } = ctx;
  const read = guard(['predict', 'admin'], 'monitoring reads', () => ctx.deps.settings.requireKeyForPredict);

  app.get(
    '/v1/monitoring/drift',
    {
      preParsing: read,
      schema: {
        querystring: DriftQuery,
        tags,
        summary: "Data and prediction drift of a window against the version's reference (Evidently's tests)",
        response: ok(DriftReportSchema),
      },
    },
    (req) => {
      const { test, threshold, share, ...window } = req.query;
      return monitoring.drift(
        windowOf(monitoring, window),
        driftSettingsOf({ test, threshold, share }),
      ) as never;
    },
  );
  app.get(
    '/v1/monitoring/performance',
    {
      preParsing: read,
      schema: {
        querystring: WindowQuery,
        tags,
        summary: 'Performance of the labelled predictions of a window, overall and per hour',
        response: ok(PerformanceReportSchema),
      },
    },
    (req) => monitoring.performance(windowOf(monitoring, req.query)) as never,
  );
  app.get(
    '/v1/monitoring/report',
    {
      preParsing: read,
      schema: {
        querystring: ReportQuery,
        tags,
        summary:
          'The monitoring report of a window: one self-contained HTML page (Accept: text/html or format=html) or its data as JSON',
        produces: ['application/json', 'text/html'],
        response: {
          200: {
            description: 'the report',
            content: {
              'application/json': { schema: MonitoringReportSchema },
              'text/html': { schema: ReportHtml },
            },
          },
          ...errorResponses(...ERRORS),
        },
      },
    },
    async (req, reply) => {
      const { format, test, threshold, share, ...window } = req.query;
      const html = wantsHtml(req, format);
      const report = await monitoring.report(
        windowOf(monitoring, window),
        driftSettingsOf({ test, threshold, share }),
      );
      void reply.header('vary', 'accept');
      if (!html) return reply.type('application/json; charset=utf-8').send(report as never);
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', REPORT_CSP)
        .header('x-content-type-options', 'nosniff')
        .send(renderMonitoringReport(report));
    },
  );
  app.get(
    '/v1/monitoring/profile',
    {
      preParsing: read,
      schema: {
        querystring: ProfileQuery,
        tags,
        summary: "A version's reference profile (built from its training split on first use)",
        response: ok(ProfileSchema),
      },
    },
    (req) =>
      monitoring.profile(
        req.query.model ?? monitoring.defaultModel,
        versionOf(req.query.version) ?? 'production',
      ) as never,
  );
};
