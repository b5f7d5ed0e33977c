import type { FastifyRequest } from 'fastify';
import { SporeprintError } from '../../core/index.js';
import type { ApiKeyVerifier, ApiPrincipal } from './http-deps.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiPrincipal | null;
  }
}

/** The secret a request carries: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function secretOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.startsWith('Bearer ')) return h.slice(7).trim() || null;
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k.trim() !== '' ? k.trim() : null;
}

/** Resolves the request's principal (null without a key); an unknown or revoked key is a 401. */
export async function authenticate(req: FastifyRequest, keys: ApiKeyVerifier): Promise<ApiPrincipal | null> {
  const secret = secretOf(req);
  if (secret === null) return null;
  const p = await keys.verify(secret);
  if (p === null) throw new SporeprintError('SP_ERR_UNAUTHORIZED', 'unknown or revoked API key');
  return p;
}

/** Throws unless the principal has one of `roles`. */
export function requireRole(
  p: ApiPrincipal | null,
  roles: readonly ApiPrincipal['role'][],
  what: string,
): void {
  if (p === null) {
    throw new SporeprintError(
      'SP_ERR_UNAUTHORIZED',
      `${what} needs an API key (Authorization: Bearer <key>)`,
    );
  }
  if (!roles.includes(p.role)) {
    throw new SporeprintError(
      'SP_ERR_FORBIDDEN',
      `${what} needs a key with role ${roles.join(' or ')}; this key is ${p.role}`,
    );
  }
}
