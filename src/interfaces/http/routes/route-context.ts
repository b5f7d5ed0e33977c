import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { BatchItem, FieldProblem, PredictionResult, ServedModel } from '../../../services/index.js';
import { validationError } from '../errors.js';
import type { HttpDeps } from '../http-deps.js';
import type { HttpMetrics } from '../metrics.js';
import { guard } from '../plugins/auth.js';
import type { JsonBudget } from '../plugins/json-body.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import type { MushroomValidator } from '../schemas/mushroom.js';
import { MAX_PROBLEMS } from '../validation/problems.js';

/** What every route plugin gets. */
export interface RouteContext {
  readonly deps: HttpDeps;
  readonly metrics: HttpMetrics;
  readonly mushroom: MushroomValidator;
  /** How much structure a JSON body may hold (see `jsonBudget`). */
  readonly jsonBudget: JsonBudget;
  /** The app's logger (null when logging is off). */
  readonly log?: FastifyBaseLogger;
}

/** Who a change made with an API key is recorded as. */
export const keyActor = (id: string | undefined): string => `api-key:${id ?? 'unknown'}`;

/** The answers of a route on an object: `schema`, 404, 422 and `statuses`. */
export const objectAnswers = (schema: TSchema, ...statuses: number[]) => ({
  200: schema,
  ...errorResponses(404, 422, ...statuses),
});

/** The error statuses of an admin route with a body: 401, 403, 413, 415, 422, 400, 409. */
export const ADMIN_ERRORS = [...AUTH_ERRORS, ...BODY_ERRORS, 400, 409];

/** Body limit of routes that take one small object (a mushroom, a label, a registry action). */
export const SMALL_BODY_LIMIT = 64 * 1024;

/** The body limit of a small route: 64 KiB, or the configured limit when lower. */
export const smallBodyLimit = (ctx: RouteContext): number =>
  Math.min(SMALL_BODY_LIMIT, ctx.deps.settings.bodyLimitBytes);

/** The guard of prediction routes: a predict or admin key, required when configured. */
export const predictGuard = (ctx: RouteContext): ReturnType<typeof guard> =>
  guard(['predict', 'admin'], 'prediction', () => ctx.deps.settings.requireKeyForPredict);

/**
 * The `X-Client-Id` header of prediction routes: who the caller says the end client is (the unit an
 * experiment assigned per client is sticky for). Checked by the routes' header schema.
 */
export const ClientIdHeaders = Type.Object(
  {
    'x-client-id': Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[!-~]+$',
        description:
          'the end client (1-128 visible ASCII characters, no spaces): logged as the client of the prediction, and the unit of an experiment assigned per client (every request of a client gets the same arm, in every server process). Without it: the API key id, else (no key) each request on its own',
      }),
    ),
  },
  { additionalProperties: true },
);

const clientHeader = (req: FastifyRequest): string | undefined => {
  const h = req.headers['x-client-id'];
  return typeof h === 'string' ? h : undefined;
};

/** Who made a request, for the prediction log: its `X-Client-Id`, else the key id, else the address. */
export const clientOf = (req: FastifyRequest): string => clientHeader(req) ?? req.principal?.id ?? req.ip;

/**
 * The unit an experiment assigns: the request's `X-Client-Id`, else its API key id; null (assigned
 * per request) without either.
 */
export const unitOf = (req: FastifyRequest): string | null => clientHeader(req) ?? req.principal?.id ?? null;

/** How a prediction request is logged and routed: its client and its unit. */
export const callerOf = (req: FastifyRequest): { clientId: string; unit: string | null } => ({
  clientId: clientOf(req),
  unit: unitOf(req),
});

/** Counts a prediction in the metrics. */
export function countPrediction(metrics: HttpMetrics, r: PredictionResult, n = 1): void {
  metrics.predictions.inc({ decision: r.decision, model: r.model.name, version: String(r.model.version) }, n);
}

/** Counts the predicted items of a batch, one counter update per decision. */
export function countItems(metrics: HttpMetrics, items: readonly BatchItem[]): number {
  let ok = 0;
  const counts = new Map<string, { r: PredictionResult; n: number }>();
  for (const it of items) {
    if (!it.ok) continue;
    ok++;
    const c = counts.get(it.decision);
    if (c === undefined) counts.set(it.decision, { r: it, n: 1 });
    else c.n++;
  }
  for (const { r, n } of counts.values()) countPrediction(metrics, r, n);
  return ok;
}

/** The unknown-species guard's threshold of a served model (null without a guard). */
export const noveltyThreshold = (m: ServedModel): number | null => m.pipeline.guard?.guard.threshold ?? null;

/**
 * All-or-nothing endpoints (OIP v2, MLflow): checks every record against the mushroom schema before
 * any is predicted or stored; one invalid record is a 422 naming the first problems (at most 20,
 * each with its record), how many records are invalid, and the allowed values once per field.
 */
export function checkEveryRecord(
  mushroom: MushroomValidator,
  records: readonly unknown[],
  nameOf: (i: number) => string,
): void {
  let invalid = 0;
  let first = -1;
  let more = 0;
  const problems: FieldProblem[] = [];
  for (let i = 0; i < records.length; i++) {
    if (mushroom.check(records[i])) continue;
    invalid++;
    if (first < 0) first = i;
    if (problems.length >= MAX_PROBLEMS) continue;
    const r = mushroom.problems(records[i], { prefix: nameOf(i), max: MAX_PROBLEMS - problems.length });
    for (const p of r.problems) problems.push({ ...p, record: i });
    more += r.more;
  }
  if (invalid === 0) return;
  throw validationError(
    `${invalid} of ${records.length} record(s) invalid, nothing predicted or stored; first: ${mushroom.message(
      problems.filter((p) => p.record === first),
      0,
    )}`,
    problems,
    { more, invalidRecords: invalid, allowed: mushroom.allowedFor(problems) },
  );
}
