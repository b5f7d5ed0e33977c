import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { PredictionSchema } from '../schemas/prediction.js';
import {
  ClientIdHeaders,
  callerOf,
  countPrediction,
  noveltyThreshold,
  predictGuard,
  type RouteContext,
  smallBodyLimit,
} from './route-context.js';

/** `POST /v1/predict`: one mushroom, validated by the mushroom schema. */
export const predictRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { serving } = ctx.deps;
  app.post(
    '/v1/predict',
    {
      bodyLimit: smallBodyLimit(ctx),
      preParsing: predictGuard(ctx),
      schema: {
        summary: 'Classify one mushroom',
        description:
          'Answers edible, poisonous or uncertain with P(poisonous), with the version that answered (and, while an experiment runs on the model, the experiment and the arm that answered: see `X-Client-Id`). "uncertain" is returned rather than guessing "edible". The prediction is stored before the response is sent. The body is checked against the Mushroom schema: every problem is named (at most 20), with the allowed codes and their meaning once per field.',
        tags: ['predict'],
        querystring: Type.Object(
          {
            explain: Type.Optional(
              Type.Unsafe<'true' | 'false'>({
                type: 'string',
                enum: ['true', 'false'],
                description: 'true: add the top five feature contributions',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        headers: ClientIdHeaders,
        body: ctx.mushroom.schema,
        response: {
          200: PredictionSchema,
          ...errorResponses(404, ...AUTH_ERRORS, ...BODY_ERRORS),
        },
      },
    },
    async (req) => {
      const r = await serving.predict(req.body, {
        explain: req.query.explain === 'true',
        ...callerOf(req),
      });
      countPrediction(ctx.metrics, r);
      // the threshold of the version that answered (an experiment's arm may not be Production)
      const m = serving.loaded(r.model.version);
      // (the explanation's readonly arrays are what the schema describes)
      return { ...r, noveltyThreshold: m === null ? null : noveltyThreshold(m) } as never;
    },
  );
};
