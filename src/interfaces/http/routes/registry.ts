import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, type TObject, type TSchema, Type } from 'typebox';
import type { RegistryHttpApi } from '../http-deps.js';
import { guard } from '../plugins/auth.js';
import { AUTH_ERRORS, BODY_ERRORS, errorResponses } from '../schemas/error-envelope.js';
import { NoQuery } from '../schemas/no-query.js';
import { nullable } from '../schemas/prediction.js';
import { registryEvaluations } from './registry-evaluations.js';
import { type RouteContext, smallBodyLimit } from './route-context.js';

/** An optional body: the object, or none at all (validated as null). */
function orNull<T extends TObject>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
}

/** Longest `reason` of a registry action (it goes into the append-only history). */
export const MAX_REASON = 1000;

const Name = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  description: 'registered model name',
});
const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const NameParams = Type.Object({ name: Name });
const VersionParams = Type.Object({ name: Name, version: Version });
const AliasParams = Type.Object({
  name: Name,
  alias: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$', description: 'alias, e.g. champion' }),
});
const Reason = Type.String({
  minLength: 1,
  maxLength: MAX_REASON,
  description: `why (recorded in the history; at most ${MAX_REASON} characters)`,
});
const Stage = Type.Unsafe<'None' | 'Staging' | 'Production' | 'Archived'>({
  type: 'string',
  enum: ['None', 'Staging', 'Production', 'Archived'],
});
const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

const VersionRecord = Type.Object(
  {
    modelName: Type.String(),
    version: Type.Integer(),
    runId: Type.String(),
    datasetId: Type.String(),
    artifactSha256: Type.String(),
    stage: Stage,
    aliases: Type.Array(Type.String()),
    metrics: Type.Unknown(),
    author: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: true },
);
const ModelRecord = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    latestVersion: Type.Integer(),
    productionVersion: Type.Union([Type.Integer(), Type.Null()]),
    aliases: Type.Record(Type.String(), Type.Integer()),
    createdAt: Timestamp,
  },
  { additionalProperties: true },
);
const Transition = Type.Object(
  { previousProduction: Type.Union([VersionRecord, Type.Null()]), version: VersionRecord },
  {
    additionalProperties: true,
    description: 'the version as it is now, and the Production version it replaced',
  },
);
const HistoryEvent = Type.Object(
  {
    id: Type.Integer(),
    modelName: Type.String(),
    version: Type.Integer(),
    event: Type.String(),
    fromStage: nullable({ type: 'string' }),
    toStage: nullable({ type: 'string' }),
    alias: nullable({ type: 'string' }),
    actor: Type.String(),
    reason: nullable({ type: 'string' }),
    forced: Type.Boolean(),
    createdAt: Timestamp,
  },
  { additionalProperties: true },
);

/** The page of versions `GET /v1/models/{name}` answers (default: every version). */
const VersionPage = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'at most this many versions (default: all)',
      }),
    ),
    offset: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000_000,
        description: 'skip this many of the newest versions',
      }),
    ),
  },
  { additionalProperties: false },
);

/** What the registry's `show` answers. */
interface ModelAndVersions {
  readonly model: unknown;
  readonly versions: readonly unknown[];
}

const ok = (schema: TSchema, ...statuses: number[]) => ({
  200: schema,
  ...errorResponses(404, 422, ...statuses),
});
const ADMIN = [...AUTH_ERRORS, ...BODY_ERRORS, 409];

type RegistryContext = RouteContext & { registry: RegistryHttpApi };

/** Registry reads, for everyone. */
const registryReads: FastifyPluginAsyncTypebox<RegistryContext> = async (app, ctx) => {
  const { registry } = ctx;
  const tags = ['registry'];

  app.get(
    '/v1/models',
    {
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Registered models',
        response: ok(Type.Array(ModelRecord)),
      },
    },
    () => registry.list() as never,
  );
  app.get(
    '/v1/models/:name',
    {
      schema: {
        querystring: VersionPage,
        tags,
        params: NameParams,
        response: ok(Type.Object({ model: ModelRecord, versions: Type.Array(VersionRecord) })),
      },
    },
    async (req) => {
      const { model, versions } = (await registry.show(req.params.name)) as ModelAndVersions;
      const { limit, offset = 0 } = req.query;
      return {
        model,
        versions:
          limit === undefined && offset === 0
            ? versions
            : versions.slice(offset, offset + (limit ?? versions.length)),
      } as never;
    },
  );
  app.get(
    '/v1/models/:name/versions/:version',
    {
      schema: {
        querystring: NoQuery,
        tags,
        params: VersionParams,
        response: ok(VersionRecord),
      },
    },
    (req) => registry.version(req.params.name, req.params.version) as never,
  );
  app.get(
    '/v1/models/:name/history',
    {
      schema: {
        querystring: Type.Object(
          {
            last: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 100_000, description: 'only the newest this many events' }),
            ),
          },
          { additionalProperties: false },
        ),
        tags,
        params: NameParams,
        response: ok(Type.Array(HistoryEvent)),
      },
    },
    async (req) => {
      const events = (await registry.history(req.params.name)) as readonly unknown[];
      const { last } = req.query;
      return (last === undefined ? events : events.slice(-last)) as never;
    },
  );
};

