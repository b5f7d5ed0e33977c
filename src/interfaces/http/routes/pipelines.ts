import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { PipelinesHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import {
  EmptyBody,
  LogLineSchema,
  LogsQuery,
  NameParams,
  PipelineSummarySchema,
  RunListQuery,
  RunParams,
  RunRecordSchema,
  RunViewSchema,
  StartBody,
} from '../schemas/pipeline.js';
import { ADMIN_ERRORS, keyActor, objectAnswers, type RouteContext, smallBodyLimit } from './route-context.js';

type PipelinesContext = RouteContext & { pipelines: PipelinesHttpApi };

const tags = ['pipelines'];
const ok = objectAnswers;
const ADMIN = ADMIN_ERRORS;
const actor = keyActor;

/** Pipeline reads: a predict or admin key, required when prediction requires one. */
const pipelineReads: FastifyPluginAsyncTypebox<PipelinesContext> = async (app, ctx) => {
  const { pipelines } = ctx;
  const read = guard(['predict', 'admin'], 'pipeline reads', () => ctx.deps.settings.requireKeyForPredict);

  app.get(
    '/v1/pipelines',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'The pipelines this server knows, with their parameters and tasks',
        response: ok(Type.Array(PipelineSummarySchema), ...AUTH_ERRORS),
      },
    },
    async () => pipelines.pipelines() as never,
  );
  app.get(
    '/v1/pipelines/runs',
    {
      preParsing: read,
      schema: {
        querystring: RunListQuery,
        tags,
        summary: 'Pipeline runs, newest first',
        response: ok(Type.Array(RunRecordSchema), ...AUTH_ERRORS),
      },
    },
    (req) =>
      pipelines.list({
        pipeline: req.query.pipeline,
        states: req.query.state === undefined ? undefined : [req.query.state],
        limit: req.query.limit ?? 20,
        before: req.query.before,
      }) as never,
  );
  app.get(
    '/v1/pipelines/runs/:id',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'A run with its tasks (state, attempt, progress, output, error), attempts and links',
        params: RunParams,
        response: ok(RunViewSchema, ...AUTH_ERRORS),
      },
    },
    (req) => pipelines.show(req.params.id) as never,
  );
  app.get(
    '/v1/pipelines/runs/:id/logs',
    {
      preParsing: read,
      schema: {
        querystring: LogsQuery,
        tags,
        summary: "A run's log lines in order (`after` the last id seen, to follow)",
        params: RunParams,
        response: ok(Type.Array(LogLineSchema), ...AUTH_ERRORS),
      },
    },
    (req) =>
      pipelines.logs(req.params.id, {
        taskId: req.query.task,
        afterId: req.query.after,
        limit: req.query.limit ?? 200,
      }) as never,
  );
};

/** Pipeline changes, for admin keys: start a run, retry, cancel. */
const pipelineActions: FastifyPluginAsyncTypebox<PipelinesContext> = async (app, ctx) => {
  const { pipelines } = ctx;
  const admin = guard(['admin'], 'pipeline changes');
  const small = smallBodyLimit(ctx);

  app.post(
    '/v1/pipelines/:name/runs',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary:
          'Start a run (admin): parameters are checked before anything is stored (400 naming each problem)',
        params: NameParams,
        body: StartBody,
        response: ok(RunRecordSchema, ...ADMIN),
      },
    },
    (req) =>
      pipelines.start(req.params.name, req.body?.params ?? {}, {
        kind: 'api',
        createdBy: actor(req.principal?.id),
      }) as never,
  );
  for (const action of ['retry', 'cancel'] as const) {
    app.post(
      `/v1/pipelines/runs/:id/${action}`,
      {
        bodyLimit: small,
        preParsing: admin,
        schema: {
          querystring: NoQuery,
          tags,
          summary:
            action === 'retry'
              ? 'Rerun the failed tasks of a failed or cancelled run and what depends on them (admin; 409 otherwise)'
              : 'Cancel a running or paused run (admin; 409 otherwise)',
          params: RunParams,
          body: EmptyBody,
          response: ok(RunRecordSchema, ...ADMIN),
        },
      },
      (req) =>
        (action === 'retry'
          ? pipelines.retry(req.params.id)
          : pipelines.cancel(req.params.id, actor(req.principal?.id))) as never,
    );
  }
};

/** Pipeline reads (predict or admin key) and changes (admin key, validated bodies). */
export const pipelineRoutes: FastifyPluginAsyncTypebox<PipelinesContext> = async (app, ctx) => {
  await app.register(pipelineReads, ctx);
  await app.register(pipelineActions, ctx);
};
