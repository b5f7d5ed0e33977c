import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ExperimentsHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS } from '../schemas/error-envelope.js';
import {
  ConcludeBody,
  ConcludeResultSchema,
  CreateBody,
  ExperimentEventSchema,
  ExperimentRecordSchema,
  ExperimentViewSchema,
  IdParams,
  ListQuery,
  ReasonBody,
  WeightsBody,
} from '../schemas/experiment.js';
import { NoQuery } from '../schemas/no-query.js';
import { ADMIN_ERRORS, keyActor, objectAnswers, type RouteContext, smallBodyLimit } from './route-context.js';

type ExperimentsContext = RouteContext & { experiments: ExperimentsHttpApi };

const tags = ['experiments'];
const ok = objectAnswers;
const ADMIN = ADMIN_ERRORS;
const actor = keyActor;

/** Experiment reads: a predict or admin key, required when prediction requires one. */
const experimentReads: FastifyPluginAsyncTypebox<ExperimentsContext> = async (app, ctx) => {
  const { experiments } = ctx;
  const read = guard(['predict', 'admin'], 'experiment reads', () => ctx.deps.settings.requireKeyForPredict);

  app.get(
    '/v1/experiments',
    {
      preParsing: read,
      schema: {
        querystring: ListQuery,
        tags,
        summary: 'Experiments, newest first',
        response: ok(Type.Array(ExperimentRecordSchema), ...AUTH_ERRORS),
      },
    },
    (req) =>
      experiments.list({
        modelName: req.query.model,
        statuses: req.query.status === undefined ? undefined : [req.query.status],
      }) as never,
  );
  app.get(
    '/v1/experiments/:id',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'An experiment with its per-arm figures and analysis',
        params: IdParams,
        response: ok(ExperimentViewSchema, ...AUTH_ERRORS),
      },
    },
    (req) => experiments.show(req.params.id) as never,
  );
  app.get(
    '/v1/experiments/:id/history',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        tags,
        summary: "An experiment's append-only history, oldest first",
        params: IdParams,
        response: ok(Type.Array(ExperimentEventSchema), ...AUTH_ERRORS),
      },
    },
    (req) => experiments.history(req.params.id) as never,
  );
};

/** Experiment changes, for admin keys: create, the status actions, weights, conclude. */
const experimentActions: FastifyPluginAsyncTypebox<ExperimentsContext> = async (app, ctx) => {
  const { experiments } = ctx;
  const admin = guard(['admin'], 'experiment changes');
  const small = smallBodyLimit(ctx);

  app.post(
    '/v1/experiments',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Create an experiment (a draft) between versions of a model (admin)',
        body: CreateBody,
        response: ok(ExperimentRecordSchema, ...ADMIN),
      },
    },
    (req) => {
      const b = req.body;
      return experiments.create({
        id: b.id,
        modelName: b.model,
        description: b.description,
        assignment: b.assignment,
        arms: b.arms,
        settings: b.settings,
        actor: actor(req.principal?.id),
        reason: b.reason,
      }) as never;
    },
  );
  for (const action of ['start', 'pause', 'resume', 'stop'] as const) {
    app.post(
      `/v1/experiments/:id/${action}`,
      {
        bodyLimit: small,
        preParsing: admin,
        schema: {
          querystring: NoQuery,
          tags,
          summary: `${action[0].toUpperCase()}${action.slice(1)} an experiment (admin)`,
          params: IdParams,
          body: ReasonBody,
          response: ok(ExperimentRecordSchema, ...ADMIN),
        },
      },
      (req) =>
        experiments[action](req.params.id, {
          actor: actor(req.principal?.id),
          reason: req.body?.reason,
        }) as never,
    );
  }
  app.put(
    '/v1/experiments/:id/weights',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: "Change arms' weights (admin; draft, running or paused)",
        params: IdParams,
        body: WeightsBody,
        response: ok(ExperimentRecordSchema, ...ADMIN),
      },
    },
    (req) =>
      experiments.setWeights(req.params.id, req.body.weights, {
        actor: actor(req.principal?.id),
        reason: req.body.reason,
      }) as never,
  );
  app.post(
    '/v1/experiments/:id/conclude',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary:
          "Conclude a stopped experiment: promote the winner through the registry's quality gate (admin)",
        params: IdParams,
        body: ConcludeBody,
        response: ok(ConcludeResultSchema, ...ADMIN),
      },
    },
    (req) => {
      const b = req.body ?? {};
      return experiments.conclude(req.params.id, {
        winner: b.winner,
        force: b.force === true,
        actor: actor(req.principal?.id),
        reason: b.reason,
      }) as never;
    },
  );
};

/** Experiment reads (predict or admin key) and changes (admin key, validated bodies). */
export const experimentRoutes: FastifyPluginAsyncTypebox<ExperimentsContext> = async (app, ctx) => {
  await app.register(experimentReads, ctx);
  await app.register(experimentActions, ctx);
};
