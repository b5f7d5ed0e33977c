import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import type { DatasetsHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { nullable } from '../schemas/prediction.js';
import type { RouteContext } from './route-context.js';

type DatasetsContext = RouteContext & { datasets: DatasetsHttpApi };

const tags = ['datasets'];
const ok = (schema: TSchema) => ({ 200: schema, ...errorResponses(404, 422, ...AUTH_ERRORS) });

const IdParams = Type.Object({
  id: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
    description: 'dataset version id (e.g. ds-ed1d70e7e92da24e), or latest for the newest',
  }),
});
const pageQuery = (max: number, byDefault: number) =>
  Type.Object(
    {
      limit: Type.Optional(
        Type.Integer({ minimum: 1, maximum: max, description: `at most this many (default ${byDefault})` }),
      ),
      offset: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'skip this many' }),
      ),
    },
    { additionalProperties: false },
  );
const ListQuery = pageQuery(500, 50);
const QuarantineQuery = pageQuery(1000, 100);

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Label = Type.Unsafe<'e' | 'p'>({ type: 'string', enum: ['e', 'p'] });

const SummarySchema = Type.Object(
  {
    id: Type.String(),
    sourceId: Type.String({ description: 'SHA-256 of the source file' }),
    fileName: Type.String(),
    schemaName: Type.String(),
    splitKind: Type.String(),
    seed: Type.Integer(),
    counts: Type.Unknown({ description: 'rows per class and split' }),
    createdAt: Timestamp,
  },
  { additionalProperties: true },
);

const QuarantineEntry = Type.Object(
  {
    id: Type.Integer(),
    rowIndex: Type.Integer(),
    line: Type.Integer({ description: 'line number in the file' }),
    column: nullable({ type: 'string' }),
    value: nullable({ type: 'string' }),
    reason: Type.String(),
  },
  { additionalProperties: true },
);

const LineageSchema = Type.Object(
  {
    parentId: Type.String({ description: 'the dataset version this one extends' }),
    labelSource: Type.Literal('feedback', { description: 'true labels reported for logged predictions' }),
    records: Type.Integer({ description: 'labelled predictions read (one per prediction request)' }),
    rowsAdded: Type.Integer({ description: 'records that joined the training split' }),
    quarantined: Type.Integer({ description: 'records whose stored input failed validation' }),
    heldOutOverlap: Type.Integer({
      description: 'valid records equal to a validation or test row of the parent (in no split)',
    }),
    duplicates: Type.Integer({ description: 'records repeating an earlier row exactly (kept, flagged)' }),
    labelConflicts: Type.Integer({
      description: 'records whose features appear with the other label earlier (kept, flagged)',
    }),
    firstLabelledAt: nullable({ type: 'string', format: 'date-time' }),
    lastLabelledAt: nullable({ type: 'string', format: 'date-time' }),
    labelledBefore: Type.String({ format: 'date-time', description: "the snapshot's end" }),
    lastPredictionId: nullable({ type: 'string' }),
    modelName: nullable({ type: 'string', description: 'the model filter; null: every model of the schema' }),
    models: Type.Array(
      Type.Object(
        { modelName: Type.String(), modelVersion: Type.Integer(), records: Type.Integer() },
        { additionalProperties: true },
      ),
      { description: 'records per model version' },
    ),
    conflicts: Type.Array(
      Type.Object(
        {
          predictionId: Type.String(),
          label: Label,
          rowIndex: Type.Integer(),
          conflictsWithRow: Type.Integer(),
        },
        { additionalProperties: true },
      ),
      {
        description: "the first label conflicts: the record's prediction, its label, the row it contradicts",
      },
    ),
  },
  {
    additionalProperties: true,
    description: 'present for a version derived from a parent plus labelled production records',
  },
);

const DatasetSchema = Type.Object(
  {
    datasetId: Type.String(),
    sourceId: Type.String(),
    fileName: Type.String(),
    schema: Type.String(),
    splitKind: Type.String(),
    seed: Type.Integer(),
    ratios: Type.Unknown({ description: 'train, validation and test shares' }),
    rows: Type.Object(
      {
        data: Type.Integer(),
        valid: Type.Integer(),
        invalid: Type.Integer(),
        duplicates: Type.Integer(),
        labelConflicts: Type.Integer(),
      },
      { additionalProperties: true },
    ),
    species: Type.Unknown({ description: 'whether species were derived, how many, and why not' }),
    labelConflicts: Type.Array(
      Type.Object(
        {
          line: Type.Integer(),
          rowIndex: Type.Integer(),
          species: Type.String(),
          expected: Label,
          actual: Label,
        },
        { additionalProperties: true },
      ),
      { description: 'rows whose class contradicts their species (the first 1,000)' },
    ),
    quarantine: Type.Object({
      total: Type.Integer(),
      sample: Type.Array(QuarantineEntry, { description: 'the first entries' }),
    }),
    profile: Type.Unknown({
      description:
        'rows per class and split, and per column: missing share, category counts or numeric summary',
    }),
    lineage: Type.Optional(LineageSchema),
  },
  { additionalProperties: true },
);

/**
 * `GET /v1/datasets`, `/v1/datasets/{id}` and `/v1/datasets/{id}/quarantine`: dataset versions with
 * their profile, label conflicts and quarantine, with the read rule of the other read routes.
 */
export const datasetRoutes: FastifyPluginAsyncTypebox<DatasetsContext> = async (app, ctx) => {
  const { datasets } = ctx;
  const read = guard(['predict', 'admin'], 'dataset reads', () => ctx.deps.settings.requireKeyForPredict);

  app.get(
    '/v1/datasets',
    {
      preParsing: read,
      schema: {
        querystring: ListQuery,
        tags,
        summary: 'Dataset versions, newest first',
        response: ok(Type.Array(SummarySchema)),
      },
    },
    (req) => datasets.list({ limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 }) as never,
  );
  app.get(
    '/v1/datasets/:id',
    {
      preParsing: read,
      schema: {
        querystring: NoQuery,
        params: IdParams,
        tags,
        summary: 'A dataset version: counts, profile, label conflicts and a quarantine sample',
        response: ok(DatasetSchema),
      },
    },
    (req) => datasets.show(req.params.id) as never,
  );
  app.get(
    '/v1/datasets/:id/quarantine',
    {
      preParsing: read,
      schema: {
        querystring: QuarantineQuery,
        params: IdParams,
        tags,
        summary: "A page of the quarantine of a dataset version's source (rows refused by validation)",
        response: ok(Type.Object({ total: Type.Integer(), entries: Type.Array(QuarantineEntry) })),
      },
    },
    (req) =>
      datasets.quarantine(req.params.id, {
        limit: req.query.limit ?? 100,
        offset: req.query.offset ?? 0,
      }) as never,
  );
};
