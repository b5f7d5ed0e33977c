import { type Static, type TSchema, Type } from 'typebox';
import { FIELD_PROBLEM_KINDS, type FieldProblem } from '../../../services/index.js';

/** One problem with one field of a request. */
export const ProblemSchema = Type.Object(
  {
    field: Type.String({ description: 'the field, e.g. `cap-shape` or `records[3].odor`' }),
    problem: Type.Unsafe<FieldProblem['problem']>({
      type: 'string',
      enum: [...FIELD_PROBLEM_KINDS],
      description: 'what is wrong',
    }),
    message: Type.String({ description: 'the problem in words, naming the field and the value' }),
    in: Type.Optional(
      Type.Union([
        Type.Literal('body'),
        Type.Literal('query'),
        Type.Literal('params'),
        Type.Literal('headers'),
      ]),
    ),
    value: Type.Optional(Type.String({ description: 'the value sent (cut to 40 characters)' })),
    record: Type.Optional(Type.Integer({ description: 'index of the record it belongs to (batches)' })),
  },
  { additionalProperties: false },
);

/** The `details` of an error answer: bounded, whatever the request. */
export const ErrorDetailsSchema = Type.Object(
  {
    problems: Type.Optional(
      Type.Array(ProblemSchema, { description: 'the first problems found (at most 20)' }),
    ),
    more: Type.Optional(Type.Integer({ description: 'problems found but not listed' })),
    invalidRecords: Type.Optional(
      Type.Integer({ description: 'records that failed validation (all-or-nothing endpoints)' }),
    ),
    allowed: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'allowed values with their meaning, once per field named in the problems',
      }),
    ),
  },
  { additionalProperties: true },
);

/** `$id` of {@link ErrorEnvelopeSchema} (added once with `app.addSchema`). */
export const ERROR_ENVELOPE_ID = 'ErrorEnvelope';

/** The one body of every error answer. */
export const ErrorEnvelopeSchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ pattern: '^SP_ERR_[A-Z_]+$', description: 'stable code, see docs/errors.md' }),
        message: Type.String(),
        details: Type.Optional(ErrorDetailsSchema),
      },
      { additionalProperties: false },
    ),
  },
  { $id: ERROR_ENVELOPE_ID, additionalProperties: false, description: 'every error answer' },
);

/** An error answer. */
export type ErrorEnvelope = Static<typeof ErrorEnvelopeSchema>;
/** One problem (the type serving reports for batch items, which this schema describes). */
export type Problem = FieldProblem;

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'malformed request (JSON, CSV, URL)',
  401: 'API key missing, unknown or revoked',
  403: 'the key may not do this',
  404: 'no such route, model or object',
  409: 'conflicts with the stored state',
  413: 'body over the size limit',
  414: 'URL or path parameter too long',
  415: 'unsupported content type',
  422: 'the request does not match its schema (details.problems names each field)',
  429: 'rate limit reached',
  500: 'internal error (no details leave the server)',
  503: 'not ready, database unavailable, or shutting down',
};

/** Statuses every route may answer (malformed URL, too long, rate limit, internal, shutting down). */
const EVERY_ROUTE = [400, 414, 429, 500, 503] as const;

/**
 * Response schemas of the error statuses a route answers: the ones every route may give plus
 * `statuses`, each the error envelope (by reference).
 */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [...EVERY_ROUTE, ...statuses].sort((a, b) => a - b)) {
    out[s] = Type.Ref(ERROR_ENVELOPE_ID, { description: ERROR_DESCRIPTIONS[s] ?? 'error' });
  }
  return out;
}

/** The statuses a route that takes a body answers besides its own: 413, 415, 422. */
export const BODY_ERRORS = [413, 415, 422] as const;
/** The statuses of a route guarded by an API key: 401, 403. */
export const AUTH_ERRORS = [401, 403] as const;
