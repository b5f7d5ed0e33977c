import type { FastifyInstance } from 'fastify';
import { SporeprintError } from '../../../core/index.js';
import { authenticate, requireRole } from '../auth.js';
import type { HttpDeps, RegistryHttpApi } from '../http-deps.js';

const noValidation = () => () => true;

function versionOf(v: string): number {
  if (!/^\d+$/.test(v))
    throw new SporeprintError('SP_ERR_BAD_PARAM', `version must be a positive integer, got '${v}'`);
  return Number(v);
}

/** Registry reads for everyone, registry actions for admins. */
export function registryRoutes(app: FastifyInstance, deps: HttpDeps, registry: RegistryHttpApi): void {
  const admin = async (req: import('fastify').FastifyRequest): Promise<void> => {
    req.principal = await authenticate(req, deps.keys);
    requireRole(req.principal, ['admin'], 'registry actions');
  };
  const tags = ['registry'];
  app.get('/v1/models', { schema: { tags, summary: 'Registered models' } }, () => registry.list());
  app.get<{ Params: { name: string } }>('/v1/models/:name', { schema: { tags } }, (req) =>
    registry.show(req.params.name),
  );
  app.get<{ Params: { name: string; version: string } }>(
    '/v1/models/:name/versions/:version',
    { schema: { tags } },
    (req) => registry.version(req.params.name, versionOf(req.params.version)),
  );
  app.get<{ Params: { name: string } }>('/v1/models/:name/history', { schema: { tags } }, (req) =>
    registry.history(req.params.name),
  );
  app.post<{
    Params: { name: string; version: string };
    Body: { stage?: string; reason?: string; force?: boolean } | null;
  }>(
    '/v1/models/:name/versions/:version/promote',
    {
      schema: {
        tags,
        summary: 'Promote a version (admin; the quality gate applies to Production)',
        body: {
          type: 'object',
          properties: {
            stage: { type: 'string', enum: ['Production', 'Staging'] },
            reason: { type: 'string' },
            force: { type: 'boolean' },
          },
        },
      },
      validatorCompiler: noValidation,
      preHandler: admin,
    },
    (req) => {
      const b = req.body ?? {};
      const stage = b.stage ?? 'Production';
      if (stage !== 'Production' && stage !== 'Staging') {
        throw new SporeprintError(
          'SP_ERR_VALIDATION',
          `stage must be Production or Staging, got '${stage}'`,
          {
            problems: [{ field: 'stage', problem: 'unknown_code', message: 'Production or Staging' }],
          },
        );
      }
      return registry.promote({
        name: req.params.name,
        version: versionOf(req.params.version),
        stage,
        actor: `api-key:${req.principal!.id}`,
        reason: b.reason,
        force: b.force === true,
      });
    },
  );
  app.put<{ Params: { name: string; alias: string }; Body: { version?: unknown; reason?: string } | null }>(
    '/v1/models/:name/aliases/:alias',
    {
      schema: { tags, summary: 'Point an alias at a version (admin)' },
      validatorCompiler: noValidation,
      preHandler: admin,
    },
    (req) => {
      const v = req.body?.version;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
        throw new SporeprintError('SP_ERR_VALIDATION', 'body.version must be a positive integer', {
          problems: [{ field: 'version', problem: 'wrong_type', message: 'a positive integer' }],
        });
      }
      return registry.alias({
        name: req.params.name,
        alias: req.params.alias,
        version: v,
        actor: `api-key:${req.principal!.id}`,
        reason: req.body?.reason,
      });
    },
  );
  app.post<{ Params: { name: string }; Body: { reason?: string } | null }>(
    '/v1/models/:name/rollback',
    {
      schema: { tags, summary: 'Return Production to the previously promoted version (admin)' },
      validatorCompiler: noValidation,
      preHandler: admin,
    },
    (req) =>
      registry.rollback({
        name: req.params.name,
        actor: `api-key:${req.principal!.id}`,
        reason: req.body?.reason,
      }),
  );
}
