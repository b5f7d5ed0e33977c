import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import { SporeprintError } from '../../../core/index.js';
import type { GateVerdict } from '../../../services/index.js';
import type { RegistryHttpApi } from '../http-deps.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { nullable } from '../schemas/prediction.js';
import type { RouteContext } from './route-context.js';

type RegistryContext = RouteContext & { registry: RegistryHttpApi };

const Name = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  description: 'registered model name',
});
const Version = (description: string) => Type.Integer({ minimum: 1, maximum: 2_147_483_647, description });
const MaybeNumber = nullable({ type: 'number' });
const ok = (schema: TSchema) => ({ 200: schema, ...errorResponses(400, 404, 422, ...AUTH_ERRORS) });
const tags = ['registry'];

const Delta = Type.Object({ a: MaybeNumber, b: MaybeNumber, delta: MaybeNumber });
const ComparisonSchema = Type.Object(
  {
    model: Type.String(),
    versions: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }),
    datasetId: Type.String({
      description: "the dataset version whose test split both were evaluated on (b's)",
    }),
    rows: Type.Integer(),
    metrics: Type.Record(Type.String(), Delta, {
      description: 'recall, falseEdible, accuracy, precision, f1, rocAuc, logLoss, brier: a, b and b − a',
    }),
    served: Type.Record(Type.String(), Delta, {
      description: 'as served by each decision policy: falseEdible and uncertainShare',
    }),
    disagreements: Type.Integer({ description: 'rows whose three-way decisions differ' }),
    disagreementShare: Type.Number(),
    decisionMatrix: Type.Array(Type.Array(Type.Integer()), {
      description:
        'counts[i][j]: rows version a answered i and version b answered j (0 edible, 1 poisonous, 2 uncertain)',
    }),
  },
  { additionalProperties: true },
);

const Figures = Type.Object(
  {},
  { additionalProperties: true, description: 'n, recall, falseEdible, accuracy, …' },
);
const GateSchema = Type.Object(
  {
    passed: Type.Boolean(),
    rules: Type.Array(
      Type.Object({
        rule: Type.String(),
        passed: Type.Boolean(),
        actual: MaybeNumber,
        limit: MaybeNumber,
        message: Type.String(),
      }),
    ),
    datasetId: Type.String(),
    candidate: Type.Object({ version: Type.Integer(), figures: Figures }),
    production: Type.Union([
      Type.Object(
        {
          version: Type.Integer(),
          figures: Type.Union([Figures, Type.Null()]),
          note: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
    config: Type.Object({}, { additionalProperties: true }),
  },
  { description: "the quality gate's verdict: every rule with the candidate's figure and its bound" },
);

/** A figure JSON can carry: NaN (a rule that could not be evaluated) becomes null. */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The verdict with numbers JSON can carry. */
const gateJson = (v: GateVerdict) => ({
  ...v,
  rules: v.rules.map((r) => ({ ...r, actual: finite(r.actual), limit: finite(r.limit) })),
});

/** Deltas with numbers JSON can carry (a log loss may be infinite). */
const deltasJson = (d: Readonly<Record<string, { a: number; b: number; delta: number }>>) =>
  Object.fromEntries(
    Object.entries(d).map(([k, v]) => [k, { a: finite(v.a), b: finite(v.b), delta: finite(v.delta) }]),
  );

/**
 * `GET /v1/models/{name}/compare?a=&b=` (metric deltas and the decision matrix of two versions on the
 * same rows) and `GET /v1/models/{name}/versions/{version}/gate` (the quality gate's verdict, rule by
 * rule, on promoting that version now): reads for everyone, as the other registry reads.
 */
export const registryEvaluations: FastifyPluginAsyncTypebox<RegistryContext> = async (app, ctx) => {
  const { registry } = ctx;
  app.get(
    '/v1/models/:name/compare',
    {
      schema: {
        params: Type.Object({ name: Name }),
        querystring: Type.Object(
          { a: Version('the first version'), b: Version('the second version (its test split is used)') },
          { additionalProperties: false },
        ),
        tags,
        summary: 'Compare two versions on the same rows: metric deltas (b − a) and the decision matrix',
        response: ok(ComparisonSchema),
      },
    },
    async (req) => {
      if (req.query.a === req.query.b) {
        throw new SporeprintError(
          'SP_ERR_BAD_PARAM',
          `compare two different versions, not v${req.query.a} with itself`,
        );
      }
      const c = await registry.compare(req.params.name, req.query.a, req.query.b);
      return { ...c, metrics: deltasJson(c.metrics), served: deltasJson(c.served) } as never;
    },
  );
  app.get(
    '/v1/models/:name/versions/:version/gate',
    {
      schema: {
        params: Type.Object({ name: Name, version: Version('the candidate version') }),
        querystring: NoQuery,
        tags,
        summary: "The quality gate's verdict on promoting a version to Production now, rule by rule",
        response: ok(GateSchema),
      },
    },
    async (req) => gateJson(await registry.gate(req.params.name, req.params.version)) as never,
  );
};
