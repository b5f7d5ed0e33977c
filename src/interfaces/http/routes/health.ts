import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SporeprintError } from '../../../core/index.js';
import { errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { nullable } from '../schemas/prediction.js';
import type { RouteContext } from './route-context.js';

/** What `/health/ready` checks. */
export interface Readiness {
  readonly ok: boolean;
  readonly model: ReturnType<RouteContext['deps']['serving']['status']>;
  /** `ok`, or why the database is not usable. */
  readonly database: string;
  /** `ok`, or why the prediction log cannot commit. */
  readonly predictionLog: string;
  /** The server is draining before it stops: not ready, whatever the other checks say. */
  readonly draining: boolean;
}

/**
 * Ready when a verified model is loaded, the database answers and the prediction log can commit (its
 * last commit did not fail, or one succeeded since), and the server is not draining before a stop.
 * Driver texts go to the server log, not here.
 */
export async function readinessOf(ctx: RouteContext): Promise<Readiness> {
  const { deps } = ctx;
  let database = 'ok';
  try {
    await deps.pingDatabase();
  } catch (e) {
    database = 'unavailable (see the server log)';
    ctx.metrics.dbErrors.inc({ operation: 'ping' });
    ctx.log?.error({ err: e }, 'readiness: database ping failed');
  }
  const problem = (await deps.logCommitProblem?.()) ?? null;
  const predictionLog = problem === null ? 'ok' : `cannot commit: ${problem}`;
  const draining = deps.draining?.() ?? false;
  const ok = deps.serving.ready && database === 'ok' && problem === null && !draining;
  return { ok, model: deps.serving.status(), database, predictionLog, draining };
}

const ServingStatusSchema = Type.Object({
  modelName: Type.String(),
  model: Type.Union([
    Type.Object({ version: Type.Integer(), artifactSha256: Type.String(), loadedAt: Type.String() }),
    Type.Null(),
  ]),
  lastSwapError: nullable({ type: 'string' }),
  swaps: Type.Integer(),
  experiment: Type.Union(
    [
      Type.Object({
        experimentId: Type.String(),
        assignment: Type.String({ description: 'request or client' }),
        arms: Type.Array(
          Type.Object({
            name: Type.String(),
            version: Type.Integer(),
            role: Type.String({ description: 'control, challenger or shadow' }),
            weight: Type.Number(),
          }),
        ),
      }),
      Type.Null(),
    ],
    { description: 'the running A/B experiment requests are routed by (null: none, Production answers)' },
  ),
});

/** `/health/live` and `/health/ready` (for probes: no key, no rate limit). */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const config = { auth: false, rateLimit: false } as const;
  app.get(
    '/health/live',
    {
      config,
      schema: {
        querystring: NoQuery,
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('live') }), ...errorResponses() },
      },
    },
    async () => ({ status: 'live' as const }),
  );
  const ReadyAnswer = Type.Object({
    status: Type.Literal('ready'),
    model: ServingStatusSchema,
    database: Type.Literal('ok'),
    predictionLog: Type.Literal('ok'),
  });
  app.get(
    '/health/ready',
    {
      config,
      schema: {
        querystring: NoQuery,
        tags: ['health'],
        summary: 'A verified model is loaded, the database answers and the prediction log can commit',
        description:
          'Not ready is a 503 SP_ERR_NOT_READY naming why; its details hold the model status, "database" and "predictionLog" ("ok", or why the log cannot commit: its last commit failed and none succeeded since), and "status": "draining" while the server drains before it stops (SIGTERM: it still answers requests for SPOREPRINT_DRAIN_SECONDS, so that load balancers take it out of rotation first).',
        response: { 200: ReadyAnswer, ...errorResponses() },
      },
    },
    async () => {
      const r = await readinessOf(ctx);
      notReadyUnless(r);
      return {
        status: 'ready' as const,
        // (the experiment's readonly arms are what the schema describes)
        model: r.model as never,
        database: 'ok' as const,
        predictionLog: 'ok' as const,
      };
    },
  );
};

/** Throws SP_ERR_NOT_READY naming every reason, with the checks in its details, unless ready. */
export function notReadyUnless(r: Readiness): void {
  if (r.ok) return;
  const why = [
    ...(r.draining ? ['draining: the server is stopping (it still answers requests meanwhile)'] : []),
    ...(r.model.model === null ? [`no verified model of '${r.model.modelName}' is loaded`] : []),
    ...(r.database === 'ok' ? [] : [`database ${r.database}`]),
    ...(r.predictionLog === 'ok' ? [] : [`prediction log ${r.predictionLog}`]),
  ];
  throw new SporeprintError('SP_ERR_NOT_READY', `not ready: ${why.join('; ')}`, {
    ...(r.draining ? { status: 'draining' } : {}),
    model: r.model,
    database: r.database,
    predictionLog: r.predictionLog,
  });
}
