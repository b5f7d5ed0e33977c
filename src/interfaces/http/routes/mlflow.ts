import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { csvRecords } from '../csv-records.js';
import { validationError } from '../errors.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { ARM_DESCRIPTION, DecisionSchema, EXPERIMENT_DESCRIPTION, nullable } from '../schemas/prediction.js';
import {
  ClientIdHeaders,
  callerOf,
  checkEveryRecord,
  countItems,
  predictGuard,
  type RouteContext,
} from './route-context.js';

type Scalar = string | number | null;
const ScalarSchema = Type.Unsafe<Scalar>({ type: ['string', 'number', 'null'] });

const INSTANCES =
  'records (objects keyed by feature name), rows of values in the feature order of GET /v2/models/{name}, or columns (feature name → values)';

/** `instances` / `inputs`: records, rows or columns, each array at most `max` long. */
function tensorInput(max: number, features: number, description: string) {
  return Type.Unsafe<Record<string, unknown>[] | Scalar[][] | Record<string, Scalar[]>>({
    type: ['array', 'object'],
    maxItems: max,
    items: { type: ['object', 'array'], maxItems: features },
    maxProperties: features,
    additionalProperties: { type: 'array', items: ScalarSchema, maxItems: max },
    description,
  });
}

/** The four JSON bodies of MLflow's scoring protocol (exactly one of them, plus optional `params`). */
function invocationsBody(max: number, features: number) {
  const names = Type.Array(Type.String({ maxLength: 128 }), { maxItems: features });
  const row = Type.Array(ScalarSchema, { maxItems: features });
  const record = Type.Object(
    {},
    { additionalProperties: true, description: 'a mushroom keyed by feature name' },
  );
  const records = Type.Array(record, { maxItems: max });
  return Type.Object(
    {
      dataframe_split: Type.Optional(
        Type.Object(
          {
            columns: names,
            data: Type.Array(row, { maxItems: max }),
            index: Type.Optional(
              Type.Array(Type.Unsafe<string | number>({ type: ['string', 'number'] }), { maxItems: max }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
      dataframe_records: Type.Optional(records),
      instances: Type.Optional(tensorInput(max, features, INSTANCES)),
      inputs: Type.Optional(tensorInput(max, features, 'as `instances`')),
      params: Type.Optional(Type.Object({}, { additionalProperties: true, maxProperties: 32 })),
    },
    { additionalProperties: false, minProperties: 1 },
  );
}

type InvocationsBody = {
  dataframe_split?: { columns: string[]; data: Scalar[][] };
  dataframe_records?: Record<string, unknown>[];
  instances?: Record<string, unknown>[] | Scalar[][] | Record<string, Scalar[]>;
  inputs?: Record<string, unknown>[] | Scalar[][] | Record<string, Scalar[]>;
};

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/** `rows` of values as records keyed by `columns`. */
const fromRows = (columns: readonly string[], rows: readonly Scalar[][]): Record<string, unknown>[] =>
  rows.map((row) => {
    const r: Record<string, unknown> = {};
    for (let j = 0; j < columns.length; j++) if (j < row.length) r[columns[j]] = row[j];
    return r;
  });

/** The records of a body (its one format); every array is at most the record cap long (schema). */
function recordsOf(b: InvocationsBody, features: readonly string[], max: number): Record<string, unknown>[] {
  const given = FORMATS.filter((f) => b[f] !== undefined);
  if (given.length !== 1) {
    throw validationError(`the body needs exactly one of ${FORMATS.join(', ')}; got ${given.length}`, [
      {
        field: '(body)',
        problem: given.length === 0 ? 'missing' : 'invalid',
        message: `one of ${FORMATS.join(', ')}`,
      },
    ]);
  }
  if (b.dataframe_split !== undefined) return fromRows(b.dataframe_split.columns, b.dataframe_split.data);
  if (b.dataframe_records !== undefined) return b.dataframe_records;
  const v = (b.instances ?? b.inputs)!;
  const field = b.instances !== undefined ? 'instances' : 'inputs';
  if (Array.isArray(v)) {
    if (v.length === 0 || !Array.isArray(v[0])) return v as Record<string, unknown>[];
    if (!v.every(Array.isArray)) {
      throw validationError(`${field}: mix of rows and records`, [
        {
          field,
          problem: 'invalid',
          message: 'every item must be a row (array) or every one a record (object)',
        },
      ]);
    }
    return fromRows(features, v as Scalar[][]);
  }
  // columns: feature name → values, all the same length
  const cols = Object.entries(v as Record<string, Scalar[]>);
  const n = cols.length === 0 ? 0 : cols[0][1].length;
  for (const [name, values] of cols) {
    if (values.length !== n) {
      throw validationError(`${field}.${name} has ${values.length} values, another column ${n}`, [
        {
          field: `${field}.${name}`,
          problem: 'invalid',
          message: 'every column must hold one value per record',
        },
      ]);
    }
  }
  if (n > max) throw new Error('unreachable: the schema caps every column');
  return Array.from({ length: n }, (_, i) =>
    Object.fromEntries(cols.map(([name, values]) => [name, values[i]])),
  );
}

/** MLflow's scoring server protocol: `POST /invocations`, `GET /ping`, `GET /version`. */
export const mlflowRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { serving, settings } = ctx.deps;
  const max = settings.maxRecordsPerRequest;
  const features = ctx.mushroom.dataset.features.map((f) => f.name);
  const tags = ['mlflow'];
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });
  app.get(
    '/ping',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'MLflow health check: 200 when a model is loaded',
        response: { 200: Type.String(), ...errorResponses() },
      },
    },
    async (_req, reply) => {
      serving.model();
      return reply.type('text/plain; charset=utf-8').send('\n');
    },
  );
  app.get(
    '/version',
    {
      config: { auth: false },
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Server version',
        response: { 200: Type.String(), ...errorResponses() },
      },
    },
    async (_req, reply) => reply.type('text/plain; charset=utf-8').send(ctx.deps.version),
  );
  app.post(
    '/invocations',
    {
      preParsing: predictGuard(ctx),
      schema: {
        querystring: NoQuery,
        headers: ClientIdHeaders,
        tags,
        summary: 'MLflow scoring protocol',
        description: `JSON: exactly one of {"dataframe_split": {"columns", "data", "index"?}}, {"dataframe_records": [record, …]}, {"instances": …} or {"inputs": …} (records, rows in feature order, or columns), optionally "params" (ignored); or a text/csv body with a header row. At most ${max} records. Every record is checked against the Mushroom schema before any is predicted: one invalid record is a 422 and nothing is stored.`,
        body: {
          content: {
            'application/json': { schema: invocationsBody(max, features.length) },
            'text/csv': { schema: Type.String({ description: 'CSV with a header row of feature names' }) },
          },
        },
        response: {
          200: Type.Object({
            predictions: Type.Array(
              Type.Object({
                decision: DecisionSchema,
                probability: Type.Number({ description: 'P(poisonous)' }),
                predictionId: Type.String(),
                reason: nullable({ type: 'string', description: 'why "uncertain" (null otherwise)' }),
                arm: nullable({ type: 'string', description: ARM_DESCRIPTION }),
                experiment: nullable({ type: 'string', description: EXPERIMENT_DESCRIPTION }),
              }),
            ),
          }),
          ...errorResponses(...AUTH_ERRORS, ...BODY_ERRORS),
        },
      },
    },
    async (req) => {
      const body = req.body as string | InvocationsBody;
      const records =
        typeof body === 'string'
          ? csvRecords(body, ctx.mushroom.dataset, max).records
          : recordsOf(body, features, max);
      checkEveryRecord(ctx.mushroom, records, (i) => `records[${i}]`);
      const items = await serving.predictBatch(records, { kind: 'mlflow', ...callerOf(req) });
      countItems(ctx.metrics, items);
      return {
        predictions: items.flatMap((it) =>
          it.ok
            ? [
                {
                  decision: it.decision,
                  probability: it.probability,
                  predictionId: it.predictionId,
                  reason: it.reason,
                  arm: it.arm,
                  experiment: it.experiment,
                },
              ]
            : [],
        ),
      };
    },
  );
};