/** Registry stage actions (promote, archive), for admin keys. */
const registryStageActions: FastifyPluginAsyncTypebox<RegistryContext> = async (app, ctx) => {
  const { registry } = ctx;
  const tags = ['registry'];
  const admin = guard(['admin'], 'registry actions');
  const actor = (id: string | undefined): string => `api-key:${id ?? 'unknown'}`;
  const small = smallBodyLimit(ctx);

  app.post(
    '/v1/models/:name/versions/:version/promote',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Promote a version (admin; the quality gate applies to Production)',
        params: VersionParams,
        body: orNull(
          Type.Object(
            {
              stage: Type.Optional(
                Type.Unsafe<'Production' | 'Staging'>({
                  type: 'string',
                  enum: ['Production', 'Staging'],
                  description: 'default Production',
                }),
              ),
              reason: Type.Optional(Reason),
              force: Type.Optional(
                Type.Boolean({ description: 'override a failed quality gate (needs a reason)' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: ok(Transition, ...ADMIN),
      },
    },
    (req) => {
      const b = req.body ?? {};
      return registry.promote({
        name: req.params.name,
        version: req.params.version,
        stage: b.stage ?? 'Production',
        actor: actor(req.principal?.id),
        reason: b.reason,
        force: b.force === true,
      }) as never;
    },
  );
  app.post(
    '/v1/models/:name/versions/:version/archive',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Archive a version (admin; archiving the Production version needs force and a reason)',
        params: VersionParams,
        body: orNull(
          Type.Object(
            {
              reason: Type.Optional(Reason),
              force: Type.Optional(
                Type.Boolean({ description: 'archive even the Production version (needs a reason)' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: ok(Transition, ...ADMIN),
      },
    },
    (req) => {
      const b = req.body ?? {};
      return registry.archive({
        name: req.params.name,
        version: req.params.version,
        actor: actor(req.principal?.id),
        reason: b.reason,
        force: b.force === true,
      }) as never;
    },
  );
};

/** Registry alias and rollback actions, for admin keys. */
const registryAliasActions: FastifyPluginAsyncTypebox<RegistryContext> = async (app, ctx) => {
  const { registry } = ctx;
  const tags = ['registry'];
  const admin = guard(['admin'], 'registry actions');
  const actor = (id: string | undefined): string => `api-key:${id ?? 'unknown'}`;
  const small = smallBodyLimit(ctx);

  app.put(
    '/v1/models/:name/aliases/:alias',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Point an alias at a version (admin)',
        params: AliasParams,
        body: Type.Object(
          { version: Version, reason: Type.Optional(Reason) },
          { additionalProperties: false },
        ),
        response: ok(VersionRecord, ...ADMIN),
      },
    },
    (req) =>
      registry.alias({
        name: req.params.name,
        alias: req.params.alias,
        version: req.body.version,
        actor: actor(req.principal?.id),
        reason: req.body.reason,
      }) as never,
  );
  app.post(
    '/v1/models/:name/rollback',
    {
      bodyLimit: small,
      preParsing: admin,
      schema: {
        querystring: NoQuery,
        tags,
        summary: 'Return Production to the previously promoted version (admin)',
        params: NameParams,
        body: orNull(Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false })),
        response: ok(Transition, ...ADMIN),
      },
    },
    (req) =>
      registry.rollback({
        name: req.params.name,
        actor: actor(req.principal?.id),
        reason: req.body?.reason,
      }) as never,
  );
};

/** Registry reads for everyone, registry actions (validated bodies) for admin keys. */
export const registryRoutes: FastifyPluginAsyncTypebox<RegistryContext> = async (app, ctx) => {
  await app.register(registryReads, ctx);
  await app.register(registryEvaluations, ctx);
  await app.register(registryStageActions, ctx);
  await app.register(registryAliasActions, ctx);
};
