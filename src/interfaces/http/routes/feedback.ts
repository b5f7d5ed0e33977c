import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { predictGuard, type RouteContext, smallBodyLimit } from './route-context.js';

const LabelSchema = Type.Unsafe<'e' | 'p' | 'edible' | 'poisonous'>({
  type: 'string',
  enum: ['e', 'p', 'edible', 'poisonous'],
  description: 'the true class: e or edible, p or poisonous',
});

const FeedbackBody = Type.Object(
  {
    predictionId: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'the predictionId a prediction answered',
    }),
    label: LabelSchema,
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'who or what says so (e.g. lab, expert)' }),
    ),
    replace: Type.Optional(
      Type.Boolean({ description: 'true: correct a different label recorded before (otherwise a 409)' }),
    ),
  },
  { additionalProperties: false },
);

/** `POST /v1/feedback`: the true class of a prediction. */
export const feedbackRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  app.post(
    '/v1/feedback',
    {
      bodyLimit: smallBodyLimit(ctx),
      preParsing: predictGuard(ctx),
      schema: {
        querystring: NoQuery,
        summary: 'Report the true class of a prediction (idempotent)',
        description:
          'The same label again is "unchanged"; a different label is a 409 unless "replace": true (then "replaced").',
        tags: ['predict'],
        body: FeedbackBody,
        response: {
          200: Type.Object({
            predictionId: Type.String(),
            label: Type.Unsafe<'e' | 'p'>({ type: 'string', enum: ['e', 'p'] }),
            status: Type.Unsafe<'unchanged' | 'replaced'>({
              type: 'string',
              enum: ['unchanged', 'replaced'],
            }),
          }),
          201: Type.Object({
            predictionId: Type.String(),
            label: Type.Unsafe<'e' | 'p'>({ type: 'string', enum: ['e', 'p'] }),
            status: Type.Unsafe<'created'>({ type: 'string', enum: ['created'] }),
          }),
          ...errorResponses(404, 409, ...AUTH_ERRORS, ...BODY_ERRORS),
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const label = b.label === 'edible' || b.label === 'e' ? 'e' : 'p';
      const status = await ctx.deps.serving.feedback(b.predictionId, label, b.source, b.replace === true);
      void reply.status(status === 'created' ? 201 : 200);
      return { predictionId: b.predictionId, label, status } as never;
    },
  );
};
