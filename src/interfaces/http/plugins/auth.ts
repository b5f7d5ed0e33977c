import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SporeprintError } from '../../../core/index.js';
import type { ApiKeyVerifier, ApiPrincipal } from '../http-deps.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified API key of the request, or null (no key, or a key that failed). */
    principal: ApiPrincipal | null;
    /** Why the key sent did not verify (unknown or revoked), or null. */
    authFailure: string | null;
  }
  interface FastifyContextConfig {
    /** `false`: the route never looks at API keys (health probes, metrics). */
    auth?: boolean;
  }
}

/**
 * The secret a request carries: `Authorization: Bearer <key>` (the scheme is case-insensitive, RFC
 * 7235) or `x-api-key: <key>`.
 */
export function secretOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string') {
    const m = /^bearer[ \t]+(\S.*)$/i.exec(h.trim());
    if (m !== null) return m[1].trim();
  }
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k.trim() !== '' ? k.trim() : null;
}

/**
 * Resolves each request's principal first thing (`onRequest`, before the rate limit and before the
 * body is read): the key is verified once; a key that fails leaves `principal` null and names why in
 * `authFailure` (the route's guard answers 401), so the rate limit counts failed attempts by address.
 */
export const authPlugin = fp<{ keys: ApiKeyVerifier }>(
  async (app: FastifyInstance, opts) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('authFailure', null);
    // (a callback hook: a request without a key, the common case, costs no promise)
    app.addHook('onRequest', (req, _reply, done) => {
      const secret = req.routeOptions.config?.auth === false ? null : secretOf(req);
      if (secret === null) return done();
      opts.keys.verify(secret).then((p) => {
        if (p === null) req.authFailure = 'unknown or revoked API key';
        else req.principal = p;
        done();
      }, done);
    });
  },
  { name: 'sporeprint-auth' },
);

/**
 * A `preParsing` hook (runs after the rate limit, before the body is read) that lets a request
 * through only with a key of one of `roles`; with `required()` false, requests without a key pass
 * too, but a key sent must verify.
 */
export function guard(
  roles: readonly ApiPrincipal['role'][],
  what: string,
  required: () => boolean = () => true,
): (req: FastifyRequest, reply: unknown, payload: unknown, done: (err: Error | null) => void) => void {
  const refusal = (req: FastifyRequest): SporeprintError | null => {
    if (req.authFailure !== null) return new SporeprintError('SP_ERR_UNAUTHORIZED', req.authFailure);
    const p = req.principal;
    if (p === null) {
      return required()
        ? new SporeprintError('SP_ERR_UNAUTHORIZED', `${what} needs an API key (Authorization: Bearer <key>)`)
        : null;
    }
    return roles.includes(p.role)
      ? null
      : new SporeprintError(
          'SP_ERR_FORBIDDEN',
          `${what} needs a key with role ${roles.join(' or ')}; this key is ${p.role}`,
        );
  };
  // (a callback hook: no promise per request)
  return (req, _reply, _payload, done) => done(refusal(req));
}
