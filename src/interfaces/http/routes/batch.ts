import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BatchItem, FieldProblem } from '../../../services/index.js';
import { csvRecords } from '../csv-records.js';
import { useBudgetedJson } from '../plugins/json-body.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import {
  ARM_DESCRIPTION,
  DecisionSchema,
  EXPERIMENT_DESCRIPTION,
  NOVELTY_THRESHOLD_DESCRIPTION,
  nullable,
} from '../schemas/prediction.js';
import {
  ClientIdHeaders,
  callerOf,
  countItems,
  noveltyThreshold,
  predictGuard,
  type RouteContext,
} from './route-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** A JSON body's text, as received (null otherwise): the batch journal stores it as it is. */
    jsonText: string | null;
  }
}

/** Most problems listed per invalid record of a batch (the rest counted in its `more`). */
const PROBLEMS_PER_RECORD = 10;

const ItemSchema = Type.Object(
  {
    index: Type.Integer(),
    ok: Type.Boolean(),
    predictionId: Type.Optional(Type.String()),
    decision: Type.Optional(DecisionSchema),
    probability: Type.Optional(Type.Number()),
    arm: Type.Optional(nullable({ type: 'string', description: ARM_DESCRIPTION })),
    experiment: Type.Optional(nullable({ type: 'string', description: EXPERIMENT_DESCRIPTION })),
    problems: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), problem: Type.String(), message: Type.String() }), {
        description: `an invalid record's problems (at most ${PROBLEMS_PER_RECORD}; allowed values in the answer's \`allowed\`)`,
      }),
    ),
  },
  {
    additionalProperties: true,
    description: "a prediction (the fields of POST /v1/predict's answer) or, with ok false, the problems",
  },
);

/** `POST /v1/predict/batch`: many mushrooms as JSON or CSV, each checked on its own. */
export const batchRoute: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const { serving, settings } = ctx.deps;
  const max = settings.maxRecordsPerRequest;
  const { mushroom } = ctx;
  // the body's text is kept: the batch journal stores the records as received instead of serialising
  // them again
  app.decorateRequest('jsonText', null);
  useBudgetedJson(app, ctx.jsonBudget, (req, text) => {
    req.jsonText = text;
  });
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });
  // each record checked by the compiled mushroom schema; a rejected one gets its own problems
  const validate = (input: unknown): readonly FieldProblem[] | null =>
    mushroom.check(input) ? null : mushroom.problems(input, { max: PROBLEMS_PER_RECORD }).problems;
  const records = Type.Array(
    Type.Unknown({ description: 'a mushroom (the Mushroom schema), checked one by one' }),
    { maxItems: max, description: `at most ${max} records (server.maxRecordsPerRequest)` },
  );
  app.post(
    '/v1/predict/batch',
    {
      preParsing: predictGuard(ctx),
      schema: {
        querystring: NoQuery,
        headers: ClientIdHeaders,
        summary: `Classify up to ${max} mushrooms (JSON or CSV upload)`,
        description:
          'JSON: {"records": [mushroom, …]}; or a text/csv body with a header row of feature names (empty cells are missing; numbers in numeric columns are numbers; a `class` column is ignored with a warning). Each record is checked against the Mushroom schema on its own: invalid records are reported per item (at most 10 problems each; the allowed values once per field in `allowed`), the rest are predicted. The answer is sent once the batch is durable: with the durable log, a batch of 256 records or more is committed as one journal entry (records and answer) and its predictions are in the log within about a second (feedback on them is accepted at once).',
        tags: ['predict'],
        body: {
          content: {
            'application/json': { schema: Type.Object({ records }, { additionalProperties: false }) },
            'text/csv': { schema: Type.String({ description: 'CSV with a header row of feature names' }) },
          },
        },
        response: {
          200: Type.Object({
            count: Type.Integer(),
            predicted: Type.Integer(),
            invalid: Type.Integer(),
            noveltyThreshold: nullable({
              type: 'number',
              description: `${NOVELTY_THRESHOLD_DESCRIPTION} (of the version that answered the batch: one version answers all its records)`,
            }),
            warnings: Type.Optional(Type.Array(Type.String(), { description: 'about the whole upload' })),
            allowed: Type.Optional(
              Type.Record(Type.String(), Type.String(), {
                description: 'allowed values with their meaning, once per field named in problems',
              }),
            ),
            items: Type.Array(ItemSchema),
          }),
          ...errorResponses(404, ...AUTH_ERRORS, ...BODY_ERRORS),
        },
      },
    },
    async (req, reply) => {
      const body = req.body as string | { records: unknown[] };
      const csv = typeof body === 'string' ? csvRecords(body, mushroom.dataset, max) : null;
      const input = csv === null ? (body as { records: unknown[] }).records : csv.records;
      const { items, itemsJson, durable } = await serving.classifyBatch(input, {
        ...callerOf(req),
        source: csv === null ? (req.jsonText ?? undefined) : undefined,
        validate,
      });
      // one version answers a whole batch (an experiment's arm, else Production)
      const answered = items.find((it) => it.ok);
      const m = answered?.ok ? serving.loaded(answered.model.version) : serving.model();
      const ok = items.reduce((n, it) => (it.ok ? n + 1 : n), 0);
      const allowed = ok < items.length ? mushroom.allowedFor(problemsOf(items)) : {};
      // exactly JSON.stringify of the answer, the items as serialised by serving (sent once durable)
      const text = `{"count":${items.length},"predicted":${ok},"invalid":${items.length - ok},"noveltyThreshold":${JSON.stringify(
        m === null ? null : noveltyThreshold(m),
      )}${csv !== null && csv.warnings.length > 0 ? `,"warnings":${JSON.stringify(csv.warnings)}` : ''}${
        Object.keys(allowed).length > 0 ? `,"allowed":${JSON.stringify(allowed)}` : ''
      },"items":${itemsJson}}`;
      await durable;
      countItems(ctx.metrics, items);
      // (text, not the object: the schema documents it, fast-json-stringify does not run on text)
      return reply.type('application/json; charset=utf-8').send(text as never);
    },
  );
};

/** The problems of a batch's invalid items. */
function problemsOf(items: readonly BatchItem[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const it of items) if (!it.ok) out.push(...it.problems);
  return out;
}
