import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXAMPLE_MUSHROOMS, featureWords, UNDOCUMENTED_CODE } from '../../../data/index.js';
import { errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import type { RouteContext } from './route-context.js';

const FeatureSchema = Type.Object({
  name: Type.String({ description: 'the field name of a prediction request' }),
  label: Type.String({ description: 'the feature in plain words' }),
  help: Type.String({ description: 'what to look at' }),
  kind: Type.Unsafe<'nominal' | 'numeric'>({ type: 'string', enum: ['nominal', 'numeric'] }),
  unit: Type.Optional(Type.String()),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  choices: Type.Optional(
    Type.Array(
      Type.Object({
        code: Type.String(),
        label: Type.String(),
        documented: Type.Boolean({ description: 'false: a code found in the data but not in its metadata' }),
      }),
    ),
  ),
});

/**
 * `GET /v1/schema`: the features the served model takes, in plain words — each nominal feature's codes
 * with their meanings, each numeric feature's unit and valid range (what the dashboard's form shows,
 * and what `POST /v1/predict` checks).
 */
export const schemaRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const dataset = ctx.mushroom.dataset;
  const features = dataset.features.map((f) => {
    const words = featureWords(f.name);
    return {
      name: f.name,
      label: words.label,
      help: words.help,
      kind: f.kind,
      ...(f.unit === undefined ? {} : { unit: f.unit }),
      ...(f.range === undefined ? {} : { min: f.range.min, max: f.range.max }),
      ...(f.kind === 'nominal'
        ? {
            choices: Object.entries(f.codes ?? {}).map(([code, label]) => ({
              code,
              label,
              documented: label !== UNDOCUMENTED_CODE,
            })),
          }
        : {}),
    };
  });
  const answer = { schema: dataset.name, features, example: EXAMPLE_MUSHROOMS[dataset.name] };
  app.get(
    '/v1/schema',
    {
      config: { auth: false },
      schema: {
        querystring: NoQuery,
        tags: ['predict'],
        summary: 'The features a prediction takes, in plain words, with codes, units and valid ranges',
        response: {
          200: Type.Object({
            schema: Type.String({ description: 'the dataset schema of the served model' }),
            features: Type.Array(FeatureSchema),
            example: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
              description: 'a mushroom to try: the first row of the bundled data of this schema',
            }),
          }),
          ...errorResponses(),
        },
      },
    },
    async () => answer,
  );
};
